"""k-fold cross-validation: one parent run holding one child run per fold.

:func:`run_cross_validation` is what ``python -m finetune train --cv_folds K`` runs (and the app's
job runner, since it starts the same command). The folds split the training rows (after
``max_train_samples``; no validation is held out, each fold validates on its own held-out part), shuffled
with ``split_seed``, as the task allows (:func:`make_folds`):

- single-label: ``StratifiedKFold(K, shuffle=True, random_state=split_seed)``, each class's share kept;
- multi-label: iterative stratification by label with K equal shares
  (:func:`finetune.data.multi_label.iterative_stratification`), each label's share kept;
- regression: ``KFold(K, shuffle=True, random_state=split_seed)`` (a number has no class to stratify by).

Each fold is a plain :func:`finetune.train.training.run_training` in ``<parent>/folds/fold-<i>``: a fresh
model loaded from the checkpoint, so no weights pass from one fold to the next. It is handed its rows
already prepared (the parent's labels and task; nothing is prepared twice).

The parent directory holds what a normal run holds, so the UI reads it the same way:

- ``events.jsonl``: ``started`` (with ``cv_folds``), a ``log`` "fold i/K ..." per fold, the fold's
  own progress / evaluation events relayed with ``fold`` and ``folds`` fields, and one terminal event
  whose ``cross_validation`` field is the summary;
- ``metrics.json``: ``validation`` = the report of the pooled out-of-fold predictions (so run lists
  show it) with the task's metrics (per-class table and confusion matrix; per-label table; regression
  metrics and the predicted-vs-true scatter), ``cross_validation`` = mean ± std per metric, per-class
  (per-label) P/R/F1 per fold and pooled;
- ``predictions/validation.jsonl``: every out-of-fold prediction, with its ``fold`` (the Predict
  tab's mistakes browser reads it as it reads any run's);
- ``model/``: only with ``cv_final_model`` (one more model trained on all the rows).

Stop (a ``CANCEL`` file in the parent, or SIGTERM) is passed to the running fold, which stops
cleanly; the remaining folds are skipped, the parent reads ``cancelled`` and keeps the finished
folds' results.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Optional, Union

import datasets
import numpy as np

from finetune.config.run_config import RunConfig
from finetune.config.tasks import MULTI_LABEL, REGRESSION, SINGLE_LABEL, TASK_METRICS, metric_for_task
from finetune.data.arrow_columns import column
from finetune.data.column_detection import ColumnMapping
from finetune.data.multi_label import iterative_stratification, multi_hot_column
from finetune.data.preparation import DataReport, PreparedData, prepare_data, prepared_counts
from finetune.data.regression import target_stats
from finetune.errors import ConfigError, DataError, FinetuneError, english, expected_found
from finetune.jsonfiles import write_json
from finetune.runs.events import TERMINAL_TYPES, EventWriter, format_event, read_events
from finetune.runs.run import Run, RunStatus
from finetune.train import training
from finetune.train.cancellation import Cancellation
from finetune.train.distributed import DistInfo, describe_device

FINAL_DIR = "final"
RELAYED_TYPES = ("progress", "evaluation", "eval_progress", "checkpoint", "log")


def make_folds(
    labels: Any, label_names: Sequence[str], k: int, seed: int, task: str = SINGLE_LABEL
) -> list[tuple[Any, Any]]:
    """(train indices, validation indices) per fold, as the task allows (see the module docstring).

    ``labels``: class ids (single-label), a rows x labels 0/1 matrix (multi-label) or the targets (regression).
    A clear error when there are fewer than 2 rows per fold, or a class has fewer than K rows."""
    if task == MULTI_LABEL:
        return _multi_label_folds(np.asarray(labels, dtype=np.float32), k, seed)
    if task == REGRESSION:
        from sklearn.model_selection import KFold

        check_fold_rows(len(labels), k)
        return list(KFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(labels))))
    return _stratified_folds(labels, label_names, k, seed)


def check_fold_rows(rows: int, k: int) -> None:
    """DataError unless there are at least 2 rows per fold (a fold trains on some and validates on others)."""
    if rows < 2 * k:
        raise DataError(expected_found("training rows", f"at least {2 * k} for {k} folds", str(rows)))


def _stratified_folds(labels: Sequence[int], label_names: Sequence[str], k: int, seed: int) -> list[tuple[Any, Any]]:
    """StratifiedKFold over the classes; a clear error when a class has fewer than K rows."""
    from sklearn.model_selection import StratifiedKFold

    labels = np.asarray(labels, dtype=np.int64)
    counts = np.bincount(labels, minlength=len(label_names))
    short = [f"{label_names[i]} ({int(c)})" for i, c in enumerate(counts) if 0 < c < k]
    single = [label_names[i] for i, c in enumerate(counts) if c == 1]  # no number of folds fits a class of one row
    if short:
        raise DataError(
            expected_found(
                f"rows per class for {k}-fold cross-validation",
                f"at least {k} in every class",
                "fewer in " + ", ".join(short),
                f"Add rows to {', '.join(single)} (cross-validation needs at least 2 per class), or set cv_folds to 0."
                if single
                else f"Lower cv_folds to {int(min(c for c in counts if c))} or add rows.",
            )
        )
    check_fold_rows(len(labels), k)
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(labels)), labels))


def _multi_label_folds(matrix: np.ndarray, k: int, seed: int) -> list[tuple[Any, Any]]:
    """Iterative stratification by label into K equal shares; fold ``i`` validates on share ``i``."""
    check_fold_rows(len(matrix), k)
    part = iterative_stratification(matrix.reshape(len(matrix), -1), [1.0 / k] * k, seed)
    return [(np.flatnonzero(part != i), np.flatnonzero(part == i)) for i in range(k)]


def sparse_labels_note(matrix: Any, label_names: Sequence[str], k: int) -> Optional[str]:
    """Multi-label: the labels with fewer rows than folds (some fold then trains or validates without them), or
    None. Not an error: the model keeps an output for every label, it only sees no example of one in that fold."""
    counts = np.asarray(matrix, dtype=np.float32).reshape(-1, len(label_names)).sum(axis=0)
    rare = [f"{name} ({int(c)})" for name, c in zip(label_names, counts) if c < k]
    if not rare:
        return None
    return (
        f"labels with fewer rows than the {k} folds: {', '.join(rare)}; some folds train or validate without them, "
        "so their per-label scores vary a lot. Add rows with those labels, or lower cv_folds."
    )


def fold_labels(rows: Any, task: str) -> Any:
    """What :func:`make_folds` splits by, read from a prepared split's ``label`` column in one Arrow pass."""
    if task == MULTI_LABEL:
        return multi_hot_column(rows)
    return np.asarray(column(rows, "label").to_numpy(zero_copy_only=False))


