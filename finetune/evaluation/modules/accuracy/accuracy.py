"""Accuracy: share of predictions equal to the reference.

Offline copy of the Hub's ``accuracy`` metric (``evaluate.load("accuracy")`` would download it).
"""

import evaluate  # noqa: F401  (evaluate.load checks the module's imports)
from sklearn.metrics import accuracy_score

from finetune.evaluation.sklearn_metric import sklearn_metric

Accuracy = sklearn_metric(
    "accuracy",
    "Accuracy: share of predictions equal to the reference.",
    accuracy_score,
    {"normalize": True, "sample_weight": None},
)
