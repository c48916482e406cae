"""Runs tab: compare 2-6 runs, manage runs (resume, clone, clean, delete) and search hyperparameters.

A thin layer over :mod:`finetune.runs.compare` (curves, config diff, metrics, disk use, clean-up),
:mod:`finetune.train.jobs` (resume) and :mod:`finetune.train.search` (a search in a child process; its trials
are child runs, listed as ``<search>/trials/trial-<i>`` and compared like any run). Public mode:
only the visitor's own runs are listed and opened (ui.access), children through their parent.

Cross-tab wiring (ui/studio.py, :func:`ui.page.wire_runs_to_train_form`):
- Clone: ``runs.clone_values`` (a State) changes to {config field: widget value}; wire its
  ``.change`` to :func:`apply_clone` with outputs ``CONFIG_WIDGETS`` (and switch to the Train tab).
- Search: ``runs.search_start`` needs the Train form: inputs ``CONFIG_WIDGETS + SEARCH_FIELDS``,
  handler :func:`start_search`, outputs ``SEARCH_STARTED``; then stream :func:`follow_search`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, Optional

import gradio as gr

from finetune.config.tasks import SINGLE_LABEL, TASKS, main_metric
from finetune.errors import RunError
from finetune.runs import compare
from finetune.runs.run import Run, active_runs
from finetune.train import jobs, search
from finetune.train.jobs import cancel, resume

from ..access import new_run_owner, open_run, visible_runs, visitor_of
from ..charts import X_FORMAT, Y_FORMAT, CurvePlot, colour_map, legend_html
from ..config_form import CONFIG_WIDGETS, config_from_widgets, config_to_widget_values
from ..i18n import say, t
from ..settings import Settings
from ..studio import Studio, Values
from ..tasks import effective_task, metric_choices, metric_name, run_task

CHARTS = (
    ("runs.loss", "loss", "Training loss"),
    ("runs.val_loss", "eval_loss", "Validation loss"),
    ("runs.metric", None, "Validation metric"),
)
METRICS = ("accuracy", "f1", "matthews_correlation", "precision", "recall")  # single-label's (the choices on open)
SEARCH_FIELDS = (
    "runs.search_trials",
    "runs.lr_min",
    "runs.lr_max",
    "runs.batch_sizes",
    "runs.epochs",
    "runs.warmup_min",
    "runs.warmup_max",
    "runs.wd_min",
    "runs.wd_max",
    "runs.search_metric",
)
SEARCH_STARTED = ("runs.search_state", "runs.message")
SEARCH_VIEW = ("runs.trials", "runs.best")
LIST_OUTPUTS = ("runs.pick", "runs.target", "runs.disk")
COMPARE_OUTPUTS = ("runs.legend", "runs.loss", "runs.val_loss", "runs.metric", "runs.diff", "runs.metrics")
DISK_COLUMNS = ["run", "status", "total", "checkpoints", "model"]


def open_key(settings: Settings, key: Optional[str], visitor: Optional[str]) -> Run:
    """A run or a child run by key, opened through the visitor's access check on its top-level run."""
    if not key:
        raise RunError(say("Pick a run first."))
    return compare.open_key(settings.runs_dir, str(key), lambda run_id: open_run(settings, run_id, visitor))


def refresh(settings: Settings, v: Values) -> Values:
    """The run pickers (runs and their trials/folds) and the disk-use table."""
    import pandas as pd

    runs = [Run(r.path) for r in visible_runs(settings, visitor_of(v))]
    keys = compare.with_children(runs, settings.runs_dir)
    rows = []
    for run in runs:
        use = compare.disk_use(run)
        rows.append(
            {"run": run.id, "status": say(str(run.state)), **{k: compare.format_bytes(n) for k, n in use.items()}}
        )
    picked = [k for k in (v.get("runs.pick") or []) if k in keys]
    target = v.get("runs.target") if v.get("runs.target") in keys else None
    return {
        "runs.pick": gr.Dropdown(choices=keys, value=picked or None),
        "runs.target": gr.Dropdown(choices=keys, value=target),
        "runs.disk": pd.DataFrame(rows, columns=DISK_COLUMNS).rename(columns={c: say(c) for c in DISK_COLUMNS}),
    }


def axis_choices() -> list[tuple[str, str]]:
    """The compare charts' x axis, named in the page's language."""
    return [(say(axis), axis) for axis in ("step", "epoch")]


