"""Recall: share of actual positives that are found.

Offline copy of the Hub's ``recall`` metric (``evaluate.load("recall")`` would download it).
"""

import evaluate  # noqa: F401  (evaluate.load checks the module's imports)
from sklearn.metrics import recall_score

from finetune.evaluation.sklearn_metric import AVERAGED_KWARGS, sklearn_metric

Recall = sklearn_metric("recall", "Recall: share of actual positives that are found.", recall_score, AVERAGED_KWARGS)
