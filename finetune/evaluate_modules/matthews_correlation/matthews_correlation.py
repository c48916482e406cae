"""Matthews correlation coefficient between predictions and references.

A local copy of the Hugging Face ``matthews_correlation`` metric, so ``evaluate.load`` works offline
(``evaluate.load("matthews_correlation")`` would download the script from the Hub). Computed with scikit-learn.
"""

import datasets
import evaluate
from sklearn.metrics import matthews_corrcoef

_DESCRIPTION = "Matthews correlation coefficient between predictions and references."
_KWARGS = "predictions: predicted class ids; references: true class ids; "


class MatthewsCorrelation(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS,
            features=datasets.Features(
                {"predictions": datasets.Value("int32"), "references": datasets.Value("int32")}
            ),
        )

    def _compute(self, predictions, references, sample_weight=None):
        value = matthews_corrcoef(references, predictions, sample_weight=sample_weight)
        return {"matthews_correlation": float(value)}
