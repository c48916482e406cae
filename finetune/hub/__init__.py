"""The Hub: a run's model card and its push (the token is never stored)."""

from finetune.lazy import lazy_exports

_EXPORTS = {
    "push_run": "push",
    "render_model_card": "push",
    "resolve_token": "push",
    "zip_model": "push",
}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
