"""The live view of a run (progress, log, three charts, summary) and the page's one stream.

Training runs in a child process; the page only reads the run's ``events.jsonl``. Each page holds
one streaming event (:func:`follow`): an async generator that reads what was appended every second,
sends only the parts that changed, and waits (holding no thread) in between. A ``gr.Timer`` would
make the browser run a whole event every second even when nothing changed, which took a measurable
share of a core from a training on the same machine (benchmarks/README.md, ui_vs_cli).

The stream also watches the runs folder: when any run starts or ends it sends a new
``studio.runs_version``, and the tabs that list runs (history, Predict, Hub) refresh themselves from
its change event. So a run that finishes updates every open page, without a reload.
"""

from __future__ import annotations

import asyncio
import functools
import html
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Optional

import gradio as gr

from finetune.config.tasks import REGRESSION, SINGLE_LABEL, TASKS
from finetune.errors import restore_message
from finetune.runs.events import EventLog, describe_precision, format_duration, format_eval_progress, format_event
from finetune.runs.run import Run, RunStatus, active_runs, run_states

from .access import find_run, owner_key
from .charts import X_FORMAT, Y_FORMAT, CurvePlot, colour_map, legend_html
from .i18n import say, t, translate
from .settings import Settings
from .studio import Values
from .tasks import CHART_METRICS, metric_colours, metric_name, report_lines

VIEW = (
    "live.header",
    "live.progress",
    "live.log",
    "live.legend",
    "live.loss",
    "live.val_loss",
    "live.metrics",
    "live.summary",
)
POLL_SECONDS = 1.0
IDLE_POLL_SECONDS = 2.0
KEEPALIVE_POLLS = 10  # with nothing new, still send (nothing) this often, so a closed page's stream ends


def fold_label(fold: Any) -> str:
    """A fold's name on the charts and in their legend ("fold 2", "final model")."""
    return say("final model") if fold == "final" else say("fold {fold}", fold=fold)


def fold_steps(events: list[dict[str, Any]]) -> tuple[dict[Any, int], int]:
    """({fold: steps before it}, the steps of the whole run) for a k-fold run, so its folds lie one after another
    on the charts and the progress bar runs once over all of them; ({}, the run's steps) for a plain run.

    A fold not started yet is counted with the size of the latest one (folds differ by a row or two).
    """
    totals: dict[Any, int] = {}
    planned = 0
    for e in events:
        if e["type"] == "progress" and "fold" in e:
            totals[e["fold"]] = max(totals.get(e["fold"], 0), int(e.get("total_steps") or 0))
            planned = max(planned, int(e.get("folds") or 0))
    if not totals:
        last = next((e for e in reversed(events) if e["type"] == "progress"), {})
        return {}, int(last.get("total_steps") or 0)
    offsets, done = {}, 0
    for fold, total in totals.items():
        offsets[fold] = done
        done += total
    numbered = [f for f in totals if f != "final"]
    missing = max(0, planned - len(numbered))
    return offsets, done + missing * list(totals.values())[-1]


def run_task_of(events: list[dict[str, Any]]) -> str:
    """The run's task from its ``started`` event (a run from before there were tasks is single-label)."""
    started = next((e for e in reversed(events) if e["type"] == "started"), {})
    return str(started["task"]) if started.get("task") in TASKS else SINGLE_LABEL


def has_started(events: list[dict[str, Any]]) -> bool:
    """Whether the run has read its data (its ``started`` event says the task its metrics follow)."""
    return any(e["type"] == "started" for e in events)


