"""What the page shows differently per task (single-label, multi-label, regression), in one place.

The engine owns the tasks (:mod:`finetune.config.tasks`): their metrics, the main one, which are lower-is-better,
how ``auto`` decides. This module holds what the page adds: each task's name and the metrics its charts and
tables show, the metrics' short names, why the preview says a task was detected, and the task of a run or of a
saved model read from its files (without loading any weights).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any, Optional

from finetune.config.tasks import (
    AUTO,
    DEFAULT_THRESHOLD,
    LOWER_IS_BETTER,
    MULTI_LABEL,
    REGRESSION,
    SINGLE_LABEL,
    TASK_CHOICES,
    TASK_METRICS,
    TASKS,
    task_of_problem_type,
)

from .i18n import say

TASK_NAMES = {
    AUTO: "auto (detected from the data)",
    SINGLE_LABEL: "single-label (one class per text)",
    MULTI_LABEL: "multi-label (any number of labels per text)",
    REGRESSION: "regression (a number per text)",
}
# the metrics the live chart draws per task: scores of one scale each (regression: its errors are in the
# target's unit, so that chart's y axis follows the values)
CHART_METRICS = {
    SINGLE_LABEL: ("accuracy", "f1", "matthews_correlation"),
    MULTI_LABEL: ("f1_micro", "f1_macro", "subset_accuracy", "hamming_loss"),
    REGRESSION: ("pearson", "spearman", "rmse", "mae"),
}
# the run history's metric columns per task
HEADLINE_METRICS = {
    SINGLE_LABEL: ("accuracy", "f1", "matthews_correlation"),
    MULTI_LABEL: ("f1_micro", "f1_macro", "hamming_loss"),
    REGRESSION: ("pearson", "spearman", "rmse"),
}
SHORT_NAMES = {  # shown names (short: a legend fits); the others are words of the catalogue
    "f1": "F1",
    "matthews_correlation": "MCC",
    "f1_micro": "micro F1",
    "f1_macro": "macro F1",
    "precision_micro": "micro precision",
    "recall_micro": "micro recall",
    "subset_accuracy": "subset accuracy",
    "hamming_loss": "Hamming loss",
    "pearson": "Pearson r",
    "spearman": "Spearman ρ",
    "mse": "MSE",
    "rmse": "RMSE",
    "mae": "MAE",
}
PALETTE = ("#2563eb", "#16a34a", "#9333ea", "#f97316")


def task_choices() -> list[tuple[str, str]]:
    """The task dropdown's choices, named in the page's language (values are the config's)."""
    return [(say(TASK_NAMES[task]), task) for task in TASK_CHOICES]


def task_name(task: str) -> str:
    """A task's short name in the page's language ("multi-label")."""
    return say({SINGLE_LABEL: "single-label", MULTI_LABEL: "multi-label", REGRESSION: "regression"}.get(task, task))


def effective_task(chosen: Optional[str], detected: Optional[str]) -> str:
    """The task a run would have: the one chosen, else (auto) what the preview detected, else single-label."""
    if chosen in TASKS:
        return str(chosen)
    return str(detected) if detected in TASKS else SINGLE_LABEL


def metric_name(metric: str) -> str:
    """A metric's shown name in the page's language, with ↓ where lower is better."""
    name = say(SHORT_NAMES.get(metric, metric))
    return f"{name} ↓" if metric in LOWER_IS_BETTER and metric != "loss" else name


def metric_colours(task: str) -> dict[str, str]:
    """The live metrics chart's colour per metric of ``task``, by its shown name."""
    return {metric_name(m): PALETTE[i % len(PALETTE)] for i, m in enumerate(CHART_METRICS[task])}


def metric_choices(task: str) -> list[str]:
    """The metrics a run of ``task`` may be judged by (metric_for_best_model, a search's objective)."""
    return list(TASK_METRICS[task])


def detection_reason(task: str, chosen: Optional[str], delimiter: Optional[str]) -> str:
    """Why the data is read as ``task``, in the page's language: chosen, or what ``auto`` saw in the label column."""
    if chosen in TASKS:
        return say("chosen in the task field")
    if task == MULTI_LABEL and delimiter:
        return say("detected: the label delimiter {delimiter} joins the labels", delimiter=f"'{delimiter}'")
    if task == MULTI_LABEL:
        return say("detected: the label column holds lists of labels")
    if task == REGRESSION:
        return say("detected: the label column holds fractional numbers")
    return say("detected: one label per row")


def run_task(run: Any) -> Optional[str]:
    """A run's task from what it wrote (its data report, then its metrics, then its config); single-label for a
    run written before there were tasks; None while a run with task ``auto`` has not read its data yet."""
    report = run.data_report()
    if isinstance(report, dict) and report:
        return str(report["task"]) if report.get("task") in TASKS else SINGLE_LABEL
    validation = run.metrics().get("validation")
    if isinstance(validation, dict) and validation:
        return str(validation["task"]) if validation.get("task") in TASKS else SINGLE_LABEL
    data = run.config_dict().get("data")
    chosen = data.get("task") if isinstance(data, dict) else None
    if chosen in TASKS:
        return str(chosen)
    return None if isinstance(data, dict) and "task" in data else SINGLE_LABEL


def saved_model_task(folder: Optional[str]) -> tuple[Optional[str], float]:
    """(task, decision threshold) of a model saved in ``folder``, read from its config.json (no weights are
    loaded); (None, the default threshold) when the folder holds none (a Hub id, a preset not downloaded)."""
    path = Path(folder) / "config.json" if folder else None
    if path is None or not path.is_file():
        return None, DEFAULT_THRESHOLD
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, DEFAULT_THRESHOLD
    labels = config.get("id2label") or {}
    task = task_of_problem_type(config.get("problem_type"), len(labels) or int(config.get("num_labels") or 2))
    return task, float(config.get("decision_threshold") or DEFAULT_THRESHOLD)


def threshold_text(report: dict[str, Any], config: dict[str, Any]) -> str:
    """A multi-label report's decision threshold and where it comes from ("0.35 (tuned on validation; configured
    0.5)"); empty for the other tasks."""
    if report.get("threshold") is None:
        return ""
    train = config.get("train") if isinstance(config.get("train"), dict) else {}
    value = f"{float(report['threshold']):g}"
    if train.get("tune_threshold"):
        configured = train.get("threshold", DEFAULT_THRESHOLD)
        return say("{value} (tuned on validation; configured {configured})", value=value, configured=f"{configured:g}")
    return say("{value} (configured)", value=value)


def report_lines(report: dict[str, Any], config: dict[str, Any]) -> list[tuple[str, str]]:
    """What to read a report's metrics against, as (name, value) rows in the page's language (data escaped):
    single-label, the majority class's rate; multi-label, the decision threshold and what always predicting
    the most common labels scores; regression, what always predicting the mean scores."""
    base = report.get("baseline") or {}
    names = report.get("label_names") or []
    rows: list[tuple[str, str]] = []
    if base.get("majority_rate") is not None:  # what always answering the most frequent class would score
        label = html.escape(str(base.get("majority_label")))
        rows.append((say("majority class ({label}) rate", label=label), f"{base['majority_rate']:.4f}"))
    if report.get("threshold") is not None:
        rows.append((say("decision threshold"), html.escape(threshold_text(report, config))))
    if base.get("f1_micro") is not None:
        common = [html.escape(str(names[i])) for i in base.get("labels") or [] if 0 <= int(i) < len(names)]
        labels = ", ".join(common) or say("none")
        name = say("micro F1 of always predicting the labels at least half the rows have ({labels})", labels=labels)
        rows.append((name, f"{base['f1_micro']:.4f}"))
    if base.get("rmse") is not None and base.get("mean") is not None:
        mean = f"{float(base['mean']):.4g}"
        rows.append((say("RMSE of always predicting the mean ({mean})", mean=mean), f"{base['rmse']:.4f}"))
    return rows
