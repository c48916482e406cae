"""Evaluation report of a run: overall metrics, per-class table, confusion matrix, mistakes.

``run_report`` reads what training saved (the run's metrics and predictions); ``evaluate_run`` scores
the run's model on another split or an uploaded labelled file with the same report shape.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Union

from finetune.config.run_config import DataConfig
from finetune.data.preparation import prepare_data
from finetune.errors import DataError, RunError, expected_found
from finetune.evaluation.metrics import full_report, prediction_rows
from finetune.predict.predictor import get_predictor
from finetune.runs.run import Run


def misclassified(predictions: list[dict[str, Any]], limit: int = 200) -> list[dict[str, Any]]:
    """Wrong predictions: single-label, most confident first; multi-label (rows with ``labels``), rows whose
    predicted set differs, most wrong labels first; regression (rows with ``error``), the largest errors."""
    if predictions and "error" in predictions[0]:
        return sorted(predictions, key=lambda p: abs(float(p["error"])), reverse=True)[:limit]
    if predictions and "labels" in predictions[0]:
        wrong = [p for p in predictions if set(p["labels"]) != set(p["predicted"])]
        return sorted(wrong, key=lambda p: len(set(p["labels"]) ^ set(p["predicted"])), reverse=True)[:limit]
    wrong = [p for p in predictions if p["label"] != p["prediction"]]
    return sorted(wrong, key=lambda p: p["confidence"], reverse=True)[:limit]


def run_report(run_dir: Union[str, Path], split: str = "validation") -> dict[str, Any]:
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
    predictions = run.predictions(split)
    return {**metrics[split], "mistakes": misclassified(predictions), "num_predictions": len(predictions)}


def evaluate_run(
    run_dir: Union[str, Path], *, dataset: Optional[str] = None, split: Optional[str] = None, batch_size: int = 64
) -> dict[str, Any]:
    """Score a run's model on ``dataset`` (a labelled file/folder; default: the run's own data) and ``split``."""
    run = Run.at(run_dir)
    config = run.config()
    predictor = get_predictor(str(run.path))
    data_cfg = (
        config.data
        if dataset is None
        else DataConfig(
            dataset=dataset,
            text_column=config.data.text_column,
            text_pair_column=config.data.text_pair_column,
            label_column=config.data.label_column,
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
    mapping = {name: i for i, name in enumerate(names)}
    unknown = sorted(set(prepared.label_names) - set(names))
    if unknown:
        raise DataError(expected_found("labels", "the model's labels " + ", ".join(names), ", ".join(unknown)))
    refs = [mapping[prepared.label_names[v]] for v in data["label"]]
    pairs = data["text_pair"] if prepared.is_pair else None
    logits = predictor.logits(data["text"], pairs, batch_size=batch_size)
    report = full_report(logits, refs, names)
    rows = prediction_rows(data["text"], pairs, refs, logits, names)
    return {**report, "mistakes": misclassified(rows), "num_predictions": len(rows)}
