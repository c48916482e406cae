"""Runs: :class:`Run` owns a run directory: its paths, creation, status, config and artifacts.

Every module (and the UI) reads and writes runs through :class:`Run`; no other module spells a run's
file names::

    config.json          the RunConfig (never a token)
    status.json          {"status": a RunStatus value, "pid", "updated", ...}
    events.jsonl         the event stream (see events.py)
    process.log          stdout and stderr of the training process
    CANCEL               present when a stop was asked for
    checkpoints/         Trainer checkpoints (resume starts from the last)
    tensorboard/         TensorBoard logs
    model/               final model + tokenizer (save_pretrained), usable by pipeline()
    metrics.json         validation (and test) metrics, per-class table, confusion matrix
    predictions/         <split>.jsonl: text, label, prediction and probabilities per row
    data_report.json     what data preparation did
    hub.json, export/    where the model was pushed; exported scripts
    folds/, trials/      child runs of a k-fold run or a search
    search.json          a search run's spec

A run's status is written by :meth:`Run.set_status` only, a terminal one last, after every artifact; a
running status whose process is gone reads as failed, and unreadable files (binary bytes, JSON of the
wrong type) make the run read as ``damaged`` instead of raising.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Optional, Union

from finetune.config.run_config import RunConfig
from finetune.config.tasks import MULTI_LABEL, REGRESSION, SINGLE_LABEL
from finetune.data.names import dataset_short_name
from finetune.errors import Message, RunError, expected_found
from finetune.jsonfiles import DamagedFile, read_json, read_json_object, write_json
from finetune.model.checkpoints import is_model_folder

# a run name is a folder name: Unicode letters and digits (总8665, Ünïcode), then also '.', '_' and '-'; never
# '/', '..', a leading dot, whitespace or control characters
RUN_ID_PATTERN = re.compile(r"[^\W_][\w.-]{0,127}")
RUN_ID_MAX_BYTES = 200  # file systems limit a name to 255 bytes; a CJK character takes 3 in UTF-8
START_GRACE_SECONDS = 30  # a 'starting' run whose process is gone is failed only after this long


class RunStatus(StrEnum):
    """A run's state, as stored in status.json (the value) and shown to people."""

    QUEUED = "queued"
    STARTING = "starting"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"
    DAMAGED = "damaged"

    @property
    def is_active(self) -> bool:
        return self in ACTIVE

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL

    @classmethod
    def parse(cls, value: Any) -> RunStatus:
        """The member for a stored value; anything else reads as DAMAGED."""
        try:
            return cls(value)
        except ValueError:
            return cls.DAMAGED


ACTIVE = frozenset({RunStatus.STARTING, RunStatus.RUNNING})
TERMINAL = frozenset({RunStatus.FINISHED, RunStatus.FAILED, RunStatus.CANCELLED})
WITH_MODEL = frozenset({RunStatus.FINISHED, RunStatus.CANCELLED})


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


