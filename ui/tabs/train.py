"""Train tab: hyperparameters, start/stop, the live view (ui.live_view), run history, config I/O.

Training runs in a child process (finetune.train.jobs); this tab starts it, stops it and shows what its
events say. It owns every config widget the Model & Data tab does not.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Optional

import gradio as gr

from finetune.config.run_config import RunConfig, field_default
from finetune.config.tasks import MULTI_LABEL, SINGLE_LABEL, TASKS, main_metric
from finetune.errors import RunError
from finetune.runs.run import Run, active_runs
from finetune.train.jobs import cancel, enqueue, queue_position, start_training

from .. import live_view
from ..access import checkpoint_source, new_run_owner, open_run, visible_runs, visitor_of
from ..config_form import (
    CONFIG_WIDGETS,
    DATA_FIELDS,
    cli_command,
    config_from_widgets,
    config_to_widget_values,
    widget_for,
)
from ..downloads import SCRIPT_STYLES, export_run_script, redraw_code_js
from ..i18n import field_info, field_label, say, t, translate
from ..limits import check_start
from ..settings import Settings
from ..studio import Studio, Values
from ..tasks import HEADLINE_METRICS, effective_task, metric_choices, metric_name, run_task, task_name

BASIC = ("learning_rate", "num_train_epochs", "per_device_train_batch_size", "max_length", "padding", "precision")
CROSS_VALIDATION = ("cv_folds", "cv_final_model")
DECISION = ("metric_for_best_model", "threshold", "tune_threshold")  # how the run is judged (per task)
FIELDS = tuple(n for n in CONFIG_WIDGETS if n not in DATA_FIELDS)
ADVANCED = tuple(n for n in FIELDS if n not in BASIC + CROSS_VALIDATION + DECISION)
TASK_OUTPUTS = ("train.task_note", "metric_for_best_model", "train.threshold_box")
NO_RUN_YET = (
    "**No run yet.** Press **Start training** to fine-tune the checkpoint on the dataset chosen on the "
    "*Model & Data* tab. Progress, the log and the loss and metric curves appear here as it trains."
)
# the log follows its last line (a read-only box keeps its scroll position as lines are added below the fold)
SCROLL_LOG_JS = """() => { requestAnimationFrame(() => {
  const box = document.querySelector('#run-log textarea');
  if (box) box.scrollTop = box.scrollHeight;
}); }"""
HISTORY_COLUMNS = ["run", "status", "checkpoint", "dataset", "accuracy", "f1", "matthews_correlation", "date", "note"]


def config_of(settings: Settings, v: Values) -> RunConfig:
    """The RunConfig of the form's widget values; a run typed as the checkpoint (its key) becomes its folder, so
    training continues from its model/ with its trained head."""
    values = {name: v[name] for name in CONFIG_WIDGETS}
    values["checkpoint"] = checkpoint_source(settings, values.get("checkpoint"), visitor_of(v))
    return config_from_widgets(values, settings)


def start(settings: Settings, v: Values) -> Values:
    """Start a training from the form (public mode: queue it when another one runs)."""
    config = config_of(settings, v)
    owner = new_run_owner(settings, visitor_of(v))
    check_start(settings, config, owner)
    busy = active_runs(settings.runs_dir)
    if busy and settings.public:
        run_dir = enqueue(config, owner=owner)
        position = queue_position(settings.runs_dir, run_dir.name)
        return {
            "train.run_state": run_dir.name,
            "train.message": say(
                "The studio is busy with another training. Your run **{run}** is queued at position **{position}** and "
                "starts by itself; keep this page open or come back later.",
                run=run_dir.name,
                position=position,
            ),
        }
    if busy:
        raise RunError(
            say(
                "A training is already running ({run}). It keeps running; wait for it to finish or press Stop first.",
                run=busy[0].run_id,
            )
        )
    job = start_training(config, max_concurrent=settings.max_concurrent, owner=owner)
    # the run's name is in the live view's header just below: the message does not repeat it
    return {"train.run_state": job.run_id, "train.message": say("Training started: follow it below.")}


def stop(settings: Settings, v: Values) -> Values:
    if not v["train.run_state"]:
        raise RunError(say("No run selected to stop: start one, or pick one in the run history and press Show."))
    run = open_run(settings, v["train.run_state"], visitor_of(v))
    status = cancel(run.path, timeout=60)
    return {"train.message": say("Run **{run}** is {status}.", run=run.id, status=say(str(status.get("status"))))}


def history(settings: Settings, v: Values) -> Values:
    """The run history table and the run picker's choices (public mode: the visitor's own runs); its metric
    columns are those of the tasks its runs have (no empty accuracy column for regression runs)."""
    import pandas as pd

    runs = visible_runs(settings, visitor_of(v))
    tasks = {run_task(Run(r.path)) for r in runs}  # None: a run that has not read its data yet
    columns = history_columns({task for task in tasks if task})
    rows = [{**r.as_row(), **history_cells(r, columns), "note": history_note(r)} for r in runs]
    frame = pd.DataFrame([{**row, "status": say(str(row["status"]))} for row in rows], columns=columns)
    shown = {name: say(name) if name in HISTORY_COLUMNS else metric_name(name) for name in columns}
    return {"train.history": frame.rename(columns=shown), "train.pick": gr.Dropdown(choices=[r.run_id for r in runs])}


METRIC_COLUMNS = {m for names in HEADLINE_METRICS.values() for m in names}


def history_columns(tasks: set[str]) -> list[str]:
    """The history's columns: the run, then the headline metrics of each task present (single-label's alone when
    there is no run yet), then date and note."""
    present = [task for task in TASKS if task in tasks] or [SINGLE_LABEL]
    metrics = list(dict.fromkeys(m for task in present for m in HEADLINE_METRICS[task]))
    return [*HISTORY_COLUMNS[:4], *metrics, "date", "note"]


def history_cells(run: Any, columns: Optional[list[str]] = None) -> dict[str, Any]:
    """What the history shows differently from the run's summary row: an uploaded file by its name (not
    gradio's temporary path), every metric column the run has, and a k-fold run's metrics as 'mean ± std' over
    its folds, the numbers of its cross-validation summary (the pooled out-of-fold F1/MCC differ from the
    folds' mean)."""
    wanted = [name for name in (columns or HISTORY_COLUMNS) if name in METRIC_COLUMNS]
    cells: dict[str, Any] = {"dataset": shown_dataset(run.dataset)}
    for name in wanted:
        value = run.metrics.get(name)
        cells[name] = round(float(value), 4) if isinstance(value, (int, float)) else None
    summary = Run(run.path).metrics().get("cross_validation") or {}
    for name, stats in (summary.get("metrics") or {}).items():
        if name in wanted and isinstance(stats, dict) and isinstance(stats.get("mean"), (int, float)):
            cells[name] = f"{stats['mean']:.4f} ± {float(stats.get('std') or 0.0):.4f}"
    return cells


def shown_dataset(dataset: str) -> str:
    """A local file as its name (an upload's path is a long temporary folder); a Hub id or folder as it is."""
    path = Path(dataset)
    return path.name if path.suffix and (path.is_absolute() or path.exists()) else dataset


def history_note(run: Any) -> str:
    """Why a run failed or cannot be read (a damaged run can still be deleted), or that it learned nothing."""
    if str(run.status) in ("failed", "damaged"):
        return translate(run.message.splitlines()[0])[:200] if run.message else ""
    return translate(run.warnings[0])[:200] if run.warnings else ""


def follow_task(v: Values) -> Values:
    """The form for the run's task, chosen on the Model & Data tab or detected by its preview: the task named,
    the metrics metric_for_best_model offers (a metric of another task becomes this task's main one; 'accuracy',
    the default, means it anyway), and the multi-label decision threshold, shown for multi-label only. Nothing
    changes while the task is unknown (auto, and no preview has read the data)."""
    if v.get("task") not in TASKS and v.get("data.task") not in TASKS:
        return {}
    task = effective_task(v.get("task"), v.get("data.task"))
    choices = metric_choices(task)
    metric = v.get("metric_for_best_model")
    metric = metric if metric in choices else main_metric(task)
    how = say("chosen") if v.get("task") in TASKS else say("detected on the Model & Data tab")
    note = say(
        "**Task:** {task} ({how}); the best model is judged by {metric}.",
        task=task_name(task),
        how=how,
        metric=f"`{metric}`",
    )
    return {
        "train.task_note": note,
        "metric_for_best_model": gr.Dropdown(choices=choices, value=metric),
        "train.threshold_box": gr.Row(visible=task == MULTI_LABEL),
    }


def attach(settings: Settings, v: Values) -> Values:
    """On page load: the active run, else the latest one (None when there is none); public mode: the visitor's."""
    runs = visible_runs(settings, visitor_of(v))
    active = [r for r in runs if r.status.is_active]
    runs = active or runs
    return {"train.run_state": runs[0].run_id if runs else None}


def show_run(settings: Settings, v: Values) -> Values:
    run = open_run(settings, v["train.pick"], visitor_of(v))
    config = json.dumps(run.config_dict(), indent=2, ensure_ascii=False)
    return {"train.run_state": run.id, "train.run_config": gr.Code(value=config, visible=True)}


def remove(settings: Settings, v: Values) -> Values:
    run = open_run(settings, v["train.pick"], visitor_of(v))
    run.delete()
    return {"train.message": say("Deleted {run}.", run=run.id), **history(settings, v)}


def save_config(settings: Settings, v: Values) -> Values:
    path = Path(tempfile.mkdtemp(prefix="config-")) / "finetune-config.json"
    path.write_text(config_of(settings, v).to_json(), encoding="utf-8")
    return {"train.save_config": str(path)}


def load_config(v: Values) -> Values:
    file = v["train.load_config"]
    if file is None:
        return {}
    return config_to_widget_values(RunConfig.from_json_file(str(getattr(file, "name", file))))


def export_script(settings: Settings, v: Values) -> Values:
    """The page's run as the script a tutorial reader would write (finetune.export.script)."""
    script, path = export_run_script(settings, v["train.run_state"], visitor_of(v), v["train.script_style"])
    return {"train.script": gr.Code(value=script, visible=True), "train.script_file": gr.File(value=path, visible=True)}


def build(studio: Studio) -> None:
    add = studio.add
    with gr.Row():
        for name in BASIC:
            add(name, widget_for(name))
    add("train.task_note", gr.Markdown(elem_id="train-task-note"))
    with gr.Row():
        add(
            "metric_for_best_model",
            widget_for("metric_for_best_model", choices=metric_choices(SINGLE_LABEL), allow_custom_value=True),
        )
        add("cv_folds", widget_for("cv_folds", label=t("k-fold cross-validation: folds (0: off)")))
        add("cv_final_model", widget_for("cv_final_model", label=t("then train a final model on all the data")))
    with add("train.threshold_box", gr.Row(visible=False, elem_id="threshold-box")):  # multi-label only
        add(
            "threshold",
            gr.Slider(
                0.01,
                0.99,
                value=field_default("threshold"),
                step=0.01,
                label=field_label("threshold"),
                info=field_info("threshold"),
                elem_id="cfg-threshold",
                scale=2,
            ),
        )
        add("tune_threshold", widget_for("tune_threshold", scale=1))
    with gr.Accordion(t("Advanced hyperparameters"), open=False):
        for i in range(0, len(ADVANCED), 4):
            with gr.Row():
                for name in ADVANCED[i : i + 4]:
                    add(name, widget_for(name))
    with gr.Row():
        add("train.start", gr.Button(t("Start training"), variant="primary", elem_id="start-btn"))
        add("train.stop", gr.Button(t("Stop"), variant="stop", elem_id="stop-btn"))
    add("train.message", gr.Markdown(elem_id="train-message"))
    add("train.run_state", gr.State(None))
    add("studio.runs_version", gr.State(""))
    add("live.header", gr.Markdown(t(NO_RUN_YET), elem_id="run-header"))
    add("live.progress", gr.HTML(elem_id="progress-box"))
    live_view.build_charts(add)
    add("live.summary", gr.Markdown(elem_id="run-summary"))
    add(
        "live.log",
        gr.Textbox(label=t("log"), lines=12, max_lines=12, autoscroll=True, elem_id="run-log", interactive=False),
    )
    with add("train.config_box", gr.Accordion(t("Configuration file and command line"), open=False)):
        with gr.Row():
            add("train.save_config", gr.DownloadButton(t("Save config as JSON"), elem_id="save-config"))
            add(
                "train.load_config", gr.UploadButton(t("Load config JSON"), file_types=[".json"], elem_id="load-config")
            )
            add("train.cli_btn", gr.Button(t("Show CLI command")))
            add("train.export", gr.Button(t("Export the shown run as a Python script"), elem_id="train-export"))
            add(
                "train.script_style",
                gr.Radio(list(SCRIPT_STYLES), value="trainer", label=t("script style"), elem_id="train-script-style"),
            )
        add(  # hidden until asked for: an empty code box is a large blank area
            "train.cli",
            gr.Code(language="shell", label=t("equivalent command"), elem_id="cli-command", visible=False),
        )
        add("train.script_file", gr.File(label="train.py", elem_id="train-script-file", visible=False))
        add(
            "train.script",
            gr.Code(
                language="python",
                label=t("the run as a standalone script (no import of this project)"),
                elem_id="train-script",
                max_lines=40,
                visible=False,
            ),
        )
    with gr.Accordion(t("Run history"), open=True):
        add(
            "train.history",
            gr.Dataframe(headers=HISTORY_COLUMNS, interactive=False, elem_id="run-history", max_height=260),
        )
        with gr.Row():
            add("train.pick", gr.Dropdown(label=t("run"), choices=[], elem_id="run-pick"))
            add("train.show", gr.Button(t("Show this run")))
            add("train.delete", gr.Button(t("Delete this run"), variant="stop"))
        add("train.run_config", gr.Code(language="json", label=t("run config"), elem_id="run-config", visible=False))
    wire(studio)


def wire(studio: Studio) -> None:
    """The tab's own listeners; the live view streams after Start and Show (and on page load, see ui.page)."""
    settings = studio.settings
    started = studio.listen(
        studio["train.start"].click, lambda v: start(settings, v), CONFIG_WIDGETS, ["train.run_state", "train.message"]
    )
    stream_live_view(studio, started)
    studio.listen(studio["train.stop"].click, lambda v: stop(settings, v), ["train.run_state"], ["train.message"])
    studio.listen(
        studio["train.save_config"].click, lambda v: save_config(settings, v), CONFIG_WIDGETS, ["train.save_config"]
    )
    studio.listen(studio["train.load_config"].upload, load_config, ["train.load_config"], CONFIG_WIDGETS)
    studio.listen(
        studio["train.cli_btn"].click,
        lambda v: {"train.cli": gr.Code(value=cli_command(config_of(settings, v)), visible=True)},
        CONFIG_WIDGETS,
        ["train.cli"],
    )
    shown = studio.listen(
        studio["train.show"].click,
        lambda v: show_run(settings, v),
        ["train.pick"],
        ["train.run_state", "train.run_config"],
    )
    stream_live_view(studio, shown)
    studio.listen(
        studio["train.delete"].click,
        lambda v: remove(settings, v),
        ["train.pick"],
        ["train.message", "train.history", "train.pick"],
    )
    script_inputs = ["train.run_state", "train.script_style", "train.script"]
    studio.listen(
        studio["train.export"].click,
        lambda v: export_script(settings, v),
        script_inputs,
        ["train.script", "train.script_file"],
    )
    studio.listen(  # a new style re-exports the shown script
        studio["train.script_style"].change,
        lambda v: export_script(settings, v) if v["train.script"] else {},
        script_inputs,
        ["train.script", "train.script_file"],
    )
    studio.listen(
        studio["studio.runs_version"].change, lambda v: history(settings, v), [], ["train.history", "train.pick"]
    )
    studio["live.log"].change(None, None, None, js=SCROLL_LOG_JS)
    for redraw in (studio["train.script"].change, studio["train.config_box"].expand):
        redraw(None, None, None, js=redraw_code_js("train-script"))


def stream_live_view(studio: Studio, event: Any) -> None:
    """Once ``event`` has set the page's run: stream its live view (a page's stream takes no concurrency slot)."""
    settings = studio.settings

    async def follow_run(v: Values) -> AsyncIterator[Values]:
        session = getattr(v["request"], "session_hash", None)
        async for parts in live_view.follow(settings, v["train.run_state"], session, visitor_of(v)):
            yield parts

    studio.stream(
        event.success,
        follow_run,
        ["train.run_state"],
        [*live_view.VIEW, "studio.runs_version", "train.run_state"],
        show_progress="hidden",
        concurrency_limit=None,
    )
