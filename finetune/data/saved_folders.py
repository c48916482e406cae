"""Local folders of a saved Hugging Face dataset: ``save_to_disk`` output and Hub-style shards.

Two layouts people have on disk after a tutorial:

- ``dataset.save_to_disk(folder)``: a ``dataset_dict.json`` (a DatasetDict) or a ``state.json``
  (one Dataset) at the top; read with ``datasets.load_from_disk``.
- a download of a Hub repository: files named ``<split>-00000-of-00001.parquet``, at the top, under
  ``data/``, or under a configuration's folder (``mrpc/train-00000-of-00001.parquet``); read with
  ``data_files`` patterns, one list of shards per split.

:func:`load_hf_folder` returns ``None`` for any other folder, so the plain ``train.csv`` /
``validation.csv`` loader takes over.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Optional

from finetune.errors import DataError, expected_found

SHARD_PATTERN = re.compile(r"^(?P<split>[A-Za-z0-9_.]+?)-\d{5}-of-\d{5}\.(?P<ext>parquet|arrow|jsonl|json|csv)$")
SHARD_BUILDERS = {"parquet": "parquet", "arrow": "arrow", "json": "json", "jsonl": "json", "csv": "csv"}


def is_saved_to_disk(folder: Path) -> bool:
    """Whether ``folder`` was written by ``Dataset.save_to_disk`` / ``DatasetDict.save_to_disk``."""
    return (folder / "dataset_dict.json").is_file() or (folder / "state.json").is_file()


def find_shards(folder: Path, config_name: Optional[str] = None) -> dict[str, list[Path]]:
    """Split name -> shard files, from the first of: ``<config>/``, ``data/``, the folder, sub-folders."""
    candidates = ([folder / config_name] if config_name else []) + [folder / "data", folder]
    for place in candidates:
        shards = _shards_in(place)
        if shards:
            return shards
    for place in sorted(p for p in folder.iterdir() if p.is_dir()):
        shards = _shards_in(place)
        if shards:
            return shards
    return {}


def _shards_in(place: Path) -> dict[str, list[Path]]:
    if not place.is_dir():
        return {}
    found: dict[str, list[Path]] = {}
    for path in sorted(place.iterdir()):
        match = SHARD_PATTERN.match(path.name)
        if match and path.is_file():
            found.setdefault(match.group("split"), []).append(path)
    return found


def load_hf_folder(folder: Path, config_name: Optional[str] = None) -> Optional[dict[str, Any]]:
    """The splits of a saved Hugging Face dataset folder, or ``None`` when it is not one."""
    import datasets

    if is_saved_to_disk(folder):
        loaded = datasets.load_from_disk(str(folder))
        return dict(loaded) if isinstance(loaded, datasets.DatasetDict) else {"train": loaded}
    shards = find_shards(folder, config_name)
    if not shards:
        return None
    kinds = {SHARD_BUILDERS[SHARD_PATTERN.match(p.name).group("ext")] for files in shards.values() for p in files}
    if len(kinds) != 1:
        raise DataError(
            expected_found(
                f"dataset folder '{folder}'",
                "shards of one file type",
                ", ".join(sorted(kinds)),
                "Keep one format per folder.",
            )
        )
    data_files = {split: [str(p) for p in files] for split, files in shards.items()}
    return dict(datasets.load_dataset(kinds.pop(), data_files=data_files))
