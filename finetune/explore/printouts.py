"""The tutorials' printouts for the data and model a person chose, each as the tutorial prints it.

Tutorial 000 prints the loaded ``DatasetDict`` and its ``features``, one raw row
(``raw_datasets["train"][0]``), one tokenized row, the shapes of a collated batch of 8
(``{k: v.shape for k, v in batch.items()}``) and ``trainer.predict``'s shapes; 001 tries a metric on
a few values of its own (``{'accuracy': 0.75}``). Each function here returns that printout as a short
console transcript (the Python line, then what Python prints), computed with the same libraries.

Rows are taken from the data as loaded (``load_raw``) and as the run uses it (``prepare_data``:
columns renamed to text/text_pair/label, labels encoded for the task: a ``ClassLabel``, multi-hot rows of
float32, or float32 numbers), so what is shown is what training will see. A multi-label dataset's features
do not name the labels, so its printout adds ``id2label``; a regression dataset's adds its first targets.

A metric on typed values follows the metric's task (:data:`METRICS_BY_TASK`): class ids with the bundled
``evaluate`` modules (single-label); rows of 0/1 per label with scikit-learn, as the multi-label tutorials
compute them (rows separated by ';'); numbers with scikit-learn and SciPy (regression).
"""

from __future__ import annotations

import dataclasses
import tempfile
from typing import Any, Optional

from finetune.config.run_config import RunConfig
from finetune.config.tasks import MULTI_LABEL, PROBLEM_TYPES, REGRESSION, SINGLE_LABEL
from finetune.errors import DataError, expected_found

BATCH_ROWS = 8  # the tutorial collates the first 8 rows
PREDICT_ROWS = 32  # trainer.predict runs on this many validation rows: a second, not a full evaluation
METRICS = ("accuracy", "f1", "precision", "recall", "matthews_correlation")  # single-label: label ids
METRICS_BY_TASK = {
    SINGLE_LABEL: METRICS,
    MULTI_LABEL: ("f1_micro", "f1_macro", "precision_micro", "recall_micro", "subset_accuracy", "hamming_loss"),
    REGRESSION: ("pearson", "spearman", "mse", "rmse", "mae"),
}
# the call each multi-label / regression metric is, as a tutorial writes it (scikit-learn, SciPy)
METRIC_CALLS = {
    "f1_micro": 'f1_score(references, predictions, average="micro", zero_division=0)',
    "f1_macro": 'f1_score(references, predictions, average="macro", zero_division=0)',
    "precision_micro": 'precision_score(references, predictions, average="micro", zero_division=0)',
    "recall_micro": 'recall_score(references, predictions, average="micro", zero_division=0)',
    "subset_accuracy": "accuracy_score(references, predictions)",
    "hamming_loss": "hamming_loss(references, predictions)",
    "pearson": "pearsonr(predictions, references)[0]",
    "spearman": "spearmanr(predictions, references)[0]",
    "mse": "mean_squared_error(references, predictions)",
    "rmse": "mean_squared_error(references, predictions) ** 0.5",
    "mae": "mean_absolute_error(references, predictions)",
}


@dataclasses.dataclass
class DataPrintouts:
    """Console transcripts of the data side (no model needed beyond the tokenizer)."""

    dataset_dict: str  # the loaded DatasetDict and its features, then ``dataset``: as the run uses it (ClassLabel)
    example: str  # the first raw training row, as loaded
    tokenized: str  # the tokenizer's output for the first training row
    batch_shapes: str  # a collated batch of the first 8 training rows


def transcript(code: str, output: Any) -> str:
    """``>>> code`` and what ``print`` shows for ``output``."""
    return f">>> {code}\n{output}"


def _tokenizer_call(is_pair: bool, config: RunConfig) -> tuple[str, dict[str, Any]]:
    """The tokenizer call as the run makes it: (the code shown, its keyword arguments)."""
    kwargs: dict[str, Any] = {"truncation": True, "max_length": config.data.max_length}
    if config.data.padding == "max_length":
        kwargs["padding"] = "max_length"
    texts = 'row["text"], row["text_pair"]' if is_pair else 'row["text"]'
    shown = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return f"tokenizer({texts}, {shown})", kwargs


