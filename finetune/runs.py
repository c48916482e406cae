"""Run directories: create, status, list, load artifacts.

Layout of ``<runs_dir>/<run_id>/``::

    config.json          the RunConfig (never a token)
    status.json          {"status": starting|running|finished|failed|cancelled, "pid", "updated", ...}
    events.jsonl         the event stream (see events.py)
    process.log          stdout/stderr of the training process
    checkpoints/         Trainer checkpoints (resume starts from the last)
    model/               final model + tokenizer (save_pretrained), usable by pipeline()
    metrics.json         validation (and test) metrics, per-class table, confusion matrix
    predictions/validation.jsonl   text, label, prediction and probabilities per row
    data_report.json     what data preparation did

A terminal status is written last, after every artifact; a status that says running whose
process is gone is reported as failed, so a crashed run is never taken for a finished one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

from .errors import RunError, expected_found

ACTIVE_STATUSES = ("starting", "running")
TERMINAL_STATUSES = ("finished", "failed", "cancelled")
CANCEL_FILE = "CANCEL"


def make_run_id(checkpoint: str, dataset: str, when: Optional[float] = None) -> str:
    from .data import dataset_short_name

    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when or time.time()))
    model = re.sub(r"[^A-Za-z0-9_-]+", "-", Path(checkpoint.rstrip("/")).name)[:40].strip("-") or "model"
    return f"{stamp}-{model}-{dataset_short_name(dataset)[:40]}"


def create_run_dir(runs_dir: Union[str, Path], run_id: str) -> Path:
    """Create a new, empty run directory; refuse to reuse an existing one."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", run_id):
        raise RunError(expected_found("run name", "letters, digits, '.', '_' or '-' (max 128)", repr(run_id)))
    path = Path(runs_dir) / run_id
    if path.exists():
        raise RunError(expected_found(f"run directory '{path}'", "a new directory", "one that already exists",
                                      "Choose another run name, or resume that run instead."))
    path.mkdir(parents=True)
    return path


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (temp file + rename), so readers never see half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path, default: Any = None) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return default


def set_status(run_dir: Union[str, Path], status: str, **extra: Any) -> dict[str, Any]:
    run_dir = Path(run_dir)
    current = read_json(run_dir / "status.json", {}) or {}
    current.update(extra)
    current.update(status=status, updated=time.time())
    write_json(run_dir / "status.json", current)
    return current


def pid_alive(pid: Optional[int]) -> bool:
    if not pid:
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, not yet reaped) is not alive
        with open(f"/proc/{int(pid)}/stat", "rb") as handle:
            return handle.read().split(b")")[-1].split()[0] != b"Z"
    except OSError:
        return True


def read_status(run_dir: Union[str, Path]) -> dict[str, Any]:
    """The run's status; an active status whose process is gone reads as failed."""
    run_dir = Path(run_dir)
    status = read_json(run_dir / "status.json", None)
    if status is None:
        return {"status": "unknown"}
    if status.get("status") in ACTIVE_STATUSES and not pid_alive(status.get("pid")):
        grace = time.time() - float(status.get("updated", 0))
        if status.get("status") == "running" or grace > 30:
            status = {**status, "status": "failed", "message": "the training process ended without a final status "
                      "(crashed or killed, e.g. out of memory); see process.log"}
    return status


@dataclass
class RunSummary:
    run_id: str
    path: Path
    status: str
    checkpoint: str
    dataset: str
    created: float
    metrics: dict[str, float]

    def as_row(self) -> dict[str, Any]:
        row = {"run": self.run_id, "status": self.status, "checkpoint": self.checkpoint, "dataset": self.dataset,
               "date": time.strftime("%Y-%m-%d %H:%M", time.localtime(self.created))}
        for key in ("accuracy", "f1", "matthews_correlation"):
            value = self.metrics.get(key)
            row[key] = None if value is None else round(float(value), 4)
        return row


def summarize(run_dir: Path) -> RunSummary:
    config = read_json(run_dir / "config.json", {}) or {}
    metrics = read_json(run_dir / "metrics.json", {}) or {}
    return RunSummary(
        run_id=run_dir.name, path=run_dir, status=read_status(run_dir).get("status", "unknown"),
        checkpoint=config.get("model", {}).get("checkpoint", "?"), dataset=config.get("data", {}).get("dataset", "?"),
        created=(run_dir / "config.json").stat().st_mtime if (run_dir / "config.json").exists() else run_dir.stat().st_mtime,
        metrics=(metrics.get("validation") or {}).get("metrics", {}),
    )


def list_runs(runs_dir: Union[str, Path]) -> list[RunSummary]:
    """Every run under ``runs_dir``, newest first."""
    root = Path(runs_dir)
    if not root.is_dir():
        return []
    runs = [summarize(p) for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
            and (p / "config.json").exists()]
    return sorted(runs, key=lambda r: r.created, reverse=True)


def runs_with_model(runs_dir: Union[str, Path]) -> list[RunSummary]:
    """Finished or cancelled runs whose model folder was saved (what Predict and Hub can use), newest first."""
    return [r for r in list_runs(runs_dir) if r.status in ("finished", "cancelled")
            and (r.path / "model" / "config.json").exists()]


def active_runs(runs_dir: Union[str, Path]) -> list[RunSummary]:
    return [r for r in list_runs(runs_dir) if r.status in ACTIVE_STATUSES]


def get_run_dir(runs_dir: Union[str, Path], run_id: str) -> Path:
    path = Path(runs_dir) / run_id
    if not (path / "config.json").exists():
        known = ", ".join(r.run_id for r in list_runs(runs_dir)[:5]) or "none"
        raise RunError(expected_found(f"run '{run_id}'", f"a run under {runs_dir}", f"none (recent: {known})"))
    return path


def model_dir(run_dir: Union[str, Path]) -> Path:
    return Path(run_dir) / "model"


def latest_checkpoint(run_dir: Union[str, Path]) -> Optional[Path]:
    folder = Path(run_dir) / "checkpoints"
    if not folder.is_dir():
        return None
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := re.fullmatch(r"checkpoint-(\d+)", p.name))
             and (p / "trainer_state.json").exists()]
    return max(found)[1] if found else None


def load_predictions(run_dir: Union[str, Path], split: str = "validation") -> list[dict[str, Any]]:
    path = Path(run_dir) / "predictions" / f"{split}.jsonl"
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def delete_run(run_dir: Union[str, Path]) -> None:
    run_dir = Path(run_dir)
    if read_status(run_dir).get("status") in ACTIVE_STATUSES:
        raise RunError(expected_found(f"run '{run_dir.name}'", "a run that is not running", "a running run",
                                      "Stop it first."))
    shutil.rmtree(run_dir)
