"""Where every benchmark writes its numbers: ``benchmarks/results/<name>.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def write_result(name: str, data: Any) -> Path:
    """Write ``data`` as indented JSON to ``results/<name>``; return the path."""
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / name
    path.write_text(json.dumps(data, indent=2))
    return path