def data_printouts(config: RunConfig) -> DataPrintouts:
    """The data-side printouts for ``config``'s dataset and checkpoint tokenizer (loads the data once)."""
    import datasets
    from transformers import DataCollatorWithPadding

    from finetune.data.loading import load_raw
    from finetune.data.preparation import _find_split, prepare_data
    from finetune.model.tokenization import get_tokenizer

    loaded = load_raw(config.data)
    raw = datasets.DatasetDict(loaded[0])
    prepared = prepare_data(config.data, loaded=loaded)
    train = prepared.splits["train"]
    train_name = _find_split(loaded[0], config.data.train_split, "train") or next(iter(raw))
    dataset_dict = "\n".join(
        [
            transcript("raw_datasets", raw),
            transcript(f'raw_datasets["{train_name}"].features', raw[train_name].features),
            "",
            transcript("dataset", prepared.splits),
            transcript('dataset["train"].features', train.features),
            *_label_lines(prepared),
        ]
    )
    example = transcript(f'raw_datasets["{train_name}"][0]', raw[train_name][0])
    tokenizer = get_tokenizer(
        config.model.checkpoint, revision=config.model.revision, trust_remote_code=config.model.trust_remote_code
    )
    code, kwargs = _tokenizer_call(prepared.is_pair, config)
    first = train[0]
    encoded = tokenizer(first["text"], first.get("text_pair"), **kwargs)
    tokenized = transcript('row = dataset["train"][0]\n>>> ' + code, dict(encoded))
    rows = train.select(range(min(BATCH_ROWS, len(train))))
    features = [{**dict(tokenizer(row["text"], row.get("text_pair"), **kwargs)), "label": row["label"]} for row in rows]
    batch = DataCollatorWithPadding(tokenizer)(features)
    batch_shapes = transcript(
        f"batch = data_collator(samples)  # the first {len(features)} tokenized training rows\n"
        ">>> {k: v.shape for k, v in batch.items()}",
        {k: v.shape for k, v in batch.items()},
    )
    return DataPrintouts(dataset_dict, example, tokenized, batch_shapes)


def _label_lines(prepared: Any) -> list[str]:
    """What the features leave out: a multi-label column's label of each position (``id2label``), a regression
    column's first targets."""
    if prepared.task == MULTI_LABEL:
        id2label = dict(enumerate(prepared.label_names))
        return [transcript("id2label  # the label of each position of a multi-hot row", id2label)]
    if prepared.task == REGRESSION:
        train = prepared.splits["train"]
        first = [round(float(v), 4) for v in train.select(range(min(5, len(train))))["label"]]
        return [transcript('dataset["train"]["label"][:5]  # the numbers to predict', first)]
    return []


def prediction_shapes(config: RunConfig, rows: int = PREDICT_ROWS) -> str:
    """``trainer.predict`` on the first ``rows`` validation rows with ``config``'s checkpoint: the shapes
    of its predictions (logits) and label ids, as tutorial 000 prints them."""
    import torch
    from transformers import AutoModelForSequenceClassification, DataCollatorWithPadding, Trainer, TrainingArguments

    from finetune.data.preparation import prepare_data
    from finetune.model.checkpoints import resolve_checkpoint
    from finetune.model.tokenization import get_tokenizer

    prepared = prepare_data(config.data)
    validation = prepared.splits["validation"]
    sample = validation.select(range(min(rows, len(validation))))
    tokenizer = get_tokenizer(
        config.model.checkpoint, revision=config.model.revision, trust_remote_code=config.model.trust_remote_code
    )
    _, kwargs = _tokenizer_call(prepared.is_pair, config)
    texts = ["text", "text_pair"] if prepared.is_pair else ["text"]
    tokenized = sample.map(
        lambda batch: tokenizer(*[batch[name] for name in texts], **kwargs), batched=True, remove_columns=texts
    )
    model = AutoModelForSequenceClassification.from_pretrained(
        resolve_checkpoint(config.model.checkpoint, check_hub=False),
        num_labels=len(prepared.label_names),
        problem_type=PROBLEM_TYPES[prepared.task],
        ignore_mismatched_sizes=True,
    )
    with tempfile.TemporaryDirectory(prefix="predict-shapes-") as folder:
        args = TrainingArguments(
            output_dir=folder,
            per_device_eval_batch_size=config.train.per_device_eval_batch_size,
            report_to=[],
            disable_tqdm=True,
            use_cpu=not torch.cuda.is_available(),
        )
        trainer = Trainer(model=model, args=args, data_collator=DataCollatorWithPadding(tokenizer))
        output = trainer.predict(tokenized)
    return transcript(
        f'predictions = trainer.predict(tokenized_datasets["validation"].select(range({len(sample)})))\n'
        ">>> print(predictions.predictions.shape, predictions.label_ids.shape)",
        f"{output.predictions.shape} {output.label_ids.shape}",
    )


def parse_ids(text: Optional[str], what: str) -> list[int]:
    """Comma- (or space-) separated whole numbers, e.g. ``0, 1, 1, 0``; a DataError names what is wrong."""
    pieces = [p for p in (text or "").replace(",", " ").split() if p]
    try:
        values = [int(p) for p in pieces]
    except ValueError:
        bad = next(p for p in pieces if not p.lstrip("-").isdigit())
        raise DataError(expected_found(what, "whole numbers separated by commas, e.g. 0, 1, 1, 0", repr(bad))) from None
    if not values:
        raise DataError(expected_found(what, "whole numbers separated by commas, e.g. 0, 1, 1, 0", "nothing"))
    return values


def parse_numbers(text: Optional[str], what: str) -> list[float]:
    """Comma- (or space-) separated numbers, e.g. ``3.5, 1, 4.2``; a DataError names what is wrong."""
    pieces = [p for p in (text or "").replace(",", " ").split() if p]
    example = "numbers separated by commas, e.g. 3.5, 1.0, 4.2"
    values = []
    for piece in pieces:
        try:
            values.append(float(piece))
        except ValueError:
            raise DataError(expected_found(what, example, repr(piece))) from None
    if not values:
        raise DataError(expected_found(what, example, "nothing"))
    return values