def make_run_id(checkpoint: str, dataset: str, when: Optional[float] = None) -> str:
    """A new run's name: time stamp, checkpoint and data names; always passes :func:`check_run_id`.

    Letters and digits of any script are kept (a file called 总8665.xlsx gives ``...-总8665``), every other
    character becomes '-', so the name a person did not choose can never be refused.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when or time.time()))
    model = re.sub(r"[^\w-]+", "-", Path(checkpoint.rstrip("/")).name)[:40].strip("-") or "model"
    data = re.sub(r"[^\w-]+", "-", dataset_short_name(dataset))[:40].strip("-") or "data"
    return check_run_id(f"{stamp}-{model}-{data}")


def is_valid_run_id(run_id: object) -> bool:
    """True for a safe folder name: letters or digits of any script first, then those or '.', '_', '-'."""
    return (
        isinstance(run_id, str)
        and RUN_ID_PATTERN.fullmatch(run_id) is not None
        and ".." not in run_id
        and len(run_id.encode("utf-8")) <= RUN_ID_MAX_BYTES
    )


def check_run_id(run_id: str) -> str:
    """``run_id`` if it is a safe folder name (no '/', no '..', no leading dot); RunError otherwise."""
    if not is_valid_run_id(run_id):
        raise RunError(
            expected_found(
                "run name",
                "letters (any script, e.g. 总8665) or digits first, then also '.', '_' or '-' "
                f"(at most 128 characters and {RUN_ID_MAX_BYTES} bytes, no '..')",
                repr(run_id),
            )
        )
    return run_id


HEADLINE_METRICS = {
    SINGLE_LABEL: ("accuracy", "f1", "matthews_correlation"),
    MULTI_LABEL: ("f1_micro", "f1_macro", "subset_accuracy"),
    REGRESSION: ("pearson", "spearman", "rmse"),
}


def _task_of(report: Any) -> str:
    """The task a run's validation report was written for (reports from before task types: single-label)."""
    task = report.get("task") if isinstance(report, dict) else None
    return task if task in HEADLINE_METRICS else SINGLE_LABEL


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    path: Path
    status: RunStatus
    checkpoint: str
    dataset: str
    created: float
    metrics: dict[str, float]
    message: str = ""
    owner: Optional[str] = None  # public mode: the key of the visitor who started it
    warnings: tuple[str, ...] = ()  # metrics.json: why the result may not be one (learned nothing, ...)
    task: str = SINGLE_LABEL

    def as_row(self) -> dict[str, Any]:
        """The run as one line of ``runs list``: its names, status, task and its task's three headline
        metrics (single-label: accuracy, f1, matthews_correlation; multi-label: f1_micro, f1_macro,
        subset_accuracy; regression: pearson, spearman, rmse)."""
        row = {
            "run": self.run_id,
            "status": str(self.status),
            "checkpoint": self.checkpoint,
            "dataset": self.dataset,
            "date": time.strftime("%Y-%m-%d %H:%M", time.localtime(self.created)),
        }
        row["task"] = self.task
        for key in HEADLINE_METRICS[self.task]:
            value = self.metrics.get(key)
            row[key] = round(float(value), 4) if isinstance(value, (int, float)) else None
        return row


