"""Prediction: cached models, probabilities per label, batches, sentence pairs.

The model's ``problem_type`` decides how its outputs are read (finetune.config.tasks): softmax over the
classes (single-label), a sigmoid per label with the labels at or above the decision threshold
(multi-label; the threshold the run saved in config.json as ``decision_threshold``, else 0.5), or the one
output as the number (regression).

A :class:`Predictor` wraps a tokenizer + ``AutoModelForSequenceClassification`` in eval mode.
:func:`get_predictor` keeps a few of them in a least-recently-used cache, so a warm prediction
costs one forward pass. Batches are tokenized in one call, sorted by length, padded per batch
and run under ``torch.inference_mode`` in the precision :mod:`finetune.model.precision` picks (bf16
autocast on a CPU with bf16 instructions, like training); results come back in input order.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from finetune.config.tasks import DEFAULT_THRESHOLD, MULTI_LABEL, REGRESSION, SINGLE_LABEL, task_of_problem_type
from finetune.data.column_detection import detect_text_column
from finetune.errors import CheckpointError, ColumnMappingError, DataError, expected_found
from finetune.evaluation.metrics import softmax
from finetune.evaluation.multi_label import sigmoid
from finetune.model.checkpoints import LOAD_ERRORS, describe_load_error, is_run_folder, resolve_checkpoint
from finetune.model.precision import autocast, detect_precision
from finetune.runs.run import Run
from finetune.safety import guard

CACHE_SIZE = 3


class ModelCache:
    """A few loaded models keyed by the folder they were loaded from; the least recently used is dropped.

    Thread-safe. ``load(source)`` builds a model for a source that is not cached yet.
    """

    def __init__(self, size: int, load: Callable[[str], Any]) -> None:
        self.size, self.load = size, load
        self.entries: OrderedDict[str, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, source: str) -> Any:
        _, path = resolve_model_source(source)
        key = str(Path(path).resolve()) if Path(path).exists() else path
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return self.entries[key]
        loaded = self.load(source)
        with self.lock:
            self.entries[key] = loaded
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return loaded


def check_batch_size(batch_size: int) -> None:
    """DataError for a batch size below 1 (a zero step would loop forever or crash in range())."""
    if not isinstance(batch_size, int) or batch_size < 1:
        raise DataError(expected_found("batch size", "a whole number of at least 1", repr(batch_size)))


@dataclass
class Prediction:
    """One text's prediction. Single-label: ``label`` and its probability ``score``. Multi-label: ``labels``
    (those at or above ``threshold``; ``label`` joins them with ', ', ``score`` is the highest probability).
    Regression: ``value`` (also ``score``; ``label`` is the output's name)."""

    label: str
    score: float
    probabilities: dict[str, float]  # in id2label order (regression: empty)
    logits: list[float]
    text: str
    text_pair: Optional[str] = None
    task: str = SINGLE_LABEL
    labels: Optional[list[str]] = None
    threshold: Optional[float] = None
    value: Optional[float] = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "task": self.task,
            "label": self.label,
            "score": self.score,
            "probabilities": self.probabilities,
            "logits": self.logits,
            "text": self.text,
            **({"text_pair": self.text_pair} if self.text_pair is not None else {}),
        }
        if self.task == MULTI_LABEL:
            out.update(labels=self.labels, threshold=self.threshold)
        if self.task == REGRESSION:
            out["value"] = self.value
        return out


@dataclass
class Explanation:
    """ "Behind the pipeline": tokens -> logits -> softmax (sigmoid: multi-label; none: regression) -> label."""

    tokens: list[str]
    input_ids: list[int]
    token_type_ids: Optional[list[int]]
    attention_mask: list[int]
    logits: list[float]
    probabilities: list[float]
    id2label: dict[int, str]
    prediction: str
    task: str = SINGLE_LABEL
    threshold: Optional[float] = None


def resolve_model_source(source: str) -> tuple[str, str]:
    """(name shown to people, what from_pretrained receives) for a run dir, folder, preset or Hub id."""
    if not source or not str(source).strip():
        raise CheckpointError(expected_found("model", "a run, a model folder, bundled-minilm or a Hub id", "nothing"))
    source = str(source).strip()
    guard(source, what="model")
    run = Run(Path(source).expanduser())
    if run.has_model:
        return source, str(run.model_dir)
    if run.path.is_dir() and (run.status_path.is_file() or is_run_folder(run.path)):
        raise CheckpointError(run.no_model_reason())
    return source, resolve_checkpoint(source)


