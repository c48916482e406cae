"""Is the Hugging Face Hub reachable? Answered fast, once per process.

Without this, a Hub id on an offline machine spends a long time in huggingface_hub's retries
before failing. We probe DNS + a TCP connect with a short timeout and remember the answer, so every
offline failure is immediate and can name the local alternatives instead.
"""

from __future__ import annotations

import functools
import os
import socket
from urllib.parse import urlparse

OFFLINE_ENV_VARS = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")


def offline_mode_forced() -> bool:
    """True when the user asked for offline mode through the usual Hugging Face variables."""
    return any(os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"} for name in OFFLINE_ENV_VARS)


@functools.lru_cache(maxsize=1)
def _probe(endpoint: str, timeout: float) -> bool:
    parsed = urlparse(endpoint)
    host = parsed.hostname or "huggingface.co"
    port = parsed.port or (443 if parsed.scheme != "http" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def hub_is_reachable(timeout: float = 3.0) -> bool:
    """Return whether the Hub endpoint (``HF_ENDPOINT`` or huggingface.co) accepts connections."""
    if offline_mode_forced():
        return False
    return _probe(os.environ.get("HF_ENDPOINT", "https://huggingface.co"), timeout)
