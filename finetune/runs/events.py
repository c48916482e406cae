"""Events: one JSON object per line in a run's ``events.jsonl``.

The training process writes them; the UI, the CLI's console output and the tests read the same
stream. Types:

- ``started``: config, device, precision and why it was chosen, world size, data sizes, label names
- ``log``: a human-readable line (also warnings, with ``level``)
- ``progress``: step, total_steps, epoch, loss, learning_rate, samples_per_second, eta_seconds
- ``evaluation``: step, epoch, split, metrics
- ``eval_progress``: while an evaluation scores rows (about once a second): split, done, total (rows),
  rows_per_second, elapsed_seconds, step, final (the end-of-training report, not a per-epoch one);
  the last one of each pass also has ``seconds`` (the pass's duration, done == total)
- ``checkpoint``: step, path
- ``finished`` (with ``final_evaluation_seconds`` and ``final_evaluation_rows``) / ``failed`` (message,
  traceback tail) / ``cancelled``

Every event has ``type`` and ``time`` (Unix seconds). Writes are appended and flushed line by
line, so a reader never sees a partial object except the one being written, which it skips
until the newline arrives.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional, Union

from finetune.errors import english, restore_message
from finetune.runs.run import TERMINAL

TERMINAL_TYPES = tuple(str(status) for status in sorted(TERMINAL))  # a run ends with the event of its status
EVENT_TYPES = ("started", "log", "progress", "evaluation", "eval_progress", "checkpoint") + TERMINAL_TYPES


class EventWriter:
    """Append-only writer of events; safe to share between threads; can be disabled (non-zero ranks)."""

    def __init__(self, path: Union[str, Path], *, enabled: bool = True, echo: bool = False) -> None:
        self.path = Path(path)
        self.enabled = enabled
        self.echo = echo
        self._lock = threading.Lock()
        self._file = open(self.path, "a", encoding="utf-8") if enabled else None

    def emit(self, type: str, **fields: Any) -> dict[str, Any]:
        if type not in EVENT_TYPES:
            raise ValueError(f"event type: expected one of {', '.join(EVENT_TYPES)}, found {type!r}")
        event = {"type": type, "time": round(time.time(), 3), **fields}
        if self._file is not None:
            line = json.dumps(event, ensure_ascii=False, default=_jsonable)
            with self._lock:
                self._file.write(line + "\n")
                self._file.flush()
            if self.echo:
                print(format_event(event), flush=True)
        return event

    def log(self, message: str, level: str = "info") -> None:
        self.emit("log", message=message, level=level)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> EventWriter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    return str(value)


def read_events(path: Union[str, Path], offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Read complete lines from byte ``offset``; return (events, new offset). Missing file -> ([], offset)."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except FileNotFoundError:
        return [], offset
    events: list[dict[str, Any]] = []
    consumed = 0
    for raw in data.splitlines(keepends=True):
        if not raw.endswith(b"\n"):
            break  # a line still being written
        consumed += len(raw)
        text = raw.decode("utf-8", errors="replace").strip()
        if not text:
            continue
        try:
            events.append(json.loads(text))
        except json.JSONDecodeError:
            continue
    return events, offset + consumed


class EventLog:
    """One run's events, read incrementally: each :meth:`read` parses only the lines appended since the last.

    A viewer that re-reads a run every second (the Train tab) would otherwise parse the whole file
    each time, which grows with the run; this keeps its cost per read to the new lines. A file that
    was replaced (run deleted and created again under the same name) is read again from the start.
    """

    def __init__(self, path: Union[str, Path]) -> None:
        self.path = Path(path)
        self._events: list[dict[str, Any]] = []
        self._offset = 0
        self._inode: Optional[int] = None
        self._lock = threading.Lock()

    def read(self) -> list[dict[str, Any]]:
        """All events so far (a new list; the events themselves are shared, do not change them)."""
        with self._lock:
            try:
                stat = self.path.stat()
            except FileNotFoundError:
                self._events, self._offset, self._inode = [], 0, None
                return []
            if stat.st_ino != self._inode or stat.st_size < self._offset:
                self._events, self._offset, self._inode = [], 0, stat.st_ino
            new, self._offset = read_events(self.path, self._offset)
            self._events.extend(new)
            return list(self._events)


LEVEL_WORDS = {"warning": "WARNING", "error": "ERROR"}


def format_event(
    event: dict[str, Any], say: Callable[..., str] = english, translate: Callable[[str], str] = str
) -> str:
    """One readable console/log line for an event.

    The words come from ``say(template, **params)`` and free text (messages) goes through
    ``translate``: English as is for the CLI; the page passes its own (``ui.i18n``) to show the
    same lines in its language. Numbers and times are formatted here, alike in every language.
    """
    kind = event.get("type")
    stamp = time.strftime("%H:%M:%S", time.localtime(event.get("time", time.time())))
    if kind == "progress":
        parts = [
            say("step {step}/{total}", step=event.get("step"), total=event.get("total_steps")),
            say("epoch {epoch}", epoch=f"{event.get('epoch', 0):.2f}"),
        ]
        if event.get("loss") is not None:
            parts.append(say("loss {loss}", loss=f"{event['loss']:.4f}"))
        if event.get("learning_rate") is not None:
            parts.append(say("lr {lr}", lr=f"{event['learning_rate']:.2e}"))
        if event.get("samples_per_second") is not None:
            parts.append(say("{speed} samples/s", speed=f"{event['samples_per_second']:.1f}"))
        if event.get("eta_seconds") is not None:
            parts.append(say("ETA {time}", time=format_duration(event["eta_seconds"])))
        return f"[{stamp}] " + " | ".join(parts)
    if kind == "evaluation":
        metrics = event.get("metrics", {})
        shown = ", ".join(f"{k} {v:.4f}" for k, v in metrics.items() if isinstance(v, (int, float)))
        return f"[{stamp}] " + say(
            "eval ({split}) step {step}: {metrics}",
            split=say(event.get("split", "validation")),
            step=event.get("step"),
            metrics=shown,
        )
    if kind == "eval_progress":
        return f"[{stamp}] {format_eval_progress(event, say)}"
    if kind == "checkpoint":
        return f"[{stamp}] " + say(
            "checkpoint saved at step {step}: {path}", step=event.get("step"), path=event.get("path")
        )
    if kind == "started":
        sizes = ", ".join(f"{say(split)} {rows:,}" for split, rows in (event.get("sizes") or {}).items())
        labels = ", ".join(str(name) for name in event.get("label_names") or [])
        return f"[{stamp}] " + say(
            "started on {device} ({precision}), {sizes} rows, labels {labels}",
            device=translate(str(event.get("device"))),
            precision=describe_precision(event, translate),
            sizes=sizes,
            labels=labels,
        )
    if kind == "finished":
        saved = say("; model saved to {path}", path=event["model_dir"]) if event.get("model_dir") else ""
        scored = (
            say(" (final evaluation {seconds} s)", seconds=f"{event['final_evaluation_seconds']:.1f}")
            if event.get("final_evaluation_seconds") is not None
            else ""
        )
        return f"[{stamp}] " + say("finished in {time}", time=format_duration(event.get("seconds", 0))) + scored + saved
    if kind == "failed":
        message = restore_message(str(event.get("message")), event.get("message_parts"))
        return f"[{stamp}] " + say("FAILED: {message}", message=translate(message))
    if kind == "cancelled":
        return f"[{stamp}] " + say(
            "cancelled at step {step}: {message}",
            step=event.get("step"),
            message=translate(str(event.get("message", ""))),
        )
    level = event.get("level", "info")
    prefix = "" if level == "info" else say(LEVEL_WORDS.get(level, level.upper())) + ": "
    return f"[{stamp}] {prefix}{translate(str(event.get('message', '')))}"


def describe_precision(event: dict[str, Any], translate: Callable[[str], str] = str) -> str:
    """'bf16: auto: this CPU has bf16 instructions, so bf16 autocast' from a ``started`` event (or a train
    summary); just the name for runs from before the reason was recorded."""
    name, reason = str(event.get("precision")), event.get("precision_reason")
    return f"{name}: {translate(str(reason))}" if reason else name


def format_eval_progress(event: dict[str, Any], say: Callable[..., str] = english) -> str:
    """'evaluating validation: 3,200 / 10,000 rows · 850 rows/s', or once done 'evaluated ... in 12.3 s'."""
    split, done, total = event.get("split", "validation"), event.get("done") or 0, event.get("total") or 0
    speed = event.get("rows_per_second")
    rate = say("{speed} rows/s", speed=f"{speed:,.0f}") if speed else ""
    if event.get("seconds") is not None:
        return say(
            "evaluated {split}: {total} rows in {seconds} s",
            split=say(split),
            total=f"{total:,}",
            seconds=f"{event['seconds']:.1f}",
        ) + (f" ({rate})" if rate else "")
    return say("evaluating {split}: {done} / {total} rows", split=say(split), done=f"{done:,}", total=f"{total:,}") + (
        f" · {rate}" if rate else ""
    )


def format_duration(seconds: float) -> str:
    seconds = int(max(0, seconds or 0))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
