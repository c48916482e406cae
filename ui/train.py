"""Train tab: hyperparameters, start/stop, live log + curves + progress, run history, config I/O.

Training runs in a child process (finetune.jobs); this tab only reads the run's events.jsonl.
The live view is one streaming event per page (:func:`follow`): an async generator that reads
what was appended every second, sends only the parts that changed, and ends once the run's end
is on screen, so an open page with nothing running costs nothing. (A ``gr.Timer`` would make the
browser run a whole event every second even when nothing changed; that alone took ~6% of a core
from a training on the same machine.) On page load the tab re-attaches to the active run (or shows
the latest one), so a refresh loses nothing; a closed page stops its stream.
"""

from __future__ import annotations

import asyncio
import functools
import json
import tempfile
import time
from pathlib import Path
from typing import Any, AsyncIterator, Optional

import gradio as gr

from finetune.config import RunConfig
from finetune.errors import RunError
from finetune.events import EventLog, format_duration, format_event
from finetune.runs import (ACTIVE_STATUSES, TERMINAL_STATUSES, active_runs, delete_run, list_runs, read_json,
                           read_status)

from .common import CONFIG_WIDGETS, Settings, cli_command, config_from_widgets, config_to_widget_values, engine_call, widget_for

BASIC = ["learning_rate", "num_train_epochs", "per_device_train_batch_size", "max_length", "padding", "precision"]
HISTORY_COLUMNS = ["run", "status", "checkpoint", "dataset", "accuracy", "f1", "matthews_correlation", "date"]


def values_to_config(settings: Settings, values: list[Any]) -> RunConfig:
    return config_from_widgets(dict(zip(CONFIG_WIDGETS, values)), settings)


def start(settings: Settings, *values: Any) -> tuple[str, str]:
    """Start a training from the widget values; return (run id, message)."""
    from finetune.jobs import start_training

    from finetune.jobs import enqueue, queue_position

    config = values_to_config(settings, list(values))
    busy = active_runs(settings.runs_dir)
    if busy and settings.public:
        run_dir = enqueue(config)
        position = queue_position(settings.runs_dir, run_dir.name)
        return run_dir.name, (f"The studio is busy with another training. Your run **{run_dir.name}** is queued at "
                              f"position **{position}** and starts by itself; keep this page open or come back later.")
    if busy:
        raise gr.Error(f"A training is already running ({busy[0].run_id}). It keeps running; wait for it to finish "
                       "or press Stop first.", duration=None)
    job = start_training(config, max_concurrent=settings.max_concurrent)
    return job.run_id, f"Started **{job.run_id}**"


def stop(settings: Settings, run_id: Optional[str]) -> str:
    from finetune.jobs import cancel

    if not run_id:
        raise gr.Error("No run selected to stop.")
    status = cancel(settings.runs_dir / run_id, timeout=60)
    return f"Run **{run_id}** is {status.get('status')}."


def curves(events: list[dict[str, Any]]) -> tuple[Any, Any]:
    """(training loss, validation loss + metrics) as long DataFrames: step, value, series."""
    import pandas as pd

    losses, metrics = [], []
    for e in events:
        if e["type"] == "progress" and e.get("loss") is not None:
            losses.append({"step": e["step"], "value": e["loss"], "series": "training loss"})
        elif e["type"] == "evaluation" and e.get("split", "validation") == "validation":
            m = e.get("metrics", {})
            for key in ("loss", "accuracy", "f1", "matthews_correlation"):
                if key in m:
                    metrics.append({"step": e["step"], "value": m[key], "series": key})
    cols = ["step", "value", "series"]
    return pd.DataFrame(losses, columns=cols), pd.DataFrame(metrics, columns=cols)


