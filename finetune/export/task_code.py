"""The parts of an exported script that follow the run's task (finetune.config.tasks).

- single-label: class ids (``ClassLabel``), argmax, accuracy / F1 / precision / recall / MCC, a stratified
  hold-out and ``StratifiedKFold`` (the sections in script.py and styles.py as they always were);
- multi-label: each row's labels read as the run read them (finetune.data.multi_label: lists, JSON lists
  written as text, text joined by ``label_delimiter``) into multi-hot float rows; ``problem_type``
  ``multi_label_classification``; a label predicted when its sigmoid reaches the run's decision threshold
  (the tuned one when the run tuned it); micro and macro F1, micro precision and recall, subset accuracy,
  Hamming loss; the hold-out and the folds by iterative stratification (the script carries a copy of the
  engine's function, taken from its source, so the two cannot drift);
- regression: float targets (rows whose target is empty or NaN dropped, as the run dropped them), one output,
  ``problem_type`` ``regression``; Pearson, Spearman, MSE, RMSE, MAE; a random hold-out and ``KFold``.
"""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path
from typing import Any

from finetune.config.run_config import RunConfig
from finetune.config.tasks import DEFAULT_THRESHOLD, MULTI_LABEL, PROBLEM_TYPES, REGRESSION, SINGLE_LABEL
from finetune.export.literals import lit


@dataclasses.dataclass(frozen=True)
class ScriptTask:
    """The run's task as the script needs it. Multi-label: ``threshold`` is the final decision threshold (the
    one metrics.json was scored at), ``training_threshold`` the configured one that evaluations during
    training used (to choose the best model); they differ when the run tuned its threshold on validation."""

    name: str = SINGLE_LABEL
    threshold: float = DEFAULT_THRESHOLD
    training_threshold: float = DEFAULT_THRESHOLD
    tuned: bool = False  # the run tuned its threshold (tune_threshold, and the run got that far)
    to_tune: bool = False  # tune_threshold is on but the run has no tuned threshold yet

    @property
    def two_thresholds(self) -> bool:
        """Whether evaluations during training decided at another threshold than the final ones."""
        return self.name == MULTI_LABEL and self.threshold != self.training_threshold


def script_task(run_dir: Path, config: RunConfig, report: dict[str, Any]) -> ScriptTask:
    """The run's task (its data report says it) and, multi-label, its thresholds: the final one is read from
    the run (metrics.json's validation threshold, else the model's ``decision_threshold``); a run that has
    not finished has only the configured one."""
    from finetune.jsonfiles import read_json
    from finetune.runs.run import Run

    name = report.get("task") or SINGLE_LABEL
    if name != MULTI_LABEL:
        return ScriptTask(name)
    configured = float(config.train.threshold)
    run = Run(run_dir)
    final = (run.metrics().get("validation") or {}).get("threshold")
    if final is None:
        final = read_json(run.model_dir / "config.json", {}).get("decision_threshold")
    tune = bool(config.train.tune_threshold)
    if final is None:
        return ScriptTask(name, configured, configured, to_tune=tune)
    return ScriptTask(name, float(final), configured, tuned=tune)


# --------------------------------------------------------------------------- imports and constants


def datasets_names(task: ScriptTask) -> list[str]:
    """The ``datasets`` features the cleaning section casts the label column to."""
    return {SINGLE_LABEL: ["ClassLabel"], MULTI_LABEL: ["Sequence", "Value"], REGRESSION: ["Value"]}[task.name]


def metric_imports(task: ScriptTask, kfold: bool) -> list[str]:
    """The import lines of the metrics (and the k-fold splitter)."""
    report = ["classification_report"] if kfold else []
    if task.name == REGRESSION:
        return [
            "from scipy.stats import pearsonr, spearmanr",
            "from sklearn.metrics import mean_absolute_error, mean_squared_error",
            *(["from sklearn.model_selection import KFold"] if kfold else []),
        ]
    if task.name == MULTI_LABEL:
        names = ["accuracy_score", *report, "hamming_loss", "precision_recall_fscore_support"]
        return [f"from sklearn.metrics import {', '.join(names)}"]
    names = ["accuracy_score", *report, "matthews_corrcoef", "precision_recall_fscore_support"]
    return [
        f"from sklearn.metrics import {', '.join(names)}",
        *(["from sklearn.model_selection import StratifiedKFold"] if kfold else []),
    ]


def what_it_learns(task: ScriptTask) -> str:
    """Words for the script's docstring: what the model learns."""
    return {
        SINGLE_LABEL: "text classification",
        MULTI_LABEL: "multi-label classification",
        REGRESSION: "regression (one number per text)",
    }[task.name]