def fold_method(task: str, k: int, seed: int) -> str:
    """How the rows were split into folds, in words (the run's validation source and its summary)."""
    if task == MULTI_LABEL:
        return f"{k}-fold cross-validation, iteratively stratified by label with equal shares (seed {seed})"
    if task == REGRESSION:
        return f"{k}-fold cross-validation, plain KFold shuffled (seed {seed})"
    return f"{k}-fold stratified cross-validation (seed {seed})"


def fold_config(
    config: RunConfig,
    name: str,
    *,
    is_pair: bool,
    label_names: Sequence[str],
    final: bool = False,
    eval_rows: Optional[int] = None,
    task: Optional[str] = None,
    train: Optional[dict[str, Any]] = None,
) -> RunConfig:
    """The child run's config: canonical columns of the in-memory fold data, no nested folds.

    ``eval_rows``: a fold's validation size, so every held-out row is scored (its out-of-fold
    predictions must cover every row; without it a large fold would be capped, see eval_cap.py).
    ``task``: the task the parent's data resolved to (the fold's rows are canonical, no longer delimited
    text). ``train``: further train fields (the final model's threshold).
    """
    data = {
        "text_column": "text",
        "label_column": "label",
        "text_pair_column": "text_pair" if is_pair else None,
        "label_names": list(label_names),
        "validation_split": "validation",
        "max_train_samples": None,
        "max_eval_samples": eval_rows,
    }
    if task is not None:
        data.update(task=task, label_delimiter=None)
    if not final:
        data["test_split"] = "none"
    fields: dict[str, Any] = {"cv_folds": 0, "cv_final_model": False, **(train or {})}
    if final:  # its validation rows are its training rows: nothing to choose a best model with
        fields.update(eval_strategy="no", load_best_model_at_end=False, early_stopping_patience=None)
    return config.replace(data=data, train=fields, run={"run_name": name})


