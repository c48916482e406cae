"""Classification heads: what becomes of a checkpoint's trained head when it is fine-tuned on new data.

A checkpoint that already classifies (a finished run's ``model/``, a Hub text-classification model)
holds a head with its own labels. Training on data whose labels are the same keeps that head, so a
run can be continued from a finished one; labels in another order keep it with its rows reordered;
other labels (same count) get a fresh head, since the trained rows would mean other classes; another
number of labels gets a fresh head too (``ignore_mismatched_sizes``). Each case is said in the run log.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

GENERIC_LABEL = re.compile(r"LABEL_\d+")  # transformers' default names: a head nobody named


@dataclass(frozen=True)
class HeadPlan:
    """What loading does with the checkpoint's head: ``keep``, ``reorder`` (rows by ``order``), ``fresh``, or
    ``none`` (no head in the checkpoint: a new one, as for any base checkpoint). ``message`` is for the log."""

    action: str
    message: Optional[str] = None
    level: str = "info"
    order: tuple[int, ...] = ()


def trained_labels(model_config: Any) -> list[str]:
    """The checkpoint's head labels in id order (id2label keys may be strings in a config.json)."""
    id2label = {int(k): str(v) for k, v in (getattr(model_config, "id2label", None) or {}).items()}
    return [id2label[i] for i in sorted(id2label)]


def has_classification_head(model_config: Any) -> bool:
    return any(
        str(a).endswith("ForSequenceClassification") for a in (getattr(model_config, "architectures", None) or [])
    )


def plan_head(checkpoint: str, model_config: Any, label_names: Sequence[str]) -> HeadPlan:
    """Decide what happens to ``checkpoint``'s head for data with ``label_names``, and the sentence that says so."""
    if not has_classification_head(model_config):
        return HeadPlan("none")
    trained, wanted = trained_labels(model_config), list(label_names)
    if len(trained) != len(wanted):
        return HeadPlan(
            "fresh",
            f"'{checkpoint}' already has a classification head for {len(trained)} labels; the data has "
            f"{len(wanted)}, so a fresh head is trained from scratch.",
            "warning",
        )
    if trained == wanted:
        return HeadPlan(
            "keep",
            f"'{checkpoint}' has a trained classification head for the same labels ({', '.join(wanted)}); it is "
            "kept and trained further.",
        )
    if all(GENERIC_LABEL.fullmatch(name) for name in trained):  # an unnamed head: kept by position, as always
        return HeadPlan("keep")
    if sorted(trained) == sorted(wanted):
        return HeadPlan(
            "reorder",
            f"'{checkpoint}' has a trained classification head for the same labels in another order "
            f"({', '.join(trained)}); it is kept, its rows reordered to the data's ({', '.join(wanted)}).",
            order=tuple(trained.index(name) for name in wanted),
        )
    return HeadPlan(
        "fresh",
        f"'{checkpoint}' has a trained classification head for other labels ({', '.join(trained)}); the data has "
        f"{', '.join(wanted)}, so a fresh head is trained from scratch.",
        "warning",
    )


def output_layer(model: Any, num_labels: int) -> Any:
    """The head's last linear layer (one output row per label): BERT's ``classifier``, RoBERTa's ``out_proj``..."""
    import torch

    found = [m for m in model.modules() if isinstance(m, torch.nn.Linear) and m.out_features == num_labels]
    if not found:
        raise ValueError(f"no linear layer with {num_labels} outputs in {type(model).__name__}")
    return found[-1]


def apply_head_plan(model: Any, plan: HeadPlan) -> None:
    """Reorder the kept head's rows, or re-initialise a head whose labels are others (same count)."""
    import torch

    if plan.action not in ("reorder", "fresh"):
        return
    layer = output_layer(model, model.config.num_labels)
    with torch.no_grad():
        if plan.action == "reorder":
            order = torch.tensor(plan.order, device=layer.weight.device)
            layer.weight.copy_(layer.weight[order])
            if layer.bias is not None:
                layer.bias.copy_(layer.bias[order])
        else:  # as transformers initialises a new head: normal(0, initializer_range), zero bias
            layer.weight.normal_(0.0, float(getattr(model.config, "initializer_range", 0.02)))
            if layer.bias is not None:
                layer.bias.zero_()
