"""Python literals as people write them, for the exported script's constants."""

from __future__ import annotations

import json
from typing import Any


def lit(value: Any) -> str:
    """A Python literal as people write it: double-quoted strings, non-ASCII text kept readable."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(lit(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{lit(k)}: {lit(v)}" for k, v in value.items()) + "}"
    return repr(value)