def curves(events: list[dict[str, Any]]) -> tuple[Any, Any, Any]:
    """(training loss, validation loss, validation metrics) as typed DataFrames; the metrics are those of the
    run's task (:data:`ui.tasks.CHART_METRICS`).

    A k-fold run keeps every fold: each fold's steps follow the previous fold's (``step`` is the run's
    step), and the loss curves have one series per fold. The columns are numeric even before the
    first point: a chart takes its axis types from the first frame it receives, and an untyped empty
    frame made it draw loss values as category labels.
    """
    import pandas as pd

    offsets, _ = fold_steps(events)
    plain = say("training loss")
    chart_metrics = CHART_METRICS[run_task_of(events)]
    train, val_loss, metrics = [], [], []
    for e in events:
        if e.get("step") is None:
            continue
        step = e["step"] + offsets.get(e.get("fold"), 0)
        series = fold_label(e["fold"]) if "fold" in e and offsets else plain
        if e["type"] == "progress" and e.get("loss") is not None:
            train.append({"step": step, "loss": e["loss"], "series": series})
        elif e["type"] == "evaluation" and e.get("split", "validation") == "validation":
            m = e.get("metrics", {})
            if "loss" in m:
                val_loss.append({"step": step, "loss": m["loss"], "series": series})
            metrics += [{"step": step, "value": m[k], "metric": metric_name(k)} for k in chart_metrics if k in m]
    numeric = {"step": "int64", "loss": "float64", "series": "string"}
    return (
        pd.DataFrame(train, columns=["step", "loss", "series"]).astype(numeric),
        pd.DataFrame(val_loss, columns=["step", "loss", "series"]).astype(numeric),
        pd.DataFrame(metrics, columns=["step", "value", "metric"]).astype(
            {"step": "int64", "value": "float64", "metric": "string"}
        ),
    )


def series_colours(events: list[dict[str, Any]]) -> dict[str, str]:
    """The loss charts' colour per series: one per fold in a k-fold run, the first colour otherwise."""
    offsets, _ = fold_steps(events)
    return colour_map([fold_label(f) for f in offsets] if offsets else [say("training loss")])


def legend(events: list[dict[str, Any]]) -> str:
    """The charts' one legend (folds, then the metrics of the run's task), wrapping at any page width."""
    offsets, _ = fold_steps(events)
    folds = series_colours(events) if offsets else {}
    metrics = metric_colours(run_task_of(events)) if has_started(events) else {}  # the task is known once started
    return legend_html([(say("fold"), folds), (say("metric"), metrics)], "live-legend")


def progress_html(events: list[dict[str, Any]], status: dict[str, Any]) -> str:
    started = next((e for e in reversed(events) if e["type"] == "started"), None)
    last = next((e for e in reversed(events) if e["type"] == "progress"), None) or {}
    state = html.escape(say(str(status.get("status", "unknown"))))
    label = say("Status:")
    if started is None:
        extra = (
            say(" (position {position} in the queue)", position=status["position"]) if status.get("position") else ""
        )
        return f"<div id='run-progress'><b>{label}</b> <span id='run-status'>{state}</span>{extra}</div>"
    step, total = last.get("step", 0), last.get("total_steps") or 0
    offsets, run_total = fold_steps(events)
    done = step + offsets.get(last.get("fold"), 0)  # k-fold: the bar runs once over every fold
    share = min(100.0, 100.0 * done / run_total) if run_total else 0.0
    active = status["status"].is_active
    evaluating = evaluation_in_progress(events) if active else None
    scored = (  # an evaluation's rows get a bar of their own: the steps' bar never moves backwards
        100.0 * evaluating["done"] / evaluating["total"] if evaluating is not None and evaluating.get("total") else None
    )
    elapsed = time.time() - events[0]["time"] if active else (events[-1]["time"] - events[0]["time"])
    fold = (
        say("fold {fold}/{folds}", fold=last["fold"], folds=last["folds"])
        if last.get("folds")
        else (say("final model") if "fold" in last else "")
    )
    parts = [
        f"<b>{label}</b> <span id='run-status'>{state}</span>",
        *([fold] if fold else []),
        say("step {step}/{total}", step=step, total=total),
        say("epoch {epoch}", epoch=f"{last.get('epoch', 0):.2f}"),
        say("elapsed {time}", time=format_duration(elapsed)),
    ]
    if active and last.get("eta_seconds") is not None:
        parts.append(say("ETA {time}", time=format_duration(last["eta_seconds"])))
    if last.get("samples_per_second"):
        parts.append(say("{speed} samples/s", speed=f"{last['samples_per_second']:.1f}"))
    if evaluating is not None:
        parts.append(html.escape(format_eval_progress(evaluating, say)))
    cap = next((e["evaluation_cap"] for e in events if e.get("evaluation_cap")), None)
    if cap:
        parts.append(say("evaluation capped at {cap} rows (max_eval_samples)", cap=f"{cap['cap']:,}"))
    precision = f"<span id='run-precision'>{html.escape(describe_precision(started, translate))}</span>"
    parts.append(f"{html.escape(translate(str(started.get('device'))))} · {precision}")
    rows_bar = (
        f"<div id='eval-bar' style='background:#e5e7eb;border-radius:3px;height:5px;margin-top:3px'>"
        f"<div style='width:{scored:.1f}%;background:#2563eb;height:5px;border-radius:3px'></div></div>"
        if scored is not None
        else ""
    )
    return (
        f"<div id='run-progress'><div style='background:#e5e7eb;border-radius:6px;height:14px'>"
        f"<div id='run-bar' data-share='{share:.1f}' style='width:{share:.1f}%;background:#f97316;height:14px;"
        f"border-radius:6px'></div></div>{rows_bar}"
        f"<div style='margin-top:4px'>{' · '.join(parts)}</div></div>"
    )


