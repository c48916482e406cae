"""Checks of a training config against this machine, the checkpoint and the data, made before a run folder exists.

Why: the run itself refuses these too, but by then its folder exists and is left "failed" (exit 1). Checked
first, a bad value is bad input: the CLI exits 2 and nothing is written. Each check that cannot be made
here (a checkpoint that does not load) is left to the run, which reports it with its own message.
"""

from __future__ import annotations

from typing import Any

from finetune.config.run_config import RunConfig
from finetune.data.preparation import prepare_data
from finetune.model.checkpoints import resolve_checkpoint
from finetune.model.tokenization import check_max_length, model_max_length


def check_before_run(config: RunConfig, tokenizer: Any, raw: Any = None) -> None:
    """ConfigError/DataError for a max_length outside the model's range, a precision this machine cannot
    run, or cross-validation folds more than a class has rows."""
    from finetune.model.precision import detect_precision

    detect_precision(config.train.precision)
    check_max_length(config.data.max_length, _model_limit(config, tokenizer), config.model.checkpoint)
    if config.train.cv_folds:
        from finetune.train.cross_validation import make_folds

        prepared = prepare_data(config.data, raw, hold_out=False)
        labels = prepared.splits["train"]["label"]
        make_folds(labels, prepared.label_names, config.train.cv_folds, config.data.split_seed)


def _model_limit(config: RunConfig, tokenizer: Any) -> int:
    """The longest input the checkpoint takes (tokenizer and position embeddings); the tokenizer's alone
    when the model config cannot be read here."""
    from transformers import AutoConfig

    try:
        model_config = AutoConfig.from_pretrained(
            resolve_checkpoint(config.model.checkpoint),
            revision=config.model.revision,
            trust_remote_code=config.model.trust_remote_code,
        )
    except Exception:  # the run reports a checkpoint that does not load, with its own message
        model_config = None
    return model_max_length(tokenizer, model_config)
