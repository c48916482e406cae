"""Metrics: classification metrics on offline ``evaluate`` modules (in ``modules/``), per-class reports."""

from finetune.lazy import lazy_exports

_EXPORTS = {
    "classification_metrics": "metrics",
    "full_report": "metrics",
    "per_class_report": "metrics",
    "make_compute_metrics": "metrics",
    "softmax": "metrics",
    "find_label_issues": "label_issues",
    "run_label_issues": "label_issues",
}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
