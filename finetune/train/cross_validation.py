"""k-fold cross-validation: one parent run holding one child run per fold.

:func:`run_cross_validation` is what ``python -m finetune train --cv_folds K`` runs (and the app's
job runner, since it starts the same command). The folds come from
``StratifiedKFold(K, shuffle=True, random_state=split_seed)`` over the training rows (after
``max_train_samples``; no validation is held out, each fold validates on its own held-out part).
Each fold is a plain :func:`finetune.train.training.run_training` in ``<parent>/folds/fold-<i>``: a fresh
model loaded from the checkpoint, so no weights pass from one fold to the next.

The parent directory holds what a normal run holds, so the UI reads it the same way:

- ``events.jsonl``: ``started`` (with ``cv_folds``), a ``log`` "fold i/K ..." per fold, the fold's
  own progress / evaluation events relayed with ``fold`` and ``folds`` fields, and one terminal event
  whose ``cross_validation`` field is the summary;
- ``metrics.json``: ``validation`` = the report of the pooled out-of-fold predictions (so run lists
  show it), ``cross_validation`` = mean ± std per metric, per-class P/R/F1 per fold and pooled;
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
from finetune.data.preparation import prepare_data
from finetune.errors import ConfigError, DataError, FinetuneError, english, expected_found
from finetune.jsonfiles import write_json
from finetune.runs.events import TERMINAL_TYPES, EventWriter, format_event, read_events
from finetune.runs.run import Run, RunStatus
from finetune.train import training
from finetune.train.cancellation import Cancellation
from finetune.train.distributed import DistInfo, describe_device

FINAL_DIR = "final"
RELAYED_TYPES = ("progress", "evaluation", "eval_progress", "checkpoint", "log")


def make_folds(labels: Sequence[int], label_names: Sequence[str], k: int, seed: int) -> list[tuple[Any, Any]]:
    """(train indices, validation indices) per fold; a clear error when a class has fewer than K rows."""
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
    if len(labels) < 2 * k:
        raise DataError(expected_found("training rows", f"at least {2 * k} for {k} folds", str(len(labels))))
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(labels)), labels))


def fold_config(
    config: RunConfig,
    name: str,
    *,
    is_pair: bool,
    label_names: Sequence[str],
    final: bool = False,
    eval_rows: Optional[int] = None,
) -> RunConfig:
    """The child run's config: canonical columns of the in-memory fold data, no nested folds.

    ``eval_rows``: a fold's validation size, so every held-out row is scored (its out-of-fold
    predictions must cover every row; without it a large fold would be capped, see eval_cap.py).
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
    if not final:
        data["test_split"] = "none"
    train: dict[str, Any] = {"cv_folds": 0, "cv_final_model": False}
    if final:  # its validation rows are its training rows: nothing to choose a best model with
        train.update(eval_strategy="no", load_best_model_at_end=False, early_stopping_patience=None)
    return config.replace(data=data, train=train, run={"run_name": name})


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
    fold_reports: list[dict[str, Any]], oof_rows: list[dict[str, Any]], label_names: Sequence[str], folds_planned: int
) -> dict[str, Any]:
    """Mean ± std (sample std, ddof=1: the usual one for k-fold reports) per metric, per-class P/R/F1 per fold
    and pooled."""
    from finetune.evaluation.metrics import classification_metrics, confusion, per_class_report

    names = list(fold_reports[0]["metrics"]) if fold_reports else []
    metrics = {}
    for name in names:
        values = [float(report["metrics"][name]) for report in fold_reports]
        metrics[name] = {"mean": float(np.mean(values)), "std": sample_std(values), "per_fold": values}
    per_class_folds = [report["per_class"] for report in fold_reports]
    per_class_mean = []
    for i, label in enumerate(label_names):
        row: dict[str, Any] = {"label": label}
        for key in ("precision", "recall", "f1"):
            values = [rows[i][key] for rows in per_class_folds]
            row[key] = {"mean": float(np.mean(values)), "std": sample_std(values)} if values else None
        per_class_mean.append(row)
    preds = [row["prediction"] for row in oof_rows]
    refs = [row["label"] for row in oof_rows]
    pooled = {
        "metrics": classification_metrics(preds, refs, len(label_names)) if oof_rows else {},
        "per_class": per_class_report(preds, refs, label_names) if oof_rows else [],
        "confusion_matrix": confusion(preds, refs, len(label_names)) if oof_rows else [],
        "label_names": list(label_names),
        "num_examples": len(oof_rows),
    }
    return {
        "folds_done": len(fold_reports),
        "folds_planned": folds_planned,
        "std": STD_CONVENTION,
        "metrics": metrics,
        "per_class": {"per_fold": per_class_folds, "mean": per_class_mean},
        "pooled": pooled,
    }


