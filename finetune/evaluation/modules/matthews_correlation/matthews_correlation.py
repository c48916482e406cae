"""Matthews correlation coefficient between predictions and references.

Offline copy of the Hub's ``matthews_correlation`` metric (``evaluate.load("matthews_correlation")`` would download it).
"""

import evaluate  # noqa: F401  (evaluate.load checks the module's imports)
from sklearn.metrics import matthews_corrcoef

from finetune.evaluation.sklearn_metric import sklearn_metric

MatthewsCorrelation = sklearn_metric(
    "matthews_correlation",
    "Matthews correlation coefficient between predictions and references.",
    matthews_corrcoef,
    {"sample_weight": None},
)
