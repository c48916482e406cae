"""Training: data -> tokenizer -> model -> Trainer -> run directory. Synchronous.

:func:`run_training` is what ``python -m finetune train`` runs (also under ``torchrun`` and
``accelerate launch``; only rank 0 writes events and artifacts). :func:`_train` follows the
straight flow of transformers' ``run_classification.py``, one named step per section, and adds
what a studio needs: an event stream (callbacks.EventCallback), cooperative cancel (the run's
``CANCEL`` file or SIGTERM stops at the next step and saves the model), resume from the last
checkpoint, and artifacts a finished run is judged by.

Speed choices (measured in benchmarks/):
- dynamic padding per batch (``DataCollatorWithPadding``), batches grouped by length;
- validation/test sorted by length once, so evaluation pads little and predictions stay aligned
  with their rows (:class:`StudioTrainer` keeps evaluation in dataset order);
- prepared and tokenized data cached under ``<runs_dir>/.cache/tokenized`` and reused by the next run
  without preparing the data again (run_data.py);
- the last evaluation's logits are kept, so the final report needs no extra pass when the
  final model is the one last evaluated;
- validation/test splits over 10,000 rows are scored on a seeded sample of 10,000 unless
  ``max_eval_samples`` says otherwise (eval_cap.py), and every evaluation pass reports its
  progress (``eval_progress`` events, callbacks.EvalProgress).
"""

from __future__ import annotations

import errno
import os
import shutil
import time
import traceback
from pathlib import Path
from typing import Any, Optional, Union

import datasets
import numpy as np
import pyarrow.compute as pc
import torch
from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    DataCollatorWithPadding,
    EarlyStoppingCallback,
    PretrainedConfig,
    Trainer,
    set_seed,
)
from transformers.trainer_callback import PrinterCallback

from finetune import compat
from finetune.config.run_config import RunConfig
from finetune.config.tasks import MULTI_LABEL, PROBLEM_TYPES, REGRESSION, SINGLE_LABEL, metric_for_task
from finetune.data.arrow_columns import column
from finetune.data.caches import data_cache_report, describe_data_cache, folder_bytes, format_bytes
from finetune.data.preparation import PreparedData
from finetune.errors import FinetuneError, RunError, expected_found, message_of
from finetune.evaluation.metrics import full_report, make_compute_metrics, prediction_rows
from finetune.evaluation.multi_label import sigmoid, tune_threshold
from finetune.jsonfiles import write_json
from finetune.model.checkpoints import LOAD_ERRORS, describe_load_error, resolve_checkpoint
from finetune.model.heads import apply_head_plan, plan_head
from finetune.model.precision import PrecisionChoice, detect_precision
from finetune.model.vocab import resize_embeddings
from finetune.runs.events import EventWriter
from finetune.runs.run import Run, RunStatus
from finetune.train.arguments import to_training_arguments
from finetune.train.callbacks import EvalProgress, EventCallback, metrics_from_logs
from finetune.train.cancellation import Cancellation
from finetune.train.distributed import DistInfo, describe_device
from finetune.train.run_data import DataStart, RunData, load_run_data
from finetune.train.session import Session


class StudioTrainer(Trainer):
    """Trainer whose evaluation keeps dataset order (we pre-sort eval data by length ourselves), and whose
    group_by_length reads the lengths the tokenizer stored instead of measuring every row again."""

    def _get_train_sampler(self, train_dataset: Any = None) -> Any:  # private hook: see finetune/compat.py
        # self.train_dataset still has the `length` column that Trainer dropped from the dataset it passes here
        sampler = compat.length_grouped_sampler(self, train_dataset, self.train_dataset)
        return sampler if sampler is not None else super()._get_train_sampler(train_dataset)

    def _get_eval_sampler(self, eval_dataset: Any) -> Any:  # private hook: see finetune/compat.py
        return compat.sequential_eval_sampler(self, eval_dataset)


compat.check_trainer_hooks(Trainer)


