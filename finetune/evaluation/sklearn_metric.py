"""One factory for the offline ``evaluate`` modules in ``evaluate_modules/``.

Each module there is a tiny script (``evaluate.load`` needs one file per metric, loaded by path)
that asks this factory for its ``evaluate.Metric`` class, computed with scikit-learn, with the
same name and arguments as the Hugging Face Hub module it replaces.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

AVERAGED_KWARGS = {"labels": None, "pos_label": 1, "average": "binary", "sample_weight": None, "zero_division": 0}


def sklearn_metric(name: str, description: str, fn: Callable[..., Any], defaults: dict[str, Any]) -> type:
    """An ``evaluate.Metric`` subclass returning ``{name: fn(references, predictions, **kwargs)}``."""
    import datasets
    import evaluate

    class SklearnMetric(evaluate.Metric):
        def _info(self) -> Any:
            return evaluate.MetricInfo(
                description=description,
                citation="",
                inputs_description="predictions: predicted class ids; references: true class ids; keyword "
                f"arguments: {', '.join(defaults) or 'none'} (as in scikit-learn)",
                features=datasets.Features(
                    {"predictions": datasets.Value("int32"), "references": datasets.Value("int32")}
                ),
            )

        def _compute(self, predictions: Any, references: Any, **kwargs: Any) -> dict[str, Any]:
            unknown = set(kwargs) - set(defaults)
            if unknown:
                raise TypeError(f"{name}: unexpected arguments {', '.join(sorted(unknown))}")
            value = fn(references, predictions, **{**defaults, **kwargs})
            if hasattr(value, "tolist") and getattr(value, "ndim", 0) > 0:
                return {name: value.tolist()}
            return {name: float(value)}

    SklearnMetric.__name__ = SklearnMetric.__qualname__ = "".join(p.title() for p in name.split("_"))
    return SklearnMetric
