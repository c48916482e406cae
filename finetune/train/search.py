"""Hyperparameter search: ``Trainer.hyperparameter_search`` with the optuna backend, one child run per trial.

A search is a run (``python -m finetune train --search_trials N --search_space space.json``, or
the app, through :func:`finetune.train.jobs.start_training` with :func:`save_spec`) whose
``search.json`` holds the :class:`SearchSpec`. Data is loaded and tokenized once; the Trainer
gets a ``model_init`` (a fresh model per trial, seeded like a plain run), optuna's TPE sampler
proposes each trial's learning rate, batch size, epochs, warmup and weight decay from the spec's
:class:`SearchSpace` (``hp_space``), and the objective is the chosen validation metric
(``compute_objective``). No hand-written search loop.

The metric is one of the run's task (``finetune.config.tasks.metric_for_task``: the default 'accuracy'
stands for the task's main metric, f1_micro or pearson; another task's metric is refused), and the search
maximises it or, for a loss or an error (loss, hamming_loss, mse, rmse, mae), minimises it. Once the data
says which task the run is, the spec is saved again with the metric resolved (:meth:`SearchSpec.for_task`).

Each trial is a normal run directory at ``<search run>/trials/trial-<i>/`` (config.json with the
trial's values, status.json, events.jsonl, metrics.json, model/, checkpoints/), written by
:class:`TrialCallback` as the trial trains, so :mod:`finetune.runs.compare` works on trials and a
cancelled trial can be resumed like any run. The search run's own events get one ``log`` event per
trial with a ``trial`` summary, and its metrics.json the trial table and the best trial.

Stop (the search run's CANCEL file or SIGTERM) ends the current trial at the next step like a
plain run (checkpoint and model saved, trial marked cancelled), then the study stops; finished
trials are kept and the best of them is named.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Optional, Union

from finetune.config.run_config import RunConfig
from finetune.config.tasks import ALL_METRICS, AUTO, greater_is_better, metric_for_task
from finetune.errors import ConfigError, expected_found
from finetune.jsonfiles import read_json, write_json
from finetune.runs.compare import child_runs
from finetune.runs.events import EventWriter
from finetune.runs.run import Run, RunStatus


@dataclass(frozen=True)
class SearchSpace:
    """What optuna may choose per trial: ranges (low, high) and lists of choices."""

    learning_rate: tuple[float, float] = (1e-5, 1e-4)  # sampled on a log scale
    batch_sizes: tuple[int, ...] = (16, 32)
    epochs: tuple[float, ...] = (1.0, 2.0, 3.0)
    warmup_ratio: tuple[float, float] = (0.0, 0.1)
    weight_decay: tuple[float, float] = (0.0, 0.1)

    def __post_init__(self) -> None:
        for name in ("learning_rate", "warmup_ratio", "weight_decay"):
            low, high = _pair(name, getattr(self, name))
            object.__setattr__(self, name, (low, high))
        if self.learning_rate[0] <= 0:
            raise ConfigError(expected_found("learning_rate range", "positive bounds", str(self.learning_rate)))
        if not 0 <= self.warmup_ratio[0] <= self.warmup_ratio[1] < 1:
            raise ConfigError(expected_found("warmup_ratio range", "0 <= low <= high < 1", str(self.warmup_ratio)))
        object.__setattr__(self, "batch_sizes", _choices("batch_sizes", self.batch_sizes, int))
        object.__setattr__(self, "epochs", _choices("epochs", self.epochs, float))

    def suggest(self, trial: Any) -> dict[str, Any]:
        """The trial's values, named as TrainingArguments names them (what Trainer sets per trial)."""
        return {
            "learning_rate": trial.suggest_float("learning_rate", *self.learning_rate, log=True),
            "per_device_train_batch_size": trial.suggest_categorical(
                "per_device_train_batch_size", list(self.batch_sizes)
            ),
            "num_train_epochs": trial.suggest_categorical("num_train_epochs", list(self.epochs)),
            "warmup_steps": trial.suggest_float("warmup_ratio", *self.warmup_ratio),  # < 1: a ratio
            "weight_decay": trial.suggest_float("weight_decay", *self.weight_decay),
        }


def _pair(name: str, value: Any) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ConfigError(expected_found(f"search range {name}", "two numbers [low, high]", repr(value))) from None
    if low > high:
        raise ConfigError(expected_found(f"search range {name}", "low <= high", f"[{low}, {high}]"))
    return low, high


def _choices(name: str, value: Any, kind: type) -> tuple:
    try:
        values = tuple(kind(v) for v in ([value] if isinstance(value, (int, float)) else value))
    except (TypeError, ValueError):
        raise ConfigError(expected_found(f"search choices {name}", "a list of numbers", repr(value))) from None
    if not values or any(v <= 0 for v in values):
        raise ConfigError(expected_found(f"search choices {name}", "one or more positive numbers", repr(value)))
    return values