class LastEvaluation:
    """Keeps the latest evaluation's logits and labels (a ``compute_metrics`` sink)."""

    def __init__(self) -> None:
        self.logits: Optional[np.ndarray] = None
        self.labels: Optional[np.ndarray] = None

    def __call__(self, logits: np.ndarray, labels: np.ndarray) -> None:
        self.logits, self.labels = logits, labels


def load_model_config(checkpoint: str, resolved: str, config: RunConfig) -> PretrainedConfig:
    """The checkpoint's config (read once: max length check and classification head check)."""
    try:
        return AutoConfig.from_pretrained(
            resolved, revision=config.model.revision, trust_remote_code=config.model.trust_remote_code
        )
    except LOAD_ERRORS as exc:
        raise describe_load_error(checkpoint, exc) from exc


def load_model(
    session: Session, resolved: str, base: PretrainedConfig, label_names: list[str], task: str = SINGLE_LABEL
) -> Any:
    """AutoModelForSequenceClassification with num_labels/id2label/label2id from the data, and the
    ``problem_type`` of the run's task (which loss transformers computes: cross-entropy, binary
    cross-entropy per label, mean squared error). A regression model has one output, named after the target.

    A checkpoint that already has a classification head (a finished run, a Hub classifier) keeps it when
    its labels are the data's, reordered when they are in another order, and gets a fresh head when they
    are other labels or another number of them (``ignore_mismatched_sizes``): see finetune.model.heads;
    the log says which.
    """
    checkpoint, num_labels = session.config.model.checkpoint, len(label_names)
    plan = plan_head(checkpoint, base, label_names)
    if plan.message:
        session.events.log(plan.message, level=plan.level)
    id2label = {i: name for i, name in enumerate(label_names)}
    try:
        model = AutoModelForSequenceClassification.from_pretrained(
            resolved,
            revision=session.config.model.revision,
            trust_remote_code=session.config.model.trust_remote_code,
            num_labels=num_labels,
            id2label=id2label,
            label2id={n: i for i, n in id2label.items()},
            ignore_mismatched_sizes=True,
            problem_type=PROBLEM_TYPES[task],
        )
    except LOAD_ERRORS as exc:
        raise describe_load_error(checkpoint, exc) from exc
    apply_head_plan(model, plan)
    return model


def save_predictions(
    run: Run,
    split_name: str,
    split: Any,
    logits: np.ndarray,
    label_names: list[str],
    *,
    task: str = SINGLE_LABEL,
    threshold: float = 0.5,
) -> None:
    """Write one JSON line per row: text(s), true label(s) or number, the prediction and every probability."""
    pairs = split["text_pair"] if "text_pair" in split.column_names else None
    rows = prediction_rows(split["text"], pairs, split["label"], logits, label_names, task=task, threshold=threshold)
    run.write_predictions(split_name, rows)


def run_training(
    config: RunConfig,
    run: Union[Run, str, Path],
    *,
    raw: Any = None,
    resume: bool = False,
    echo: bool = False,
    prepared: Optional[Union[PreparedData, DataStart]] = None,
) -> dict[str, Any]:
    """Train as configured into an existing run (see :meth:`Run.create`); return the final status.

    Never raises for a failed training: the failure is recorded (event + status) and returned, so
    a caller (the CLI, a test) can tell finished, failed and cancelled apart by the status alone.
    ``prepared``: the data as the caller has it already: the CLI's lookup (run_data.find_or_prepare:
    it checks the data before it creates a run), or prepared splits (a cross-validation fold). With
    ``resume`` the stop request that ended the last attempt is cleared first.
    """
    run = run if isinstance(run, Run) else Run.at(run)
    dist = DistInfo()
    if resume:
        run.cancel_path.unlink(missing_ok=True)  # else the resumed run stops itself after one step
    session = Session(
        config,
        run,
        dist,
        EventWriter(run.events_path, enabled=dist.is_main, echo=echo),
        Cancellation(run),
        resume=resume,
    )
    session.cancellation.install_signal_handlers()
    if dist.is_main:
        run.set_status(RunStatus.RUNNING, pid=os.getpid(), resumed=resume)
    try:
        return _train(session, raw, prepared)
    except Exception as exc:  # recorded, not raised: see docstring
        return _record_failure(session, exc)
    finally:
        session.events.close()