def progress_html(events: list[dict[str, Any]], status: dict[str, Any]) -> str:
    started = next((e for e in reversed(events) if e["type"] == "started"), None)
    last = next((e for e in reversed(events) if e["type"] == "progress"), None)
    state = status.get("status", "unknown")
    if started is None:
        extra = f" (position {status['position']} in the queue)" if status.get("position") else ""
        return f"<div id='run-progress'><b>Status:</b> <span id='run-status'>{state}</span>{extra}</div>"
    step, total = (last or {}).get("step", 0), (last or {}).get("total_steps") or 0
    share = 100.0 * step / total if total else 0.0
    speed = (last or {}).get("samples_per_second")
    eta = (last or {}).get("eta_seconds")
    elapsed = time.time() - events[0]["time"] if state in ACTIVE_STATUSES else (events[-1]["time"] - events[0]["time"])
    parts = [f"<b>Status:</b> <span id='run-status'>{state}</span>", f"step {step}/{total}",
             f"epoch {(last or {}).get('epoch', 0):.2f}", f"elapsed {format_duration(elapsed)}"]
    if state in ACTIVE_STATUSES and eta is not None:
        parts.append(f"ETA {format_duration(eta)}")
    if speed:
        parts.append(f"{speed:.1f} samples/s")
    parts.append(f"{started.get('device')} · {started.get('precision')}")
    return (f"<div id='run-progress'><div style='background:#e5e7eb;border-radius:6px;height:14px'>"
            f"<div style='width:{share:.1f}%;background:#f97316;height:14px;border-radius:6px'></div></div>"
            f"<div style='margin-top:4px'>{' · '.join(parts)}</div></div>")


def final_summary(run_dir: Path, status: dict[str, Any]) -> str:
    state = status.get("status")
    if state == "finished":
        metrics = (read_json(run_dir / "metrics.json") or {})
        val = metrics.get("validation", {}).get("metrics", {})
        rows = "\n".join(f"| {k} | {v:.4f} |" for k, v in val.items())
        test = metrics.get("test", {}).get("metrics")
        extra = ("\n\n**Test:** " + ", ".join(f"{k} {v:.4f}" for k, v in test.items())) if test else ""
        return (f"### Finished\n| validation metric | value |\n|---|---|\n{rows}{extra}\n\n"
                f"Model saved to `{run_dir / 'model'}`")
    if state == "failed":
        return f"### Failed\n{status.get('message', '')}"
    if state == "cancelled":
        return f"### Cancelled\n{status.get('message', '')} Model: `{status.get('model_dir', 'not saved')}`"
    return ""


def log_lines(events: list[dict[str, Any]]) -> list[str]:
    """Lines for the log box: everything but the once-a-second progress ticks (the progress bar shows those)."""
    return [format_event(e) for e in events if e["type"] != "progress" or e.get("loss") is not None]


@functools.lru_cache(maxsize=16)
def event_log(path: Path) -> EventLog:
    """One incremental reader per run's events file, shared by every open page."""
    return EventLog(path)


LIVE_VIEW_PARTS = 6  # header, progress, log, loss plot, metrics plot, summary
POLL_SECONDS = 1.0
KEEPALIVE_POLLS = 5  # with nothing new, still send (nothing) this often, so a closed page's stream ends


