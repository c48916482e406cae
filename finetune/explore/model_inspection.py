"""Look inside a model: its architecture card, hidden states and attention, and a padded batch.

What the tutorials print, computed for any checkpoint, preset, run or folder:

- :func:`architecture_card`: the config's sizes (layers, hidden size, heads, ...), parameter
  counts by part (embeddings, each encoder layer, pooler, classification head) with trainable
  counts, the module tree as ``print(model)`` shows it, ``config.json`` in full, and where the
  classification head comes from (trained, or freshly initialised on a base checkpoint).
- :func:`look_inside`: one forward pass over a padded batch with ``output_hidden_states`` and
  ``output_attentions``: every output's shape with its axes named, the per-layer, per-token norm
  of the hidden states and the attention weights of one row, and logits -> probabilities -> label per
  row as the model's task reads them (softmax and the top class; a sigmoid per label and the labels at the
  decision threshold; no activation for regression, the output is the number). :func:`pipeline_stages`
  lays those out in the tutorial's order.

Models are loaded with eager attention (the fused kernels do not return attention weights) and
kept in a small cache of their own, apart from the predictors used for fast prediction.
(Named ``inspection`` so that it does not shadow the standard library's ``inspect``.)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np

from finetune.config.tasks import DEFAULT_THRESHOLD, MULTI_LABEL, REGRESSION, SINGLE_LABEL, task_of_problem_type
from finetune.errors import DataError, expected_found
from finetune.predict.predictor import ModelCache, resolve_model_source
from finetune.runs.run import Run

CACHE_SIZE = 1  # one model at a time: a BERT-base copy is hundreds of MB beside the predictors
HEAD_SEED = 0  # a base checkpoint's random head is the same on every load
HEAD_PART = "classification head"
_inspectables = ModelCache(CACHE_SIZE, lambda source: InspectableModel(source))

# config attribute, then the names other architectures use for it (DistilBERT: n_layers, dim, ...)
CARD_FIELDS = (
    ("layers", ("num_hidden_layers", "n_layers", "num_layers")),
    ("hidden size", ("hidden_size", "dim", "d_model")),
    ("attention heads", ("num_attention_heads", "n_heads")),
    ("intermediate size", ("intermediate_size", "hidden_dim", "ffn_dim")),
    ("max positions", ("max_position_embeddings", "n_positions")),
    ("vocabulary size", ("vocab_size",)),
)


@dataclass
class PartCount:
    """Parameters of one part of the model (shared weights counted once, where first seen)."""

    name: str
    parameters: int
    trainable: int


@dataclass
class ArchitectureCard:
    """What a tutorial prints about a model before using it."""

    source: str
    path: str
    model_class: str
    model_type: str
    sizes: dict[str, Optional[int]]
    num_labels: int
    id2label: dict[int, str]
    parts: list[PartCount]
    total_parameters: int
    trainable_parameters: int
    head_trained: bool
    head_origin: str
    module_tree: str
    config_json: str
    task: str = SINGLE_LABEL  # how its outputs are read (finetune.config.tasks)
    threshold: Optional[float] = None  # multi-label: the decision threshold it saved (else the default)

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["parts"] = [part.__dict__ for part in self.parts]
        return out


@dataclass
class TensorShape:
    """One tensor of the forward pass: its shape, and what each axis means."""

    name: str
    shape: list[int]
    axes: list[str]
    note: str = ""

    def describe(self) -> str:
        named = ", ".join(f"{axis}={size}" for axis, size in zip(self.axes, self.shape))
        return f"{self.name}: [{named}]" + (f"  ({self.note})" if self.note else "")


@dataclass
class ForwardReport:
    """One forward pass over a padded batch, with the hidden states and attention of one row."""

    texts: list[str]
    text_pairs: Optional[list[str]]
    tokens: list[list[str]]  # per row, padded
    input_ids: list[list[int]]
    attention_mask: list[list[int]]
    shapes: list[TensorShape]
    logits: list[list[float]]
    probabilities: list[list[float]]
    predictions: list[str]
    id2label: dict[int, str]
    row: int
    hidden_norms: np.ndarray  # [layers + 1, sequence]: row 0 is the embeddings' output
    attentions: np.ndarray  # [layers, heads, query, key]
    head_trained: bool = True
    token_type_ids: Optional[list[list[int]]] = None
    layer_names: list[str] = field(default_factory=list)
    task: str = SINGLE_LABEL  # softmax (single-label), sigmoid (multi-label) or none (regression: [] per row)
    threshold: Optional[float] = None  # multi-label: a label is predicted at or above it

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k not in ("hidden_norms", "attentions", "shapes")}
        out["shapes"] = [s.__dict__ for s in self.shapes]
        out["hidden_norms"] = self.hidden_norms.round(4).tolist()
        out["attentions_shape"] = list(self.attentions.shape)
        return out


class InspectableModel:
    """A tokenizer and a sequence-classification model loaded for inspection (eager attention)."""

    def __init__(self, source: str) -> None:
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        from finetune.model.checkpoints import LOAD_ERRORS, describe_load_error

        self.source, self.path = resolve_model_source(source)
        self.head_trained, self.head_origin = head_origin(self.source, self.path)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(self.path, use_fast=True)
            with torch.random.fork_rng():
                torch.manual_seed(HEAD_SEED)
                self.model = AutoModelForSequenceClassification.from_pretrained(self.path, attn_implementation="eager")
        except LOAD_ERRORS as exc:
            raise describe_load_error(source, exc) from exc
        self.model.eval()
        self.id2label = {int(k): str(v) for k, v in self.model.config.id2label.items()}
        config = self.model.config
        self.task = task_of_problem_type(getattr(config, "problem_type", None), len(self.id2label))
        saved = getattr(config, "decision_threshold", None)
        self.threshold = float(saved or DEFAULT_THRESHOLD) if self.task == MULTI_LABEL else None
        self.max_length = min(getattr(self.tokenizer, "model_max_length", 512) or 512, 512)
        self.lock = threading.Lock()  # the pooled-output hook belongs to one call at a time


def get_inspectable(source: str) -> InspectableModel:
    """A cached :class:`InspectableModel` (the least recently used of ``CACHE_SIZE`` is dropped)."""
    return _inspectables.get(source)


def head_origin(source: str, path: str) -> tuple[bool, str]:
    """(whether the classification head was trained, a sentence saying where it comes from)."""
    import json

    config_file = Path(path) / "config.json"
    architectures: list[str] = []
    if config_file.is_file():
        architectures = json.loads(config_file.read_text(encoding="utf-8")).get("architectures") or []
    if not any(a.endswith("ForSequenceClassification") for a in architectures):
        return False, (
            "freshly initialised: the checkpoint has no classification head "
            f"({', '.join(architectures) or 'no architecture recorded'}), so a random one is added "
            "(seeded, the same on every load); its predictions mean nothing until fine-tuned"
        )
    run_dir = Path(source).expanduser()
    if Run(run_dir).status_path.is_file():
        return True, f"trained: fine-tuned in run '{run_dir.name}' and saved in its model/ folder"
    return True, f"trained: the checkpoint ships a classification head ({', '.join(architectures)})"


# --------------------------------------------------------------------------- the card


def part_name(parameter: str, base_prefix: str) -> str:
    """Which part a parameter belongs to: embeddings, '<stack> layer N', pooler, or the head."""
    if not base_prefix or not parameter.startswith(base_prefix + "."):
        return HEAD_PART
    pieces = parameter[len(base_prefix) + 1 :].split(".")
    for piece in pieces[1:-1]:
        if piece.isdigit():
            return f"{pieces[0]} layer {piece}"
    return pieces[0]


def parameter_parts(model: Any) -> list[PartCount]:
    """Parameter counts grouped by part, in the model's order; they sum to ``model.num_parameters()``."""
    prefix = getattr(model, "base_model_prefix", "") or ""
    if not hasattr(model, prefix):
        prefix = ""
    parts: OrderedDict[str, PartCount] = OrderedDict()
    for name, param in model.named_parameters():
        part = parts.setdefault(part_name(name, prefix), PartCount(part_name(name, prefix), 0, 0))
        part.parameters += param.numel()
        part.trainable += param.numel() if param.requires_grad else 0
    return list(parts.values())