def _record_failure(session: Session, exc: Exception) -> dict[str, Any]:
    message = str(exc) if isinstance(exc, FinetuneError) else f"{type(exc).__name__}: {exc}"
    if "out of memory" in message.lower():
        message += " Lower per_device_train_batch_size or max_length, or enable gradient accumulation."
    if not session.dist.is_main:
        return {"status": RunStatus.FAILED, "message": message}
    tail = "".join(traceback.format_exception(exc)[-6:])[-4000:]
    parts = list(getattr(message_of(exc), "parts", ())) or None  # so a page can show each part in its language
    session.events.emit(
        "failed",
        message=message,
        message_parts=parts,
        traceback=tail,
        error=type(exc).__name__,
        seconds=round(time.monotonic() - session.started, 2),
    )
    return session.run.set_status(RunStatus.FAILED, message=message, message_parts=parts, error=type(exc).__name__)


def _train(session: Session, raw: Any, prepared: Optional[Union[PreparedData, DataStart]] = None) -> dict[str, Any]:
    config, dist = session.config, session.dist
    datasets.disable_progress_bars()  # the event stream is the progress report

    # -- device and precision
    device, cuda = describe_device()
    chosen = detect_precision(config.train.precision, "cuda" if cuda else "cpu")
    precision = chosen.name
    if cuda and config.train.tf32:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True

    # -- data, tokenizer, encoded splits (a cache hit skips preparation and tokenization: run_data.py)
    resolved = resolve_checkpoint(config.model.checkpoint)
    model_cfg = load_model_config(config.model.checkpoint, resolved, config)
    data = load_run_data(session, model_cfg, _data_start(prepared), raw=raw)
    tokenizer, encoded = data.tokenizer, data.encoded

    # -- model and Trainer
    set_seed(config.train.seed)  # the new classification head is initialised here, before Trainer seeds anything
    model = load_model(session, resolved, model_cfg, data.label_names, data.task)
    resize_embeddings(model, tokenizer, data.added_tokens)
    last_eval = LastEvaluation()
    callback = EventCallback(session)
    data_cache = data_cache_report(data.source_splits, encoded, config.run.runs_dir)
    trainer = _build_trainer(session, model, tokenizer, encoded, callback, last_eval, precision, cuda, task=data.task)
    session.events.emit(
        "started",
        config=config.to_dict(),
        device=device,
        precision=precision,
        precision_reason=chosen.reason,
        world_size=dist.world_size,
        sizes=data.split_sizes,
        label_names=data.label_names,
        task=data.task,
        threshold=config.train.threshold if data.task == MULTI_LABEL else None,
        metric=metric_for_task(config.train.metric_for_best_model, data.task),
        is_pair=data.is_pair,
        tokenized_from_cache=data.from_cache,
        data_cache=data_cache,
        validation_source=data.validation_source,
        parameters=int(sum(p.numel() for p in model.parameters())),
        resume=session.resume,
    )
    for message, level in run_notes(session, data) + task_notes(config, data.task):
        session.events.log(message, level=level)
    session.events.log(describe_data_cache(data_cache, data.from_cache))

    # -- training loop
    train_start = time.monotonic()
    train_output = trainer.train(resume_from_checkpoint=_resume_from(session))
    train_seconds = time.monotonic() - train_start
    if callback.cancelled_at is not None:
        return _finish_cancelled(session, trainer, callback.cancelled_at)

    # -- final reports and artifacts
    reports, val_logits = _final_reports(
        session, trainer, encoded, last_eval, data.label_names, callback.evaluation, data.task
    )
    if not dist.is_main:
        return {"status": RunStatus.FINISHED}
    reports["train"] = _train_summary(session, trainer, train_output, encoded["train"], train_seconds, device, chosen)
    return _save_artifacts(session, trainer, reports, encoded["validation"], val_logits, data.label_names, data.task)


def _data_start(prepared: Optional[Union[PreparedData, DataStart]]) -> Optional[DataStart]:
    """What the caller knows of the data already: nothing, a lookup (the CLI's), or prepared splits
    (a cross-validation fold, keyed by their fingerprints)."""
    if prepared is None or isinstance(prepared, DataStart):
        return prepared
    return DataStart(key=None, source_splits=None, prepared=prepared)


