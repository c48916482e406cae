"""Heavy imports (torch, transformers, datasets) made once, under a lock, and warmed up in the background.

The app starts without them (a fast start); every engine call waits in :func:`heavy_imports`.
"""

from __future__ import annotations

import threading

_imports_lock = threading.Lock()
_imports_done = False


def heavy_imports() -> None:
    """Import torch/transformers/datasets once, under a lock.

    Handlers run in several threads; two threads importing transformers at the same moment can
    see a half-initialised module ("cannot import name AutoTokenizer"). The app starts without
    these imports (fast start) and warms them up in the background; every engine call waits here.
    """
    global _imports_done
    if _imports_done:
        return
    with _imports_lock:
        if not _imports_done:
            import datasets  # noqa: F401
            import torch  # noqa: F401
            import transformers  # noqa: F401
            from transformers import AutoModelForSequenceClassification, AutoTokenizer  # noqa: F401

            _imports_done = True


def warm_up_in_background() -> None:
    threading.Thread(target=heavy_imports, name="warm-up-imports", daemon=True).start()