def choices_in_language(v: Values) -> Values:
    return {"runs.axis": gr.Radio(choices=axis_choices())}


# -- compare ----------------------------------------------------------------------------------------
def curve_frame(points: list[dict[str, Any]], series: str, axis: str) -> Any:
    """One chart's points: numeric x (step or epoch) and value, a run per colour (explicit dtypes, so the
    axes are numeric from the first frame)."""
    import pandas as pd

    chosen = [p for p in points if p["series"] == series]
    return pd.DataFrame(
        {
            "x": pd.Series([float(p[axis]) for p in chosen], dtype="float64"),
            "value": pd.Series([p["value"] for p in chosen], dtype="float64"),
            "run": pd.Series([p["run"] for p in chosen], dtype="string"),
        }
    )


def compare_runs(settings: Settings, v: Values) -> Values:
    """Overlaid curves (training loss, validation loss, the chosen validation metric), config diff, metrics."""
    import pandas as pd

    runs = [open_key(settings, key, visitor_of(v)) for key in (v.get("runs.pick") or [])]
    compare.check_selection(runs)
    points = compare.compare_curves(runs)
    axis, metric = v.get("runs.axis") or "step", v.get("runs.metric_name") or "accuracy"
    colours = colour_map(compare.run_labels(runs))  # every run, drawn or not, in the legend above the charts
    out: Values = {"runs.legend": gr.HTML(value=legend_html([(say("run"), colours)], "runs-legend"), visible=True)}
    for name, series, title in CHARTS:
        frame = curve_frame(points, series or f"eval_{metric}", axis)
        out[name] = gr.LinePlot(
            value=frame if len(frame) else None,
            x_title=say(axis),
            y_title=say("value"),
            color_map=colours,
            colors_in_legend=[],
            visible=True,
            title=say(title) if series else say("Validation {metric}", metric=metric_name(metric)),
        )
    diff = pd.DataFrame(compare.config_diff(runs) or {"field": [say("(the configs are identical)")]})
    metrics = pd.DataFrame(compare.metrics_table(runs))
    out["runs.diff"] = gr.Dataframe(value=diff.rename(columns={c: say(c) for c in diff.columns}), visible=True)
    out["runs.metrics"] = gr.Dataframe(value=metrics.rename(columns={c: say(c) for c in metrics.columns}), visible=True)
    return out


def curve_metrics(settings: Settings, v: Values) -> Values:
    """The metric picker for the picked runs: the validation metrics of their tasks (runs of several tasks:
    each task's, one after another), the current one kept when it is among them."""
    tasks = []
    for key in v.get("runs.pick") or []:
        try:
            tasks.append(run_task(open_key(settings, key, visitor_of(v))) or SINGLE_LABEL)
        except RunError:
            continue  # a run deleted meanwhile: the list's refresh drops it
    if not tasks:
        return {}
    choices = list(dict.fromkeys(m for task in TASKS if task in tasks for m in metric_choices(task) if m != "loss"))
    current = v.get("runs.metric_name")
    return {"runs.metric_name": gr.Dropdown(choices=choices, value=current if current in choices else choices[0])}


def follow_task(v: Values) -> Values:
    """The search objective offers the metrics of the Train form's task (chosen, or detected by the preview);
    the current one is kept when the task has it, else the task's main metric."""
    if v.get("task") not in TASKS and v.get("data.task") not in TASKS:
        return {}
    task = effective_task(v.get("task"), v.get("data.task"))
    choices = metric_choices(task)
    current = v.get("runs.search_metric")
    value = current if current in choices else main_metric(task)
    return {"runs.search_metric": gr.Dropdown(choices=choices, value=value)}


# -- management -------------------------------------------------------------------------------------
def resume_run(settings: Settings, v: Values) -> Values:
    """Resume a cancelled or failed run from its last checkpoint (a child process, like Start)."""
    run = open_key(settings, v.get("runs.target"), visitor_of(v))
    checkpoint = run.latest_checkpoint()
    if checkpoint is None:
        raise RunError(
            say("Run '{run}' has no checkpoint to resume from; clone its config and start it again.", run=run.id)
        )
    job = resume(run.path, max_concurrent=settings.max_concurrent)
    return {
        "runs.message": say(
            "Resumed **{run}** from {checkpoint}; follow it on the Train tab.",
            run=job.run_id,
            checkpoint=f"`{checkpoint.name}`",
        )
    }


