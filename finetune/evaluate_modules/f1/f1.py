"""F1 score: harmonic mean of precision and recall.

A local copy of the Hugging Face ``f1`` metric, so ``evaluate.load`` works offline
(``evaluate.load("f1")`` would download the script from the Hub). Computed with scikit-learn.
"""

import datasets
import evaluate
from sklearn.metrics import f1_score

_DESCRIPTION = "F1 score: harmonic mean of precision and recall."
_KWARGS = "predictions: predicted class ids; references: true class ids; average: binary/macro/weighted/micro or None for one value per class; labels; pos_label"


class F1(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS,
            features=datasets.Features(
                {"predictions": datasets.Value("int32"), "references": datasets.Value("int32")}
            ),
        )

    def _compute(self, predictions, references, labels=None, pos_label=1, average="binary", sample_weight=None, zero_division=0):
        value = f1_score(references, predictions, labels=labels, pos_label=pos_label, average=average, sample_weight=sample_weight, zero_division=zero_division)
        return {"f1": float(value) if getattr(value, "size", 1) == 1 else [float(v) for v in value]}
