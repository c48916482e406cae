"""Confusion matrix: rows are true classes, columns predicted classes.

A local copy of the Hugging Face ``confusion_matrix`` metric, so ``evaluate.load`` works offline
(``evaluate.load("confusion_matrix")`` would download the script from the Hub). Computed with scikit-learn.
"""

import datasets
import evaluate
from sklearn.metrics import confusion_matrix

_DESCRIPTION = "Confusion matrix: rows are true classes, columns predicted classes."
_KWARGS = "predictions: predicted class ids; references: true class ids; labels: class ids in row/column order"


class ConfusionMatrix(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS,
            features=datasets.Features(
                {"predictions": datasets.Value("int32"), "references": datasets.Value("int32")}
            ),
        )

    def _compute(self, predictions, references, labels=None, sample_weight=None, normalize=None):
        value = confusion_matrix(references, predictions, labels=labels, sample_weight=sample_weight, normalize=normalize)
        return {"confusion_matrix": value.tolist()}
