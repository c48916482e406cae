"""Jobs: training as a child process running the CLI, followed through its events.

The UI never trains in its own process: :func:`start_training` creates the run directory,
writes ``config.json`` and starts ``python -m finetune train --run-dir DIR`` in a new process
session. A crash or out-of-memory there cannot take the UI down; a page refresh re-attaches by
reading the run's ``events.jsonl`` again; :func:`cancel` asks the child to stop at the next
step (it saves the model and marks the run cancelled) and kills the whole process group if it
has not stopped within the timeout.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional, Union

from .config import RunConfig
from .errors import JobBusyError, RunError, expected_found
from .events import EventWriter, follow
from .runs import (ACTIVE_STATUSES, CANCEL_FILE, active_runs, create_run_dir, make_run_id, pid_alive, read_status,
                   read_json, set_status, write_json)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_start_lock = threading.Lock()


@dataclass
class Job:
    run_id: str
    run_dir: Path
    pid: int

    @property
    def events_path(self) -> Path:
        return self.run_dir / "events.jsonl"

    def status(self) -> dict[str, Any]:
        return read_status(self.run_dir)

    def follow(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        return follow_run(self.run_dir, **kwargs)

    def wait(self, timeout: Optional[float] = None) -> dict[str, Any]:
        return wait(self.run_dir, timeout=timeout)


def child_environment() -> dict[str, str]:
    """The child's environment: ours, plus the project on PYTHONPATH and unbuffered output."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    return env


def start_training(config: RunConfig, *, max_concurrent: int = 1, resume_run: Optional[Union[str, Path]] = None,
                   extra_args: Optional[list[str]] = None) -> Job:
    """Start a training (or resume one) in a child process; return at once.

    Raises :class:`JobBusyError` when ``max_concurrent`` trainings already run in the runs folder.
    """
    runs_dir = Path(config.run.runs_dir)
    with _start_lock:
        _check_capacity(runs_dir, max_concurrent)
        if resume_run is not None:
            run_dir = Path(resume_run)
            state = read_status(run_dir).get("status")
            if state in ACTIVE_STATUSES:
                raise RunError(expected_found(f"run '{run_dir.name}'", "a stopped run to resume", f"status {state}"))
            (run_dir / CANCEL_FILE).unlink(missing_ok=True)
            return _launch(run_dir, ["--resume", *(extra_args or [])])
        return _launch(_new_run_dir(config), list(extra_args or []))


def _check_capacity(runs_dir: Path, max_concurrent: int) -> None:
    busy = active_runs(runs_dir)
    if len(busy) >= max_concurrent:
        raise JobBusyError(expected_found("trainings running", f"fewer than {max_concurrent}",
                                          f"{len(busy)} ({', '.join(r.run_id for r in busy)})",
                                          "Wait for it to finish or stop it first."))


def _new_run_dir(config: RunConfig) -> Path:
    run_id = config.run.run_name or make_run_id(config.model.checkpoint, config.data.dataset)
    run_dir = create_run_dir(Path(config.run.runs_dir), run_id)
    write_json(run_dir / "config.json", config.to_dict())
    return run_dir


def _launch(run_dir: Path, args: list[str]) -> Job:
    """Start ``python -m finetune train --run-dir run_dir [args]`` in a new process session."""
    command = [sys.executable, "-m", "finetune", "train", "--run-dir", str(run_dir), *args]
    log = open(run_dir / "process.log", "ab")
    try:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   cwd=str(Path.cwd()), env=child_environment(), start_new_session=True)
    finally:
        log.close()
    set_status(run_dir, "starting", pid=process.pid, command=" ".join(command[1:]))
    _reap_in_background(process)
    return Job(run_id=run_dir.name, run_dir=run_dir, pid=process.pid)


def enqueue(config: RunConfig) -> Path:
    """Create the run now with status ``queued``; :func:`start_next_queued` starts it when it is its turn."""
    with _start_lock:
        run_dir = _new_run_dir(config)
        set_status(run_dir, "queued", queued_at=time.time())
    return run_dir


def queued_runs(runs_dir: Union[str, Path]) -> list[Path]:
    """Queued runs, first come first served."""
    root = Path(runs_dir)
    found = []
    for status_file in root.glob("*/status.json"):
        status = read_json(status_file, {}) or {}
        if status.get("status") == "queued":
            found.append((float(status.get("queued_at", 0)), status_file.parent))
    return [path for _, path in sorted(found)]


def queue_position(runs_dir: Union[str, Path], run_id: str) -> Optional[int]:
    """1 for the next run to start; None when the run is not queued."""
    for position, path in enumerate(queued_runs(runs_dir), start=1):
        if path.name == run_id:
            return position
    return None


def start_next_queued(runs_dir: Union[str, Path], *, max_concurrent: int = 1) -> Optional[Job]:
    """Start the oldest queued run if there is room; return its job (None when nothing started)."""
    with _start_lock:
        if len(active_runs(runs_dir)) >= max_concurrent:
            return None
        queue = queued_runs(runs_dir)
        if not queue:
            return None
        return _launch(queue[0], [])


def _reap_in_background(process: subprocess.Popen) -> None:
    """Collect the child's exit status so it does not linger as a zombie."""
    threading.Thread(target=process.wait, daemon=True, name=f"reap-{process.pid}").start()


def resume(run_dir: Union[str, Path], *, max_concurrent: int = 1) -> Job:
    """Continue a cancelled or failed run from its last checkpoint, in a new child process."""
    run_dir = Path(run_dir)
    raw = read_json(run_dir / "config.json")
    if raw is None:
        raise RunError(expected_found(f"run '{run_dir}'", "a run directory with config.json", "none"))
    return start_training(RunConfig.from_dict(raw), max_concurrent=max_concurrent, resume_run=run_dir)


def follow_run(run_dir: Union[str, Path], *, poll: float = 0.5, timeout: Optional[float] = None) -> Iterator[dict]:
    """Yield the run's events until it ends (also when its process dies without a final event)."""
    run_dir = Path(run_dir)
    return follow(run_dir / "events.jsonl", poll=poll, timeout=timeout,
                  stop_when=lambda: read_status(run_dir).get("status") not in ACTIVE_STATUSES)


def wait(run_dir: Union[str, Path], *, timeout: Optional[float] = None, poll: float = 0.3) -> dict[str, Any]:
    """Block until the run is no longer active; return its status."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        status = read_status(run_dir)
        if status.get("status") not in ACTIVE_STATUSES:
            return status
        if deadline is not None and time.monotonic() > deadline:
            return status
        time.sleep(poll)


def cancel(run_dir: Union[str, Path], *, timeout: float = 60.0) -> dict[str, Any]:
    """Stop a run: ask it to stop at the next step; kill its process group after ``timeout`` s."""
    run_dir = Path(run_dir)
    status = read_status(run_dir)
    if status.get("status") == "queued":
        return set_status(run_dir, "cancelled", message="removed from the queue before it started")
    if status.get("status") not in ACTIVE_STATUSES:
        return status
    (run_dir / CANCEL_FILE).write_text(str(time.time()))
    final = wait(run_dir, timeout=timeout)
    if final.get("status") in ACTIVE_STATUSES:
        pid = status.get("pid")
        if pid and pid_alive(pid):
            try:
                os.killpg(int(pid), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        message = (f"killed after not stopping within {timeout:.0f}s; the final model was not saved "
                   "(a checkpoint may exist)")
        with EventWriter(run_dir / "events.jsonl") as events:
            events.emit("cancelled", step=None, message=message, killed=True)
        final = set_status(run_dir, "cancelled", message=message, killed=True)
    return final
