"""Trainer arguments: the one ``TrainingArguments`` builder (the precision comes from finetune.model.precision).

Only training needs these (they import torch and transformers), so they live apart from the
light config dataclasses in config.py.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional, Union

import torch
from transformers import TrainingArguments

from finetune.config.run_config import RunConfig
from finetune.config.tasks import SINGLE_LABEL, greater_is_better, metric_for_task


def to_training_arguments(
    config: RunConfig,
    output_dir: Union[str, Path],
    *,
    precision: str,
    logging_dir: Optional[Union[str, Path]] = None,
    task: str = SINGLE_LABEL,
) -> Any:
    """The one place that builds ``TrainingArguments`` from a RunConfig.

    ``precision`` is the resolved one (see :func:`finetune.model.precision.resolve_precision`); bf16 on a
    CPU is autocast, which transformers only accepts with ``use_cpu``. When the best model is kept
    (``load_best_model_at_end`` or early stopping), checkpoints are saved exactly when evaluation
    happens, which Trainer requires. ``task``: the run's task, which decides what ``metric_for_best_model``
    means (finetune.config.tasks.metric_for_task).
    """
    t = config.train
    save_strategy, save_steps = t.save_strategy, t.save_steps
    if t.keeps_best_model:
        save_strategy, save_steps = t.eval_strategy, t.eval_steps
    elif t.save_total_limit == 0:  # Trainer reads a limit of 0 as "no limit": keeping none means saving none
        save_strategy, save_steps = "no", None
    report_to: list[str] = []
    if t.tensorboard and logging_dir is not None:
        os.environ["TENSORBOARD_LOGGING_DIR"] = str(logging_dir)
        report_to = ["tensorboard"]
    kwargs: dict[str, Any] = dict(
        output_dir=str(output_dir),
        learning_rate=t.learning_rate,
        num_train_epochs=t.num_train_epochs,
        max_steps=t.max_steps if t.max_steps and t.max_steps > 0 else -1,
        per_device_train_batch_size=t.per_device_train_batch_size,
        per_device_eval_batch_size=t.per_device_eval_batch_size,
        gradient_accumulation_steps=t.gradient_accumulation_steps,
        weight_decay=t.weight_decay,
        warmup_steps=float(t.warmup_ratio),  # transformers 5: a float < 1 is a ratio
        lr_scheduler_type=t.lr_scheduler_type,
        eval_strategy=t.eval_strategy,
        save_strategy=save_strategy,
        save_total_limit=t.save_total_limit or None,
        logging_strategy="steps",
        logging_steps=t.logging_steps,
        load_best_model_at_end=t.keeps_best_model,
        seed=t.seed,
        data_seed=t.seed,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        torch_compile=t.torch_compile,
        dataloader_num_workers=t.dataloader_num_workers,
        dataloader_pin_memory=_cuda_available(),
        use_cpu=_use_cpu(precision),
        dataloader_persistent_workers=t.dataloader_num_workers > 0,
        report_to=report_to,
        disable_tqdm=True,
        save_only_model=False,
        remove_unused_columns=True,
    )
    kwargs.update(_optional_arguments(config, save_strategy, save_steps, precision, task))
    return TrainingArguments(**kwargs)


def _optional_arguments(
    config: RunConfig, save_strategy: str, save_steps: Optional[int], precision: str, task: str = SINGLE_LABEL
) -> dict[str, Any]:
    """The arguments that only apply to some configs (step strategies, best model, sampling, TF32 on a GPU)."""
    t, kwargs = config.train, {}
    if t.eval_strategy == "steps":
        kwargs["eval_steps"] = t.eval_steps
    if save_strategy == "steps":
        kwargs["save_steps"] = save_steps
    if t.keeps_best_model:
        metric = metric_for_task(t.metric_for_best_model, task)
        kwargs["metric_for_best_model"] = "eval_loss" if metric == "loss" else metric
        kwargs["greater_is_better"] = greater_is_better(metric)
    if t.group_by_length:
        kwargs["train_sampling_strategy"] = "group_by_length"
    if precision in {"bf16", "fp16"} and t.tf32 and _cuda_available():  # TF32 is a GPU mode: an error on a CPU
        kwargs["tf32"] = True
    return kwargs


def _use_cpu(precision: str) -> bool:
    """Whether to tell Trainer it runs on the CPU: accelerate runs DDP on CPUs (gloo) only when told so,
    and transformers refuses bf16 without a GPU unless told so (then accelerate autocasts on the CPU)."""
    if _cuda_available():
        return False
    return precision == "bf16" or int(os.environ.get("WORLD_SIZE", "1")) > 1


def _cuda_available() -> bool:
    return bool(torch.cuda.is_available())