def config_sizes(config: Any) -> dict[str, Optional[int]]:
    """The card's sizes from a model config, whatever the architecture calls them."""
    sizes: dict[str, Optional[int]] = {}
    for label, names in CARD_FIELDS:
        value = next((getattr(config, n) for n in names if isinstance(getattr(config, n, None), int)), None)
        sizes[label] = value
    return sizes


def architecture_card(source: str) -> ArchitectureCard:
    """Everything the Model view's card shows for a checkpoint, preset, run or folder."""
    loaded = get_inspectable(source)
    model, config = loaded.model, loaded.model.config
    parts = parameter_parts(model)
    config_file = Path(loaded.path) / "config.json"
    config_json = config_file.read_text(encoding="utf-8") if config_file.is_file() else config.to_json_string()
    return ArchitectureCard(
        source=loaded.source,
        path=loaded.path,
        model_class=type(model).__name__,
        model_type=str(getattr(config, "model_type", "")),
        sizes=config_sizes(config),
        num_labels=len(loaded.id2label),
        id2label=loaded.id2label,
        parts=parts,
        total_parameters=sum(p.parameters for p in parts),
        trainable_parameters=sum(p.trainable for p in parts),
        head_trained=loaded.head_trained,
        head_origin=loaded.head_origin,
        module_tree=str(model),
        config_json=config_json,
        task=loaded.task,
        threshold=loaded.threshold,
    )


