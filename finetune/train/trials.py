"""The search process: one Trainer, ``Trainer.hyperparameter_search`` (optuna), one child run per trial.

:func:`run_search` is what ``python -m finetune train`` runs for a run holding a search spec (see
:mod:`finetune.train.search` for the spec, the trial table and the layout). It reuses the named steps of
:mod:`finetune.train.training` (data, tokenizer, model, Trainer) so a trial trains exactly as a plain run
with the same config would; :class:`TrialCallback` turns each trial into a run directory.
"""

from __future__ import annotations

import os
import time
from typing import Any, Optional

import optuna
from transformers import TrainerCallback, set_seed

from finetune.config.run_config import RunConfig
from finetune.config.tasks import MULTI_LABEL, SINGLE_LABEL
from finetune.evaluation.metrics import full_report
from finetune.jsonfiles import write_json
from finetune.model.checkpoints import resolve_checkpoint
from finetune.model.precision import detect_precision
from finetune.runs.events import EventWriter
from finetune.runs.run import Run, RunStatus
from finetune.train import training
from finetune.train.callbacks import EventCallback
from finetune.train.cancellation import Cancellation
from finetune.train.distributed import DistInfo, describe_device
from finetune.train.run_data import load_run_data
from finetune.train.search import SearchSpec, best_trial, check_search_config, relay, save_spec, trial_table
from finetune.train.session import Session


