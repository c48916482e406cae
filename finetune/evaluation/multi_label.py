"""Multi-label metrics: a sigmoid per label, a label predicted when its probability reaches the threshold.

- micro F1 (every row-label decision pooled; the main metric), macro F1 (the mean of the labels' F1),
  micro precision and recall;
- subset accuracy: rows whose predicted set is exactly the true set;
- Hamming loss: the share of row-label decisions that are wrong (lower is better);
- per label: precision, recall, F1 and support (rows that have it).

A label with no true and no predicted rows scores F1 0 in the macro mean, as scikit-learn's
``zero_division=0`` does. :func:`tune_threshold` picks the threshold with the best micro F1 on validation.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

import numpy as np

THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.05), 2)


def sigmoid(logits: Any) -> np.ndarray:
    """Elementwise logistic function, stable for large logits."""
    values = np.asarray(logits, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -values))


def decide(probabilities: np.ndarray, threshold: float) -> np.ndarray:
    """The predicted label sets as a 0/1 matrix: each probability at or above ``threshold``."""
    return (np.asarray(probabilities) >= threshold).astype(np.int64)


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else 0.0


def _f1(tp: Any, fp: Any, fn: Any) -> Any:
    """F1 from counts (arrays or numbers), 0 where there is nothing to score."""
    tp, fp, fn = (np.asarray(x, dtype=np.float64) for x in (tp, fp, fn))
    denominator = 2 * tp + fp + fn
    return np.divide(2 * tp, denominator, out=np.zeros_like(denominator), where=denominator > 0)


def multi_label_metrics(predicted: np.ndarray, references: np.ndarray) -> dict[str, float]:
    """F1 (micro, macro), micro precision/recall, subset accuracy and Hamming loss of 0/1 matrices."""
    pred = np.asarray(predicted, dtype=bool)
    true = np.asarray(references, dtype=bool)
    tp = (pred & true).sum(axis=0)
    fp = (pred & ~true).sum(axis=0)
    fn = (~pred & true).sum(axis=0)
    return {
        "f1_micro": float(_f1(tp.sum(), fp.sum(), fn.sum())),
        "f1_macro": float(np.mean(_f1(tp, fp, fn))) if tp.size else 0.0,
        "precision_micro": _ratio(tp.sum(), tp.sum() + fp.sum()),
        "recall_micro": _ratio(tp.sum(), tp.sum() + fn.sum()),
        "subset_accuracy": float((pred == true).all(axis=1).mean()) if len(true) else 0.0,
        "hamming_loss": float((pred != true).mean()) if true.size else 0.0,
    }


def per_label_report(predicted: np.ndarray, references: np.ndarray, label_names: Sequence[str]) -> list[dict]:
    """One row per label: precision, recall, F1 and support (rows that truly have the label)."""
    pred = np.asarray(predicted, dtype=bool)
    true = np.asarray(references, dtype=bool)
    rows = []
    for i, name in enumerate(label_names):
        tp = int((pred[:, i] & true[:, i]).sum())
        fp = int((pred[:, i] & ~true[:, i]).sum())
        fn = int((~pred[:, i] & true[:, i]).sum())
        rows.append(
            {
                "label": name,
                "precision": _ratio(tp, tp + fp),
                "recall": _ratio(tp, tp + fn),
                "f1": float(_f1(tp, fp, fn)),
                "support": int(true[:, i].sum()),
                "predicted": int(pred[:, i].sum()),
            }
        )
    return rows


def tune_threshold(probabilities: np.ndarray, references: np.ndarray) -> tuple[float, float]:
    """(threshold, its micro F1): the grid value 0.05..0.95 with the best micro F1; ties go to the value
    nearest 0.5, so a flat curve keeps the default."""
    best: Optional[tuple[float, float, float]] = None
    for threshold in THRESHOLD_GRID:
        score = multi_label_metrics(decide(probabilities, threshold), references)["f1_micro"]
        key = (score, -abs(float(threshold) - 0.5))
        if best is None or key > best[:2]:
            best = (score, key[1], float(threshold))
    assert best is not None
    return best[2], best[0]


def multi_label_baseline(references: np.ndarray) -> dict[str, Any]:
    """What always predicting the labels that most rows have would score (no model needed): the labels
    held by at least half of the rows (none, when no label is that common)."""
    true = np.asarray(references, dtype=bool)
    if not len(true):
        return {"labels": [], "f1_micro": None}
    common = true.mean(axis=0) >= 0.5
    constant = np.tile(common, (len(true), 1))
    scores = multi_label_metrics(constant, true)
    return {
        "labels": np.flatnonzero(common).tolist(),
        "f1_micro": scores["f1_micro"],
        "subset_accuracy": scores["subset_accuracy"],
        "hamming_loss": scores["hamming_loss"],
    }


def multi_label_warnings(
    metrics: dict[str, float], predicted: np.ndarray, base: dict[str, Any], split: str = "validation"
) -> list[str]:
    """Plain sentences when a multi-label model learned nothing useful: it predicts no label for any row,
    the same set for every row, or does not beat the constant baseline's micro F1."""
    pred = np.asarray(predicted, dtype=bool)
    if not len(pred):
        return []
    found = []
    if not pred.any():
        found.append(
            f"The model predicts no label for any of the {len(pred)} {split} rows at this threshold: lower "
            "the threshold (or turn on tune_threshold), or train longer."
        )
    elif len(np.unique(pred, axis=0)) == 1:
        found.append(f"The model predicts the same labels for every one of the {len(pred)} {split} rows.")
    elif base["f1_micro"] is not None and metrics["f1_micro"] <= base["f1_micro"]:
        found.append(
            f"{split.capitalize()} micro F1 {metrics['f1_micro']:.3f} is not above {base['f1_micro']:.3f}, "
            "what always predicting the most common labels scores."
        )
    if found:
        found.append("Train longer or with another learning rate, check the labels, or add data.")
    return found


def multi_label_report(
    logits: np.ndarray, references: Any, label_names: Sequence[str], threshold: float, split: str = "validation"
) -> dict[str, Any]:
    """Metrics, per-label table, baseline and warnings from logits at ``threshold`` (metrics.json per split)."""
    true = np.asarray(references, dtype=np.float32).reshape(len(logits), len(label_names))
    predicted = decide(sigmoid(logits), threshold)
    metrics = multi_label_metrics(predicted, true)
    base = multi_label_baseline(true)
    return {
        "task": "multi_label",
        "metrics": metrics,
        "threshold": float(threshold),
        "baseline": base,
        "warnings": multi_label_warnings(metrics, predicted, base, split),
        "per_class": per_label_report(predicted, true, label_names),
        "label_names": list(label_names),
        "num_examples": int(len(true)),
    }


def multi_label_rows(
    texts: Sequence[str],
    pairs: Optional[Sequence[str]],
    references: Any,
    logits: np.ndarray,
    label_names: Sequence[str],
    threshold: float,
) -> list[dict[str, Any]]:
    """One dict per row: text(s), true and predicted labels (names), every probability."""
    probs = sigmoid(logits)
    true = np.asarray(references, dtype=np.float32).reshape(len(probs), len(label_names))
    rows = []
    for i, text in enumerate(texts):
        row: dict[str, Any] = {"text": text}
        if pairs is not None:
            row["text_pair"] = pairs[i]
        row.update(
            labels=[label_names[j] for j in np.flatnonzero(true[i] >= 0.5)],
            predicted=[label_names[j] for j in np.flatnonzero(probs[i] >= threshold)],
            probabilities={label_names[j]: float(v) for j, v in enumerate(probs[i])},
        )
        rows.append(row)
    return rows