def evaluation_in_progress(events: list[dict[str, Any]]) -> Optional[dict[str, Any]]:
    """The latest ``eval_progress`` event when an evaluation is scoring rows now (None between evaluations)."""
    last = next((e for e in reversed(events) if e["type"] in ("progress", "eval_progress")), None)
    return last if last and last["type"] == "eval_progress" and last.get("seconds") is None else None


def final_summary(run: Run, status: dict[str, Any]) -> str:
    """The run's result in a few lines, once it has ended; what to do next."""
    state = status.get("status")
    message = html.escape(translate(restore_message(str(status.get("message", "")), status.get("message_parts"))))
    cross_validation = run.metrics().get("cross_validation")
    if cross_validation and state in ("finished", "cancelled"):
        from finetune.train.cross_validation import format_summary

        title = say("### Finished: cross-validation") if state == "finished" else say("### Cancelled") + f"\n{message}"
        return f"{title}\n\n{html.escape(format_summary(cross_validation, say=say), quote=False)}"
    if state == "finished":
        metrics = run.metrics()
        validation = metrics.get("validation", {})
        rows = "\n".join(f"| {html.escape(k)} | {v:.4f} |" for k, v in validation.get("metrics", {}).items())
        rows += "".join(f"\n| *{name}* | {value} |" for name, value in report_lines(validation, run.config_dict()))
        test = metrics.get("test", {}).get("metrics")
        extra = (
            "\n\n" + say("**Test:**") + " " + ", ".join(f"{html.escape(k)} {v:.4f}" for k, v in test.items())
            if test
            else ""
        )
        warnings = "".join(f"\n\n⚠️ **{html.escape(translate(w))}**" for w in validation.get("warnings") or [])
        title = say("### Finished, but the model learned nothing useful") if warnings else say("### Finished")
        header = say("| validation metric | value |")
        return f"{title}\n{header}\n|---|---|\n{rows}{extra}{warnings}\n\n" + say(
            "The model is saved in the run's `model/` folder. Try it on the **Predict** tab, or push it on the **Hub** "
            "tab."
        )
    if state == "failed":
        return say("### Failed") + f"\n{message}"
    if state == "cancelled":
        saved = say("The model trained so far is saved.") if status.get("model_dir") else say("No model was saved.")
        return say("### Cancelled") + f"\n{message} {saved}"
    return ""


def log_lines(events: list[dict[str, Any]]) -> list[str]:
    """Lines for the log box: everything but the once-a-second progress ticks (the progress bar shows those);
    an evaluation's ticks likewise, but its last one (rows, seconds, rows/s) is kept."""
    return [
        format_event(e, say, translate)
        for e in events
        if (e["type"] != "progress" or e.get("loss") is not None)
        and (e["type"] != "eval_progress" or e.get("seconds") is not None)
    ]