def task_notes(config: RunConfig, task: str) -> list[tuple[str, str]]:
    """The log lines that say what kind of task the run is and how it is judged."""
    metric = metric_for_task(config.train.metric_for_best_model, task)
    threshold = f"{config.train.threshold:g}"
    if task == MULTI_LABEL and config.train.tune_threshold:
        line = (
            "multi-label: one sigmoid output per label, binary cross-entropy; a label is predicted when its "
            f"probability reaches a threshold tuned on validation after training (from {threshold}); judged by "
            f"{metric}"
        )
    elif task == MULTI_LABEL:
        line = (
            "multi-label: one sigmoid output per label, binary cross-entropy; a label is predicted when its "
            f"probability reaches {threshold}; judged by {metric}"
        )
    elif task == REGRESSION:
        line = f"regression: one output, the number itself, mean squared error; judged by {metric}"
    else:
        return []
    notes = [(line, "info")]
    if config.train.metric_for_best_model == "accuracy" and metric != "accuracy":
        notes.append((f"metric_for_best_model 'accuracy' stands for the task's main metric here: {metric}", "info"))
    return notes


def run_notes(session: Session, data: RunData) -> list[tuple[str, str]]:
    """The run's log lines after ``started``: vocabulary coverage, TensorBoard, tokenizing time."""
    notes = list(data.vocab_notes)
    if session.config.train.tensorboard:
        notes.append((f"TensorBoard: tensorboard --logdir {session.run.tensorboard_dir.resolve()}", "info"))
    if data.tokenized_note:
        notes.append((data.tokenized_note, "info"))
    return notes


def _build_trainer(
    session: Session,
    model: Any,
    tokenizer: Any,
    encoded: Any,
    callback: Any,
    last_eval: LastEvaluation,
    precision: str,
    cuda: bool,
    *,
    model_init: Any = None,
    num_labels: Optional[int] = None,
    output_dir: Optional[Path] = None,
    task: str = SINGLE_LABEL,
) -> StudioTrainer:
    """The Trainer of a run; a search (finetune.train.trials) passes ``model_init`` instead of a model."""
    config, run = session.config, session.run
    args = to_training_arguments(
        config, output_dir or run.checkpoints_dir, precision=precision, logging_dir=run.tensorboard_dir, task=task
    )
    callbacks: list[Any] = [callback]
    if config.train.early_stopping_patience:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=config.train.early_stopping_patience))
    pad_multiple = 8 if cuda and config.data.padding == "dynamic" else None
    trainer = StudioTrainer(
        model=model,
        model_init=model_init,
        args=args,
        train_dataset=encoded["train"],
        eval_dataset=encoded["validation"] if config.train.eval_strategy != "no" else None,
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer, pad_to_multiple_of=pad_multiple),
        compute_metrics=make_compute_metrics(
            num_labels or model.config.num_labels, sink=last_eval, task=task, threshold=config.train.threshold
        ),
        callbacks=callbacks,
    )
    trainer.remove_callback(PrinterCallback)  # our EventCallback reports the same, once
    return trainer


def _resume_from(session: Session) -> Optional[str]:
    if not session.resume:
        return None
    checkpoint = session.run.latest_checkpoint()
    if checkpoint is None:
        session.events.log("no checkpoint to resume from; training starts from the beginning", level="warning")
        return None
    return str(checkpoint)


def _finish_cancelled(session: Session, trainer: Trainer, step: int) -> dict[str, Any]:
    if not session.dist.is_main:
        return {"status": RunStatus.CANCELLED}
    model_dir = session.run.model_dir
    trainer.save_model(str(model_dir))
    session.events.emit(
        "cancelled",
        step=step,
        model_dir=str(model_dir),
        message="stopped on request; the model trained so far is saved and the run can be resumed",
    )
    return session.run.set_status(RunStatus.CANCELLED, step=step, model_dir=str(model_dir))


