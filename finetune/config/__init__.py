"""The one configuration object (frozen dataclasses), field checks and the tutorials' recipes."""

from finetune.lazy import lazy_exports

_EXPORTS = {
    "RunConfig": "run_config",
    "ModelConfig": "run_config",
    "DataConfig": "run_config",
    "TrainConfig": "run_config",
    "RunOptions": "run_config",
    "BUNDLED_CHECKPOINT": "run_config",
    "config_from_flat": "run_config",
    "field_index": "run_config",
    "field_help": "run_config",
    "field_default": "run_config",
    "field_choices": "run_config",
    "Recipe": "recipes",
    "get_recipe": "recipes",
    "recipe_choices": "recipes",
}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
