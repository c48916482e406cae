"""What the tutorials print, for any data or model: the data preview and a look inside a model."""

from finetune.lazy import lazy_exports

_EXPORTS = {
    "preview": "data_preview",
    "list_columns": "data_preview",
    "architecture_card": "model_inspection",
    "look_inside": "model_inspection",
    "pipeline_stages": "model_inspection",
}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