def _final_reports(
    session: Session,
    trainer: Trainer,
    encoded: Any,
    last_eval: LastEvaluation,
    label_names: list[str],
    progress: EvalProgress,
    task: str = SINGLE_LABEL,
) -> tuple[dict[str, Any], np.ndarray]:
    """Validation (and test) reports; reuses the last evaluation when it scored exactly the final weights.
    A multi-label run with ``tune_threshold`` picks its threshold on validation here; test is decided at it.

    Each pass sends ``eval_progress`` events (``progress``); ``reports["final_evaluation"]`` holds the
    seconds these passes took and the rows they scored (the finished event repeats them).
    """
    config, state = session.config, trainer.state
    final_step, epoch = state.global_step, round(float(state.epoch or 0), 4)
    last_eval_step = max((h.get("step", -1) for h in state.log_history if "eval_loss" in h), default=-1)
    best_is_last = (
        not config.train.keeps_best_model
        or state.best_model_checkpoint is None
        or state.best_model_checkpoint.endswith(f"checkpoint-{final_step}")
    )
    started, scored = time.monotonic(), {}
    if last_eval.logits is not None and last_eval_step == final_step and best_is_last:
        val_logits, val_labels = last_eval.logits, last_eval.labels
    else:
        output = _final_pass(trainer, encoded, "validation", progress, scored)
        val_logits, val_labels = output.predictions, output.label_ids
        if session.dist.is_main:
            session.events.emit(
                "evaluation",
                step=final_step,
                epoch=epoch,
                split="validation",
                metrics=metrics_from_logs(output.metrics),
            )
    threshold = _decision_threshold(session, task, val_logits, val_labels)
    reports = {"validation": full_report(val_logits, val_labels.tolist(), label_names, task=task, threshold=threshold)}
    if "test" in encoded:
        output = _final_pass(trainer, encoded, "test", progress, scored)
        reports["test"] = full_report(
            output.predictions, output.label_ids.tolist(), label_names, "test", task=task, threshold=threshold
        )
        if session.dist.is_main:
            session.events.emit(
                "evaluation", step=final_step, epoch=epoch, split="test", metrics=reports["test"]["metrics"]
            )
    reports["final_evaluation"] = {"seconds": round(time.monotonic() - started, 3), "rows": scored}
    return reports, val_logits


def _decision_threshold(session: Session, task: str, logits: np.ndarray, labels: np.ndarray) -> float:
    """The multi-label decision threshold of the final model: the configured one, or with ``tune_threshold``
    the one with the best validation micro F1 (said in the log)."""
    configured = session.config.train.threshold
    if task != MULTI_LABEL or not session.config.train.tune_threshold:
        return configured
    threshold, score = tune_threshold(sigmoid(logits), labels)
    if session.dist.is_main:
        session.events.log(
            f"decision threshold tuned on validation: {threshold:g} (micro F1 {score:.4f}; configured "
            f"{configured:g}); test, Predict and the model card use {threshold:g}"
        )
    return threshold


def _final_pass(trainer: Trainer, encoded: Any, split: str, progress: EvalProgress, scored: dict[str, int]) -> Any:
    """``trainer.predict`` on one split, its progress events named after it; counts its rows in ``scored``."""
    progress.begin(split, final=True)
    scored[split] = len(encoded[split])
    return trainer.predict(encoded[split], metric_key_prefix="eval" if split == "validation" else split)


def _train_summary(
    session: Session,
    trainer: Trainer,
    train_output: Any,
    train_split: Any,
    seconds: float,
    device: str,
    precision: PrecisionChoice,
) -> dict[str, Any]:
    """Loss, steps, epochs and speed of the training loop (samples/s and real, non-padding tokens/s)."""
    epochs_done = float(trainer.state.epoch or 0)
    train_tokens = int(pc.sum(column(train_split, "length")).as_py() or 0)
    return {
        "loss": float(train_output.training_loss),
        "steps": int(train_output.global_step),
        "epochs": epochs_done,
        "seconds": round(seconds, 2),
        "samples_per_second": round(len(train_split) * epochs_done / seconds, 3),
        "tokens_per_second": round(train_tokens * epochs_done / seconds, 1),
        "device": device,
        "precision": precision.name,
        "precision_reason": precision.reason,
        "world_size": session.dist.world_size,
    }


