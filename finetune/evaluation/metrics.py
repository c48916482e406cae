"""Metrics of a run, by task: single-label classification here, on ``evaluate`` modules that load offline;
multi-label in multi_label.py and regression in regression.py. :func:`full_report`,
:func:`prediction_rows` and :func:`make_compute_metrics` are what training calls, for every task.

``evaluate.load("accuracy")`` downloads its script from the Hub, so this package carries local
copies in ``evaluate_modules/`` (accuracy, precision, recall, f1, matthews_correlation,
confusion_matrix) and loads them by path.

- Two classes: precision/recall/F1 are binary (positive class = id 1).
- More classes: macro and weighted averages; ``f1``/``precision``/``recall`` are the macro ones.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Optional

import numpy as np

from finetune.config.tasks import DEFAULT_THRESHOLD, MULTI_LABEL, REGRESSION, SINGLE_LABEL
from finetune.evaluation.multi_label import decide, multi_label_metrics, multi_label_report, multi_label_rows, sigmoid
from finetune.evaluation.regression import regression_metrics, regression_report, regression_rows

MODULES_DIR = Path(__file__).resolve().parent / "modules"
NO_SKILL_MCC = 0.05  # |Matthews correlation| below this is no better than chance
MODULE_NAMES = ("accuracy", "precision", "recall", "f1", "matthews_correlation", "confusion_matrix")


@functools.cache
def load_metric(name: str) -> Any:
    """Load one of the bundled evaluate modules (no network)."""
    import evaluate

    if name not in MODULE_NAMES:
        raise KeyError(f"metric '{name}': expected one of {', '.join(MODULE_NAMES)}")
    return evaluate.load(str(MODULES_DIR / name))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Numerically stable softmax over the last axis."""
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def classification_metrics(predictions: Sequence[int], references: Sequence[int], num_labels: int) -> dict[str, float]:
    """Accuracy, precision/recall/F1 (binary or macro+weighted) and Matthews correlation."""
    preds = [int(p) for p in predictions]
    refs = [int(r) for r in references]
    out = {"accuracy": load_metric("accuracy").compute(predictions=preds, references=refs)["accuracy"]}
    labels = list(range(num_labels))
    if num_labels == 2:
        for name in ("precision", "recall", "f1"):
            out[name] = load_metric(name).compute(predictions=preds, references=refs, average="binary", labels=labels)[
                name
            ]
    else:
        for name in ("precision", "recall", "f1"):
            for average in ("macro", "weighted"):
                out[f"{name}_{average}"] = load_metric(name).compute(
                    predictions=preds, references=refs, average=average, labels=labels
                )[name]
            out[name] = out[f"{name}_macro"]
    out["matthews_correlation"] = load_metric("matthews_correlation").compute(predictions=preds, references=refs)[
        "matthews_correlation"
    ]
    return {k: float(v) for k, v in out.items()}


def per_class_report(predictions: Sequence[int], references: Sequence[int], label_names: Sequence[str]) -> list[dict]:
    """One row per class: precision, recall, F1 and support (number of true rows)."""
    preds = [int(p) for p in predictions]
    refs = [int(r) for r in references]
    labels = list(range(len(label_names)))
    per = {
        name: load_metric(name).compute(predictions=preds, references=refs, average=None, labels=labels)[name]
        for name in ("precision", "recall", "f1")
    }
    support = np.bincount(np.asarray(refs, dtype=np.int64), minlength=len(label_names)) if refs else [0] * len(labels)
    return [
        {
            "label": label_names[i],
            "precision": float(per["precision"][i]),
            "recall": float(per["recall"][i]),
            "f1": float(per["f1"][i]),
            "support": int(support[i]),
        }
        for i in labels
    ]


def confusion(predictions: Sequence[int], references: Sequence[int], num_labels: int) -> list[list[int]]:
    """Confusion matrix: rows are true labels, columns predicted labels, in id order."""
    return load_metric("confusion_matrix").compute(
        predictions=[int(p) for p in predictions],
        references=[int(r) for r in references],
        labels=list(range(num_labels)),
    )["confusion_matrix"]


def full_report(
    logits: np.ndarray,
    references: Sequence[Any],
    label_names: Sequence[str],
    split: str = "validation",
    *,
    task: str = SINGLE_LABEL,
    threshold: float = DEFAULT_THRESHOLD,
) -> dict[str, Any]:
    """What metrics.json stores per split, for the run's ``task`` (multi-label decided at ``threshold``).

    Single-label: metrics + per-class table + confusion matrix from logits, with the majority-class
    baseline and plain warnings when the model learned nothing useful."""
    if task == MULTI_LABEL:
        return multi_label_report(logits, references, label_names, threshold, split)
    if task == REGRESSION:
        return regression_report(logits, references, label_names, split)
    preds = np.asarray(logits).argmax(axis=-1).tolist()
    metrics = classification_metrics(preds, references, len(label_names))
    base = baseline(references, label_names)
    return {
        "metrics": metrics,
        "baseline": base,
        "warnings": learning_warnings(metrics, base, preds, label_names, split),
        "per_class": per_class_report(preds, references, label_names),
        "confusion_matrix": confusion(preds, references, len(label_names)),
        "label_names": list(label_names),
        "num_examples": len(preds),
    }


