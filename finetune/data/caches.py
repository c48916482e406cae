"""Data caches: where they are, how much disk they take, and clearing them.

Two caches hold a dataset's rows between runs:

- the **tokenized cache**, ``<runs_dir>/.cache/tokenized/<key>``: one entry per (data, data settings,
  tokenizer, max_length, padding), written by :func:`finetune.model.tokenization.encode_splits`, with what
  preparation reported (:mod:`finetune.train.run_data`), so a second run neither prepares nor tokenizes;
- the **datasets cache** (``HF_DATASETS_CACHE``, by default ``~/.cache/huggingface/datasets``):
  the Arrow copy ``datasets`` makes of a CSV/JSON/Parquet file the first time it loads it.

A run reports both sizes (its ``started`` event, ``data_cache``); ``python -m finetune runs clean
--caches`` clears the tokenized cache and the datasets cache's copies of local files (Hub
downloads are left alone). Both are rebuilt by the next run that needs them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Union

# datasets' packaged builders for local files: their cache folders hold copies of local files only
LOCAL_FILE_BUILDERS = ("csv", "json", "parquet", "text", "arrow", "pandas")


def tokenized_dir(runs_dir: Union[str, Path]) -> Path:
    return Path(runs_dir) / ".cache" / "tokenized"


def datasets_cache_dir() -> Path:
    """The datasets library's cache folder (``HF_DATASETS_CACHE`` honoured)."""
    import datasets

    return Path(datasets.config.HF_DATASETS_CACHE)


def folder_bytes(path: Path) -> int:
    """Bytes of every file under ``path`` (0 when missing)."""
    if not path.exists():
        return 0
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def format_bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def files_bytes(paths: Iterable[str]) -> int:
    """Bytes of the distinct existing files among ``paths``."""
    return sum(os.path.getsize(p) for p in set(paths) if os.path.isfile(p))


def backing_files(splits: Any) -> list[str]:
    """The Arrow files (datasets cache or tokenized cache) a DatasetDict's splits are memory-mapped from."""
    return [f["filename"] for split in splits.values() for f in getattr(split, "cache_files", [])]


def data_cache_report(prepared_splits: Any, encoded_splits: Any, runs_dir: Union[str, Path]) -> dict[str, int]:
    """Disk use of a run's data, in bytes.

    ``tokenized``: the Arrow files of this run's entry; ``tokenized_all``: every entry; ``source``: the
    datasets-cache copy the prepared data is read from (0 for in-memory data).
    """
    return {
        "tokenized": files_bytes(backing_files(encoded_splits)),
        "tokenized_all": folder_bytes(tokenized_dir(runs_dir)),
        "source": files_bytes(backing_files(prepared_splits)),
    }


def local_copies(cache: Path) -> list[Path]:
    """The datasets cache's folders of local-file copies (``csv/``, ``json/``, ... and their lock files)."""
    if not cache.is_dir():
        return []
    found = [cache / name for name in LOCAL_FILE_BUILDERS if (cache / name).is_dir()]
    found += [p for p in cache.glob("*.lock") if any(f"_{name}_" in p.name for name in LOCAL_FILE_BUILDERS)]
    return found


def clear_caches(runs_dir: Union[str, Path], *, datasets_cache: bool = True) -> dict[str, int]:
    """Delete the tokenized cache (and the datasets cache's copies of local files); bytes freed of each.

    A run that is reading an entry keeps reading it (its files stay mapped until it ends); the
    next run rebuilds what it needs."""
    freed = {"tokenized": folder_bytes(tokenized_dir(runs_dir)), "datasets": 0}
    shutil.rmtree(tokenized_dir(runs_dir), ignore_errors=True)
    if datasets_cache:
        for path in local_copies(datasets_cache_dir()):
            if path.is_dir():
                freed["datasets"] += folder_bytes(path)
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    return freed


def describe_data_cache(sizes: dict[str, int], from_cache: bool) -> str:
    """The run log's line on its data caches (sizes from :func:`data_cache_report`)."""
    how = "read from" if from_cache else "saved to"
    size = f"{format_bytes(sizes['tokenized'])} (all entries: {format_bytes(sizes['tokenized_all'])})"
    if sizes["source"]:  # one whole sentence per case, so the page can translate it by its shape
        return (
            f"tokenized data {how} the cache: {size}; the datasets cache's copy of the data file: "
            f"{format_bytes(sizes['source'])}. `python -m finetune runs clean --caches` clears them."
        )
    return f"tokenized data {how} the cache: {size}. `python -m finetune runs clean --caches` clears them."