@dataclass(frozen=True)
class Run:
    """One run directory. Paths are properties; reads are tolerant of damaged files."""

    path: Path

    # -- paths (every file of a run is named here and nowhere else) ----------------------------
    @property
    def id(self) -> str:
        return self.path.name

    # written by the app: creation, queue, start and stop
    @property
    def config_path(self) -> Path:
        """``<run dir>/config.json``: the RunConfig, never a token."""
        return self.path / "config.json"

    @property
    def status_path(self) -> Path:
        """``<run dir>/status.json``: the run's status; written by :meth:`set_status` only."""
        return self.path / "status.json"

    @property
    def cancel_path(self) -> Path:
        """``<run dir>/CANCEL``: present when a stop was asked for."""
        return self.path / "CANCEL"

    @property
    def log_path(self) -> Path:
        """``<run dir>/process.log``: stdout and stderr of the training process."""
        return self.path / "process.log"

    # written by the training process while it runs
    @property
    def events_path(self) -> Path:
        """``<run dir>/events.jsonl``: the event stream (see :mod:`finetune.runs.events`)."""
        return self.path / "events.jsonl"

    @property
    def checkpoints_dir(self) -> Path:
        """``<run dir>/checkpoints``: trainer checkpoints; a resume starts from the last."""
        return self.path / "checkpoints"

    @property
    def tensorboard_dir(self) -> Path:
        """``<run dir>/tensorboard``: tensorBoard logs."""
        return self.path / "tensorboard"

    # artifacts of a finished (or cancelled) run, and what the Hub tab adds
    @property
    def model_dir(self) -> Path:
        """``<run dir>/model``: the final model and tokenizer (save_pretrained), usable by pipeline()."""
        return self.path / "model"

    @property
    def metrics_path(self) -> Path:
        """``<run dir>/metrics.json``: validation (and test) metrics, per-class table and confusion matrix."""
        return self.path / "metrics.json"

    @property
    def data_report_path(self) -> Path:
        """``<run dir>/data_report.json``: what data preparation did."""
        return self.path / "data_report.json"

    @property
    def hub_path(self) -> Path:
        """``<run dir>/hub.json``: where the model was pushed."""
        return self.path / "hub.json"

    @property
    def export_dir(self) -> Path:
        """``<run dir>/export``: exported scripts and zips."""
        return self.path / "export"

    # a parent run's children
    @property
    def folds_dir(self) -> Path:
        """``<run dir>/folds``: a k-fold run's folds, one child run each (``fold-<i>``)."""
        return self.path / "folds"

    @property
    def trials_dir(self) -> Path:
        """``<run dir>/trials``: a search's trials, one child run each (``trial-<n>``)."""
        return self.path / "trials"

    @property
    def search_path(self) -> Path:
        """``<run dir>/search.json``: a search run's spec (see :mod:`finetune.train.search`)."""
        return self.path / "search.json"

    def fold(self, index: int) -> Run:
        """The child run of fold ``index`` (``folds/fold-<index>``) of a k-fold run."""
        return Run(self.folds_dir / f"fold-{index}")

    def trial(self, number: int) -> Run:
        """The child run of trial ``number`` (``trials/trial-<number>``) of a search."""
        return Run(self.trials_dir / f"trial-{number}")

    def predictions_path(self, split: str = "validation") -> Path:
        return self.path / "predictions" / f"{split}.jsonl"

    # -- creation and lookup -------------------------------------------------------------------
    @classmethod
    def create(cls, runs_dir: Union[str, Path], config: RunConfig, run_id: Optional[str] = None) -> Run:
        """THE place a run directory is made: a new folder (never an existing one) holding config.json."""
        run_id = check_run_id(
            run_id or config.run.run_name or make_run_id(config.model.checkpoint, config.data.dataset)
        )
        path = Path(runs_dir) / run_id
        if path.exists():
            raise RunError(
                expected_found(
                    f"run directory '{path}'",
                    "a new directory",
                    "one that already exists",
                    "Choose another run name, or resume that run instead.",
                )
            )
        try:
            path.mkdir(parents=True)
            run = cls(path)
            write_json(run.config_path, config.to_dict())
        except OSError as exc:
            shutil.rmtree(path, ignore_errors=True)
            raise RunError(
                expected_found(
                    f"the runs folder '{runs_dir}'",
                    "a folder this user can write to",
                    f"one that is not writable ({exc.strerror or type(exc).__name__})",
                    "Choose another with --runs-dir.",
                )
            ) from None
        return run

    @classmethod
    def open(cls, runs_dir: Union[str, Path], run_id: str) -> Run:
        """An existing run by id (validated: no path tricks); RunError naming recent runs when missing."""
        return cls.at(Path(runs_dir) / check_run_id(run_id))

    @classmethod
    def at(cls, path: Union[str, Path]) -> Run:
        """An existing run by its folder; RunError when the folder holds no config.json."""
        run = cls(Path(path))
        if not run.exists:
            runs_dir = run.path.parent
            known = ", ".join(r.run_id for r in list_runs(runs_dir)[:5]) or "none"
            raise RunError(
                expected_found(
                    f"run '{run.id}'", f"a run directory with config.json under {runs_dir}", f"none (recent: {known})"
                )
            )
        return run

    @property
    def exists(self) -> bool:
        return self.config_path.is_file()

    # -- status --------------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """status.json with ``status`` as a :class:`RunStatus`; an active run whose process is gone reads failed."""
        try:
            stored = read_json_object(self.status_path)
        except DamagedFile as exc:
            return {"status": RunStatus.DAMAGED, "message": str(exc)}
        if stored is None:
            return {"status": RunStatus.UNKNOWN}
        state = RunStatus.parse(stored.get("status"))
        if state is RunStatus.DAMAGED:
            return {**stored, "status": state, "message": f"status.json: unknown status {stored.get('status')!r}"}
        if state.is_active and not pid_alive(stored.get("pid")):
            updated = stored.get("updated")
            grace = time.time() - (float(updated) if isinstance(updated, (int, float)) else 0.0)
            # 'starting' without a live child is waited on only while the process starting it lives
            # (the child's pid is written after it exists); a child that exited, or a starter that died, ends it
            starter = stored.get("starter_pid")  # absent in a status written by an older version: the grace applies
            starter_gone = bool(stored.get("pid")) or (starter is not None and not pid_alive(starter))
            if state is RunStatus.RUNNING or starter_gone or grace > START_GRACE_SECONDS:
                return {
                    **stored,
                    "status": RunStatus.FAILED,
                    "message": "the training process ended without a final "
                    "status (crashed or killed, e.g. out of memory); see process.log",
                }
        return {**stored, "status": state}

    @property
    def owner(self) -> Optional[str]:
        """Public mode: the key of the visitor who started the run (None for runs started elsewhere)."""
        owner = self.status().get("owner")
        return owner if isinstance(owner, str) else None

    @property
    def state(self) -> RunStatus:
        return self.status()["status"]

    def set_status(self, status: RunStatus, *, only_if: Optional[frozenset] = None, **extra: Any) -> dict[str, Any]:
        """THE writer of status.json: merge ``extra``, set ``status`` and the time.

        With ``only_if``, nothing is written unless the stored status is one of those (so the
        parent's 'starting' bookkeeping can never overwrite the child's 'running').
        """
        current = read_json(self.status_path, {})
        if only_if is not None and RunStatus.parse(current.get("status")) not in only_if:
            return self.status()
        current.update(extra)
        current.update(status=str(RunStatus(status)), updated=time.time())
        try:
            write_json(self.status_path, current)
        except OSError as exc:
            raise RunError(
                expected_found(
                    f"run folder '{self.id}'",
                    "a folder this user can write to",
                    f"one that is not writable ({exc.strerror or type(exc).__name__})",
                    "Choose another runs folder with --runs-dir.",
                )
            ) from None
        return {**current, "status": RunStatus(status)}

    # -- artifacts -----------------------------------------------------------------------------
    def config_dict(self) -> dict[str, Any]:
        """config.json as a dict ({} when missing or damaged)."""
        return read_json(self.config_path, {})

    def config(self) -> RunConfig:
        try:
            raw = read_json_object(self.config_path)
        except DamagedFile as exc:
            raise RunError(expected_found(f"run '{self.id}'", "a readable config.json", str(exc))) from exc
        if raw is None:
            raise RunError(expected_found(f"run '{self.path}'", "a run directory holding config.json", "none"))
        return RunConfig.from_dict(raw)

    def metrics(self) -> dict[str, Any]:
        """metrics.json ({} before the run finished, or when damaged)."""
        return read_json(self.metrics_path, {})

    def data_report(self) -> dict[str, Any]:
        return read_json(self.data_report_path, {})

    def predictions(self, split: str = "validation") -> list[dict[str, Any]]:
        path = self.predictions_path(split)
        if not path.exists():
            return []
        with open(path, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def write_predictions(self, split: str, rows: list[dict[str, Any]]) -> None:
        path = self.predictions_path(split)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")

    @property
    def has_model(self) -> bool:
        return is_model_folder(self.model_dir)

    def best_fold(self) -> Optional[tuple[int, str, float]]:
        """A k-fold run's best fold by its validation accuracy (else its first metric): (fold, metric, value)."""
        cross = self.metrics().get("cross_validation")
        metrics = cross.get("metrics") if isinstance(cross, dict) else None
        if not isinstance(metrics, dict) or not metrics:
            return None
        name = "accuracy" if "accuracy" in metrics else next(iter(metrics))
        values = metrics[name].get("per_fold") if isinstance(metrics[name], dict) else None
        if not values:
            return None
        best = max(range(len(values)), key=lambda i: values[i])
        return best + 1, name, float(values[best])

    def no_model_reason(self) -> Message:
        """Why this run has no ``model/`` and what to do instead (Predict, ``predict --model``, Inspect say it).

        A finished k-fold run trained without a final model names its best fold's folder, which works as a
        model anywhere a model is asked for, and how to get the final model instead.
        """
        state = self.state
        train = self.config_dict().get("train")
        train = train if isinstance(train, dict) else {}
        folds = train.get("cv_folds") if isinstance(train.get("cv_folds"), int) else 0
        best = self.best_fold() if folds >= 2 and state in WITH_MODEL else None
        if best is not None:
            fold, metric, value = best
            return expected_found(
                f"run '{self.id}'",
                "a saved model (a finished or cancelled run)",
                "a k-fold cross-validation run trained without a final model (cv_final_model off)",
                f"Predict with its best fold instead, fold {fold} ({metric} {value:.4f}): use the model folder "
                f"{self.fold(fold).path}. Or train a final model on all the data: start the run again with "
                "'then train a final model on all the data' ticked (CLI: --cv_final_model true).",
            )
        if state is RunStatus.FAILED:
            return expected_found(
                f"run '{self.id}'",
                "a saved model (a finished or cancelled run)",
                "a failed run, which saved no model",
                "Read its log on the Runs tab, fix the cause and start it again.",
            )
        return expected_found(
            f"run '{self.id}'",
            "a saved model (a finished or cancelled run)",
            "no model folder yet",
            "Wait for the run to finish, or pick another.",
        )

    def latest_checkpoint(self) -> Optional[Path]:
        if not self.checkpoints_dir.is_dir():
            return None
        found = [
            (int(m.group(1)), p)
            for p in self.checkpoints_dir.iterdir()
            if (m := re.fullmatch(r"checkpoint-(\d+)", p.name)) and (p / "trainer_state.json").exists()
        ]
        return max(found)[1] if found else None

    def request_cancel(self) -> None:
        self.cancel_path.write_text(str(time.time()))

    def delete(self) -> None:
        state = self.state
        if state.is_active:
            raise RunError(
                expected_found(f"run '{self.id}'", "a run that is not running", f"status {state}", "Stop it first.")
            )
        shutil.rmtree(self.path)

    def summary(self) -> RunSummary:
        status = self.status()
        try:
            config = read_json_object(self.config_path) or {}
        except DamagedFile as exc:
            config, status = {}, {"status": RunStatus.DAMAGED, "message": str(exc)}
        model, data = config.get("model"), config.get("data")
        validation = self.metrics().get("validation")
        metrics = validation.get("metrics") if isinstance(validation, dict) else None
        warnings = validation.get("warnings") if isinstance(validation, dict) else None
        stamp = self.config_path if self.config_path.exists() else self.path
        return RunSummary(
            run_id=self.id,
            path=self.path,
            status=status["status"],
            checkpoint=str(model.get("checkpoint", "?")) if isinstance(model, dict) else "?",
            dataset=str(data.get("dataset", "?")) if isinstance(data, dict) else "?",
            created=stamp.stat().st_mtime,
            metrics=metrics if isinstance(metrics, dict) else {},
            message=str(status.get("message", "")),
            owner=status.get("owner") if isinstance(status.get("owner"), str) else None,
            warnings=tuple(str(w) for w in warnings) if isinstance(warnings, list) else (),
            task=_task_of(validation),
        )


def run_folders(runs_dir: Union[str, Path]) -> list[Run]:
    """Every run folder under ``runs_dir`` (a folder holding config.json; hidden folders such as .cache skipped)."""
    root = Path(runs_dir)
    if not root.is_dir():
        return []
    return [Run(p) for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and Run(p).exists]


def run_states(runs_dir: Union[str, Path], *, owner: Optional[str] = None) -> dict[str, RunStatus]:
    """Run id -> status (only ``owner``'s when given), reading status.json alone: cheap enough to poll."""
    states = {}
    for run in run_folders(runs_dir):
        status = run.status()
        if owner is None or status.get("owner") == owner:
            states[run.id] = status["status"]
    return states


def list_runs(runs_dir: Union[str, Path], *, owner: Optional[str] = None) -> list[RunSummary]:
    """Every run under ``runs_dir`` (only ``owner``'s when given), newest first; damaged ones read as damaged."""
    runs = [run.summary() for run in run_folders(runs_dir)]
    if owner is not None:
        runs = [r for r in runs if r.owner == owner]
    return sorted(runs, key=lambda r: r.created, reverse=True)


def runs_with_model(runs_dir: Union[str, Path], *, owner: Optional[str] = None) -> list[RunSummary]:
    """Finished or cancelled runs whose model folder was saved (what Predict and Hub can use), newest first."""
    return [r for r in list_runs(runs_dir, owner=owner) if r.status in WITH_MODEL and Run(r.path).has_model]


def active_runs(runs_dir: Union[str, Path]) -> list[RunSummary]:
    return [r for r in list_runs(runs_dir) if r.status.is_active]


def queued_runs(runs_dir: Union[str, Path]) -> list[Run]:
    """Queued runs, first come first served."""
    root = Path(runs_dir)
    found = []
    for path in root.iterdir() if root.is_dir() else []:
        status = Run(path).status() if path.is_dir() else {}
        if status.get("status") is RunStatus.QUEUED:
            queued_at = status.get("queued_at")
            found.append((float(queued_at) if isinstance(queued_at, (int, float)) else 0.0, path.name, Run(path)))
    return [run for _, _, run in sorted(found, key=lambda item: item[:2])]