def clone(settings: Settings, v: Values) -> Values:
    """The run's config as the Train form's widget values ({field: value}, see ``runs.clone_values``)."""
    run = open_key(settings, v.get("runs.target"), visitor_of(v))
    return {
        "runs.clone_values": config_to_widget_values(run.config()),
        "runs.message": say("Copied the config of **{run}** into the Train form.", run=run.id),
    }


def apply_clone(v: Values) -> Values:
    """Cross-tab: the cloned values onto the config widgets (outputs: CONFIG_WIDGETS)."""
    values = v.get("runs.clone_values") or {}
    return {name: value for name, value in values.items() if name in CONFIG_WIDGETS}


def clean(settings: Settings, v: Values) -> Values:
    run = open_key(settings, v.get("runs.target"), visitor_of(v))
    freed = compare.clean_checkpoints(run)
    return {
        "runs.message": say(
            "Deleted the checkpoints of **{run}** ({size} freed); the model is kept.",
            run=run.id,
            size=compare.format_bytes(freed),
        ),
        **refresh(settings, v),
    }


def ask_delete(settings: Settings, v: Values) -> Values:
    run = open_key(settings, v.get("runs.target"), visitor_of(v))
    size = compare.format_bytes(compare.disk_use(run)["total"])
    return {
        "runs.message": say(
            "Delete **{run}** and every file in it ({size})? Press **Confirm delete**.", run=run.id, size=size
        ),
        "runs.confirm": gr.Button(visible=True),
    }


def confirm_delete(settings: Settings, v: Values) -> Values:
    run = open_key(settings, v.get("runs.target"), visitor_of(v))
    run.delete()
    return {
        "runs.message": say("Deleted {run}.", run=run.id),
        "runs.confirm": gr.Button(visible=False),
        **refresh(settings, v),
    }


# -- search -----------------------------------------------------------------------------------------
def search_spec(v: Values) -> search.SearchSpec:
    """The search of the form's fields."""
    space = search.SearchSpace(
        learning_rate=(v["runs.lr_min"], v["runs.lr_max"]),
        batch_sizes=_numbers(v["runs.batch_sizes"]),
        epochs=_numbers(v["runs.epochs"]),
        warmup_ratio=(v["runs.warmup_min"], v["runs.warmup_max"]),
        weight_decay=(v["runs.wd_min"], v["runs.wd_max"]),
    )
    return search.SearchSpec(
        trials=int(v["runs.search_trials"] or 0), space=space, metric=v["runs.search_metric"] or "accuracy"
    )


def _numbers(text: Any) -> list[float]:
    parts = [p.strip() for p in str(text or "").replace(";", ",").split(",") if p.strip()]
    try:
        return [float(p) for p in parts]
    except ValueError:
        raise RunError(say("Expected numbers separated by commas, found '{text}'.", text=text)) from None


def start_search(settings: Settings, v: Values) -> Values:
    """Start a search with the Train form's config and this tab's search space.

    Inputs: CONFIG_WIDGETS + SEARCH_FIELDS.
    """
    config = config_from_widgets({name: v[name] for name in CONFIG_WIDGETS}, settings)
    spec = search_spec(v)
    owner = new_run_owner(settings, visitor_of(v))
    busy = active_runs(settings.runs_dir)
    if busy:
        raise RunError(
            say("A training is already running ({run}); wait for it to finish or stop it first.", run=busy[0].run_id)
        )
    search.check_search_config(config)
    job = jobs.start_training(
        config, owner=owner, max_concurrent=settings.max_concurrent, prepare=lambda run: search.save_spec(run, spec)
    )
    return {
        "runs.search_state": job.run_id,
        "runs.message": say(
            "Started search **{run}**: {trials} trials, objective {metric}.",
            run=job.run_id,
            trials=spec.trials,
            metric=spec.metric,
        ),
    }