def render(settings: Settings, run_id: Optional[str], seen: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any], bool]:
    """The live view of a run: (parts, what is now on screen, whether the run has ended).

    A part is ``gr.skip()`` unless it changed since ``seen``, so following a run costs the UI
    process and the browser little (training shares the machine's cores); with nothing new it
    returns ``seen`` itself, and :func:`follow` sends nothing. The run's status is
    written last, after its final events and metrics, so once it reads as ended, these parts are
    the final view.
    """
    skip_all = (gr.skip(),) * LIVE_VIEW_PARTS
    if not run_id or not (settings.runs_dir / run_id).is_dir():
        return skip_all, seen, True
    run_dir = settings.runs_dir / run_id
    size = (run_dir / "events.jsonl").stat().st_size if (run_dir / "events.jsonl").exists() else 0
    status = read_status(run_dir)
    ended = status.get("status") in TERMINAL_STATUSES
    key = (run_id, size, status.get("status"))
    if seen.get("key") == key:
        return skip_all, seen, ended
    if status.get("status") == "queued":
        from finetune.jobs import queue_position

        status = {**status, "position": queue_position(settings.runs_dir, run_id)}
        key = key + (status["position"],)
    events = event_log(run_dir / "events.jsonl").read()
    lines = log_lines(events)
    losses, metrics = curves(events)
    changed = seen.get("run") != run_id
    new = {"key": key, "run": run_id, "lines": len(lines), "points": (len(losses), len(metrics)),
           "summary": status.get("status")}
    out_header = f"**Run:** `{run_id}`" if changed else gr.skip()
    out_log = "\n".join(lines[-400:]) if changed or new["lines"] != seen.get("lines") else gr.skip()
    plots_changed = changed or new["points"] != seen.get("points")
    out_losses = losses if plots_changed else gr.skip()
    out_metrics = metrics if plots_changed else gr.skip()
    out_summary = final_summary(run_dir, status) if changed or new["summary"] != seen.get("summary") else gr.skip()
    return (out_header, progress_html(events, status), out_log, out_losses, out_metrics, out_summary), new, ended


_viewers: dict[Any, object] = {}  # page session -> the token of the one stream it shows


async def follow(settings: Settings, run_id: Optional[str], session: Optional[str]) -> AsyncIterator[tuple[Any, ...]]:
    """Stream the live view of ``run_id`` to one page until the run's end is on screen.

    A page shows one run: starting a new stream for the same ``session`` ends the previous one at
    its next poll (no two streams write to the same page). Files are read in a worker thread; the
    waits between polls hold no thread.
    """
    token = object()
    session = session if session is not None else token  # no page id: a stream of its own
    _viewers[session] = token
    seen: dict[str, Any] = {}
    quiet = 0
    try:
        while _viewers.get(session) is token:
            parts, shown, ended = await asyncio.to_thread(render, settings, run_id, seen)
            drew, seen = shown is not seen, shown  # render returns ``seen`` itself when nothing changed
            if drew or quiet >= KEEPALIVE_POLLS:
                yield parts
                quiet = 0
            else:
                quiet += 1
            if ended:
                return
            await asyncio.sleep(POLL_SECONDS)
    finally:
        if _viewers.get(session) is token:
            del _viewers[session]


def history(settings: Settings) -> tuple[Any, Any]:
    import pandas as pd

    runs = list_runs(settings.runs_dir)
    frame = pd.DataFrame([r.as_row() for r in runs], columns=HISTORY_COLUMNS)
    return frame, gr.Dropdown(choices=[r.run_id for r in runs])


def attach(settings: Settings) -> Optional[str]:
    """On page load: the active run, else the latest one (None when there is none)."""
    active = active_runs(settings.runs_dir)
    if active:
        return active[0].run_id
    runs = list_runs(settings.runs_dir)
    return runs[0].run_id if runs else None


def show_config(settings: Settings, run_id: Optional[str]) -> str:
    if not run_id:
        return ""
    return json.dumps(read_json(settings.runs_dir / run_id / "config.json") or {}, indent=2, ensure_ascii=False)


def remove(settings: Settings, run_id: Optional[str]) -> str:
    if not run_id:
        raise gr.Error("Select a run to delete.")
    delete_run(settings.runs_dir / run_id)
    return f"Deleted {run_id}."


def save_config(settings: Settings, *values: Any) -> str:
    config = values_to_config(settings, list(values))
    path = Path(tempfile.mkdtemp(prefix="config-")) / "finetune-config.json"
    path.write_text(config.to_json(), encoding="utf-8")
    return str(path)


def load_config(file: Any) -> list[Any]:
    if file is None:
        return [gr.skip()] * len(CONFIG_WIDGETS)
    config = RunConfig.from_json_file(str(getattr(file, "name", file)))
    return config_to_widget_values(config)


