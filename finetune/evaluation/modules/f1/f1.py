"""F1 score: harmonic mean of precision and recall.

Offline copy of the Hub's ``f1`` metric (``evaluate.load("f1")`` would download it).
"""

import evaluate  # noqa: F401  (evaluate.load checks the module's imports)
from sklearn.metrics import f1_score

from finetune.evaluation.sklearn_metric import AVERAGED_KWARGS, sklearn_metric

F1 = sklearn_metric("f1", "F1 score: harmonic mean of precision and recall.", f1_score, AVERAGED_KWARGS)
