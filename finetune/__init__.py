"""finetune: the engine of the fine-tuning studio (no UI code here; it never imports gradio).

The packages follow a run's flow, each importing only from those before it::

    config -> data -> model -> runs -> evaluation -> predict -> explore -> train -> hub -> export -> cli

around the shared modules ``errors``, ``safety`` (the public-mode fence), ``network``, ``jsonfiles``,
``lazy`` and ``compat`` (every patch of another library's private API).

Public API::

    from finetune import RunConfig, run_training, start_training, get_predictor, inspect_text
"""

from finetune.config.run_config import BUNDLED_CHECKPOINT, DataConfig, ModelConfig, RunConfig, RunOptions, TrainConfig
from finetune.errors import (
    CheckpointError,
    ColumnMappingError,
    ConfigError,
    DataError,
    FinetuneError,
    HubError,
    JobBusyError,
    PublicModeError,
    RunError,
)
from finetune.lazy import lazy_exports

_HEAVY = {  # torch and transformers load on first use, keeping ``import finetune`` fast
    "run_training": "train.training",
    "start_training": "train.jobs",
    "inspect_text": "model.tokenization",
    "get_predictor": "predict.predictor",
    "Predictor": "predict.predictor",
}
__all__ = [
    "BUNDLED_CHECKPOINT",
    "DataConfig",
    "ModelConfig",
    "RunConfig",
    "RunOptions",
    "TrainConfig",
    "CheckpointError",
    "ColumnMappingError",
    "ConfigError",
    "DataError",
    "FinetuneError",
    "HubError",
    "JobBusyError",
    "PublicModeError",
    "RunError",
    *_HEAVY,
]
__getattr__ = lazy_exports(__name__, _HEAVY)