def fold_data(prepared: PreparedData, splits: dict[str, Any], source: str) -> PreparedData:
    """Already prepared rows of one fold (or of the final model) with a report of their own: the fold trains on
    them as they are, with the parent's labels and task (a multi-label fold whose part lacks a label keeps the
    parent's label list, so every fold's per-label table lines up)."""
    task, names = prepared.task, prepared.label_names
    report = DataReport(
        source=f"{prepared.report.source}: {source}",
        columns=ColumnMapping(text="text", label="label", text_pair="text_pair" if prepared.is_pair else None),
        label_names=list(names),
        split_sizes={name: len(split) for name, split in splits.items()},
        label_counts={name: prepared_counts(split, names, task) for name, split in splits.items()},
        validation_source=source,
        task=task,
    )
    if task == REGRESSION:
        report.target_stats = {name: target_stats(column(split, "label")) for name, split in splits.items()}
    return PreparedData(splits=datasets.DatasetDict(splits), label_names=list(names), report=report)


class FoldRelay:
    """While a fold trains: pass the parent's CANCEL to it, and relay its events into the parent's."""

    def __init__(self, parent: Run, child: Run, events: EventWriter, fold: Any, folds: int, echo: bool) -> None:
        self.parent, self.child, self.events = parent, child, events
        self.fold, self.folds, self.echo = fold, folds, echo
        self.prefix = f"fold {fold}/{folds}" if folds else "final model"
        self.offset = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name=f"fold-{fold}-relay")

    def __enter__(self) -> FoldRelay:
        self.pump()
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self.pump()

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            self.pump()

    def pump(self) -> None:
        """One pass: propagate a cancel request, relay newly appended child events."""
        if self.parent.cancel_path.exists() and not self.child.cancel_path.exists():
            self.child.request_cancel()
        new, self.offset = read_events(self.child.events_path, self.offset)
        for event in new:
            if event["type"] not in RELAYED_TYPES:
                continue
            fields = {k: v for k, v in event.items() if k not in ("type", "time")}
            echo, self.events.echo = self.events.echo, False  # printed below, with the fold's prefix
            try:
                relayed = self.events.emit(event["type"], fold=self.fold, folds=self.folds, **fields)
            finally:
                self.events.echo = echo
            if self.echo:
                print(f"{self.prefix} " + format_event(relayed), flush=True)


STD_CONVENTION = "sample (ddof=1)"  # the spread of fold scores, as k-fold reports (and Compare) give it


