"""Export a run as a standalone script that uses only public libraries."""

from finetune.lazy import lazy_exports

_EXPORTS = {
    "export_script": "script",
}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
