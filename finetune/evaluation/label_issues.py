"""Label issues: the rows whose given label is probably wrong, found by confident learning.

A person who labelled thousands of rows by hand wants to know which labels to check again. A model's
probabilities for rows it did not train on (a k-fold run's out-of-fold predictions, or a held-out
split's) say that, once each class's own level of confidence is taken into account. This module
applies the rule of confident learning (Northcutt, Jiang and Chuang, "Confident Learning: Estimating
Uncertainty in Dataset Labels", 2021), written here in our own words; cleanlab is not needed:

1. **Thresholds.** For each class ``j``, ``t[j]`` is the mean probability of ``j`` over the rows
   labelled ``j``: how sure the model usually is of that class.
2. **Confident joint.** A row labelled ``i`` is counted in ``C[i][j]`` for the class ``j`` whose
   probability reaches ``t[j]`` (the most probable such class when several do); a row that reaches
   no threshold is not counted.
3. **Calibration.** Each row ``i`` of ``C`` is scaled to the number of rows labelled ``i``, so that
   ``C / n`` estimates the joint distribution of given and true labels.
4. **Pruning by noise rate.** For each pair ``i != j``, the ``round(C[i][j])`` rows labelled ``i``
   with the largest margin ``p[j] - p[i]`` are flagged, with ``j`` as the suggested label.

Flagged rows are ranked by how unlikely their given label is (its probability, lowest first).

It applies to single-label runs: one given class per row and a softmax distribution over the classes. A
multi-label run (independent yes/no per label) or a regression run (a number, no classes) is refused with
a message saying what to look at instead (:func:`check_single_label`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from finetune.config.tasks import MULTI_LABEL, REGRESSION, SINGLE_LABEL
from finetune.errors import RunError, expected_found
from finetune.runs.compare import run_task
from finetune.runs.run import Run


@dataclass(frozen=True)
class LabelIssue:
    """One row whose label is probably wrong."""

    row: int  # position in the predictions the issue was found in
    given: int
    suggested: int
    given_probability: float
    suggested_probability: float


def class_thresholds(probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Step 1: each class's mean probability over the rows labelled with it (1.0 for an unused class)."""
    classes = probabilities.shape[1]
    thresholds = np.ones(classes)
    for j in range(classes):
        rows = labels == j
        if rows.any():
            thresholds[j] = probabilities[rows, j].mean()
    return thresholds


def confident_joint(probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Steps 2 and 3: the calibrated confident joint ``C[given][true]`` (rows sum to each class's count)."""
    classes = probabilities.shape[1]
    thresholds = class_thresholds(probabilities, labels)
    joint = np.zeros((classes, classes))
    above = probabilities >= thresholds[None, :]
    for row, given in enumerate(labels):
        candidates = np.flatnonzero(above[row])
        if candidates.size:
            joint[given, candidates[np.argmax(probabilities[row, candidates])]] += 1
    counts = np.bincount(labels, minlength=classes).astype(float)
    sums = joint.sum(axis=1)
    scale = np.divide(counts, sums, out=np.zeros(classes), where=sums > 0)
    return joint * scale[:, None]


def find_label_issues(probabilities: Any, labels: Sequence[int]) -> list[LabelIssue]:
    """Step 4: the flagged rows, ranked by the probability of their given label (lowest first).

    ``probabilities`` is ``(rows, classes)``, each row a distribution over the classes; ``labels`` the
    given label of each row, as class indices.
    """
    probs = np.asarray(probabilities, dtype=float)
    given = np.asarray(labels, dtype=int)
    _check_shapes(probs, given)
    joint = confident_joint(probs, given)
    suggested: dict[int, int] = {}
    for i in range(probs.shape[1]):
        rows = np.flatnonzero(given == i)
        for j in range(probs.shape[1]):
            count = int(round(joint[i, j]))
            if i == j or count == 0:
                continue
            margins = probs[rows, j] - probs[rows, i]
            for row in rows[np.argsort(-margins, kind="stable")[:count]]:
                if row not in suggested or probs[row, j] > probs[row, suggested[row]]:
                    suggested[int(row)] = j
    issues = [
        LabelIssue(row, int(given[row]), j, float(probs[row, given[row]]), float(probs[row, j]))
        for row, j in suggested.items()
    ]
    return sorted(issues, key=lambda issue: (issue.given_probability, issue.row))


def _check_shapes(probs: np.ndarray, given: np.ndarray) -> None:
    if probs.ndim != 2 or probs.shape[0] != given.shape[0]:
        raise RunError(
            expected_found(
                "probabilities and labels", "one row of probabilities per label", f"{probs.shape} and {given.shape}"
            )
        )
    if given.size and (given.min() < 0 or given.max() >= probs.shape[1]):
        raise RunError(
            expected_found("given labels", f"class indices 0-{probs.shape[1] - 1}", f"{given.min()}-{given.max()}")
        )


def run_label_issues(run: Run, *, top: Optional[int] = None) -> list[dict[str, Any]]:
    """The label issues of a run's validation predictions: out-of-fold for a k-fold run, else its held-out split.

    Each row: its text(s), given and suggested label names, both probabilities, the fold (k-fold runs)
    and ``rank`` (1 is the least likely given label).
    """
    rows = run.predictions("validation")
    check_single_label(run, rows)
    if not rows:
        raise RunError(
            expected_found(
                f"run '{run.id}'",
                "saved validation predictions (a finished run, or a k-fold run's out-of-fold predictions)",
                "none",
                "Train with a validation split or with cv_folds, then look for label issues.",
            )
        )
    names = list(rows[0]["probabilities"])
    probabilities = [[row["probabilities"][name] for name in names] for row in rows]
    labels = [names.index(row["label_name"]) if "label_name" in row else int(row["label"]) for row in rows]
    issues = find_label_issues(probabilities, labels)[:top]
    return [_issue_row(rank, issue, rows[issue.row], names) for rank, issue in enumerate(issues, start=1)]


def check_single_label(run: Run, rows: list[dict[str, Any]]) -> None:
    """RunError for a multi-label or a regression run (its task, or the shape of its predictions, says so): label
    issues need one given class per row and a probability per class that sum to 1."""
    task = run_task(run)
    if rows and "labels" in rows[0] and "predicted" in rows[0]:
        task = MULTI_LABEL
    elif rows and "error" in rows[0] and not rows[0].get("probabilities"):
        task = REGRESSION
    if task == SINGLE_LABEL:
        return
    instead = (
        "For a multi-label run, read its predictions (predictions/validation.jsonl) where the labels and the "
        "predicted set differ, most confident first."
        if task == MULTI_LABEL
        else "For a regression run, read its predictions (predictions/validation.jsonl) with the largest error."
    )
    raise RunError(
        expected_found(
            f"label issues of run '{run.id}'",
            "a single-label run (one class per row, probabilities over the classes)",
            f"a {task.replace('_', '-')} run",
            instead,
        )
    )


def _issue_row(rank: int, issue: LabelIssue, row: dict[str, Any], names: list[str]) -> dict[str, Any]:
    found = {
        "rank": rank,
        "text": row.get("text", ""),
        **({"text_pair": row["text_pair"]} if row.get("text_pair") is not None else {}),
        "given_label": names[issue.given],
        "suggested_label": names[issue.suggested],
        "given_probability": round(issue.given_probability, 4),
        "suggested_probability": round(issue.suggested_probability, 4),
    }
    if "fold" in row:
        found["fold"] = row["fold"]
    return found
