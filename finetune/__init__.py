"""finetune: the engine of the fine-tuning studio (no UI code here; never imports gradio).

Public API::

    from finetune import RunConfig, run_training, start_training, inspect_text, Predictor
"""

from .config import BUNDLED_CHECKPOINT, DataConfig, ModelConfig, RunConfig, RunOptions, TrainConfig
from .errors import (CheckpointError, ColumnMappingError, ConfigError, DataError, FinetuneError, HubError,
                     JobBusyError, PublicModeError, RunError)

__all__ = [
    "BUNDLED_CHECKPOINT", "DataConfig", "ModelConfig", "RunConfig", "RunOptions", "TrainConfig",
    "CheckpointError", "ColumnMappingError", "ConfigError", "DataError", "FinetuneError", "HubError",
    "JobBusyError", "PublicModeError", "RunError",
    "run_training", "start_training", "inspect_text", "get_predictor",
]


def __getattr__(name: str):
    """Heavy parts (torch, transformers) load on first use, keeping ``import finetune`` fast."""
    if name == "run_training":
        from .training import run_training

        return run_training
    if name == "start_training":
        from .jobs import start_training

        return start_training
    if name == "inspect_text":
        from .tokenization import inspect_text

        return inspect_text
    if name == "get_predictor":
        from .predict import get_predictor

        return get_predictor
    raise AttributeError(name)