# --------------------------------------------------------------------------- the forward pass


def _clean_inputs(texts: Sequence[str], pairs: Optional[Sequence[str]]) -> tuple[list[str], Optional[list[str]]]:
    texts = [str(t) for t in texts if t is not None and str(t).strip()]
    if not texts:
        raise DataError(expected_found("text", "one or more non-empty texts", "no text"))
    if pairs is None or not any(p and str(p).strip() for p in pairs):
        return texts, None
    pairs = [str(p) for p in pairs]
    if len(pairs) != len(texts) or any(not p.strip() for p in pairs):
        raise DataError(
            expected_found(
                "second texts",
                f"one non-empty second text per text ({len(texts)})",
                f"{sum(1 for p in pairs if p.strip())}",
            )
        )
    return texts, pairs


def _shapes(batch: Any, out: Any, pooled: Any, n_layers: int) -> list[TensorShape]:
    """Every tensor of the forward pass with named axes, in the order they are produced."""
    shapes = [
        TensorShape(k, list(v.shape), ["batch", "sequence"], "0 marks padding" if k == "attention_mask" else "")
        for k, v in batch.items()
    ]
    shapes.append(
        TensorShape(
            "hidden_states",
            [len(out.hidden_states), *out.hidden_states[0].shape],
            ["layer", "batch", "sequence", "hidden"],
            f"a tuple: the embeddings' output, then one per layer ({n_layers})",
        )
    )
    shapes.append(
        TensorShape(
            "attentions",
            [len(out.attentions), *out.attentions[0].shape],
            ["layer", "batch", "head", "query", "key"],
            "softmax weights; each row sums to 1",
        )
    )
    shapes.append(
        TensorShape(
            "last_hidden_state",
            list(out.hidden_states[-1].shape),
            ["batch", "sequence", "hidden"],
            "= hidden_states[-1]",
        )
    )
    if pooled is not None:
        shapes.append(
            TensorShape(
                "pooler_output",
                list(pooled.shape),
                ["batch", "hidden"],
                "the first token's state through a dense layer and tanh",
            )
        )
    note = "the number itself (regression: one output)" if out.logits.shape[-1] == 1 else "one score per label"
    shapes.append(TensorShape("logits", list(out.logits.shape), ["batch", "label"], note))
    return shapes


def _forward(loaded: InspectableModel, batch: dict[str, Any]) -> tuple[Any, Any]:
    """One forward pass with hidden states and attentions; also catches the base model's pooled output."""
    import torch

    captured: dict[str, Any] = {}

    def hook(module: Any, args: Any, output: Any) -> None:
        captured["pooled"] = getattr(output, "pooler_output", None)

    with loaded.lock:
        handle = loaded.model.base_model.register_forward_hook(hook)
        try:
            with torch.inference_mode():
                out = loaded.model(**batch, output_hidden_states=True, output_attentions=True)
        finally:
            handle.remove()
    return out, captured.get("pooled")


def look_inside(
    source: str,
    texts: Sequence[str],
    pairs: Optional[Sequence[str]] = None,
    *,
    row: int = 0,
    max_length: Optional[int] = None,
) -> ForwardReport:
    """Tokenize ``texts`` (and ``pairs``) as one padded batch, run the model, and keep every stage."""
    loaded = get_inspectable(source)
    texts, pairs = _clean_inputs(texts, pairs)
    if not 0 <= row < len(texts):
        raise DataError(expected_found("row", f"0 to {len(texts) - 1}", str(row)))
    limit = min(max_length or loaded.max_length, loaded.max_length)
    args = (texts, pairs) if pairs else (texts,)
    batch = dict(loaded.tokenizer(*args, padding=True, truncation=True, max_length=limit, return_tensors="pt"))
    out, pooled = _forward(loaded, batch)
    mask = batch["attention_mask"]
    norms = np.stack([h[row].float().norm(dim=-1).numpy() for h in out.hidden_states])
    attentions = np.stack([a[row].float().numpy() for a in out.attentions])
    logits = out.logits.float().numpy()
    probs, predictions = read_outputs(logits, loaded.id2label, loaded.task, loaded.threshold)
    ids = batch["input_ids"].tolist()
    n_layers = len(out.attentions)
    return ForwardReport(
        texts=texts,
        text_pairs=pairs,
        tokens=[loaded.tokenizer.convert_ids_to_tokens(r) for r in ids],
        input_ids=ids,
        attention_mask=mask.tolist(),
        shapes=_shapes(batch, out, pooled, n_layers),
        logits=logits.tolist(),
        probabilities=probs,
        predictions=predictions,
        id2label=loaded.id2label,
        row=row,
        hidden_norms=norms,
        attentions=attentions,
        head_trained=loaded.head_trained,
        token_type_ids=batch["token_type_ids"].tolist() if "token_type_ids" in batch else None,
        layer_names=["embeddings"] + [f"layer {i + 1}" for i in range(n_layers)],
        task=loaded.task,
        threshold=loaded.threshold,
    )