class Predictor:
    """A loaded classifier. Thread-safe for prediction (read-only use of the model)."""

    def __init__(self, source: str, *, device: Optional[str] = None, precision: str = "auto") -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.name, self.path = resolve_model_source(source)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(self.path, use_fast=True)
            self.model, loading = AutoModelForSequenceClassification.from_pretrained(
                self.path, output_loading_info=True
            )
        except LOAD_ERRORS as exc:
            raise describe_load_error(source, exc) from exc
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.model.to(self.device).eval()
        self.precision = detect_precision(precision, self.device.type)  # the forward's autocast, and why
        self.id2label = {int(k): str(v) for k, v in self.model.config.id2label.items()}
        self.labels = [self.id2label[i] for i in range(len(self.id2label))]
        self.task = task_of_problem_type(getattr(self.model.config, "problem_type", None), len(self.labels))
        self.threshold = float(getattr(self.model.config, "decision_threshold", None) or DEFAULT_THRESHOLD)
        self.max_length = min(getattr(self.tokenizer, "model_max_length", 512) or 512, 512)
        # weights the checkpoint did not hold (or held in another shape) were initialised at random
        self.untrained_weights = sorted(
            set(loading.get("missing_keys", []))
            | {str(m[0] if isinstance(m, (tuple, list)) else m) for m in loading.get("mismatched_keys", [])}
        )

    @property
    def trained_on_pairs(self) -> Optional[bool]:
        """Whether the model was fine-tuned on sentence pairs, read from its run's data report; None when the
        model is not a run's (a folder or Hub model does not say)."""
        folder = Path(self.path)
        run = Run(folder.parent)
        if run.model_dir != folder or not run.data_report_path.is_file():
            return None
        report = run.data_report()
        columns = report.get("columns") if isinstance(report, dict) else None
        return bool(columns.get("text_pair")) if isinstance(columns, dict) else None

    def pair_warning(self, given_pairs: bool) -> Optional[str]:
        """What to tell a person who gives second texts to a single-text model, or single texts to a pair
        model (both run without error, so a wrong input would go unnoticed); None when they match or the
        model does not say."""
        pairs = self.trained_on_pairs
        if pairs is None or pairs == given_pairs:
            return None
        if given_pairs:
            return (
                f"'{self.name}' was trained on single texts, but second texts were given: they are joined to "
                "the first as a pair the model never saw. Leave out the second text."
            )
        return (
            f"'{self.name}' was trained on sentence pairs, but only single texts were given: give each text "
            "its second text (--text-pair, or --text-pair-column for a file)."
        )

    @property
    def head_trained(self) -> bool:
        """False when the classification head was freshly initialised: its outputs mean nothing yet."""
        return not self.untrained_weights

    def head_warning(self) -> Optional[str]:
        """What to tell a person who predicts with an untrained head; None when the head was trained."""
        if self.head_trained:
            return None
        return (
            f"'{self.name}' has no trained classification head (randomly initialised: "
            f"{', '.join(self.untrained_weights[:4])}), so these probabilities are meaningless. "
            "Fine-tune it first (Train tab or `python -m finetune train`), then predict with the run."
        )

    def _encode(self, texts: Sequence[str], pairs: Optional[Sequence[Optional[str]]]) -> dict[str, list]:
        if pairs is not None and any(p for p in pairs):
            if any(not p or not str(p).strip() for p in pairs):
                raise DataError(
                    expected_found("second texts", "a second text for every row of a pair model", "an empty one")
                )
            return self.tokenizer(list(texts), list(pairs), truncation=True, max_length=self.max_length)
        return self.tokenizer(list(texts), truncation=True, max_length=self.max_length)

    def logits(
        self,
        texts: Sequence[str],
        pairs: Optional[Sequence[Optional[str]]] = None,
        *,
        batch_size: int = 32,
        progress: Optional[Callable[[int, int], None]] = None,
    ) -> np.ndarray:
        """Raw logits in input order; rows are sorted by length internally and padded per batch."""
        import torch

        check_batch_size(batch_size)
        texts = [str(t) if t is not None else "" for t in texts]
        empty = [i for i, t in enumerate(texts) if not t.strip()]
        if empty:
            raise DataError(
                expected_found(
                    "text",
                    "non-empty text on every row",
                    f"empty text at row(s) {', '.join(str(i + 1) for i in empty[:5])}",
                )
            )
        encoded = self._encode(texts, pairs)
        order = sorted(range(len(texts)), key=lambda i: len(encoded["input_ids"][i]), reverse=True)
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        keys = [k for k in ("input_ids", "token_type_ids", "attention_mask") if k in encoded]
        with torch.inference_mode(), autocast(self.precision.name, self.device.type):
            for start in range(0, len(order), batch_size):
                idx = order[start : start + batch_size]
                batch = self.tokenizer.pad({k: [encoded[k][i] for i in idx] for k in keys}, return_tensors="pt")
                batch = {k: v.to(self.device) for k, v in batch.items()}
                out[idx] = self.model(**batch).logits.float().cpu().numpy()
                if progress is not None:
                    progress(min(start + batch_size, len(order)), len(order))
        return out

    def predict(
        self,
        texts: Union[str, Sequence[str]],
        pairs: Union[None, str, Sequence[Optional[str]]] = None,
        *,
        batch_size: int = 32,
        progress: Optional[Callable[[int, int], None]] = None,
        threshold: Optional[float] = None,
    ) -> list[Prediction]:
        """The prediction for each text (or pair), as the model's task reads its outputs; ``threshold``
        (multi-label) replaces the model's saved decision threshold."""
        if isinstance(texts, str):
            texts = [texts]
        if isinstance(pairs, str):
            pairs = [pairs]
        if not texts:
            raise DataError(expected_found("texts", "at least one text", "none"))
        logits = self.logits(texts, pairs, batch_size=batch_size, progress=progress)
        if self.task == MULTI_LABEL:
            return self._multi_label(texts, pairs, logits, self.threshold if threshold is None else threshold)
        if self.task == REGRESSION:
            return self._regression(texts, pairs, logits)
        probs = softmax(logits)
        results = []
        for i, text in enumerate(texts):
            best = int(probs[i].argmax())
            results.append(
                Prediction(
                    label=self.labels[best],
                    score=float(probs[i, best]),
                    probabilities={self.labels[j]: float(p) for j, p in enumerate(probs[i])},
                    logits=[float(x) for x in logits[i]],
                    text=text,
                    text_pair=None if pairs is None else pairs[i],
                )
            )
        return results

    def _multi_label(
        self, texts: Sequence[str], pairs: Optional[Sequence[Optional[str]]], logits: np.ndarray, threshold: float
    ) -> list[Prediction]:
        """A sigmoid per label; the labels at or above ``threshold``."""
        probs = sigmoid(logits)
        results = []
        for i, text in enumerate(texts):
            chosen = [self.labels[j] for j in np.flatnonzero(probs[i] >= threshold)]
            results.append(
                Prediction(
                    label=", ".join(chosen),
                    score=float(probs[i].max()),
                    probabilities={self.labels[j]: float(p) for j, p in enumerate(probs[i])},
                    logits=[float(x) for x in logits[i]],
                    text=text,
                    text_pair=None if pairs is None else pairs[i],
                    task=MULTI_LABEL,
                    labels=chosen,
                    threshold=float(threshold),
                )
            )
        return results

    def _regression(
        self, texts: Sequence[str], pairs: Optional[Sequence[Optional[str]]], logits: np.ndarray
    ) -> list[Prediction]:
        """The one output is the number."""
        return [
            Prediction(
                label=self.labels[0],
                score=float(logits[i, 0]),
                probabilities={},
                logits=[float(logits[i, 0])],
                text=text,
                text_pair=None if pairs is None else pairs[i],
                task=REGRESSION,
                value=float(logits[i, 0]),
            )
            for i, text in enumerate(texts)
        ]

    def explain(self, text: str, text_pair: Optional[str] = None) -> Explanation:
        """Every step of ``pipeline("text-classification")`` for one input, spelled out, as the model's task
        reads its outputs."""
        encoded = self._encode([text], [text_pair] if text_pair else None)
        logits = self.logits([text], [text_pair] if text_pair else None)[0]
        ids = list(encoded["input_ids"][0])
        probs, prediction = self._read_outputs(logits)
        return Explanation(
            tokens=self.tokenizer.convert_ids_to_tokens(ids),
            input_ids=ids,
            token_type_ids=list(encoded["token_type_ids"][0]) if "token_type_ids" in encoded else None,
            attention_mask=list(encoded["attention_mask"][0]),
            logits=[float(x) for x in logits],
            probabilities=[float(p) for p in probs],
            id2label=self.id2label,
            prediction=prediction,
            task=self.task,
            threshold=self.threshold if self.task == MULTI_LABEL else None,
        )

    def _read_outputs(self, logits: np.ndarray) -> tuple[np.ndarray, str]:
        """(probabilities, prediction) of one row's logits: softmax and the top class; a sigmoid per label and
        those at or above the threshold (multi-label); none and the number (regression)."""
        if self.task == MULTI_LABEL:
            probs = sigmoid(logits)
            return probs, ", ".join(self.labels[j] for j in np.flatnonzero(probs >= self.threshold))
        if self.task == REGRESSION:
            return np.zeros(0), f"{float(logits[0]):.4f}"
        probs = softmax(logits[None, :])[0]
        return probs, self.id2label[int(probs.argmax())]