def parse_label_rows(text: Optional[str], what: str) -> list[list[int]]:
    """Rows of 0/1 (one per label) separated by ';', e.g. ``1 0 1; 0 1 0``; a DataError names what is wrong."""
    example = "rows of 0/1, one per label, separated by ';', e.g. 1 0 1; 0 1 0"
    rows = [parse_ids(row, what) for row in (text or "").split(";") if row.strip()]
    if not rows:
        raise DataError(expected_found(what, example, "nothing"))
    if len({len(row) for row in rows}) > 1 or any(v not in (0, 1) for row in rows for v in row):
        found = "; ".join(" ".join(str(v) for v in row) for row in rows)
        raise DataError(expected_found(what, example + " (every row as long)", repr(found[:60])))
    return rows


def metric_task(metric: str) -> str:
    """The task whose typed values ``metric`` scores; DataError for a metric none has."""
    for task, names in METRICS_BY_TASK.items():
        if metric in names:
            return task
    known = ", ".join(name for names in METRICS_BY_TASK.values() for name in names)
    raise DataError(expected_found("metric", known, repr(metric)))


def metric_on_values(metric: str, predictions: Optional[str], references: Optional[str]) -> str:
    """A metric tried on its own, as tutorial 001 does. Single-label: ``metric.compute(predictions=...,
    references=...)`` with the bundled offline ``evaluate`` module on label ids (more than two classes average
    macro). Multi-label: rows of 0/1 per label (``1 0 1; 0 1 0``), scikit-learn's call; regression: numbers,
    scikit-learn's or SciPy's call."""
    task = metric_task(metric)
    if task == MULTI_LABEL:
        preds, refs = parse_label_rows(predictions, "predictions"), parse_label_rows(references, "references")
    elif task == REGRESSION:
        preds, refs = parse_numbers(predictions, "predictions"), parse_numbers(references, "references")
    else:
        preds, refs = parse_ids(predictions, "predictions"), parse_ids(references, "references")
    if len(preds) != len(refs):
        raise DataError(
            expected_found(
                "predictions and references",
                "as many predictions as references",
                f"{len(preds)} predictions, {len(refs)} references",
            )
        )
    if task != SINGLE_LABEL:
        return _library_metric(metric, preds, refs)
    from finetune.evaluation.metrics import load_metric

    extra = {"average": "macro"} if metric in ("f1", "precision", "recall") and len(set(preds + refs)) > 2 else {}
    result = load_metric(metric).compute(predictions=preds, references=refs, **extra)
    result = {name: float(value) for name, value in result.items()}
    shown = "".join(f", {k}={v!r}" for k, v in extra.items())
    return "\n".join(
        [
            f'>>> metric = evaluate.load("{metric}")',
            transcript(f"metric.compute(predictions={preds}, references={refs}{shown})", result),
        ]
    )


def _library_metric(metric: str, preds: list[Any], refs: list[Any]) -> str:
    """A multi-label or regression metric computed by the library call :data:`METRIC_CALLS` shows."""
    import numpy as np
    from scipy.stats import pearsonr, spearmanr
    from sklearn.metrics import (
        accuracy_score,
        f1_score,
        hamming_loss,
        mean_absolute_error,
        mean_squared_error,
        precision_score,
        recall_score,
    )

    y_pred, y_true = np.asarray(preds), np.asarray(refs)
    if metric in ("pearson", "spearman") and (len(y_true) < 2 or np.ptp(y_true) == 0 or np.ptp(y_pred) == 0):
        raise DataError(
            expected_found(
                "predictions and references",
                "at least two values that are not all the same (a correlation needs them to vary)",
                f"{len(y_true)} values",
            )
        )
    compute = {
        "f1_micro": lambda: f1_score(y_true, y_pred, average="micro", zero_division=0),
        "f1_macro": lambda: f1_score(y_true, y_pred, average="macro", zero_division=0),
        "precision_micro": lambda: precision_score(y_true, y_pred, average="micro", zero_division=0),
        "recall_micro": lambda: recall_score(y_true, y_pred, average="micro", zero_division=0),
        "subset_accuracy": lambda: accuracy_score(y_true, y_pred),
        "hamming_loss": lambda: hamming_loss(y_true, y_pred),
        "pearson": lambda: pearsonr(y_pred, y_true)[0],
        "spearman": lambda: spearmanr(y_pred, y_true)[0],
        "mse": lambda: mean_squared_error(y_true, y_pred),
        "rmse": lambda: mean_squared_error(y_true, y_pred) ** 0.5,
        "mae": lambda: mean_absolute_error(y_true, y_pred),
    }
    value = float(compute[metric]())
    return "\n".join(
        [
            transcript("predictions, references = " + f"{preds}, {refs}", "").rstrip(),
            transcript(METRIC_CALLS[metric], {metric: value}),
        ]
    )