def search_view(settings: Settings, run_id: Optional[str], visitor: Optional[str]) -> Values:
    """The trial table and the best trial so far of a search run."""
    import pandas as pd

    run = open_run(settings, run_id, visitor)
    spec = search.read_spec(run) or search.SearchSpec()
    rows = search.trial_table(run, spec.metric)
    best = search.best_trial(rows, spec.metric, spec.direction)
    state = run.state
    head = say(
        "**Search {run}** ({state}): {done} of {trials} trials",
        run=run.id,
        state=say(str(state)),
        done=len(rows),
        trials=spec.trials,
    )
    shown = (
        say(
            "; best so far **{trial}**, {metric} **{value}** (lr {lr}, batch {batch}, epochs {epochs})",
            trial=best["trial"],
            metric=spec.metric,
            value=f"{best[spec.metric]:.4f}",
            lr=f"{best['learning_rate']:.2e}",
            batch=best["batch_size"],
            epochs=best["epochs"],
        )
        if best
        else say("; no trial finished yet")
    )
    trials = pd.DataFrame(rows)
    return {"runs.trials": trials.rename(columns={c: say(c) for c in trials.columns}), "runs.best": head + shown}


def stop_search(settings: Settings, v: Values) -> Values:
    run = open_run(settings, v.get("runs.search_state"), visitor_of(v))
    status = cancel(run.path, timeout=60)
    return {
        "runs.message": say(
            "Search **{run}** is {status}; finished trials are kept.", run=run.id, status=say(str(status.get("status")))
        )
    }


async def follow_search(settings: Settings, v: Values, poll: float = 2.0) -> AsyncIterator[Values]:
    """The search's live view: the trial table whenever a trial changes, until the search has ended."""
    run_id, seen = v.get("runs.search_state"), None
    while run_id:
        view = search_view(settings, run_id, visitor_of(v))
        shown = (view["runs.best"], view["runs.trials"].to_json())
        if shown != seen:
            seen = shown
            yield view
        if not open_run(settings, run_id, visitor_of(v)).state.is_active:
            return
        await asyncio.sleep(poll)


# -- layout and wiring ------------------------------------------------------------------------------
def build(studio: Studio) -> None:
    add = studio.add
    gr.Markdown(t("Pick 2-6 runs (search trials and k-fold folds are listed under their parent) and press Compare."))
    with gr.Row():
        add(
            "runs.pick",
            gr.Dropdown(
                label=t("runs to compare"), choices=[], multiselect=True, max_choices=6, elem_id="runs-pick", scale=4
            ),
        )
        add("runs.axis", gr.Radio(axis_choices(), value="step", label=t("x axis"), elem_id="runs-axis"))
        add(
            "runs.metric_name",
            gr.Dropdown(
                list(METRICS), value="accuracy", label=t("metric"), elem_id="runs-metric-name", allow_custom_value=True
            ),
        )
        add("runs.compare", gr.Button(t("Compare"), variant="primary", elem_id="runs-compare"))
    add("runs.legend", gr.HTML(elem_id="runs-legend-box", visible=False))
    with gr.Row(equal_height=True):
        for name, _, title in CHARTS:
            add(
                name,
                CurvePlot(
                    x="x",
                    y="value",
                    color="run",
                    colors_in_legend=[],
                    title=t(title),
                    x_title="step",
                    y_title="value",
                    x_axis_format=X_FORMAT,
                    y_axis_format=Y_FORMAT,
                    show_label=False,
                    height=300,
                    visible=False,
                    elem_id=name.replace(".", "-").replace("_", "-") + "-plot",
                ),
            )
    add(
        "runs.diff",
        gr.Dataframe(label=t("config: fields that differ"), interactive=False, elem_id="runs-diff", visible=False),
    )
    add(
        "runs.metrics",
        gr.Dataframe(
            label=t("final metrics, per-class F1, train speed"),
            interactive=False,
            elem_id="runs-metrics",
            visible=False,
        ),
    )
    with gr.Accordion(t("Manage runs"), open=True):
        with gr.Row():
            add("runs.target", gr.Dropdown(label=t("run"), choices=[], elem_id="runs-target", scale=3))
            add("runs.resume", gr.Button(t("Resume"), elem_id="runs-resume"))
            add("runs.clone", gr.Button(t("Clone config to Train"), elem_id="runs-clone"))
            add("runs.clean", gr.Button(t("Delete checkpoints (keep model)"), elem_id="runs-clean"))
            add("runs.delete", gr.Button(t("Delete run"), variant="stop", elem_id="runs-delete"))
            add("runs.confirm", gr.Button(t("Confirm delete"), variant="stop", visible=False, elem_id="runs-confirm"))
        add("runs.message", gr.Markdown(elem_id="runs-message"))
        add("runs.clone_values", gr.State(None))
        add(
            "runs.disk",
            gr.Dataframe(
                headers=DISK_COLUMNS, label=t("disk use"), interactive=False, elem_id="runs-disk", max_height=260
            ),
        )
    with gr.Accordion(t("Hyperparameter search (the Train form's config, Trainer.hyperparameter_search)"), open=False):
        _build_search_form(add)
    wire(studio)