def format_summary(summary: dict[str, Any], say: Callable[..., str] = english) -> str:
    """Markdown tables: mean ± std per metric, per class per fold and pooled (CLI output, UI panel).
    ``say(template, **params)`` gives the words (English for the CLI; the page passes its language's)."""
    done, planned = summary["folds_done"], summary["folds_planned"]
    lines = [
        say("Cross-validation: {done} of {planned} folds", done=done, planned=planned)
        + ("" if done == planned else say(" (stopped early)")),
        "",
        say("| metric | mean ± std (sample std) | per fold |"),
        "| --- | --- | --- |",
    ]
    for name, stats in summary["metrics"].items():
        per_fold = ", ".join(f"{v:.4f}" for v in stats["per_fold"])
        lines.append(f"| {name} | {stats['mean']:.4f} ± {stats['std']:.4f} | {per_fold} |")
    lines += [
        "",
        say("| class | precision | recall | F1 | pooled P / R / F1 (support) |"),
        "| --- | --- | --- | --- | --- |",
    ]
    pooled = {row["label"]: row for row in summary["pooled"]["per_class"]}
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
    rows, names = prepared.splits["train"], prepared.label_names
    folds = make_folds(rows["label"], names, k, config.data.split_seed)
    events.emit(
        "started",
        config=config.to_dict(),
        cv_folds=k,
        device=describe_device()[0],
        precision=_fold_precision(config),
        sizes={"train": len(rows)},
        label_names=names,
        is_pair=prepared.is_pair,
        fold_sizes=[[len(t), len(v)] for t, v in folds],
        validation_source=f"{k}-fold stratified cross-validation (seed {config.data.split_seed})",
    )
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
            status = _run_fold(config, run, rows, train_idx, val_idx, i, k, prepared.is_pair, names, events, echo)
        if status["status"] != "finished":
            outcome = status
            break
        reports.append(_fold_outputs(run.fold(i), i, oof))
        shown = ", ".join(
            f"{m} {v:.4f}" for m, v in reports[-1]["metrics"].items() if m in ("accuracy", "f1", "matthews_correlation")
        )
        events.emit("log", message=f"fold {i}/{k} finished: {shown}", level="info", fold=i, folds=k)
    summary = summarize_folds(reports, oof, names, k)
    if outcome["status"] == "finished" and config.train.cv_final_model:
        summary["final_model"] = _final_model(config, run, prepared, events, echo)
    _write_parent_outputs(run, summary, oof)
    seconds = round(time.monotonic() - started, 2)
    if echo and reports:
        print(format_summary(summary), flush=True)
    return _finish(run, events, outcome, summary, seconds)


def _run_fold(
    config: RunConfig,
    run: Run,
    rows: Any,
    train_idx: Any,
    val_idx: Any,
    i: int,
    k: int,
    is_pair: bool,
    names: list[str],
    events: EventWriter,
    echo: bool,
) -> dict[str, Any]:
    """Train fold ``i`` as a child run in ``<run>/folds/fold-<i>``; return its status."""
    child_config = fold_config(
        config, f"{run.id}-fold{i}", is_pair=is_pair, label_names=names, eval_rows=max(1, len(val_idx))
    )
    if run.fold(i).path.exists():  # a fold a cancelled run left unfinished starts again from the checkpoint
        run.fold(i).delete()
    child = Run.create(run.folds_dir, child_config, run.fold(i).id)
    data = datasets.DatasetDict({"train": rows.select(train_idx), "validation": rows.select(val_idx)})
    with FoldRelay(run, child, events, i, k, echo):
        return training.run_training(child_config, child, raw=data)


def _fold_outputs(child: Run, fold: int, oof: list[dict[str, Any]]) -> dict[str, Any]:
    """Read a finished fold's validation report; append its out-of-fold predictions (tagged) to ``oof``."""
    for row in child.predictions("validation"):
        oof.append({**row, "fold": fold})
    return child.metrics()["validation"]


def _final_model(config: RunConfig, run: Run, prepared: Any, events: EventWriter, echo: bool) -> str:
    """Train one more model on every training row; its model/ becomes the parent's model/."""
    rows = prepared.splits["train"]
    child_config = fold_config(
        config, f"{run.id}-final", is_pair=prepared.is_pair, label_names=prepared.label_names, final=True
    )
    child = Run.create(run.path, child_config, FINAL_DIR)
    data = {"train": rows, "validation": prepared.splits.get("validation", rows)}
    if "test" in prepared.splits:
        data["test"] = prepared.splits["test"]
    events.emit("log", message=f"final model: training on all {len(rows)} rows", level="info", fold="final")
    with FoldRelay(run, child, events, "final", 0, echo):
        status = training.run_training(child_config, child, raw=datasets.DatasetDict(data))
    if status["status"] != "finished":
        return f"The final model on all rows did not finish ({status['status']}: {status.get('message', '')})."
    shutil.move(str(child.model_dir), str(run.model_dir))
    scored_on = (
        "the validation split"
        if "validation" in prepared.splits
        else "its own training rows, so judge it by the cross-validation means above"
    )
    return (
        f"A final model was trained on all {len(rows)} rows and saved as this run's model "
        f"(folder final/ has its metrics, scored on {scored_on})."
    )


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
