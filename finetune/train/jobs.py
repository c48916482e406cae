"""Jobs: training as a child process running the CLI, followed through its events.

The UI never trains in its own process: :func:`start_training` creates the run (:meth:`Run.create`)
and starts ``python -m finetune train --run-dir DIR`` in a new process
session. A crash or out-of-memory there cannot take the UI down; a page refresh re-attaches by
reading the run's events again; :func:`cancel` asks the child to stop at the next
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

from finetune.config.run_config import RunConfig
from finetune.errors import JobBusyError, RunError, expected_found
from finetune.runs.compare import child_runs
from finetune.runs.events import EventWriter
from finetune.runs.run import Run, RunStatus, active_runs, pid_alive, queued_runs

_start_lock = threading.Lock()
START_LOCK_FILE = ".start.lock"  # in the runs folder: apps sharing the folder take the start decision in turn


@contextmanager
def start_guard(runs_dir: Union[str, Path]) -> Iterator[None]:
    """Hold the one-at-a-time decision: this process's lock, then an exclusive lock on a file in the runs folder,
    so two apps (or an app and a CLI) on one runs folder never both see room and both start a training."""
    import fcntl

    folder = Path(runs_dir)
    with _start_lock:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / START_LOCK_FILE, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


@dataclass
class Job:
    run_id: str
    run_dir: Path
    pid: int

    @property
    def run(self) -> Run:
        return Run(self.run_dir)


def child_environment() -> dict[str, str]:
    """The child's environment: ours (the same interpreter, where this package is installed), unbuffered output."""
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    return env


def start_training(
    config: RunConfig,
    *,
    max_concurrent: int = 1,
    resume_run: Optional[Union[str, Path]] = None,
    extra_args: Optional[list[str]] = None,
    owner: Optional[str] = None,
    prepare: Optional[Callable[[Run], None]] = None,
) -> Job:
    """Start a training (or resume one) in a child process; return at once.

    ``owner`` (public mode) is the key of the visitor who started it: the app shows and lets
    control a run only to its owner.

    ``prepare(run)`` writes what the child needs beside config.json before it starts (a search's spec).

    Raises :class:`JobBusyError` when ``max_concurrent`` trainings already run in the runs folder.
    """
    runs_dir = Path(config.run.runs_dir)
    with start_guard(runs_dir):
        _check_capacity(runs_dir, max_concurrent)
        if resume_run is not None:
            run = Run.at(resume_run)
            state = run.state
            if state.is_active:
                raise RunError(expected_found(f"run '{run.id}'", "a stopped run to resume", f"status {state}"))
            run.cancel_path.unlink(missing_ok=True)
            return _launch(run, ["--resume", *(extra_args or [])])
        run = Run.create(runs_dir, config)
        if prepare is not None:
            prepare(run)
        return _launch(run, list(extra_args or []), owner=owner)


def _check_capacity(runs_dir: Path, max_concurrent: int) -> None:
    busy = active_runs(runs_dir)
    if len(busy) >= max_concurrent:
        raise JobBusyError(
            expected_found(
                "trainings running",
                f"fewer than {max_concurrent}",
                f"{len(busy)} ({', '.join(r.run_id for r in busy)})",
                "Wait for it to finish or stop it first.",
            )
        )


def _launch(run: Run, args: list[str], owner: Optional[str] = None) -> Job:
    """Start ``python -m finetune train --run-dir DIR [args]`` in a new process session.

    'starting' is written before the child exists, so the child's own 'running' (written as soon
    as it starts) always comes after it and is never overwritten; the pid is added afterwards only
    while the run still says 'starting'.
    """
    command = [sys.executable, "-m", "finetune", "train", "--run-dir", str(run.path), *args]
    run.set_status(
        RunStatus.STARTING,
        pid=None,
        starter_pid=os.getpid(),
        command=" ".join(command[1:]),
        **({"owner": owner} if owner else {}),
    )
    log = open(run.log_path, "ab")
    try:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=str(Path.cwd()),
            env=child_environment(),
            start_new_session=True,
        )
    except OSError:
        run.set_status(RunStatus.FAILED, message="the training process could not be started; see process.log")
        raise
    finally:
        log.close()
    run.set_status(RunStatus.STARTING, only_if=frozenset({RunStatus.STARTING}), pid=process.pid)
    _reap_in_background(process)
    return Job(run_id=run.id, run_dir=run.path, pid=process.pid)


def enqueue(config: RunConfig, *, owner: Optional[str] = None) -> Path:
    """Create the run now with status ``queued``; :func:`start_next_queued` starts it when it is its turn."""
    with start_guard(config.run.runs_dir):
        run = Run.create(config.run.runs_dir, config)
        run.set_status(RunStatus.QUEUED, queued_at=time.time(), **({"owner": owner} if owner else {}))
    return run.path


def queue_position(runs_dir: Union[str, Path], run_id: str) -> Optional[int]:
    """1 for the next run to start; None when the run is not queued."""
    for position, run in enumerate(queued_runs(runs_dir), start=1):
        if run.id == run_id:
            return position
    return None


def start_next_queued(runs_dir: Union[str, Path], *, max_concurrent: int = 1) -> Optional[Job]:
    """Start the oldest queued run if there is room; return its job (None when nothing started)."""
    with start_guard(runs_dir):
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
    _check_resumable(Run.at(run_dir))
    return start_training(Run.at(run_dir).config(), max_concurrent=max_concurrent, resume_run=run_dir)


def _check_resumable(run: Run) -> None:
    """A search run itself is not resumed (its finished trials are kept); its stopped trial is."""
    if not run.search_path.is_file():
        return
    stopped = [trial.id for trial in child_runs(run) if trial.state is not RunStatus.FINISHED]
    hint = (
        f"Resume its trial instead: {run.id}/{run.trials_dir.name}/{stopped[-1]}." if stopped else "Start a new search."
    )
    raise RunError(expected_found(f"run '{run.id}'", "a training run or a trial to resume", "a search", hint))


def wait(run_dir: Union[str, Path], *, timeout: Optional[float] = None, poll: float = 0.3) -> dict[str, Any]:
    """Block until the run is no longer active; return its status."""
    run = Run(Path(run_dir))
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        status = run.status()
        if not status["status"].is_active:
            return status
        if deadline is not None and time.monotonic() > deadline:
            return status
        time.sleep(poll)


def cancel(run_dir: Union[str, Path], *, timeout: float = 60.0) -> dict[str, Any]:
    """Stop a run: ask it to stop at the next step; kill its process group after ``timeout`` s."""
    run = Run(Path(run_dir))
    status = run.status()
    if status["status"] is RunStatus.QUEUED:
        return run.set_status(RunStatus.CANCELLED, message="removed from the queue before it started")
    if not status["status"].is_active:
        return status
    run.request_cancel()
    final = wait(run.path, timeout=timeout)
    if final["status"].is_active:
        pid = final.get("pid") or status.get("pid")
        if pid and pid_alive(pid):
            try:
                os.killpg(int(pid), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        message = (
            f"killed after not stopping within {timeout:.0f}s; the final model was not saved (a checkpoint may exist)"
        )
        with EventWriter(run.events_path) as events:
            events.emit("cancelled", step=None, message=message, killed=True)
        final = run.set_status(RunStatus.CANCELLED, message=message, killed=True)
    return final
