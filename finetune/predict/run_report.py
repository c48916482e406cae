"""Evaluation report of a run: overall metrics, per-class table, confusion matrix, mistakes, per task.

``run_report`` reads what training saved (the run's metrics and predictions); ``evaluate_run`` scores
the run's model on another split or an uploaded labelled file with the same report shape, read as the
model's task reads it: classes (single-label), label sets at the decision threshold (multi-label; the
run's saved threshold unless another is given), numbers (regression).

The mistakes are what a person checks first: wrong classes, most confident first; label sets that differ
from the true set, the most confidently wrong decision first; the largest errors of a regression.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from finetune.config.run_config import DataConfig
from finetune.config.tasks import DEFAULT_THRESHOLD, MULTI_LABEL, REGRESSION, SINGLE_LABEL
from finetune.data.arrow_columns import column
from finetune.data.multi_label import multi_hot_column
from finetune.data.preparation import PreparedData, prepare_data
from finetune.errors import DataError, RunError, expected_found
from finetune.evaluation.metrics import full_report, prediction_rows
from finetune.predict.predictor import get_predictor
from finetune.runs.run import Run

MISTAKES_SHOWN = 200


def misclassified(predictions: list[dict[str, Any]], limit: int = MISTAKES_SHOWN) -> list[dict[str, Any]]:
    """Wrong predictions, most confident first (single-label rows)."""
    wrong = [p for p in predictions if p["label"] != p["prediction"]]
    return sorted(wrong, key=lambda p: p["confidence"], reverse=True)[:limit]


def mistakes(
    predictions: list[dict[str, Any]],
    task: str = SINGLE_LABEL,
    threshold: Optional[float] = None,
    limit: int = MISTAKES_SHOWN,
) -> list[dict[str, Any]]:
    """The rows to check first, by task: wrong classes, most confident first; multi-label rows whose predicted
    set differs from the true one, the row with the most confidently wrong label decision (its probability
    farthest from ``threshold`` on the wrong side) first; regression rows by the size of their error."""
    if task == REGRESSION:
        return sorted(predictions, key=lambda p: abs(p["error"]), reverse=True)[:limit]
    if task == MULTI_LABEL:
        cut = DEFAULT_THRESHOLD if threshold is None else threshold
        wrong = [p for p in predictions if set(p["labels"]) != set(p["predicted"])]
        return sorted(wrong, key=lambda p: _wrongest_margin(p, cut), reverse=True)[:limit]
    return misclassified(predictions, limit)


def _wrongest_margin(row: dict[str, Any], threshold: float) -> float:
    """How far the most confidently wrong label decision of a multi-label row lies from the threshold."""
    truth, predicted = set(row["labels"]), set(row["predicted"])
    wrong = [name for name in row["probabilities"] if (name in truth) != (name in predicted)]
    return max((abs(row["probabilities"][name] - threshold) for name in wrong), default=0.0)


def run_report(run_dir: Union[str, Path], split: str = "validation") -> dict[str, Any]:
    """A run's saved report of ``split`` with its mistakes (see :func:`mistakes`) and how many rows were saved."""
    run = Run.at(run_dir)
    metrics = run.metrics()
    if split not in metrics:
        raise RunError(
            expected_found(
                f"run '{run.id}'",
                f"saved {split} metrics (a finished run)",
                "none",
                "Wait for the run to finish, or evaluate it on a file.",
            )
        )
    report = metrics[split]
    predictions = run.predictions(split)
    task = report.get("task", SINGLE_LABEL)
    return {
        **report,
        "mistakes": mistakes(predictions, task, report.get("threshold")),
        "num_predictions": len(predictions),
    }


def evaluate_run(
    run_dir: Union[str, Path],
    *,
    dataset: Optional[str] = None,
    split: Optional[str] = None,
    batch_size: int = 64,
    threshold: Optional[float] = None,
) -> dict[str, Any]:
    """Score a run's model on ``dataset`` (a labelled file/folder; default: the run's own data) and ``split``,
    read as its task reads outputs; ``threshold`` (multi-label) replaces the model's saved one."""
    run = Run.at(run_dir)
    config = run.config()
    predictor = get_predictor(str(run.path))
    task = predictor.task
    data_cfg = (
        config.data
        if dataset is None
        else DataConfig(
            dataset=dataset,
            text_column=config.data.text_column,
            text_pair_column=config.data.text_pair_column,
            label_column=config.data.label_column,
            task=task,
            label_delimiter=config.data.label_delimiter if task == MULTI_LABEL else None,
        )
    )
    wanted = split or "validation"
    if dataset is not None and wanted != "validation":
        data_cfg = DataConfig(**{**data_cfg.__dict__, "validation_split": wanted})
    prepared = prepare_data(data_cfg)
    if wanted not in prepared.splits:
        raise DataError(expected_found("split", f"one of {', '.join(prepared.splits)}", wanted))
    data = prepared.splits[wanted]
    names = predictor.labels
    refs = reference_labels(prepared, data, names, task)
    pairs = data["text_pair"] if prepared.is_pair else None
    logits = predictor.logits(data["text"], pairs, batch_size=batch_size)
    cut = predictor.threshold if threshold is None else threshold
    report = full_report(logits, refs, names, wanted, task=task, threshold=cut)
    rows = prediction_rows(data["text"], pairs, refs, logits, names, task=task, threshold=cut)
    return {**report, "mistakes": mistakes(rows, task, cut), "num_predictions": len(rows)}


def reference_labels(prepared: PreparedData, data: Any, names: list[str], task: str) -> Any:
    """The true labels of ``data`` in the model's label order: class ids (single-label), a rows x labels 0/1
    matrix (multi-label), the numbers (regression). DataError for a label the model has no output for."""
    if task == REGRESSION:
        return np.asarray(column(data, "label").to_numpy(zero_copy_only=False), dtype=np.float32)
    mapping = {name: i for i, name in enumerate(names)}
    unknown = sorted(set(prepared.label_names) - set(names))
    if unknown:
        raise DataError(expected_found("labels", "the model's labels " + ", ".join(names), ", ".join(unknown)))
    if task == MULTI_LABEL:
        found = multi_hot_column(data)
        matrix = np.zeros((len(found), len(names)), dtype=np.float32)
        for j, name in enumerate(prepared.label_names):
            matrix[:, mapping[name]] = found[:, j]
        return matrix
    return [mapping[prepared.label_names[v]] for v in data["label"]]