def build(settings: Settings, widgets: dict[str, Any]) -> dict[str, Any]:
    with gr.Row():
        for name in BASIC:
            if name not in widgets:
                widgets[name] = widget_for(name)
    with gr.Accordion("Advanced hyperparameters", open=False):
        rest = [n for n in CONFIG_WIDGETS if n not in widgets]
        for i in range(0, len(rest), 4):
            with gr.Row():
                for name in rest[i:i + 4]:
                    widgets[name] = widget_for(name)
    with gr.Row():
        start_btn = gr.Button("Start training", variant="primary", elem_id="start-btn")
        stop_btn = gr.Button("Stop", variant="stop", elem_id="stop-btn")
    message = gr.Markdown(elem_id="train-message")
    run_state = gr.State(None)
    header = gr.Markdown(elem_id="run-header")
    progress = gr.HTML(elem_id="progress-box")
    with gr.Row():
        loss_plot = gr.LinePlot(x="step", y="value", color="series", label="training loss", elem_id="loss-plot",
                                height=260)
        # evaluations are sparse (often one per epoch): points, so a single evaluation is visible too
        metric_plot = gr.ScatterPlot(x="step", y="value", color="series", label="validation loss and metrics",
                                     elem_id="metric-plot", height=260)
    summary = gr.Markdown(elem_id="run-summary")
    log = gr.Textbox(label="log", lines=12, max_lines=12, autoscroll=True, elem_id="run-log", interactive=False)
    with gr.Accordion("Configuration file and command line", open=False):
        with gr.Row():
            save_btn = gr.DownloadButton("Save config as JSON", elem_id="save-config")
            load_btn = gr.UploadButton("Load config JSON", file_types=[".json"], elem_id="load-config")
            cli_btn = gr.Button("Show CLI command")
        cli_box = gr.Code(language="shell", label="equivalent command", elem_id="cli-command")
    with gr.Accordion("Run history", open=True):
        refresh_btn = gr.Button("Refresh history", size="sm")
        table = gr.Dataframe(headers=HISTORY_COLUMNS, interactive=False, elem_id="run-history", max_height=260)
        with gr.Row():
            pick = gr.Dropdown(label="run", choices=[], elem_id="run-pick")
            show_btn = gr.Button("Show this run")
            delete_btn = gr.Button("Delete this run", variant="stop")
        run_config = gr.Code(language="json", label="run config", elem_id="run-config")

    inputs = [widgets[n] for n in CONFIG_WIDGETS]
    view = [header, progress, log, loss_plot, metric_plot, summary]

    async def follow_run(run_id: Optional[str], request: gr.Request) -> AsyncIterator[tuple[Any, ...]]:
        async for parts in follow(settings, run_id, getattr(request, "session_hash", None)):
            yield parts

    def stream_view(event: Any) -> None:
        """Once ``event`` has set the run: stream its live view (a page's stream takes no concurrency slot)."""
        event.success(follow_run, run_state, view, show_progress="hidden", concurrency_limit=None)

    started = start_btn.click(engine_call(lambda *v: start(settings, *v)), inputs, [run_state, message])
    started.then(lambda: history(settings), None, [table, pick])
    stream_view(started)
    stop_btn.click(engine_call(lambda r: stop(settings, r)), run_state, message)
    save_btn.click(engine_call(lambda *v: save_config(settings, *v)), inputs, save_btn)
    load_btn.upload(engine_call(load_config), load_btn, inputs)
    cli_btn.click(engine_call(lambda *v: cli_command(values_to_config(settings, list(v)))), inputs, cli_box)
    refresh_btn.click(lambda: history(settings), None, [table, pick])
    shown = show_btn.click(lambda r: r, pick, run_state)
    shown.then(lambda r: show_config(settings, r), pick, run_config)
    stream_view(shown)
    delete_btn.click(engine_call(lambda r: remove(settings, r)), pick, message).then(
        lambda: history(settings), None, [table, pick])
    return {"run_state": run_state, "table": table, "pick": pick, "stream_view": stream_view,
            "attach": lambda: attach(settings), "history": lambda: history(settings)}