def read_outputs(
    logits: np.ndarray, id2label: dict[int, str], task: str, threshold: Optional[float] = None
) -> tuple[list[list[float]], list[str]]:
    """(probabilities per row, the prediction per row) as the task reads logits: softmax and the most probable
    class; a sigmoid per label and the labels at or above ``threshold`` (joined with ', '; '' for none); no
    activation for regression (no probabilities, the prediction is the number, 4 decimals)."""
    from finetune.evaluation.metrics import softmax
    from finetune.evaluation.multi_label import sigmoid

    if task == REGRESSION:
        return [[] for _ in logits], [f"{float(row[0]):.4f}" for row in logits]
    if task == MULTI_LABEL:
        probs = sigmoid(logits)
        cut = DEFAULT_THRESHOLD if threshold is None else threshold
        return probs.tolist(), [", ".join(id2label[int(j)] for j in np.flatnonzero(row >= cut)) for row in probs]
    probs = softmax(logits)
    return probs.tolist(), [id2label[int(i)] for i in probs.argmax(axis=-1)]


@dataclass
class Stage:
    """One step of "behind the pipeline": the code, the tensor it produces and its shape."""

    title: str
    code: str
    shape: list[int]
    axes: list[str]
    value: Any


def pipeline_stages(report: ForwardReport) -> list[Stage]:
    """The tutorial's order: raw inputs -> tokenizer (padded ids, mask) -> logits -> probabilities -> labels,
    the last two as the model's task reads its outputs (softmax; sigmoid and threshold; none for regression)."""
    batch, width = len(report.texts), len(report.input_ids[0])
    labels = len(report.id2label)
    call = 'tokenizer(raw_inputs, padding=True, truncation=True, return_tensors="pt")'
    if report.text_pairs:
        call = call.replace("raw_inputs", "raw_inputs, second_texts")
    stages = [
        Stage(
            "raw inputs",
            "raw_inputs = [...]",
            [batch],
            ["batch"],
            report.texts if not report.text_pairs else list(zip(report.texts, report.text_pairs)),
        ),
        Stage(
            "tokens (padded to the longest row)",
            "tokenizer.convert_ids_to_tokens(ids)",
            [batch, width],
            ["batch", "sequence"],
            report.tokens,
        ),
        Stage("input_ids", f"inputs = {call}", [batch, width], ["batch", "sequence"], report.input_ids),
        Stage(
            "attention_mask (0 = padding, ignored by attention)",
            'inputs["attention_mask"]',
            [batch, width],
            ["batch", "sequence"],
            report.attention_mask,
        ),
        Stage(
            "logits",
            "outputs = model(**inputs); outputs.logits",
            [batch, labels],
            ["batch", "label"],
            [[round(v, 4) for v in r] for r in report.logits],
        ),
    ]
    return stages + _reading_stages(report, batch, labels)


def _reading_stages(report: ForwardReport, batch: int, labels: int) -> list[Stage]:
    """The stages after the logits, per task."""
    probabilities = [[round(v, 4) for v in r] for r in report.probabilities]
    if report.task == REGRESSION:
        return [
            Stage(
                "the number (regression: no softmax, the one output is the prediction)",
                "predictions = outputs.logits.squeeze(-1)",
                [batch],
                ["batch"],
                report.predictions,
            )
        ]
    if report.task == MULTI_LABEL:
        threshold = DEFAULT_THRESHOLD if report.threshold is None else report.threshold
        return [
            Stage(
                "probabilities (a sigmoid per label: each one on its own, they need not sum to 1)",
                "probabilities = torch.sigmoid(outputs.logits)",
                [batch, labels],
                ["batch", "label"],
                probabilities,
            ),
            Stage(
                f"labels (every label at or above the threshold {threshold:g})",
                f"[[model.config.id2label[j] for j, p in enumerate(row) if p >= {threshold:g}] "
                "for row in probabilities.tolist()]",
                [batch],
                ["batch"],
                report.predictions,
            ),
        ]
    return [
        Stage(
            "probabilities",
            "predictions = torch.nn.functional.softmax(outputs.logits, dim=-1)",
            [batch, labels],
            ["batch", "label"],
            probabilities,
        ),
        Stage(
            "labels",
            "[model.config.id2label[i] for i in predictions.argmax(dim=-1).tolist()]",
            [batch],
            ["batch"],
            report.predictions,
        ),
    ]
