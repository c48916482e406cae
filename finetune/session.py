"""One training's shared context: rank and world size, cancel requests, and the event callback.

:class:`Session` is what every step of ``training._train`` receives; :class:`EventCallback`
turns Trainer's hooks into the run's events (see events.py) and stops at the next step when a
cancel is requested (the run's CANCEL file, or SIGTERM/SIGINT).
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field
from typing import Any, Optional

import torch
import torch.distributed as torch_dist
from transformers import TrainerCallback

from .config import RunConfig
from .events import EventWriter
from .runs import Run

EVAL_BOOKKEEPING = ("runtime", "samples_per_second", "steps_per_second")


def metrics_from_logs(logs: dict[str, Any], prefix: str = "eval_") -> dict[str, float]:
    """Trainer's ``eval_*`` numbers without the prefix and without its timing bookkeeping."""
    return {key[len(prefix):]: float(value) for key, value in logs.items()
            if key.startswith(prefix) and key[len(prefix):] not in EVAL_BOOKKEEPING}


class DistInfo:
    """Rank and world size from the launcher's environment (torchrun / accelerate)."""

    def __init__(self) -> None:
        self.rank = int(os.environ.get("RANK", "0"))
        self.world_size = int(os.environ.get("WORLD_SIZE", "1"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def describe_device() -> tuple[str, bool, bool]:
    """(device description, cuda available, bf16 supported)."""
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(torch.cuda.current_device())
        name = f"{props.name} ({props.total_memory / 2**30:.0f} GiB)"
        return name, True, bool(torch.cuda.is_bf16_supported())
    return f"CPU ({torch.get_num_threads()} threads)", False, False


class Cancellation:
    """A cancel request: the run's CANCEL file, or SIGTERM/SIGINT to this process."""

    def __init__(self, run: Run) -> None:
        self.file = run.cancel_path
        self.signalled = False

    def install_signal_handlers(self) -> None:
        def handler(signum: int, frame: Any) -> None:
            self.signalled = True

        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                signal.signal(sig, handler)
            except ValueError:  # not in the main thread (tests calling run_training in a thread)
                pass

    def requested(self, world_size: int = 1) -> bool:
        """Whether any rank was asked to stop (all ranks agree, so they stop at the same step)."""
        flag = self.signalled or self.file.exists()
        if world_size > 1 and torch_dist.is_available() and torch_dist.is_initialized():
            tensor = torch.tensor([1.0 if flag else 0.0], device="cuda" if torch.cuda.is_available() else "cpu")
            torch_dist.all_reduce(tensor, op=torch_dist.ReduceOp.MAX)
            flag = bool(tensor.item() > 0)
        return flag


@dataclass
class Session:
    """What every step of one training shares: where it writes, who it is, how it reports."""

    config: RunConfig
    run: Run
    dist: DistInfo
    events: EventWriter
    cancellation: Cancellation
    resume: bool = False
    started: float = field(default_factory=time.monotonic)

    @property
    def samples_per_step(self) -> int:
        train = self.config.train
        return train.per_device_train_batch_size * train.gradient_accumulation_steps * self.dist.world_size


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
        self.events.emit("progress", step=state.global_step, total_steps=state.max_steps,
                         epoch=round(float(state.epoch or 0.0), 4), samples_per_second=speed, eta_seconds=eta,
                         elapsed_seconds=round(time.monotonic() - self.started, 2), **extra)
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
        if self.session.cancellation.requested(self.session.dist.world_size):
            self.cancelled_at = state.global_step
            control.should_training_stop = True
            control.should_save = True  # a checkpoint to resume from
            return
        if time.monotonic() - self.last_progress >= self.progress_interval:
            self._progress(state)

    def on_log(self, args: Any, state: Any, control: Any, logs: Optional[dict] = None, **kwargs: Any) -> None:
        logs = logs or {}
        if "loss" in logs:
            self._progress(state, loss=float(logs["loss"]), learning_rate=logs.get("learning_rate"),
                           grad_norm=logs.get("grad_norm"))
        elif any(k.startswith("eval_") for k in logs):
            self.events.emit("evaluation", step=state.global_step, epoch=round(float(state.epoch or 0), 4),
                             split="validation", metrics=metrics_from_logs(logs),
                             runtime_seconds=logs.get("eval_runtime"))
        elif "train_runtime" in logs:
            self.events.log(f"training loop done in {logs['train_runtime']:.1f}s "
                            f"({logs.get('train_samples_per_second', 0):.1f} samples/s, mean loss "
                            f"{logs.get('train_loss', float('nan')):.4f})")

    def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        path = self.session.run.checkpoints_dir / f"checkpoint-{state.global_step}"
        self.events.emit("checkpoint", step=state.global_step, path=str(path))