def save_final_model(run: Run, trainer: Trainer) -> None:
    """``trainer.save_model`` into the run's model folder; on a full disk, the half-written folder is removed
    and the error says where, how much space is left, and how not to lose the training (a raw
    ``SafetensorError ... os error 28`` said none of it)."""
    try:
        trainer.save_model(str(run.model_dir))
    except Exception as exc:  # safetensors reports a full disk as its own error type, not OSError
        if getattr(exc, "errno", None) != errno.ENOSPC and "no space left" not in str(exc).lower():
            raise
        shutil.rmtree(run.model_dir, ignore_errors=True)
        free = shutil.disk_usage(run.path).free
        checkpoint = run.latest_checkpoint()
        then = (
            f"then `python -m finetune runs resume {run.id}` continues from {checkpoint.name} (the last "
            "checkpoint) and saves the model"
            if checkpoint is not None
            else "then train again (this run kept no checkpoint to resume from: keep save_strategy 'epoch')"
        )
        raise RunError(
            expected_found(
                f"saving the final model of run '{run.id}'",
                "free disk space",
                f"the disk full ({free / 2**20:,.0f} MB free)",
                "Free space (python -m finetune runs clean --checkpoints or --caches, or delete old runs), "
                + then
                + ".",
            )
        ) from exc


def drop_checkpoints(run: Run) -> int:
    """Delete a finished run's checkpoints; return the bytes freed.

    Checkpoints exist to resume a stopped run and to pick the best step: once the run has finished, its
    model (the best step's, with ``load_best_model_at_end``) is saved in ``model/`` and nothing reads them
    again, while they weigh several times the model (weights plus optimizer state, ``save_total_limit`` of
    them). A stopped or failed run keeps its checkpoints: Resume starts from them.
    """
    if not run.checkpoints_dir.is_dir():
        return 0
    freed = folder_bytes(run.checkpoints_dir)
    shutil.rmtree(run.checkpoints_dir, ignore_errors=True)
    return freed


def _save_artifacts(
    session: Session,
    trainer: Trainer,
    reports: dict[str, Any],
    validation: Any,
    val_logits: np.ndarray,
    label_names: list[str],
    task: str = SINGLE_LABEL,
) -> dict[str, Any]:
    """Model, metrics, predictions, the finished event, and last of all the finished status. A multi-label
    model's config.json records its decision threshold (``decision_threshold``), which Predict reads."""
    run = session.run
    threshold = reports["validation"].get("threshold", session.config.train.threshold)
    if task == MULTI_LABEL:
        trainer.model.config.decision_threshold = float(threshold)
    save_final_model(run, trainer)
    freed = drop_checkpoints(run)
    if freed:
        session.events.log(
            f"checkpoints deleted ({format_bytes(freed)}): model/ holds the finished model (the best one with "
            "load_best_model_at_end), and a finished run is never resumed"
        )
    write_json(run.metrics_path, reports)
    save_predictions(run, "validation", validation, val_logits, label_names, task=task, threshold=threshold)
    seconds = round(time.monotonic() - session.started, 2)
    warnings = [w for split in ("validation", "test") for w in (reports.get(split) or {}).get("warnings", [])]
    for warning in warnings:
        session.events.log(warning, level="warning")
    final_evaluation = reports.get("final_evaluation") or {}
    session.events.emit(
        "finished",
        seconds=seconds,
        model_dir=str(run.model_dir),
        final_evaluation_seconds=final_evaluation.get("seconds"),
        final_evaluation_rows=final_evaluation.get("rows"),
        metrics=reports["validation"]["metrics"],
        test_metrics=(reports.get("test") or {}).get("metrics"),
        train=reports["train"],
        baseline=reports["validation"]["baseline"],
        task=task,
        threshold=threshold if task == MULTI_LABEL else None,
        warnings=warnings,
    )
    return run.set_status(RunStatus.FINISHED, seconds=seconds, model_dir=str(run.model_dir), warnings=warnings)