class TrialCallback(TrainerCallback):
    """Makes each trial a run: ``<search>/trials/trial-<i>/`` with config, status, events, metrics and model.

    ``hp_space`` (called by Trainer at the start of each trial) opens the trial's run; the Trainer
    hooks are forwarded to an :class:`EventCallback` writing the trial's events; ``on_train_end``
    writes its metrics and model, marks it finished or cancelled, and relays a summary to the search.
    """

    def __init__(
        self, search: Session, spec: SearchSpec, label_names: list[str], last_eval: Any, task: str = SINGLE_LABEL
    ) -> None:
        self.search, self.spec, self.label_names, self.last_eval = search, spec, label_names, last_eval
        self.task = task
        self.trainer: Any = None
        self.trial: Any = None
        self.session: Optional[Session] = None
        self.inner: Optional[EventCallback] = None
        self.started = 0.0
        self.cancelled = False

    # -- hooks Trainer.hyperparameter_search calls ------------------------------------------------
    def hp_space(self, trial: Any) -> dict[str, Any]:
        params = self.spec.space.suggest(trial)
        if self.trial is None or self.trial.number != trial.number:
            self._open_trial(trial, params)
        return params

    def hp_name(self, trial: Any) -> str:
        """Trainer's per-trial output folder under the search run: the trial run's checkpoints folder."""
        trial_run = self.search.run.trial(trial.number)
        return str(trial_run.checkpoints_dir.relative_to(self.search.run.path))

    def objective(self, metrics: dict[str, float]) -> float:
        return float(metrics[f"eval_{self.spec.metric}"])

    def _open_trial(self, trial: Any, params: dict[str, Any]) -> None:
        config = self.search.config.replace(
            train={
                "learning_rate": params["learning_rate"],
                "per_device_train_batch_size": params["per_device_train_batch_size"],
                "num_train_epochs": params["num_train_epochs"],
                "warmup_ratio": params["warmup_steps"],
                "weight_decay": params["weight_decay"],
            }
        )
        trial_run = self.search.run.trial(trial.number)
        run = Run.create(trial_run.path.parent, config, trial_run.id)
        run.set_status(RunStatus.RUNNING, pid=os.getpid(), search=self.search.run.id, trial=trial.number)
        events = EventWriter(run.events_path)
        events.emit("started", config=config.to_dict(), trial=trial.number, search=self.search.run.id, task=self.task)
        self.trial, self.started = trial, time.monotonic()
        self.session = Session(config, run, self.search.dist, events, self.search.cancellation)
        self.inner = EventCallback(self.session)
        self.last_eval.logits = self.last_eval.labels = None
        self.search.events.log(f"trial-{trial.number} started")

    # -- Trainer hooks, forwarded to the trial's EventCallback --------------------------------------
    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        # A plain run's Trainer seeds again after the model was made (Trainer.__init__); model_init runs
        # after Trainer's seeding, so seed here too: a trial then trains exactly as the plain run of its config.
        set_seed(args.seed)
        self.inner.on_train_begin(args, state, control, **kwargs)

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.inner.on_step_end(args, state, control, **kwargs)

    def on_log(self, args: Any, state: Any, control: Any, logs: Optional[dict] = None, **kwargs: Any) -> None:
        self.inner.on_log(args, state, control, logs=logs, **kwargs)

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.inner.on_save(args, state, control, **kwargs)

    def on_epoch_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.inner.on_epoch_end(args, state, control, **kwargs)

    def on_prediction_step(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.inner.on_prediction_step(args, state, control, **kwargs)  # the trial's eval_progress events

    def on_evaluate(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.inner.on_evaluate(args, state, control, **kwargs)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.inner.on_train_end(args, state, control, **kwargs)
        self._close_trial(state)

    def _close_trial(self, state: Any) -> None:
        """Metrics, model, final event and status of the trial that just ended; stop the study after a Stop."""
        session, run = self.session, self.session.run
        seconds = time.monotonic() - self.started
        reports: dict[str, Any] = {"train": self._train_summary(state, seconds)}
        threshold = session.config.train.threshold
        if self.last_eval.logits is not None:
            logits, labels = self.last_eval.logits, self.last_eval.labels
            threshold = training._decision_threshold(session, self.task, logits, labels)
            reports["validation"] = full_report(
                logits, labels.tolist(), self.label_names, task=self.task, threshold=threshold
            )
        if self.task == MULTI_LABEL:  # Predict reads it, as from a plain run's model
            self.trainer.model.config.decision_threshold = float(threshold)
        self.trainer.save_model(str(run.model_dir))
        write_json(run.metrics_path, reports)
        if self.inner.cancelled_at is not None:
            self.cancelled = True
            session.events.emit(
                "cancelled",
                step=self.inner.cancelled_at,
                model_dir=str(run.model_dir),
                message="search stopped on request; this trial can be resumed like any run",
            )
            run.set_status(RunStatus.CANCELLED, step=self.inner.cancelled_at, model_dir=str(run.model_dir))
            self.trial.study.stop()  # optuna: no further trial starts; the finished ones are kept
        else:
            session.events.emit(
                "finished",
                seconds=round(seconds, 2),
                model_dir=str(run.model_dir),
                metrics=(reports.get("validation") or {}).get("metrics"),
                train=reports["train"],
            )
            run.set_status(RunStatus.FINISHED, seconds=round(seconds, 2), model_dir=str(run.model_dir))
        session.events.close()
        row = next(r for r in trial_table(self.search.run, self.spec.metric) if r["trial"] == run.id)
        relay(self.search.events, row, self.spec.metric)

    def _train_summary(self, state: Any, seconds: float) -> dict[str, Any]:
        """Steps, epochs, loss and speed of the trial's loop (same fields as a plain run's metrics.json)."""
        epochs = float(state.epoch or 0)
        rows = len(self.trainer.train_dataset)
        losses = [h["train_loss"] for h in state.log_history if "train_loss" in h]
        return {
            "loss": float(losses[-1]) if losses else None,
            "steps": int(state.global_step),
            "epochs": epochs,
            "seconds": round(seconds, 2),
            "samples_per_second": round(rows * epochs / seconds, 3) if seconds else None,
        }


def run_search(config: RunConfig, run: Run, spec: SearchSpec, *, echo: bool = False) -> dict[str, Any]:
    """Run the search into ``run`` (an existing run holding config.json); return its final status.

    Like :func:`finetune.train.training.run_training`, a failure is recorded (event + status), not raised.
    """
    session = Session(config, run, DistInfo(), EventWriter(run.events_path, echo=echo), Cancellation(run))
    session.cancellation.install_signal_handlers()
    run.set_status(RunStatus.RUNNING, pid=os.getpid(), search=True)
    try:
        check_search_config(config, spec)
        return _search(session, spec)
    except Exception as exc:  # recorded, not raised
        return training._record_failure(session, exc)
    finally:
        session.events.close()


def _search(session: Session, spec: SearchSpec) -> dict[str, Any]:
    config = session.config
    device, cuda = describe_device()
    chosen = detect_precision(config.train.precision, "cuda" if cuda else "cpu")
    precision = chosen.name
    resolved = resolve_checkpoint(config.model.checkpoint)
    model_cfg = training.load_model_config(config.model.checkpoint, resolved, config)
    data = load_run_data(session, model_cfg)
    tokenizer, encoded = data.tokenizer, data.encoded
    spec = spec.for_task(data.task)  # 'accuracy' means the task's main metric; minimised when lower is better
    save_spec(session.run, spec)  # the trial table reads the resolved metric
    last_eval = training.LastEvaluation()
    recorder = TrialCallback(session, spec, data.label_names, last_eval, data.task)

    def model_init(trial: Any = None) -> Any:
        model = training.load_model(session, resolved, model_cfg, data.label_names, data.task)
        training.resize_embeddings(model, tokenizer, data.added_tokens)  # every trial starts like a plain run
        return model

    set_seed(config.train.seed)
    trainer = training._build_trainer(
        session,
        None,
        tokenizer,
        encoded,
        recorder,
        last_eval,
        precision,
        cuda,
        model_init=model_init,
        num_labels=len(data.label_names),
        output_dir=session.run.path,
        task=data.task,
    )
    recorder.trainer = trainer
    session.events.emit(
        "started",
        config=config.to_dict(),
        device=device,
        precision=precision,
        precision_reason=chosen.reason,
        world_size=1,
        sizes=data.split_sizes,
        label_names=data.label_names,
        task=data.task,
        metric=spec.metric,
        direction=spec.direction,
        is_pair=data.is_pair,
        tokenized_from_cache=data.from_cache,
        search=spec.to_dict(),
    )
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    trainer.hyperparameter_search(
        hp_space=recorder.hp_space,
        compute_objective=recorder.objective,
        n_trials=spec.trials,
        direction=spec.direction,
        backend="optuna",
        hp_name=recorder.hp_name,
        sampler=optuna.samplers.TPESampler(seed=config.train.seed),
        pruner=optuna.pruners.NopPruner(),
    )  # every trial trains to its end, as the same plain run would
    return _finish_search(session, spec, cancelled=recorder.cancelled)


def _finish_search(session: Session, spec: SearchSpec, *, cancelled: bool) -> dict[str, Any]:
    """The search's metrics.json (trial table, best trial, the best trial's reports) and final status."""
    run = session.run
    rows = trial_table(run, spec.metric)
    best = best_trial(rows, spec.metric, spec.direction)
    report: dict[str, Any] = {
        "search": {
            "metric": spec.metric,
            "direction": spec.direction,
            "trials": rows,
            "best_trial": best["trial"] if best else None,
            "best_value": best[spec.metric] if best else None,
        }
    }
    if best:
        report.update(
            {k: v for k, v in Run(run.trials_dir / best["trial"]).metrics().items() if k in ("validation", "train")}
        )
    write_json(run.metrics_path, report)
    seconds = round(time.monotonic() - session.started, 2)
    named = f"best: {best['trial']} ({spec.metric} {best[spec.metric]:.4f})" if best else "no trial finished"
    if cancelled:
        session.events.emit(
            "cancelled", step=None, message=f"search stopped on request after {len(rows)} trials; {named}"
        )
        return run.set_status(RunStatus.CANCELLED, seconds=seconds, best_trial=report["search"]["best_trial"])
    session.events.emit(
        "finished",
        seconds=seconds,
        metrics=(report.get("validation") or {}).get("metrics"),
        best_trial=report["search"]["best_trial"],
        message=f"search done; {named}",
    )
    return run.set_status(RunStatus.FINISHED, seconds=seconds, best_trial=report["search"]["best_trial"])