_predictors = ModelCache(CACHE_SIZE, lambda source: Predictor(source))


def get_predictor(source: str) -> Predictor:
    """A cached :class:`Predictor` (least recently used of ``CACHE_SIZE`` is dropped)."""
    return _predictors.get(source)


def resolve_text_columns(
    frame: Any, text_column: Optional[str] = None, text_pair_column: Optional[str] = None
) -> tuple[str, Optional[str]]:
    """(text column, second text column) of a DataFrame: checked when given, the text one detected when not."""
    columns = [str(c) for c in frame.columns]
    if text_column is None:
        strings = [c for c in columns if frame[c].dtype == object]
        text_column = detect_text_column(columns, strings, exclude=(text_pair_column,))
    for role, column in (("text", text_column), ("second text", text_pair_column)):
        if column is not None and column not in columns:
            raise ColumnMappingError(
                expected_found(f"{role} column '{column}'", "a column of the file", ", ".join(columns))
            )
    if text_column is None:
        raise ColumnMappingError(
            expected_found(
                "text column", "one named text/sentence/... or chosen explicitly", "columns " + ", ".join(columns)
            )
        )
    return text_column, text_pair_column


def predict_frame(
    predictor: Predictor,
    frame: Any,
    *,
    text_column: Optional[str] = None,
    text_pair_column: Optional[str] = None,
    batch_size: int = 32,
    progress: Optional[Callable[[int, int], None]] = None,
) -> Any:
    """Classify every row of a DataFrame (text column detected like the training data's when not given)."""
    text_column, text_pair_column = resolve_text_columns(frame, text_column, text_pair_column)
    texts = frame[text_column].fillna("").astype(str).tolist()
    pairs = frame[text_pair_column].fillna("").astype(str).tolist() if text_pair_column else None
    return label_rows(predictor, texts, pairs, text_column, text_pair_column, batch_size=batch_size, progress=progress)


