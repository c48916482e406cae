"""Precision: share of predicted positives that are correct.

Offline copy of the Hub's ``precision`` metric (``evaluate.load("precision")`` would download it).
"""

import evaluate  # noqa: F401  (evaluate.load checks the module's imports)
from sklearn.metrics import precision_score

from finetune.evaluation.sklearn_metric import AVERAGED_KWARGS, sklearn_metric

Precision = sklearn_metric(
    "precision", "Precision: share of predicted positives that are correct.", precision_score, AVERAGED_KWARGS
)