def task_constants(task: ScriptTask, config: RunConfig, label_names: list[str]) -> list[str]:
    """The task's constants: label names, problem type, delimiter and thresholds."""
    if task.name == SINGLE_LABEL:
        return []
    if task.name == REGRESSION:
        return [
            f"LABEL_NAMES = {lit(label_names)}  # the one output, named after the target",
            f"PROBLEM_TYPE = {lit(PROBLEM_TYPES[REGRESSION])}  # one output, mean squared error",
        ]
    lines = [
        f"LABEL_NAMES = {lit(label_names)}  # the training split's labels, sorted: one output each",
        f"PROBLEM_TYPE = {lit(PROBLEM_TYPES[MULTI_LABEL])}  # a sigmoid per label, binary cross-entropy",
        f"LABEL_DELIMITER = {lit(config.data.label_delimiter)}  # between a row's labels in a text cell",
    ]
    if task.tuned:
        lines.append(
            f"THRESHOLD = {task.threshold!r}  # a label is predicted when its probability reaches this: the run "
            f"tuned it on validation after training (best micro F1; configured {task.training_threshold!r})"
        )
    elif task.to_tune:
        lines.append(
            f"THRESHOLD = {task.threshold!r}  # a label is predicted when its probability reaches this: the run "
            "tunes it on validation after training, and had not yet when this script was written"
        )
    else:
        lines.append(f"THRESHOLD = {task.threshold!r}  # a label is predicted when its probability reaches this")
    if task.two_thresholds:
        lines.append(
            f"TRAINING_THRESHOLD = {task.training_threshold!r}  # evaluations during training (choosing the best "
            "model) decided at the configured threshold, as the run's did"
        )
    return lines


def head_lines(task: ScriptTask) -> list[str]:
    """Extra keyword lines of ``from_pretrained`` for the task's head (single-label: transformers' default)."""
    return [] if task.name == SINGLE_LABEL else ["        problem_type=PROBLEM_TYPE,"]


def after_model_lines(task: ScriptTask) -> list[str]:
    """Lines after the model is made: a multi-label model keeps its decision threshold in its config, as the
    run's model does (the studio's Predict reads it)."""
    if task.name != MULTI_LABEL:
        return []
    return ["    model.config.decision_threshold = THRESHOLD  # saved in config.json, as the run saved it"]


# --------------------------------------------------------------------------- section 2: labels

MULTI_LABEL_CLEAN_CODE = '''LABEL_IDS = {name: i for i, name in enumerate(LABEL_NAMES)}


def label_set(value):
    """A row's labels, read as the run read them: a list as it is, a JSON list written as text ('["a", "b"]'),
    or text split at LABEL_DELIMITER; names stripped of spaces, empty ones left out. None: a missing cell
    (None, NaN, empty text), an unlabelled row; [] is a row with none of the labels."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        value = text.split(LABEL_DELIMITER) if LABEL_DELIMITER else [text]
        if text.startswith("["):  # a JSON list written as text
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                pass
    if not isinstance(value, list):
        value = [value]
    return [str(v).strip() for v in value if v is not None and str(v).strip()]


def multi_hot(labels):
    """A row's labels as one 0/1 float per name of LABEL_NAMES."""
    row = [0.0] * len(LABEL_NAMES)
    for name in labels:
        if name not in LABEL_IDS:
            raise ValueError(f"label {name!r} is not one of the training labels {LABEL_NAMES}: the model has no output "
                             "for it (the run refused it too)")
        row[LABEL_IDS[name]] = 1.0
    return row


def has_text_and_label(row):
    """The run dropped rows with empty text or without labels (None, NaN, empty)."""
    texts = [row[TEXT_COLUMN]] + ([row[TEXT_PAIR_COLUMN]] if TEXT_PAIR_COLUMN else [])
    if not all(isinstance(t, str) and t.strip() for t in texts):
        return False
    return label_set(row[LABEL_COLUMN]) is not None


raw = raw.select_columns([c for c in (TEXT_COLUMN, TEXT_PAIR_COLUMN, LABEL_COLUMN) if c])
raw = raw.filter(has_text_and_label)
raw = raw.map(lambda batch: {LABEL_COLUMN: [multi_hot(label_set(v)) for v in batch[LABEL_COLUMN]]}, batched=True)'''

REGRESSION_CLEAN_CODE = '''def target(value):
    """A row's number, as the run read it (text stripped of spaces). None: no number (an empty cell or NaN);
    the run dropped those rows."""
    if isinstance(value, str):
        value = value.strip() or None
    if value is None:
        return None
    number = float(value)
    return None if number != number else number


def has_text_and_label(row):
    """The run dropped rows with empty text or without a target (empty, None, NaN)."""
    texts = [row[TEXT_COLUMN]] + ([row[TEXT_PAIR_COLUMN]] if TEXT_PAIR_COLUMN else [])
    if not all(isinstance(t, str) and t.strip() for t in texts):
        return False
    return target(row[LABEL_COLUMN]) is not None


raw = raw.select_columns([c for c in (TEXT_COLUMN, TEXT_PAIR_COLUMN, LABEL_COLUMN) if c])
raw = raw.filter(has_text_and_label)
raw = raw.map(lambda batch: {LABEL_COLUMN: [target(v) for v in batch[LABEL_COLUMN]]}, batched=True)'''