def label_rows(
    predictor: Predictor,
    texts: list[str],
    pairs: Optional[list[str]],
    text_column: str,
    text_pair_column: Optional[str],
    *,
    batch_size: int = 32,
    progress: Optional[Callable[[int, int], None]] = None,
    threshold: Optional[float] = None,
) -> Any:
    """The output table of batch prediction: the text(s), then ``predicted_label``, ``confidence``,
    ``p(<label>)`` (single-label); ``predicted_labels`` (joined with '|'), ``threshold``, ``p(<label>)``
    (multi-label); ``predicted_<name>`` (regression)."""
    import pandas as pd

    results = predictor.predict(texts, pairs, batch_size=batch_size, progress=progress, threshold=threshold)
    out = pd.DataFrame({text_column: texts})
    if pairs is not None:
        out[text_pair_column] = pairs
    if predictor.task == REGRESSION:
        out[f"predicted_{predictor.labels[0]}"] = [r.value for r in results]
        return out
    if predictor.task == MULTI_LABEL:
        out["predicted_labels"] = ["|".join(r.labels or []) for r in results]
        out["threshold"] = [r.threshold for r in results]
        for label in predictor.labels:
            out[f"p({label})"] = [r.probabilities[label] for r in results]
        return out
    out["predicted_label"] = [r.label for r in results]
    out["confidence"] = [r.score for r in results]
    for label in predictor.labels:
        out[f"p({label})"] = [r.probabilities[label] for r in results]
    return out