@functools.lru_cache(maxsize=16)
def event_log(path: Path) -> EventLog:
    """One incremental reader per run's events file, shared by every open page."""
    return EventLog(path)


def _chart(
    kind: Any, frame: Any, total_steps: int, titles: tuple[str, str], colours: dict[str, str], **extra: Any
) -> Any:
    """A chart update: the frame (None while empty), its colours, and the x axis from step 0 to the run's last step.

    All three charts share that axis, so a validation point lines up with the training loss at the
    same step, and the first and last points are not drawn on the chart's border. The charts' own
    legends stay off: :func:`legend` lists the series above them, whole, at any width.
    """
    margin = max(1.0, 0.03 * total_steps)  # so the last step's points are not cut by the chart's border
    return kind(
        value=frame if len(frame) else None,
        x_lim=[0, total_steps + margin] if total_steps else None,
        title=say(titles[0]),
        x_title=say("step"),
        y_title=say(titles[1]),
        color_map=colours,
        colors_in_legend=[],
        **extra,
    )


def metrics_y_range(task: str) -> Optional[list[float]]:
    """The metrics chart's y range: scores between 0 and 1 (MCC can dip below 0); a regression run's RMSE and MAE
    are in the target's unit, so that chart's range follows its values."""
    return None if task == REGRESSION else [-0.05, 1.05]


def render(
    settings: Settings, run_id: Optional[str], seen: dict[str, Any], visitor: Optional[str] = None
) -> tuple[Values, dict[str, Any], bool]:
    """The live view of a run: (changed parts by name, what is now on screen, whether the run has ended).

    Only the parts that changed since ``seen`` are returned; with nothing new it returns ``seen``
    itself. The run's status is written last, after its final events and metrics, so once it
    reads as ended, these parts are the final view.
    """
    run = find_run(settings, run_id, visitor)
    if run is None:
        return {}, seen, True
    size = run.events_path.stat().st_size if run.events_path.exists() else 0
    status = run.status()
    ended = not status["status"].is_active and status["status"] is not RunStatus.QUEUED
    key = (run_id, size, status["status"])
    # gradio's plots draw an update's previous value when a newer one arrives in a stream: the charts are
    # sent once more at the next poll after they change, so their last points are drawn too
    resend = bool(seen.get("charts_sent"))
    if seen.get("key") == key and not resend:
        return {}, seen, ended
    if status["status"] is RunStatus.QUEUED:
        from finetune.train.jobs import queue_position

        status = {**status, "position": queue_position(settings.runs_dir, run_id)}
        key = key + (status["position"],)
    events = event_log(run.events_path).read()
    lines = log_lines(events)
    train, val_loss, metrics = curves(events)
    new = {
        "key": key,
        "run": run_id,
        "lines": len(lines),
        "points": (len(train), len(val_loss), len(metrics)),
        "summary": status.get("status"),
    }
    changed = seen.get("run") != run_id
    parts: Values = {"live.progress": progress_html(events, status)}
    if changed:
        parts["live.header"] = say("**Run:** {run}", run=html.escape(run_id))
    if changed or new["lines"] != seen.get("lines"):
        parts["live.log"] = "\n".join(lines[-400:])
    new["charts_sent"] = changed or new["points"] != seen.get("points")
    if new["charts_sent"] or resend:
        _, total = fold_steps(events)
        colours, task = series_colours(events), run_task_of(events)
        parts.update(
            {
                "live.legend": legend(events),
                "live.loss": _chart(gr.LinePlot, train, total, ("Training loss", "loss"), colours),
                "live.val_loss": _chart(gr.ScatterPlot, val_loss, total, ("Validation loss", "loss"), colours),
                "live.metrics": _chart(
                    gr.ScatterPlot,
                    metrics,
                    total,
                    ("Validation metrics", "score" if task != REGRESSION else "value"),
                    metric_colours(task),
                    y_lim=metrics_y_range(task),
                ),
            }
        )
    if changed or new["summary"] != seen.get("summary"):
        parts["live.summary"] = final_summary(run, status)
    return parts, new, ended


