"""The three task types a run can be, and what each one means for the rest of the engine.

- ``single_label``: one class per text (softmax over the classes, cross-entropy); the tutorials' task.
- ``multi_label``: any number of classes per text, each its own yes/no (a sigmoid per class, binary
  cross-entropy); a class is predicted when its probability reaches the decision threshold.
- ``regression``: one number per text (a single output, mean squared error), e.g. a 0-5 similarity score.

``auto`` (the default) lets the data decide: a label column of lists, or a delimiter given, is multi-label;
fractional numbers are regression; anything else is single-label (see finetune.data.preparation).

Each task has its own metrics; ``TASK_METRICS[task][0]`` is its main metric, the one a run is judged by
unless ``metric_for_best_model`` says otherwise.
"""

from __future__ import annotations

from typing import Optional

from finetune.errors import ConfigError, expected_found

AUTO = "auto"
SINGLE_LABEL = "single_label"
MULTI_LABEL = "multi_label"
REGRESSION = "regression"
TASKS = (SINGLE_LABEL, MULTI_LABEL, REGRESSION)
TASK_CHOICES = (AUTO,) + TASKS

# transformers' ``config.problem_type``: which loss the model computes and how its outputs are read
PROBLEM_TYPES = {
    SINGLE_LABEL: "single_label_classification",
    MULTI_LABEL: "multi_label_classification",
    REGRESSION: "regression",
}
TASK_METRICS: dict[str, tuple[str, ...]] = {
    SINGLE_LABEL: ("accuracy", "f1", "precision", "recall", "matthews_correlation", "loss"),
    MULTI_LABEL: (
        "f1_micro",
        "f1_macro",
        "precision_micro",
        "recall_micro",
        "subset_accuracy",
        "hamming_loss",
        "loss",
    ),
    REGRESSION: ("pearson", "spearman", "mse", "rmse", "mae", "loss"),
}
LOWER_IS_BETTER = frozenset({"loss", "hamming_loss", "mse", "rmse", "mae"})
ALL_METRICS = tuple(dict.fromkeys(name for names in TASK_METRICS.values() for name in names))
DEFAULT_THRESHOLD = 0.5


def main_metric(task: str) -> str:
    """The metric a run of ``task`` is judged by by default."""
    return TASK_METRICS[task][0]


def greater_is_better(metric: str) -> bool:
    """Whether a higher value of ``metric`` is better (losses and errors: lower is)."""
    return metric not in LOWER_IS_BETTER


def task_of_problem_type(problem_type: Optional[str], num_labels: int = 2) -> str:
    """The task of a saved model from its ``config.problem_type`` (None in a model trained elsewhere: one
    output is regression, as transformers itself decides, more are single-label)."""
    for task, name in PROBLEM_TYPES.items():
        if problem_type == name:
            return task
    return REGRESSION if num_labels == 1 else SINGLE_LABEL


def metric_for_task(metric: str, task: str) -> str:
    """The metric a run of ``task`` uses for ``metric_for_best_model``: the metric itself when the task has
    it; the default 'accuracy' stands for the task's main metric (so a config written for classification
    keeps working); any other metric of another task is a ConfigError."""
    if metric in TASK_METRICS[task]:
        return metric
    if metric == "accuracy":
        return main_metric(task)
    raise ConfigError(
        expected_found(
            "metric_for_best_model",
            f"a {task.replace('_', '-')} metric: {', '.join(TASK_METRICS[task])}",
            repr(metric),
            "Choose one of those.",
        )
    )


def check_threshold(value: float) -> None:
    """ConfigError unless ``value`` lies strictly between 0 and 1."""
    if not (0.0 < float(value) < 1.0):
        raise ConfigError(expected_found("threshold", "a probability between 0 and 1 (e.g. 0.5)", repr(value)))