LABEL_FEATURES = {
    MULTI_LABEL: 'raw = raw.cast_column("label", Sequence(Value("float32"), length=len(LABEL_NAMES)))  # multi-hot',
    REGRESSION: 'raw = raw.cast_column("label", Value("float32"))',
}


def task_clean_code(task: ScriptTask, renames: dict[str, str]) -> str:
    """Section 2 for multi-label and regression: read the labels, drop what the run dropped, canonical names."""
    lines = [MULTI_LABEL_CLEAN_CODE if task.name == MULTI_LABEL else REGRESSION_CLEAN_CODE]
    if renames:
        lines.append(f"raw = raw.rename_columns({lit(renames)})")
    lines.append(LABEL_FEATURES[task.name])
    return "\n".join(lines)


# --------------------------------------------------------------------------- section 3: hold-out


def stratification_code() -> str:
    """The engine's iterative stratification, as source text (the script's copy of it)."""
    from finetune.data import multi_label

    names = (multi_label.iterative_stratification, multi_label._neediest)
    return "\n\n\n".join(inspect.getsource(function).rstrip() for function in names)


def holdout_code(task: ScriptTask, config: RunConfig, source: str) -> list[str]:
    """The validation hold-out of a multi-label (iterative stratification) or regression (random) run."""
    size = config.data.validation_size
    if task.name == REGRESSION:
        return [
            f"# {source}",
            f'held_out = raw["train"].train_test_split(test_size={lit(size)}, seed=SPLIT_SEED)',
            'raw["train"], raw["validation"] = held_out["train"], held_out["test"]',
        ]
    return [
        f"# {source}: every label keeps its share in both parts",
        f'part = iterative_stratification(np.array(raw["train"]["label"]), [1.0 - {size!r}, {size!r}], SPLIT_SEED)',
        'raw["train"], raw["validation"] = (',
        '    raw["train"].select(np.flatnonzero(part == 0)),',
        '    raw["train"].select(np.flatnonzero(part == 1)),',
        ")",
    ]


# --------------------------------------------------------------------------- section 5: metrics

SINGLE_LABEL_METRICS = """def predictions_of(logits):
    \"\"\"Each row's predicted class: the highest logit.\"\"\"
    return np.argmax(logits, axis=-1)


def scores(predictions, references):
    \"\"\"The run's metrics, from predicted and true label ids.\"\"\"
    average = "binary" if len(LABEL_NAMES) == 2 else "macro"
    precision, recall, f1, _ = precision_recall_fscore_support(
        references, predictions, average=average, labels=list(range(len(LABEL_NAMES))), zero_division=0
    )
    return {
        "accuracy": float(accuracy_score(references, predictions)),
        "f1": float(f1),
        "precision": float(precision),
        "recall": float(recall),
        "matthews_correlation": float(matthews_corrcoef(references, predictions)),
    }"""

MULTI_LABEL_METRICS = """def predictions_of(logits, threshold=THRESHOLD):
    \"\"\"Each row's predicted labels as 0/1: a sigmoid per label (written so that large logits do not overflow),
    a label kept when its probability reaches the threshold.\"\"\"
    probabilities = np.exp(-np.logaddexp(0.0, -np.asarray(logits, dtype=np.float64)))
    return (probabilities >= threshold).astype(np.int64)


def scores(predictions, references):
    \"\"\"The run's metrics, from predicted and true 0/1 label sets: F1 of every row-label decision pooled
    (micro) and the mean of the labels' F1 (macro), micro precision and recall, subset accuracy (rows whose
    predicted set is exactly the true one) and Hamming loss (the share of wrong row-label decisions).\"\"\"
    references = np.asarray(references).round().astype(np.int64)
    precision, recall, f1_micro, _ = precision_recall_fscore_support(
        references, predictions, average="micro", zero_division=0
    )
    f1_macro = precision_recall_fscore_support(references, predictions, average="macro", zero_division=0)[2]
    return {
        "f1_micro": float(f1_micro),
        "f1_macro": float(f1_macro),
        "precision_micro": float(precision),
        "recall_micro": float(recall),
        "subset_accuracy": float(accuracy_score(references, predictions)),
        "hamming_loss": float(hamming_loss(references, predictions)),
    }"""

