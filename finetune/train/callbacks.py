"""Trainer callbacks: Trainer's hooks turned into the run's events (see :mod:`finetune.runs.events`).

:class:`EventCallback` reports progress, evaluations and checkpoints, and stops at the next step
when a cancel is requested; :class:`EvalProgress` turns the per-batch ticks of an evaluation into
``eval_progress`` events, so a long evaluation is visible, not silent.
"""

from __future__ import annotations

import time
from typing import Any, Optional

from transformers import TrainerCallback

from finetune.train.session import Session

EVAL_BOOKKEEPING = ("runtime", "samples_per_second", "steps_per_second")


def metrics_from_logs(logs: dict[str, Any], prefix: str = "eval_") -> dict[str, float]:
    """Trainer's ``eval_*`` numbers without the prefix and without its timing bookkeeping."""
    return {
        key[len(prefix) :]: float(value)
        for key, value in logs.items()
        if key.startswith(prefix) and key[len(prefix) :] not in EVAL_BOOKKEEPING
    }


class EventCallback(TrainerCallback):
    """Turns Trainer's hooks into events and honours cancel requests."""

    def __init__(self, session: Session, progress_interval: float = 1.0) -> None:
        self.session = session
        self.events = session.events
        self.progress_interval = progress_interval
        self.started = time.monotonic()
        self.start_step = 0
        self.last_progress = 0.0
        self.cancelled_at: Optional[int] = None
        self.evaluation = EvalProgress(session, progress_interval)

    def _speed(self, state: Any) -> tuple[Optional[float], Optional[float]]:
        done = state.global_step - self.start_step
        elapsed = time.monotonic() - self.started
        if done <= 0 or elapsed <= 0:
            return None, None
        steps_per_second = done / elapsed
        eta = (state.max_steps - state.global_step) / steps_per_second
        return steps_per_second * self.session.samples_per_step, eta

    def _progress(self, state: Any, **extra: Any) -> None:
        speed, eta = self._speed(state)
        self.events.emit(
            "progress",
            step=state.global_step,
            total_steps=state.max_steps,
            epoch=round(float(state.epoch or 0.0), 4),
            samples_per_second=speed,
            eta_seconds=eta,
            elapsed_seconds=round(time.monotonic() - self.started, 2),
            **extra,
        )
        self.last_progress = time.monotonic()

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.started = time.monotonic()
        self.start_step = state.global_step
        if state.global_step:
            self.events.log(f"resumed from step {state.global_step} of {state.max_steps}")
        self._progress(state)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._progress(state)  # the bar ends on the last step, not on the last periodic report

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.evaluation.mark()  # an evaluation that follows this step starts now
        if self.session.cancellation.requested(self.session.dist.world_size):
            self.cancelled_at = state.global_step
            control.should_training_stop = True
            control.should_save = True  # a checkpoint to resume from
            return
        if state.global_step >= state.max_steps and args.logging_strategy == "steps":
            # the loss since the last report is reported at the last step too: the loss curve reaches the end of
            # training, and a run (or a k-fold fold) shorter than logging_steps still gets its point
            control.should_log = True
        if time.monotonic() - self.last_progress >= self.progress_interval:
            self._progress(state)

    def on_log(self, args: Any, state: Any, control: Any, logs: Optional[dict] = None, **kwargs: Any) -> None:
        logs = logs or {}
        if "loss" in logs:
            self._progress(
                state,
                loss=float(logs["loss"]),
                learning_rate=logs.get("learning_rate"),
                grad_norm=logs.get("grad_norm"),
            )
        elif any(k.startswith("eval_") for k in logs):
            self.events.emit(
                "evaluation",
                step=state.global_step,
                epoch=round(float(state.epoch or 0), 4),
                split="validation",
                metrics=metrics_from_logs(logs),
                runtime_seconds=logs.get("eval_runtime"),
            )
        elif "train_runtime" in logs:
            self.events.log(
                f"training loop done in {logs['train_runtime']:.1f}s "
                f"({logs.get('train_samples_per_second', 0):.1f} samples/s, mean loss "
                f"{logs.get('train_loss', float('nan')):.4f})"
            )

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        path = self.session.run.checkpoints_dir / f"checkpoint-{state.global_step}"
        self.events.emit("checkpoint", step=state.global_step, path=str(path))

    def on_epoch_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.evaluation.mark()

    def on_prediction_step(
        self, args: Any, state: Any, control: Any, eval_dataloader: Any = None, **kwargs: Any
    ) -> None:
        self.evaluation.tick(state, eval_dataloader, args.eval_batch_size)

    def on_evaluate(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.evaluation.end(state)

    def on_predict(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.evaluation.end(state)


class EvalProgress:
    """``eval_progress`` events while Trainer scores rows (per-epoch evaluation and the final report).

    Trainer calls ``on_prediction_step`` once per batch; this turns those ticks into an event about
    once a second (the first tick and the pass's end always), with rows done out of the split's
    rows and rows/s, so a long evaluation is visible on the page and in the CLI, not silent.
    """

    def __init__(self, session: Session, interval: float = 1.0) -> None:
        self.events, self.world_size, self.interval = session.events, session.dist.world_size, interval
        self.split, self.final = "validation", False
        self.since = time.monotonic()  # when the next pass starts (the last training step, or begin())
        self.done = self.total = 0
        self.last_emit: Optional[float] = None
        self.seconds: Optional[float] = None  # the last finished pass's duration

    def mark(self) -> None:
        self.since = time.monotonic()

    def begin(self, split: str, final: bool = True) -> None:
        """Name the next pass (the final report's ``validation`` / ``test``); it starts now."""
        self.split, self.final = split, final
        self.mark()

    def tick(self, state: Any, dataloader: Any, batch_size: int) -> None:
        if self.last_emit is None and self.done == 0:
            dataset = getattr(dataloader, "dataset", None)
            self.total = len(dataset) if dataset is not None else 0
        rows = (getattr(dataloader, "batch_size", None) or batch_size) * self.world_size
        self.done = min(self.done + rows, self.total) if self.total else self.done + rows
        now = time.monotonic()
        if self.last_emit is None or now - self.last_emit >= self.interval:
            self._emit(state, now)

    def end(self, state: Any) -> None:
        """The pass is over: one last event with its duration; the next pass is a per-epoch one unless named."""
        now = time.monotonic()
        self.seconds = round(now - self.since, 3)
        if self.done:
            self.done = self.total or self.done
            self._emit(state, now, seconds=self.seconds)
        self.split, self.final, self.done, self.total, self.last_emit, self.since = "validation", False, 0, 0, None, now

    def _emit(self, state: Any, now: float, **extra: Any) -> None:
        elapsed = max(now - self.since, 1e-9)
        self.events.emit(
            "eval_progress",
            split=self.split,
            done=self.done,
            total=self.total or self.done,
            rows_per_second=round(self.done / elapsed, 1),
            elapsed_seconds=round(elapsed, 2),
            step=state.global_step,
            final=self.final,
            **extra,
        )
        self.last_emit = now
