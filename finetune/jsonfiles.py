"""JSON files the engine writes and reads back: atomic writes, and reads that tell a damaged file apart.

Runs, caches and search specs all keep their state in small JSON files that another process may
read at any moment, so a write never leaves half a file, and a read of a damaged file says so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Optional


class DamagedFile(ValueError):
    """A run file exists but does not hold the JSON object it should."""


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (temp file + rename), so readers never see half a file."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def read_json_object(path: Path) -> Optional[dict[str, Any]]:
    """The JSON object in ``path``; None when missing; :class:`DamagedFile` when unreadable or not an object."""
    try:
        value = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DamagedFile(f"{Path(path).name}: expected a JSON object, found unreadable content ({exc})") from exc
    if not isinstance(value, dict):
        raise DamagedFile(f"{Path(path).name}: expected a JSON object, found {type(value).__name__}")
    return value


def read_json(path: Path, default: Any = None) -> Any:
    """Tolerant read: the JSON object in ``path``, or ``default`` when missing or damaged."""
    try:
        value = read_json_object(path)
    except DamagedFile:
        return default
    return default if value is None else value