def sample_std(values: Sequence[float]) -> float:
    """The sample standard deviation (ddof=1) of the folds' scores; 0 for a single fold."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def _fold_precision(config: RunConfig) -> str:
    """The precision every fold trains in (each fold resolves it the same way on the same device)."""
    from finetune.model.precision import detect_precision

    _, cuda = describe_device()
    return detect_precision(config.train.precision, "cuda" if cuda else "cpu").name


def summarize_folds(
    fold_reports: list[dict[str, Any]],
    oof_rows: list[dict[str, Any]],
    label_names: Sequence[str],
    folds_planned: int,
    *,
    task: str = SINGLE_LABEL,
    method: str = "",
) -> dict[str, Any]:
    """Mean ± std (sample std, ddof=1: the usual one for k-fold reports) per metric, per-class (per-label)
    P/R/F1 per fold, and the pooled report of the out-of-fold predictions in the task's metrics."""
    names = list(fold_reports[0]["metrics"]) if fold_reports else []
    metrics = {}
    for name in names:
        values = [float(report["metrics"][name]) for report in fold_reports]
        metrics[name] = {"mean": float(np.mean(values)), "std": sample_std(values), "per_fold": values}
    per_class_folds = [report.get("per_class") or [] for report in fold_reports]
    per_class_mean = []
    for i, label in enumerate(label_names if task != REGRESSION else []):
        row: dict[str, Any] = {"label": label}
        for key in ("precision", "recall", "f1"):
            values = [rows[i][key] for rows in per_class_folds if len(rows) > i]
            row[key] = {"mean": float(np.mean(values)), "std": sample_std(values)} if values else None
        per_class_mean.append(row)
    summary = {
        "task": task,
        "folds_done": len(fold_reports),
        "folds_planned": folds_planned,
        "std": STD_CONVENTION,
        "metrics": metrics,
        "per_class": {"per_fold": per_class_folds, "mean": per_class_mean},
        "pooled": pooled_report(oof_rows, label_names, task),
    }
    if method:
        summary["method"] = method
    thresholds = [report["threshold"] for report in fold_reports if isinstance(report.get("threshold"), (int, float))]
    if task == MULTI_LABEL and thresholds:
        summary["thresholds"] = thresholds  # each fold's decision threshold (tuned per fold with tune_threshold)
    return summary


def pooled_report(
    oof_rows: list[dict[str, Any]], label_names: Sequence[str], task: str = SINGLE_LABEL
) -> dict[str, Any]:
    """The report of every out-of-fold prediction pooled, as each fold decided it: classes (metrics, per-class
    table, confusion matrix), label sets at each fold's threshold (metrics, per-label table, baseline), or
    numbers (regression metrics, baseline, the predicted-vs-true scatter)."""
    from finetune.evaluation.metrics import classification_metrics, confusion, per_class_report
    from finetune.evaluation.multi_label import (
        multi_label_baseline,
        multi_label_metrics,
        multi_label_warnings,
        per_label_report,
    )
    from finetune.evaluation.regression import regression_report

    names = list(label_names)
    if task == REGRESSION:
        predicted = [row["prediction"] for row in oof_rows]
        return regression_report(np.asarray(predicted), [row["label"] for row in oof_rows], names, "out-of-fold")
    if task == MULTI_LABEL:
        index = {name: i for i, name in enumerate(names)}
        true, pred = (
            np.zeros((len(oof_rows), len(names)), dtype=bool),
            np.zeros((len(oof_rows), len(names)), dtype=bool),
        )
        for i, row in enumerate(oof_rows):
            true[i, [index[n] for n in row["labels"]]] = True
            pred[i, [index[n] for n in row["predicted"]]] = True
        scores = multi_label_metrics(pred, true) if oof_rows else {}
        base = multi_label_baseline(true)
        return {
            "task": MULTI_LABEL,
            "metrics": scores,
            "baseline": base,
            "warnings": multi_label_warnings(scores, pred, base, "out-of-fold") if oof_rows else [],
            "per_class": per_label_report(pred, true, names) if oof_rows else [],
            "label_names": names,
            "num_examples": len(oof_rows),
        }
    preds = [row["prediction"] for row in oof_rows]
    refs = [row["label"] for row in oof_rows]
    return {
        "metrics": classification_metrics(preds, refs, len(names)) if oof_rows else {},
        "per_class": per_class_report(preds, refs, names) if oof_rows else [],
        "confusion_matrix": confusion(preds, refs, len(names)) if oof_rows else [],
        "label_names": names,
        "num_examples": len(oof_rows),
    }


