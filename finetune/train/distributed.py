"""Where this process stands in a launch: rank and world size (torchrun / accelerate), and the device.

The same CLI runs alone or under ``torchrun``/``accelerate launch``; only rank 0 writes events and
artifacts. :class:`DistInfo` reads the launcher's environment; :func:`describe_device` names the
device for the run header.
"""

from __future__ import annotations

import os

import torch


class DistInfo:
    """Rank and world size from the launcher's environment (torchrun / accelerate)."""

    def __init__(self) -> None:
        self.rank = int(os.environ.get("RANK", "0"))
        self.world_size = int(os.environ.get("WORLD_SIZE", "1"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def describe_device() -> tuple[str, bool]:
    """(device description, cuda available); the precision is finetune.model.precision's."""
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(torch.cuda.current_device())
        name = f"{props.name} ({props.total_memory / 2**30:.0f} GiB)"
        return name, True
    return f"CPU ({torch.get_num_threads()} threads)", False