REGRESSION_METRICS = """def predictions_of(logits):
    \"\"\"Each row's predicted number: the model's one output.\"\"\"
    return np.asarray(logits, dtype=np.float64).reshape(-1)


def correlation(statistic, predictions, references):
    \"\"\"Pearson's or Spearman's correlation; 0 where it is undefined (all predictions or all targets the same),
    as the run reports it.\"\"\"
    if len(predictions) < 2 or np.ptp(predictions) == 0 or np.ptp(references) == 0:
        return 0.0
    return float(statistic(predictions, references)[0])


def scores(predictions, references):
    \"\"\"The run's metrics, from predicted and true numbers: Pearson (the main metric, as GLUE's STS-B) and
    Spearman correlations, mean squared error, its root, mean absolute error.\"\"\"
    predictions = np.asarray(predictions, dtype=np.float64).reshape(-1)
    references = np.asarray(references, dtype=np.float64).reshape(-1)
    mse = float(mean_squared_error(references, predictions))
    return {
        "pearson": correlation(pearsonr, predictions, references),
        "spearman": correlation(spearmanr, predictions, references),
        "mse": mse,
        "rmse": float(np.sqrt(mse)),
        "mae": float(mean_absolute_error(references, predictions)),
    }"""

TRAINER_METRICS = """

def compute_metrics(eval_pred):
    logits, labels = eval_pred
    return scores(predictions_of(logits), labels)"""

TRAINER_METRICS_TWO_THRESHOLDS = """

def compute_metrics(eval_pred, threshold=TRAINING_THRESHOLD):
    \"\"\"Evaluations during training decide at the configured threshold; the final ones at THRESHOLD.\"\"\"
    logits, labels = eval_pred
    return scores(predictions_of(logits, threshold), labels)"""


def metrics_code(task: ScriptTask, trainer: bool) -> str:
    """Section 5: ``predictions_of(logits)``, ``scores(predictions, references)`` and, for Trainer,
    ``compute_metrics``."""
    code = {SINGLE_LABEL: SINGLE_LABEL_METRICS, MULTI_LABEL: MULTI_LABEL_METRICS, REGRESSION: REGRESSION_METRICS}
    if not trainer:
        return code[task.name]
    return code[task.name] + (TRAINER_METRICS_TWO_THRESHOLDS if task.two_thresholds else TRAINER_METRICS)


# --------------------------------------------------------------------------- section 7: k-fold


def folds_code(task: ScriptTask) -> list[str]:
    """The lines that make ``folds``, a (train rows, validation rows) pair per fold, from ``rows``."""
    if task.name == MULTI_LABEL:
        return [
            "# iterative stratification in FOLDS equal parts: each label keeps its share in every fold",
            'part = iterative_stratification(np.array(rows["label"]), [1.0 / FOLDS] * FOLDS, SPLIT_SEED)',
            "folds = [(np.flatnonzero(part != i), np.flatnonzero(part == i)) for i in range(FOLDS)]",
        ]
    if task.name == REGRESSION:
        return [
            "splitter = KFold(n_splits=FOLDS, shuffle=True, random_state=SPLIT_SEED)",
            "folds = list(splitter.split(np.zeros(len(rows))))",
        ]
    return [
        "splitter = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SPLIT_SEED)",
        'folds = list(splitter.split(np.zeros(len(rows)), rows["label"]))',
    ]


def folds_comment(task: ScriptTask) -> str:
    """How the folds are drawn, for the FOLDS constant's comment."""
    return {
        SINGLE_LABEL: "StratifiedKFold over the training rows, shuffled with SPLIT_SEED",
        MULTI_LABEL: "iterative stratification of the training rows by label, seeded with SPLIT_SEED",
        REGRESSION: "KFold over the training rows, shuffled with SPLIT_SEED",
    }[task.name]


def fold_report_lines(task: ScriptTask) -> list[str]:
    """What each fold prints after its metrics: a per-class (per-label) report; regression has none."""
    if task.name == REGRESSION:
        return []
    if task.name == MULTI_LABEL:
        return [
            "    print(classification_report(references.round().astype(int), predictions, target_names=LABEL_NAMES,",
            "                                digits=4, zero_division=0))",
        ]
    return [
        "    print(classification_report(references, predictions, labels=list(range(len(LABEL_NAMES))),",
        "                                target_names=LABEL_NAMES, digits=4, zero_division=0))",
    ]


def best_metric(config: RunConfig, task: ScriptTask) -> tuple[str, bool]:
    """(the metric that chooses the best model for this task, whether higher is better)."""
    from finetune.config.tasks import greater_is_better, metric_for_task

    metric = metric_for_task(config.train.metric_for_best_model, task.name)
    return metric, greater_is_better(metric)