def format_summary(summary: dict[str, Any], say: Callable[..., str] = english) -> str:
    """Markdown tables: mean ± std per metric, the pooled out-of-fold metrics, per class (per label) per fold
    and pooled (CLI output, UI panel); regression has no class table.
    ``say(template, **params)`` gives the words (English for the CLI; the page passes its language's)."""
    done, planned = summary["folds_done"], summary["folds_planned"]
    lines = [
        say("Cross-validation: {done} of {planned} folds", done=done, planned=planned)
        + ("" if done == planned else say(" (stopped early)")),
        "",
    ]
    if summary.get("method"):
        lines += [say(summary["method"]), ""]
    lines += [say("| metric | mean ± std (sample std) | per fold |"), "| --- | --- | --- |"]
    for name, stats in summary["metrics"].items():
        per_fold = ", ".join(f"{v:.4f}" for v in stats["per_fold"])
        lines.append(f"| {name} | {stats['mean']:.4f} ± {stats['std']:.4f} | {per_fold} |")
    pooled_metrics = (summary.get("pooled") or {}).get("metrics") or {}
    if pooled_metrics and summary.get("task", SINGLE_LABEL) != SINGLE_LABEL:
        shown = ", ".join(f"{name} {value:.4f}" for name, value in pooled_metrics.items())
        lines += ["", say("Pooled out-of-fold predictions: {metrics}", metrics=shown)]
    if summary["per_class"]["mean"]:
        lines += [
            "",
            say("| class | precision | recall | F1 | pooled P / R / F1 (support) |"),
            "| --- | --- | --- | --- | --- |",
        ]
    pooled = {row["label"]: row for row in (summary.get("pooled") or {}).get("per_class") or []}
    for row in summary["per_class"]["mean"]:
        cells = [
            f"{row[k]['mean']:.3f} ± {row[k]['std']:.3f}" if row[k] else "-" for k in ("precision", "recall", "f1")
        ]
        p = pooled.get(row["label"])
        tail = f"{p['precision']:.3f} / {p['recall']:.3f} / {p['f1']:.3f} ({p['support']})" if p else "-"
        lines.append(f"| {row['label']} | " + " | ".join(cells) + f" | {tail} |")
    if summary.get("final_model"):
        lines += ["", say(summary["final_model"])]
    return "\n".join(lines)


def run_cross_validation(
    config: RunConfig, run: Union[Run, Path], *, raw: Any = None, echo: bool = False, resume: bool = False
) -> dict[str, Any]:
    """Cross-validate as configured into the (existing) parent ``run``; return its final status (never raises).
    ``resume``: the stop request that ended the last attempt is cleared; finished folds are kept either way."""
    run = run if isinstance(run, Run) else Run.at(run)
    if resume:
        run.cancel_path.unlink(missing_ok=True)
    events = EventWriter(run.events_path, echo=echo)
    run.set_status(RunStatus.RUNNING, pid=os.getpid(), cv_folds=config.train.cv_folds)
    started = time.monotonic()
    try:
        return _cross_validate(config, run, raw, events, echo, started)
    except Exception as exc:  # recorded, not raised, like run_training
        message = str(exc) if isinstance(exc, FinetuneError) else f"{type(exc).__name__}: {exc}"
        events.emit(
            "failed",
            message=message,
            error=type(exc).__name__,
            traceback="".join(traceback.format_exception(exc)[-6:])[-4000:],
            seconds=round(time.monotonic() - started, 2),
        )
        return run.set_status(RunStatus.FAILED, message=message, error=type(exc).__name__)
    finally:
        events.close()


