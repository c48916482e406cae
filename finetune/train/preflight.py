"""Checks of a training config against this machine, the checkpoint and the data, made before a run folder exists.

Why: the run itself refuses these too, but by then its folder exists and is left "failed" (exit 1). Checked
first, a bad value is bad input: the CLI exits 2 and nothing is written. Each check that cannot be made
here (a checkpoint that does not load) is left to the run, which reports it with its own message.
"""

from __future__ import annotations

from typing import Any, Optional

from finetune.config.run_config import RunConfig
from finetune.config.tasks import MULTI_LABEL, metric_for_task
from finetune.data.preparation import prepare_data
from finetune.model.checkpoints import resolve_checkpoint
from finetune.model.tokenization import check_max_length, model_max_length


def check_before_run(config: RunConfig, tokenizer: Any, raw: Any = None, task: Optional[str] = None) -> None:
    """ConfigError/DataError for a max_length outside the model's range, a precision this machine cannot
    run, a metric_for_best_model the data's task does not have (``task``: what preparation found, when the
    caller prepared the data), or cross-validation folds the data cannot fill (fewer rows than folds
    need; a class with fewer rows than folds)."""
    from finetune.model.precision import detect_precision

    detect_precision(config.train.precision)
    check_max_length(config.data.max_length, _model_limit(config, tokenizer), config.model.checkpoint)
    if task is not None:
        metric_for_task(config.train.metric_for_best_model, task)
    if config.train.cv_folds:
        from finetune.train.cross_validation import check_fold_rows, fold_labels, make_folds

        prepared = prepare_data(config.data, raw, hold_out=False)
        metric_for_task(config.train.metric_for_best_model, prepared.task)
        rows = prepared.splits["train"]
        k, seed = config.train.cv_folds, config.data.split_seed
        if prepared.task == MULTI_LABEL:  # iterative stratification places every row: the row count is all to check
            check_fold_rows(len(rows), k)
        else:
            make_folds(fold_labels(rows, prepared.task), prepared.label_names, k, seed, prepared.task)


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
