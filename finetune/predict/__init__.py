"""Predicting with a trained model: the cached predictor, streamed batch files, and a run's evaluation report."""

from finetune.lazy import lazy_exports

_EXPORTS = {
    "Predictor": "predictor",
    "get_predictor": "predictor",
    "predict_frame": "predictor",
    "predict_to_csv": "batch",
    "run_report": "run_report",
    "evaluate_run": "run_report",
}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
