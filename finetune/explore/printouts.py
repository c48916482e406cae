"""The tutorials' printouts for the data and model a person chose, each as the tutorial prints it.

Tutorial 000 prints the loaded ``DatasetDict`` and its ``features``, one raw row
(``raw_datasets["train"][0]``), one tokenized row, the shapes of a collated batch of 8
(``{k: v.shape for k, v in batch.items()}``) and ``trainer.predict``'s shapes; 001 tries a metric on
a few values of its own (``{'accuracy': 0.75}``). Each function here returns that printout as a short
console transcript (the Python line, then what Python prints), computed with the same libraries.

Rows are taken from the data as loaded (``load_raw``) and as the run uses it (``prepare_data``:
columns renamed to text/text_pair/label, labels numbered as a ``ClassLabel``), so what is shown is
what training will see.
"""

from __future__ import annotations

import dataclasses
import tempfile
from typing import Any, Optional

from finetune.config.run_config import RunConfig
from finetune.errors import DataError, expected_found

BATCH_ROWS = 8  # the tutorial collates the first 8 rows
PREDICT_ROWS = 32  # trainer.predict runs on this many validation rows: a second, not a full evaluation
METRICS = ("accuracy", "f1", "precision", "recall", "matthews_correlation")


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


def metric_on_values(metric: str, predictions: Optional[str], references: Optional[str]) -> str:
    """A metric tried on its own, as tutorial 001 does: ``metric.compute(predictions=..., references=...)``
    with the bundled offline ``evaluate`` module; more than two classes average macro."""
    from finetune.evaluation.metrics import load_metric

    if metric not in METRICS:
        raise DataError(expected_found("metric", ", ".join(METRICS), repr(metric)))
    preds, refs = parse_ids(predictions, "predictions"), parse_ids(references, "references")
    if len(preds) != len(refs):
        raise DataError(
            expected_found(
                "predictions and references",
                "as many predictions as references",
                f"{len(preds)} predictions, {len(refs)} references",
            )
        )
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
