"""Regression metrics: one number per text, compared with the true one.

MSE, RMSE and MAE (errors: lower is better), Pearson's correlation (the main metric, as GLUE's STS-B reports
it alongside Spearman's) and Spearman's rank correlation. A correlation is undefined (reported 0) when the
predictions or the targets are all the same.

The baseline is always predicting the mean target (its MSE is the targets' variance): a model whose RMSE is
not below that learned nothing from the texts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional

import numpy as np

SCATTER_POINTS = 2000  # predicted-vs-true pairs kept in metrics.json for the chart


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def _ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks (ties share the mean of their positions), as Spearman's correlation uses."""
    from scipy.stats import rankdata

    return rankdata(values)


def regression_metrics(predictions: Any, references: Any) -> dict[str, float]:
    """MSE, RMSE, MAE, Pearson and Spearman of two sequences of numbers."""
    pred = np.asarray(predictions, dtype=np.float64).reshape(-1)
    true = np.asarray(references, dtype=np.float64).reshape(-1)
    error = pred - true
    mse = float(np.mean(error**2)) if len(error) else 0.0
    return {
        "pearson": _correlation(pred, true),
        "spearman": _correlation(_ranks(pred), _ranks(true)) if len(pred) else 0.0,
        "mse": mse,
        "rmse": float(np.sqrt(mse)),
        "mae": float(np.mean(np.abs(error))) if len(error) else 0.0,
    }


def regression_baseline(references: Any) -> dict[str, Optional[float]]:
    """Always predicting the mean target: that mean and its RMSE (the targets' standard deviation)."""
    true = np.asarray(references, dtype=np.float64).reshape(-1)
    if not len(true):
        return {"mean": None, "rmse": None}
    return {"mean": float(true.mean()), "rmse": float(true.std())}


def regression_warnings(
    metrics: dict[str, float], predictions: np.ndarray, base: dict[str, Any], split: str = "validation"
) -> list[str]:
    """Plain sentences when a regression model learned nothing useful."""
    if base["rmse"] is None or not len(predictions):
        return []
    found = []
    if float(np.ptp(predictions)) < 1e-6:
        found.append(
            f"The model predicts {float(predictions[0]):.3f} for every one of the {len(predictions)} {split} rows."
        )
    elif metrics["rmse"] >= base["rmse"]:
        found.append(
            f"{split.capitalize()} RMSE {metrics['rmse']:.3f} is not below {base['rmse']:.3f}, what always "
            f"predicting the mean ({base['mean']:.3f}) scores."
        )
    if found:
        found.append("Train longer or with another learning rate (regression often wants more epochs), or add data.")
    return found


def regression_report(
    logits: np.ndarray, references: Any, label_names: Sequence[str], split: str = "validation"
) -> dict[str, Any]:
    """Metrics, baseline, warnings and a predicted-vs-true sample for the chart (metrics.json per split)."""
    pred = np.asarray(logits, dtype=np.float64).reshape(-1)
    true = np.asarray(references, dtype=np.float64).reshape(-1)
    metrics = regression_metrics(pred, true)
    base = regression_baseline(true)
    step = max(1, len(pred) // SCATTER_POINTS)
    return {
        "task": "regression",
        "metrics": metrics,
        "baseline": base,
        "warnings": regression_warnings(metrics, pred, base, split),
        "scatter": {"true": true[::step].round(4).tolist(), "predicted": pred[::step].round(4).tolist()},
        "label_names": list(label_names),
        "num_examples": int(len(true)),
    }


def regression_rows(
    texts: Sequence[str], pairs: Optional[Sequence[str]], references: Any, logits: np.ndarray
) -> list[dict[str, Any]]:
    """One dict per row: text(s), true and predicted number, and the error."""
    pred = np.asarray(logits, dtype=np.float64).reshape(-1)
    true = np.asarray(references, dtype=np.float64).reshape(-1)
    rows = []
    for i, text in enumerate(texts):
        row: dict[str, Any] = {"text": text}
        if pairs is not None:
            row["text_pair"] = pairs[i]
        row.update(label=float(true[i]), prediction=float(pred[i]), error=float(pred[i] - true[i]))
        rows.append(row)
    return rows