def runs_version(settings: Settings, visitor: Optional[str]) -> str:
    """A fingerprint of the runs this page may see: it changes when one is created, deleted or changes status.

    Polled every second while a run trains, so it reads each run's status.json only (no configs or metrics).
    """
    states = run_states(settings.runs_dir, owner=owner_key(settings, visitor))
    return "|".join(f"{run_id}:{state}" for run_id, state in sorted(states.items()))


_viewers: dict[Any, object] = {}  # page session -> the token of the one stream it shows


async def follow(
    settings: Settings, run_id: Optional[str], session: Optional[str], visitor: Optional[str] = None
) -> AsyncIterator[Values]:
    """Stream one page's live view of ``run_id``, and the runs folder's version, while the page is open.

    A page shows one run: starting a new stream for the same ``session`` ends the previous one at
    its next poll (no two streams write to one page). Once the run has ended, the stream keeps
    watching the runs it may see (every 2 s); outside public mode, when a new training starts
    (from another page, or the CLI into the same folder), the page attaches to it.
    """
    token = object()
    session = session if session is not None else token  # no page id: a stream of its own
    _viewers[session] = token
    seen: dict[str, Any] = {}
    version = None
    quiet = 0
    try:
        while _viewers.get(session) is token:
            parts, seen, ended = await asyncio.to_thread(render, settings, run_id, seen, visitor)
            current = await asyncio.to_thread(runs_version, settings, visitor)
            if current != version:
                version = parts["studio.runs_version"] = current
                if ended and not settings.public:
                    run_id = await asyncio.to_thread(_newer_active_run, settings, run_id, parts)
            if _viewers.get(session) is not token:  # a newer stream (e.g. after a language switch) shows this page
                break
            if parts or quiet >= KEEPALIVE_POLLS:
                yield parts
                quiet = 0
            else:
                quiet += 1
            await asyncio.sleep(IDLE_POLL_SECONDS if ended else POLL_SECONDS)
        # Superseded: gradio ends a stream by sending its last update again, in full. Leave that update empty,
        # so this page's newer stream is not overwritten by the run this one showed.
        yield {}
    finally:
        if _viewers.get(session) is token:
            del _viewers[session]


def _newer_active_run(settings: Settings, run_id: Optional[str], parts: Values) -> Optional[str]:
    """The active run to show instead of an ended one (and set the page's run state), else ``run_id``."""
    active = active_runs(settings.runs_dir)
    if active and active[0].run_id != run_id:
        parts["train.run_state"] = active[0].run_id
        return active[0].run_id
    return run_id


def build_charts(add: Any) -> None:
    """The three live charts: numeric axes with readable ticks, a title each, one colour per series, and one
    legend above them (the charts' own legends are cut short in a narrow chart)."""
    common = {"x_axis_format": X_FORMAT, "y_axis_format": Y_FORMAT, "show_label": False, "height": 300}
    add("live.legend", gr.HTML(elem_id="live-legend-box"))
    with gr.Row(equal_height=True):
        add(
            "live.loss",
            CurvePlot(
                x="step",
                y="loss",
                color="series",
                colors_in_legend=[],
                title=t("Training loss"),
                x_title="step",
                y_title="loss",
                label=t("training loss"),
                elem_id="loss-plot",
                **common,
            ),
        )
        # evaluations are sparse (often one per epoch): points, so a single evaluation is visible too
        add(
            "live.val_loss",
            gr.ScatterPlot(
                x="step",
                y="loss",
                color="series",
                colors_in_legend=[],
                title=t("Validation loss"),
                x_title="step",
                y_title="loss",
                label=t("validation loss"),
                elem_id="val-loss-plot",
                **common,
            ),
        )
        add(
            "live.metrics",
            gr.ScatterPlot(
                x="step",
                y="value",
                color="metric",
                colors_in_legend=[],
                title=t("Validation metrics"),
                x_title="step",
                y_title="score",
                color_map=metric_colours(SINGLE_LABEL),
                y_lim=metrics_y_range(SINGLE_LABEL),
                label=t("validation metrics"),
                elem_id="metric-plot",
                **common,
            ),
        )
