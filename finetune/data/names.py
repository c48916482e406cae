"""Names of data: the file types the studio reads, and a dataset string's short name.

Kept apart from :mod:`finetune.data.loading` so that naming a run or a Hub repository after its
data needs none of the loading code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

FILE_TYPES = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "tsv",
    ".json": "json",
    ".jsonl": "json",
    ".parquet": "parquet",
    ".xlsx": "excel",
    ".xls": "excel",
}


def dataset_short_name(name: Union[str, Path]) -> str:
    """A short, filesystem-safe name for a dataset string (used in run and repo names)."""
    text = str(name).rstrip("/")
    stem = Path(text).stem if Path(text).suffix.lower() in FILE_TYPES else text.split("/")[-1]
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in stem).strip("-") or "data"