def baseline(references: Sequence[int], label_names: Sequence[str]) -> dict[str, Any]:
    """The majority class of a split and its share: the accuracy of always predicting it."""
    counts = np.bincount(np.asarray(references, dtype=np.int64), minlength=len(label_names))
    if counts.sum() == 0:
        return {"majority_label": None, "majority_rate": None}
    top = int(counts.argmax())
    return {"majority_label": label_names[top], "majority_rate": float(counts[top] / counts.sum())}


def learning_warnings(
    metrics: dict[str, float],
    base: dict[str, Any],
    predictions: Sequence[int],
    label_names: Sequence[str],
    split: str = "validation",
) -> list[str]:
    """Plain sentences when a model learned nothing useful: one class predicted for every row,
    Matthews correlation about 0, or accuracy not above always predicting the majority class."""
    rate, majority = base["majority_rate"], base["majority_label"]
    if rate is None or not predictions:
        return []
    accuracy, mcc = metrics["accuracy"], metrics["matthews_correlation"]
    against = f"accuracy {accuracy:.3f} against {rate:.3f} for always predicting the majority class '{majority}'"
    found = []
    if len(set(predictions)) == 1:
        found.append(
            f"The model predicts '{label_names[predictions[0]]}' for every one of the {len(predictions)} "
            f"{split} rows: it learned nothing useful ({against})."
        )
    elif abs(mcc) < NO_SKILL_MCC:
        found.append(
            f"{split.capitalize()} Matthews correlation is {mcc:.3f} (about 0): the predictions are no "
            f"better than chance ({against})."
        )
    elif accuracy <= rate:
        found.append(f"{split.capitalize()} {against}: the model is not better than that constant guess.")
    if found:
        found.append("Train longer or with another learning rate, check the labels, or add data.")
    return found


def prediction_rows(
    texts: Sequence[str],
    pairs: Optional[Sequence[str]],
    labels: Sequence[Any],
    logits: np.ndarray,
    label_names: Sequence[str],
    *,
    task: str = SINGLE_LABEL,
    threshold: float = DEFAULT_THRESHOLD,
) -> list[dict[str, Any]]:
    """One dict per row of predictions.jsonl. Single-label: text(s), true and predicted label (id and name),
    confidence, every probability; other tasks: see multi_label_rows and regression_rows."""
    if task == MULTI_LABEL:
        return multi_label_rows(texts, pairs, labels, logits, label_names, threshold)
    if task == REGRESSION:
        return regression_rows(texts, pairs, labels, logits)
    probs = softmax(logits)
    preds = probs.argmax(axis=-1)
    rows = []
    for i, text in enumerate(texts):
        row: dict[str, Any] = {"text": text}
        if pairs is not None:
            row["text_pair"] = pairs[i]
        label, pred = int(labels[i]), int(preds[i])
        row.update(
            label=label,
            label_name=label_names[label],
            prediction=pred,
            prediction_name=label_names[pred],
            confidence=float(probs[i, pred]),
            probabilities={label_names[j]: float(v) for j, v in enumerate(probs[i])},
        )
        rows.append(row)
    return rows


def make_compute_metrics(
    num_labels: int,
    sink: Optional[Callable[[np.ndarray, np.ndarray], None]] = None,
    *,
    task: str = SINGLE_LABEL,
    threshold: float = DEFAULT_THRESHOLD,
):
    """A ``compute_metrics`` for Trainer, for the run's ``task``. ``sink`` receives each evaluation's logits
    and labels, so the final predictions can reuse the last evaluation instead of running another pass."""

    def compute_metrics(eval_pred: Any) -> dict[str, float]:
        logits, labels = eval_pred.predictions, eval_pred.label_ids
        if isinstance(logits, tuple):
            logits = logits[0]
        if sink is not None:
            sink(np.asarray(logits), np.asarray(labels))
        return task_metrics(np.asarray(logits), np.asarray(labels), num_labels, task=task, threshold=threshold)

    return compute_metrics


def task_metrics(
    logits: np.ndarray,
    labels: np.ndarray,
    num_labels: int,
    *,
    task: str = SINGLE_LABEL,
    threshold: float = DEFAULT_THRESHOLD,
) -> dict[str, float]:
    """The metrics of one evaluation from its logits: argmax classes, sigmoid decisions at ``threshold``
    (multi-label), or the single output as the number (regression)."""
    if task == MULTI_LABEL:
        return multi_label_metrics(decide(sigmoid(logits), threshold), labels)
    if task == REGRESSION:
        return regression_metrics(logits.reshape(-1), labels.reshape(-1))
    return classification_metrics(logits.argmax(axis=-1), labels, num_labels)
