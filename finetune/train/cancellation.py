"""A cancel request: the run's CANCEL file, or SIGTERM/SIGINT to the training process.

Every rank asks :meth:`Cancellation.requested` at each step; under several processes they agree
through an all-reduce, so they all stop at the same step.
"""

from __future__ import annotations

import signal
from typing import Any

import torch
import torch.distributed as torch_dist

from finetune.runs.run import Run


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
