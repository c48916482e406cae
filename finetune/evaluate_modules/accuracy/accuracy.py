"""Accuracy: share of predictions equal to the reference.

A local copy of the Hugging Face ``accuracy`` metric, so ``evaluate.load`` works offline
(``evaluate.load("accuracy")`` would download the script from the Hub). Computed with scikit-learn.
"""

import datasets
import evaluate
from sklearn.metrics import accuracy_score

_DESCRIPTION = "Accuracy: share of predictions equal to the reference."
_KWARGS = "predictions: predicted class ids; references: true class ids; "


class Accuracy(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS,
            features=datasets.Features(
                {"predictions": datasets.Value("int32"), "references": datasets.Value("int32")}
            ),
        )

    def _compute(self, predictions, references, normalize=True, sample_weight=None):
        value = accuracy_score(references, predictions, normalize=normalize, sample_weight=sample_weight)
        return {"accuracy": float(value)}