def _cross_validate(
    config: RunConfig, run: Run, raw: Any, events: EventWriter, echo: bool, started: float
) -> dict[str, Any]:

    if DistInfo().world_size > 1:
        raise ConfigError(
            expected_found(
                "cv_folds",
                "a single-process run (folds run one after another)",
                "a distributed launch",
                "Run cross-validation without torchrun.",
            )
        )
    k = config.train.cv_folds
    prepared = prepare_data(config.data, raw, hold_out=False)
    write_json(run.data_report_path, prepared.report.to_dict())
    for note in prepared.report.notes:
        events.log(note, level="warning")
    rows, names, task = prepared.splits["train"], prepared.label_names, prepared.task
    metric = metric_for_task(config.train.metric_for_best_model, task)
    labels = fold_labels(rows, task)
    folds = make_folds(labels, names, k, config.data.split_seed, task)
    method = fold_method(task, k, config.data.split_seed)
    events.emit(
        "started",
        config=config.to_dict(),
        cv_folds=k,
        device=describe_device()[0],
        precision=_fold_precision(config),
        sizes={"train": len(rows)},
        label_names=names,
        task=task,
        threshold=config.train.threshold if task == MULTI_LABEL else None,
        metric=metric,
        is_pair=prepared.is_pair,
        fold_sizes=[[len(t), len(v)] for t, v in folds],
        validation_source=method,
    )
    note = sparse_labels_note(labels, names, k) if task == MULTI_LABEL else None
    if note:
        events.log(note, level="warning")
    if config.train.tensorboard:
        events.log(f"TensorBoard (every fold): tensorboard --logdir {run.folds_dir.resolve()}")
    cancellation = Cancellation(run)
    reports, oof, outcome = [], [], {"status": "finished"}
    for i, (train_idx, val_idx) in enumerate(folds, start=1):
        cancellation.install_signal_handlers()  # each fold installs its own; the parent takes them back
        if cancellation.requested():
            outcome = {"status": "cancelled"}
            break
        events.emit(
            "log",
            message=f"fold {i}/{k}: training a fresh model on {len(train_idx)} rows, validating on {len(val_idx)}",
            level="info",
            fold=i,
            folds=k,
        )
        if run.fold(i).state is RunStatus.FINISHED:  # a resumed run keeps the folds it finished
            events.emit("log", message=f"fold {i}/{k}: finished before, kept", level="info", fold=i, folds=k)
            status = {"status": "finished"}
        else:
            status = _run_fold(config, run, prepared, train_idx, val_idx, (i, k), events, echo)
        if status["status"] != "finished":
            outcome = status
            break
        reports.append(_fold_outputs(run.fold(i), i, oof))
        shown = ", ".join(f"{m} {v:.4f}" for m, v in reports[-1]["metrics"].items() if m in FOLD_LOG_METRICS[task])
        events.emit("log", message=f"fold {i}/{k} finished: {shown}", level="info", fold=i, folds=k)
    summary = summarize_folds(reports, oof, names, k, task=task, method=method)
    if outcome["status"] == "finished" and config.train.cv_final_model:
        summary["final_model"] = _final_model(config, run, prepared, events, echo, summary.get("thresholds"))
    _write_parent_outputs(run, summary, oof)
    seconds = round(time.monotonic() - started, 2)
    if echo and reports:
        print(format_summary(summary), flush=True)
    return _finish(run, events, outcome, summary, seconds)


# the metrics a fold's "finished" log line shows, per task
FOLD_LOG_METRICS = {
    SINGLE_LABEL: ("accuracy", "f1", "matthews_correlation"),
    MULTI_LABEL: ("f1_micro", "f1_macro", "subset_accuracy"),
    REGRESSION: ("pearson", "spearman", "rmse"),
}
assert all(set(names) <= set(TASK_METRICS[task]) for task, names in FOLD_LOG_METRICS.items())


def _run_fold(
    config: RunConfig,
    run: Run,
    prepared: PreparedData,
    train_idx: Any,
    val_idx: Any,
    place: tuple[int, int],
    events: EventWriter,
    echo: bool,
) -> dict[str, Any]:
    """Train fold ``i`` of ``k`` (``place``) as a child run in ``<run>/folds/fold-<i>``; return its status."""
    i, k = place
    child_config = fold_config(
        config,
        f"{run.id}-fold{i}",
        is_pair=prepared.is_pair,
        label_names=prepared.label_names,
        eval_rows=max(1, len(val_idx)),
        task=prepared.task,
    )
    if run.fold(i).path.exists():  # a fold a cancelled run left unfinished starts again from the checkpoint
        run.fold(i).delete()
    child = Run.create(run.folds_dir, child_config, run.fold(i).id)
    rows = prepared.splits["train"]
    data = fold_data(
        prepared, {"train": rows.select(train_idx), "validation": rows.select(val_idx)}, f"fold {i} of {k}"
    )
    with FoldRelay(run, child, events, i, k, echo):
        return training.run_training(child_config, child, prepared=data)