@dataclass(frozen=True)
class SearchSpec:
    """A search: how many trials, the space, and the validation metric to optimise."""

    trials: int = 4
    space: SearchSpace = field(default_factory=SearchSpace)
    metric: str = "accuracy"

    def __post_init__(self) -> None:
        if not isinstance(self.trials, int) or self.trials < 1:
            raise ConfigError(expected_found("search trials", "a whole number >= 1", repr(self.trials)))
        if self.metric not in ALL_METRICS:
            raise ConfigError(expected_found("search metric", "one of " + ", ".join(ALL_METRICS), repr(self.metric)))

    @property
    def direction(self) -> str:
        """'maximize', or 'minimize' for a metric where lower is better (a loss, an error)."""
        return "maximize" if greater_is_better(self.metric) else "minimize"

    def for_task(self, task: str) -> SearchSpec:
        """The spec with its metric resolved for ``task`` ('accuracy' is the task's main metric); ConfigError
        for another task's metric."""
        return replace(self, metric=metric_for_task(self.metric, task))

    def to_dict(self) -> dict[str, Any]:
        return {"trials": self.trials, "metric": self.metric, "space": asdict(self.space)}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> SearchSpec:
        known = {f for f in SearchSpace.__dataclass_fields__}
        space = raw.get("space", {}) or {}
        unknown = set(space) - known
        if unknown:
            raise ConfigError(
                expected_found("search space fields", ", ".join(sorted(known)), ", ".join(sorted(unknown)))
            )
        return cls(
            trials=int(raw.get("trials", 4)), metric=str(raw.get("metric", "accuracy")), space=SearchSpace(**space)
        )


def load_space_file(path: Union[str, Path]) -> dict[str, Any]:
    """A search-space file: JSON with the :class:`SearchSpace` fields (and optionally ``metric``)."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(expected_found("search space file", "a readable JSON object", f"{path}: {exc}")) from None
    if not isinstance(raw, dict):
        raise ConfigError(expected_found("search space file", "a JSON object", type(raw).__name__))
    return raw


def spec_from_flags(trials: int, space_file: Optional[str], metric: Optional[str]) -> SearchSpec:
    """The spec of ``--search_trials N [--search_space FILE] [--search_metric M]``."""
    space = load_space_file(space_file) if space_file else {}
    chosen = metric or space.pop("metric", None) or "accuracy"
    space.pop("metric", None)
    return SearchSpec.from_dict({"trials": trials, "metric": chosen, "space": space})


def save_spec(run: Run, spec: SearchSpec) -> None:
    write_json(run.search_path, spec.to_dict())


def read_spec(run: Run) -> Optional[SearchSpec]:
    """The run's search spec, or None for a plain run."""
    raw = read_json(run.search_path)
    return SearchSpec.from_dict(raw) if raw else None


def check_search_config(config: RunConfig, spec: Optional[SearchSpec] = None) -> None:
    """A search judges trials by their validation metric, so the config must evaluate; a task set in the config
    must have the spec's metric."""
    if spec is not None and config.data.task != AUTO:
        spec.for_task(config.data.task)
    if config.train.eval_strategy == "no":
        raise ConfigError(
            expected_found(
                "eval_strategy for a search",
                "'epoch' or 'steps' (trials are judged by their validation metric)",
                "'no'",
            )
        )


# -- reading a search (the live view and the CLI) -----------------------------------------------------
def trial_table(run: Run, metric: Optional[str] = None) -> list[dict[str, Any]]:
    """One row per trial: number, status, the chosen values, the objective (validation metric), seconds."""
    spec = read_spec(run)
    metric = metric or (spec.metric if spec else "accuracy")
    rows = []
    for trial in child_runs(run):
        train = trial.config_dict().get("train", {})
        report = trial.metrics()
        value = ((report.get("validation") or {}).get("metrics") or {}).get(metric)
        rows.append(
            {
                "trial": trial.id,
                "status": str(trial.state),
                "learning_rate": train.get("learning_rate"),
                "batch_size": train.get("per_device_train_batch_size"),
                "epochs": train.get("num_train_epochs"),
                "warmup_ratio": train.get("warmup_ratio"),
                "weight_decay": train.get("weight_decay"),
                metric: value,
                "seconds": (report.get("train") or {}).get("seconds"),
            }
        )
    return rows


def best_trial(rows: list[dict[str, Any]], metric: str, direction: str = "maximize") -> Optional[dict[str, Any]]:
    """The best finished trial of a trial table (None before one finished)."""
    done = [r for r in rows if r["status"] == str(RunStatus.FINISHED) and isinstance(r.get(metric), (int, float))]
    if not done:
        return None
    return (max if direction == "maximize" else min)(done, key=lambda r: r[metric])


def relay(events: EventWriter, row: dict[str, Any], metric: str) -> None:
    """The parent's summary event of one ended trial."""
    value = row.get(metric)
    shown = f"{metric} {value:.4f}" if isinstance(value, (int, float)) else "no metric"
    events.emit(
        "log",
        message=f"{row['trial']} {row['status']}: {shown} (lr {row['learning_rate']:.2e}, batch "
        f"{row['batch_size']}, epochs {row['epochs']}, warmup {row['warmup_ratio']:.3f}, weight decay "
        f"{row['weight_decay']:.3f})",
        trial=row,
    )
