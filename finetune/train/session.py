"""One training's shared context: the config, the run, the process's place in a launch, its events.

:class:`Session` is what every step of ``training._train`` receives.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from finetune.config.run_config import RunConfig
from finetune.runs.events import EventWriter
from finetune.runs.run import Run
from finetune.train.cancellation import Cancellation
from finetune.train.distributed import DistInfo


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
