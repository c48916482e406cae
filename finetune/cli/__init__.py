"""The command line: ``python -m finetune {train,predict,tokenize,runs,push,inspect,export-script,data}``."""

from finetune.lazy import lazy_exports

_EXPORTS = {
    "main": "commands",
    "build_parser": "commands",
}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