def _build_search_form(add: Any) -> None:
    with gr.Row():
        add("runs.search_trials", gr.Number(4, label=t("trials"), precision=0, minimum=1, elem_id="runs-search-trials"))
        add("runs.lr_min", gr.Number(1e-5, label=t("learning rate from"), elem_id="runs-lr-min"))
        add("runs.lr_max", gr.Number(1e-4, label=t("learning rate to"), elem_id="runs-lr-max"))
        add("runs.batch_sizes", gr.Textbox("16, 32", label=t("batch sizes"), elem_id="runs-batch-sizes"))
        add("runs.epochs", gr.Textbox("1, 2, 3", label=t("epochs"), elem_id="runs-epochs"))
    with gr.Row():
        add("runs.warmup_min", gr.Number(0.0, label=t("warmup ratio from"), elem_id="runs-warmup-min"))
        add("runs.warmup_max", gr.Number(0.1, label=t("warmup ratio to"), elem_id="runs-warmup-max"))
        add("runs.wd_min", gr.Number(0.0, label=t("weight decay from"), elem_id="runs-wd-min"))
        add("runs.wd_max", gr.Number(0.1, label=t("weight decay to"), elem_id="runs-wd-max"))
        add(
            "runs.search_metric",
            gr.Dropdown(
                metric_choices("single_label"),
                value="accuracy",
                label=t("objective"),
                elem_id="runs-search-metric",
                allow_custom_value=True,
            ),
        )
    with gr.Row():
        add("runs.search_start", gr.Button(t("Start search"), variant="primary", elem_id="runs-search-start"))
        add("runs.search_stop", gr.Button(t("Stop search"), variant="stop", elem_id="runs-search-stop"))
    add("runs.search_state", gr.State(None))
    add("runs.best", gr.Markdown(elem_id="runs-best"))
    add("runs.trials", gr.Dataframe(label=t("trials"), interactive=False, elem_id="runs-trials"))


def wire(studio: Studio) -> None:
    """The tab's own listeners (the runs list follows ``studio.runs_version`` when the page has it)."""
    settings = studio.settings
    listen = studio.listen
    compare_inputs = ["runs.pick", "runs.axis", "runs.metric_name"]
    listen(studio["runs.compare"].click, lambda v: compare_runs(settings, v), compare_inputs, COMPARE_OUTPUTS)
    listen(
        [studio["runs.axis"].change, studio["runs.metric_name"].change],  # redraw what is compared, if anything
        lambda v: compare_runs(settings, v) if len(v.get("runs.pick") or []) > 1 else {},
        compare_inputs,
        COMPARE_OUTPUTS,
    )
    listen(studio["runs.pick"].change, lambda v: curve_metrics(settings, v), compare_inputs, ["runs.metric_name"])
    listen(studio["runs.resume"].click, lambda v: resume_run(settings, v), ["runs.target"], ["runs.message"])
    listen(
        studio["runs.clone"].click, lambda v: clone(settings, v), ["runs.target"], ["runs.clone_values", "runs.message"]
    )
    listen(
        studio["runs.clean"].click,
        lambda v: clean(settings, v),
        ["runs.target", "runs.pick"],
        ["runs.message", *LIST_OUTPUTS],
    )
    listen(
        studio["runs.delete"].click,
        lambda v: ask_delete(settings, v),
        ["runs.target"],
        ["runs.message", "runs.confirm"],
    )
    listen(
        studio["runs.confirm"].click,
        lambda v: confirm_delete(settings, v),
        ["runs.target", "runs.pick"],
        ["runs.message", "runs.confirm", *LIST_OUTPUTS],
    )
    listen(studio["runs.target"].change, lambda v: {"runs.confirm": gr.Button(visible=False)}, [], ["runs.confirm"])
    listen(
        studio["runs.search_stop"].click, lambda v: stop_search(settings, v), ["runs.search_state"], ["runs.message"]
    )
    if "studio.runs_version" in studio:
        listen(
            studio["studio.runs_version"].change,
            lambda v: refresh(settings, v),
            ["runs.pick", "runs.target"],
            LIST_OUTPUTS,
        )
