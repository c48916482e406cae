"""Compat: every patch of another library's private API, in one place, loud when it stops fitting.

Three private hooks are used, each for a measured reason (benchmarks/README.md):

- gradio's queue polls (``Blocks._queue.sleep_when_free`` and
  ``progress_update_sleep_when_free``): gradio 6 polls its empty queue every millisecond on Linux,
  which slowed a training child on a 2-core machine; polled less often, the app costs the
  training nothing measurable (benchmarks/ui_vs_cli.py).
- transformers' ``Trainer._get_eval_sampler``: evaluation must keep dataset order, because the
  engine sorts validation/test by length once (less padding) and writes predictions row by row.
- transformers' ``Trainer._get_train_sampler``: with ``group_by_length``, the sampler gets the
  lengths the tokenizer stored instead of Trainer measuring every row in a Python loop.

When an upgrade renames a hook, the patch warns (``warnings.warn`` and the log) instead of
silently doing nothing, and tests/test_compat.py fails, naming the attribute. This module
never imports gradio (the engine does not depend on it); it receives the Blocks object.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

logger = logging.getLogger(__name__)

GRADIO_QUEUE_POLLS = {"sleep_when_free": 0.05, "progress_update_sleep_when_free": 0.25}
TRAINER_EVAL_SAMPLER_HOOK = "_get_eval_sampler"
TRAINER_TRAIN_SAMPLER_HOOK = "_get_train_sampler"


class CompatWarning(RuntimeWarning):
    """A private attribute a patch relies on is missing: the patch no longer applies."""


def warn_missing(owner: str, attribute: str, effect: str) -> None:
    """Say loudly that a patch no longer applies (both as a warning and in the log)."""
    message = (
        f"{owner}.{attribute}: expected this private attribute, found it missing (library upgrade?). "
        f"{effect} Update finetune/compat.py."
    )
    warnings.warn(message, CompatWarning, stacklevel=3)
    logger.warning(message)


def calm_gradio_queue(
    demo: Any,
    sleep_when_free: float = GRADIO_QUEUE_POLLS["sleep_when_free"],
    progress_sleep: float = GRADIO_QUEUE_POLLS["progress_update_sleep_when_free"],
) -> bool:
    """Let gradio's queue check for work every 50 ms instead of every 1 ms when it has nothing to do.

    ``demo`` is a ``gradio.Blocks``. On Linux gradio 6 checks its empty queue 1000 times a second
    (and its progress updates 100 times). A training child uses every core through OpenMP, and
    each wake-up of the server preempts one of its threads, which then holds the others at the
    next barrier: measured in benchmarks/ui_vs_cli.py (figures in benchmarks/README.md), this idle
    polling slowed training on a 2-core machine. 50 ms adds at most 50 ms (25 on average) before a
    click's event starts; progress bars update 4 times a second. Returns whether every attribute was set.
    """
    queue = getattr(demo, "_queue", None)
    if queue is None:
        warn_missing(
            "gradio.Blocks", "_queue", "Queue polling stays at gradio's 1 ms (a training beside the app is slower)."
        )
        return False
    applied = True
    for attribute, value in (("sleep_when_free", sleep_when_free), ("progress_update_sleep_when_free", progress_sleep)):
        if hasattr(queue, attribute):
            setattr(queue, attribute, value)
        else:
            warn_missing(
                "gradio.Blocks._queue", attribute, "Queue polling is not calmed (a training beside the app is slower)."
            )
            applied = False
    return applied


# each private Trainer hook the engine overrides, and what goes wrong when transformers drops it
TRAINER_HOOKS = {
    TRAINER_EVAL_SAMPLER_HOOK: "Evaluation may reorder rows, so saved predictions could be misaligned.",
    TRAINER_TRAIN_SAMPLER_HOOK: "group_by_length measures every training row in Python before the first step.",
}


def check_trainer_hooks(trainer_cls: type) -> bool:
    """True when ``trainer_cls`` has every private hook the engine overrides; a warning names each missing one."""
    present = True
    for hook, consequence in TRAINER_HOOKS.items():
        if not callable(getattr(trainer_cls, hook, None)):
            warn_missing("transformers.Trainer", hook, consequence)
            present = False
    return present


def length_grouped_sampler(trainer: Any, train_dataset: Any, stored: Any) -> Any:
    """The sampler for ``Trainer._get_train_sampler`` with ``group_by_length``: transformers' own
    LengthGroupedSampler, given the lengths the tokenizer stored in ``stored`` (the dataset before Trainer drops its
    ``length`` column; without them Trainer measures every row in a Python loop). The lengths
    are read only when grouping is on. None: Trainer's own sampler."""
    from transformers.trainer_pt_utils import LengthGroupedSampler

    from finetune.data.arrow_columns import column

    rows = train_dataset if train_dataset is not None else stored
    if (
        trainer.args.train_sampling_strategy != "group_by_length"
        or stored is None
        or rows is None
        or "length" not in (getattr(stored, "column_names", None) or [])
        or len(stored) != len(rows)
    ):
        return None
    names = getattr(trainer.processing_class, "model_input_names", None) or ["input_ids"]
    return LengthGroupedSampler(
        trainer.args.train_batch_size * trainer.args.gradient_accumulation_steps,
        lengths=column(stored, "length").to_pylist(),
        model_input_name=names[0],
    )


def sequential_eval_sampler(trainer: Any, eval_dataset: Any) -> Any:
    """The sampler for ``Trainer._get_eval_sampler``: dataset order on one process (None = Trainer's own)."""
    from torch.utils.data import SequentialSampler

    if eval_dataset is None:
        return None
    return SequentialSampler(eval_dataset) if trainer.args.world_size <= 1 else None
