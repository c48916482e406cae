"""Confusion matrix: rows are true classes, columns predicted classes.

Offline copy of the Hub's ``confusion_matrix`` metric (``evaluate.load("confusion_matrix")`` would download it).
"""

import evaluate  # noqa: F401  (evaluate.load checks the module's imports)
from sklearn.metrics import confusion_matrix

from finetune.evaluation.sklearn_metric import sklearn_metric

ConfusionMatrix = sklearn_metric(
    "confusion_matrix",
    "Confusion matrix: rows are true classes, columns predicted classes.",
    confusion_matrix,
    {"labels": None, "sample_weight": None, "normalize": None},
)
