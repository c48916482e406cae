"""Training: Trainer arguments, the training flow, k-fold cross-validation, hyperparameter search, and the
child process that runs them (:mod:`.jobs`).

Flow: :mod:`.jobs` starts ``python -m finetune train`` -> :func:`.training.run_training` (or
:mod:`.cross_validation` / :mod:`.trials`) -> :mod:`.run_data` (data to tokenized splits) -> Trainer with
:mod:`.callbacks` writing the run's events.
"""

from finetune.lazy import lazy_exports

_EXPORTS = {
    "run_training": "training",
    "run_cross_validation": "cross_validation",
    "run_search": "trials",
    "start_training": "jobs",
    "resume": "jobs",
    "cancel": "jobs",
    "wait": "jobs",
    "SearchSpec": "search",
    "SearchSpace": "search",
    "to_training_arguments": "arguments",
}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