def _fold_outputs(child: Run, fold: int, oof: list[dict[str, Any]]) -> dict[str, Any]:
    """Read a finished fold's validation report; append its out-of-fold predictions (tagged) to ``oof``."""
    for row in child.predictions("validation"):
        oof.append({**row, "fold": fold})
    return child.metrics()["validation"]


def _final_model(
    config: RunConfig,
    run: Run,
    prepared: PreparedData,
    events: EventWriter,
    echo: bool,
    fold_thresholds: Optional[list[float]] = None,
) -> str:
    """Train one more model on every training row; its model/ becomes the parent's model/.

    A multi-label run with ``tune_threshold`` and no validation split of its own would tune the final model's
    threshold on its training rows (which it fits too well): it takes the folds' tuned thresholds' mean instead."""
    rows = prepared.splits["train"]
    own_validation = "validation" in prepared.splits
    train: dict[str, Any] = {}
    if prepared.task == MULTI_LABEL and config.train.tune_threshold and not own_validation and fold_thresholds:
        train = {"threshold": round(float(np.mean(fold_thresholds)), 2), "tune_threshold": False}
    child_config = fold_config(
        config,
        f"{run.id}-final",
        is_pair=prepared.is_pair,
        label_names=prepared.label_names,
        final=True,
        task=prepared.task,
        train=train,
    )
    child = Run.create(run.path, child_config, FINAL_DIR)
    data = {"train": rows, "validation": prepared.splits.get("validation", rows)}
    if "test" in prepared.splits:
        data["test"] = prepared.splits["test"]
    events.emit("log", message=f"final model: training on all {len(rows)} rows", level="info", fold="final")
    with FoldRelay(run, child, events, "final", 0, echo):
        status = training.run_training(child_config, child, prepared=fold_data(prepared, data, "the final model"))
    if status["status"] != "finished":
        return f"The final model on all rows did not finish ({status['status']}: {status.get('message', '')})."
    shutil.move(str(child.model_dir), str(run.model_dir))
    scored_on = (
        "the validation split"
        if own_validation
        else "its own training rows, so judge it by the cross-validation means above"
    )
    said = (
        f"A final model was trained on all {len(rows)} rows and saved as this run's model "
        f"(folder final/ has its metrics, scored on {scored_on})."
    )
    if train:
        said += f" Its decision threshold, {train['threshold']:g}, is the mean of the folds' tuned thresholds."
    return said


def _write_parent_outputs(run: Run, summary: dict[str, Any], oof: list[dict[str, Any]]) -> None:
    write_json(run.metrics_path, {"validation": summary["pooled"], "cross_validation": summary})
    run.write_predictions("validation", oof)


def _finish(
    run: Run, events: EventWriter, outcome: dict[str, Any], summary: dict[str, Any], seconds: float
) -> dict[str, Any]:
    status = outcome["status"]
    model_dir: Optional[str] = str(run.model_dir) if run.model_dir.is_dir() else None
    done = f"{summary['folds_done']} of {summary['folds_planned']} folds"
    if status == "finished":
        events.emit(
            "finished",
            seconds=seconds,
            model_dir=model_dir,
            metrics=summary["pooled"]["metrics"],
            cross_validation=summary,
        )
    elif status == "cancelled":
        events.emit(
            "cancelled",
            step=None,
            message=f"stopped on request after {done}; their results are kept",
            cross_validation=summary,
        )
    else:
        message = f"a fold failed after {done}: {outcome.get('message', '')}"
        events.emit("failed", message=message, cross_validation=summary, seconds=seconds)
        return run.set_status(RunStatus.FAILED, message=message)
    assert status in TERMINAL_TYPES
    return run.set_status(RunStatus(status), seconds=seconds, model_dir=model_dir, folds_done=summary["folds_done"])
