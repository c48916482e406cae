"""Loading: a dataset string (file, folder of split files, Hub id) or in-memory data as raw splits.

THE table reader (:func:`read_table`) and THE list of accepted file types (:data:`FILE_TYPES`)
for training data and files to predict alike; local paths are told from Hub ids by
``safety.looks_local``.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional, TextIO, Union

from finetune.config.run_config import DataConfig
from finetune.config.twins import dataset_twin_hint
from finetune.data import file_checks
from finetune.data.names import FILE_TYPES
from finetune.errors import DataError, expected_found
from finetune.network import hub_is_reachable
from finetune.safety import guard, looks_local, resolve_local

# Legacy canonical dataset ids the tutorials use -> their owner ids on the Hub today (datasets 3+
# dropped the un-owned names).
LEGACY_HUB_IDS = {
    "glue": "nyu-mll/glue",
    "imdb": "stanfordnlp/imdb",
    "yelp_review_full": "Yelp/yelp_review_full",
    "rotten_tomatoes": "cornell-movie-review-data/rotten_tomatoes",
    "sst2": "stanfordnlp/sst2",
    "ag_news": "fancyzhx/ag_news",
    "emotion": "dair-ai/emotion",
    "tweet_eval": "cardiffnlp/tweet_eval",
    "snli": "stanfordnlp/snli",
    "amazon_polarity": "fancyzhx/amazon_polarity",
    "dbpedia_14": "fancyzhx/dbpedia_14",
    "yelp_polarity": "fancyzhx/yelp_polarity",
}
SPLIT_ALIASES = {
    "train": ("train", "training"),
    "validation": ("validation", "valid", "dev", "val", "eval"),
    "test": ("test", "testing"),
}


def looks_like_path(name: str) -> bool:
    return looks_local(name) or Path(name).suffix.lower() in FILE_TYPES


def read_table(path: Path, *, sheet: Optional[str] = None, header_row: Optional[int] = None) -> Any:
    """Read one data file into a ``datasets.Dataset`` (Excel through pandas), column names stripped.

    The file is checked first (see file_checks.py), so an unreadable file names its real cause;
    a delimited file's delimiter is detected from its header line (a comma CSV named .txt works).
    """
    import datasets

    kind = FILE_TYPES.get(path.suffix.lower())
    if kind is None:
        raise DataError(
            expected_found(
                f"data file '{path.name}'",
                f"one of {', '.join(sorted(FILE_TYPES))}",
                f"'{path.suffix or 'no extension'}'",
                "Convert it to CSV or JSON lines.",
            )
        )
    try:
        if kind == "excel":
            return _read_excel_once(str(path.resolve()), content_hash(path), sheet, header_row)
        if kind == "parquet":
            return _strip_column_names(
                datasets.load_dataset("parquet", name=content_name(path), data_files=str(path), split="train")
            )
        big = path.stat().st_size > file_checks.FULL_CHECK_BYTES
        text = file_checks.read_text(path, head_only=big)
        if not text.strip():
            raise DataError(expected_found(f"data file '{path.name}'", "rows", "no rows (the file is empty)"))
        try:
            loaded = _load_text_file(path, kind, text, header_row, check=not big)
        except Exception:
            if big:  # a large file is checked in full only when it fails to load, to name the cause
                _load_text_file(path, kind, file_checks.read_text(path), header_row, check=True, load=False)
            raise
        return _strip_column_names(loaded)
    except DataError:
        raise
    except Exception as exc:  # pandas/arrow parse errors come in many types
        raise DataError(
            f"data file '{path.name}': expected a readable {kind} file, found an error while "
            f"reading it ({_root_cause(exc)}). Check the file's format and encoding (UTF-8)."
        ) from exc


HASH_BLOCK = 1 << 22


def content_hash(path: Path) -> str:
    """A fast hash (xxh3-128) of a file's bytes.

    Why: ``datasets`` keys its Arrow copy of a local file by path and modification time, so a file replaced in
    place with the same size and a restored time was read from the copy of the old one (and so was every
    cache keyed on that). Hashing the bytes costs one read of the file per load (benchmarks/README.md)."""
    import xxhash

    digest = xxhash.xxh3_128()
    with open(path, "rb") as handle:
        while block := handle.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def content_name(path: Path) -> str:
    """The datasets config name that keys a local file's Arrow copy (and the dataset's fingerprint, which the
    tokenized cache's key holds) by the file's content."""
    return f"content-{content_hash(path)}"


@functools.lru_cache(maxsize=2)
def _read_excel_once(path: str, digest: str, sheet: Optional[str], header_row: Optional[int]) -> Any:
    """An Excel sheet as a Dataset, parsed once per (file content, sheet, header row): the data
    preview lists the columns and then previews, and training follows; Excel parsing is slow."""
    import datasets

    frame = file_checks.read_excel(Path(path), sheet, header_row)
    return _strip_column_names(datasets.Dataset.from_pandas(frame, preserve_index=False))


def _load_text_file(
    path: Path, kind: str, text: str, header_row: Optional[int], *, check: bool, load: bool = True
) -> Any:
    """A CSV/TSV/JSON file as a Dataset; ``check``: first the row checks of file_checks.py on ``text``
    (the whole file, a Python pass: small files always, large ones only to explain a failure)."""
    import datasets

    if kind == "json":
        field = file_checks.json_rows_field(text, path.name) if check or path.suffix.lower() == ".json" else None
        if not load:
            return None
        return datasets.load_dataset("json", name=content_name(path), data_files=str(path), split="train", field=field)
    text = file_checks.skip_lines(text, header_row)
    delimiter = file_checks.detect_delimiter(text, "\t" if kind == "tsv" else ",")
    if check:
        file_checks.check_rows(text, delimiter, path.name, header_row)
    if not load:
        return None
    options = dict(
        name=content_name(path),
        data_files=str(path),
        delimiter=delimiter,
        split="train",
        skiprows=(header_row - 1) if header_row and header_row > 1 else None,
    )
    loaded = datasets.load_dataset("csv", **options)
    # ``check``: ``text`` is the whole file; a large file's head cannot decide (a label '01' first written past it)
    zeros = (
        leading_zero_columns(text, delimiter, loaded.features)
        if check
        else file_leading_zero_columns(path, delimiter, loaded.features, header_row)
    )
    if not zeros:
        return loaded
    features = datasets.Features(
        {name: datasets.Value("string") if name in zeros else feature for name, feature in loaded.features.items()}
    )
    return datasets.load_dataset("csv", features=features, **options)


LEADING_ZERO = re.compile(r"^\s*[+-]?0\d")


def leading_zero_columns(text: Union[str, TextIO], delimiter: str, features: Any) -> set[str]:
    """Columns read as numbers whose text has a value with a leading zero ('01', '007'): read as numbers they
    would lose the zero, and '007', '07' and '7' would become one label. ``text``: the file's text from its
    header on, or the open file."""
    numeric = _numeric_columns(features)
    if not numeric:
        return set()
    reader = csv.reader(io.StringIO(text) if isinstance(text, str) else text, delimiter=delimiter)
    header = next(reader, [])
    positions = {i: name for i, name in enumerate(header) if name in numeric}
    found: set[str] = set()
    for row in reader:
        found.update(name for i, name in positions.items() if i < len(row) and LEADING_ZERO.match(row[i]))
        if len(found) == len(positions):
            break
    return found


def file_leading_zero_columns(path: Path, delimiter: str, features: Any, header_row: Optional[int]) -> set[str]:
    """:func:`leading_zero_columns` of a file too large to hold as text: its numeric columns read as text by
    pyarrow's CSV reader, block by block; a file that reader refuses (a row with a missing field, which
    pandas reads) is read with the csv module instead, as a stream."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pyarrow import csv as arrow_csv

    numeric = _numeric_columns(features)
    skip = header_row - 1 if header_row and header_row > 1 else 0
    if not numeric:
        return set()
    found: set[str] = set()
    try:
        reader = arrow_csv.open_csv(
            path,
            read_options=arrow_csv.ReadOptions(skip_rows=skip),
            parse_options=arrow_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=arrow_csv.ConvertOptions(
                include_columns=sorted(numeric), column_types=dict.fromkeys(numeric, pa.string())
            ),
        )
        for batch in reader:
            found.update(
                name
                for name in numeric - found
                if pc.any(pc.match_substring_regex(batch.column(name), LEADING_ZERO.pattern)).as_py()
            )
            if found == numeric:
                break
        return found
    except (pa.ArrowException, OSError):
        with path.open(encoding="utf-8-sig", errors="replace", newline="") as handle:
            for _ in range(skip):
                handle.readline()
            return leading_zero_columns(handle, delimiter, features)


def _numeric_columns(features: Any) -> set[str]:
    import datasets

    return {
        name
        for name, feature in features.items()
        if isinstance(feature, datasets.Value) and feature.dtype.startswith(("int", "float"))
    }


def _root_cause(exc: BaseException) -> str:
    """The innermost cause's first line (datasets wraps parse errors in a generic one)."""
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]


def _strip_column_names(dataset: Any) -> Any:
    """Column names without surrounding spaces (" Text " -> "Text"), unless stripping would merge two."""
    stripped = {name: str(name).strip() for name in dataset.column_names}
    if len(set(stripped.values())) < len(stripped) or all(k == v for k, v in stripped.items()):
        return dataset
    return dataset.rename_columns({k: v for k, v in stripped.items() if k != v})


def split_name_for(stem: str) -> Optional[str]:
    stem = stem.lower()
    for split, aliases in SPLIT_ALIASES.items():
        if stem in aliases:
            return split
    return None


def load_folder(
    folder: Path, config_name: Optional[str] = None, sheet: Optional[str] = None, header_row: Optional[int] = None
) -> dict[str, Any]:
    """A folder holding ``train.*``, ``validation.*`` (valid/dev) and ``test.*`` files, a
    ``save_to_disk`` folder, or shards named like ``train-00000-of-00001.parquet``."""
    from finetune.data.saved_folders import load_hf_folder

    saved = load_hf_folder(folder, config_name)
    if saved is not None:
        return saved
    found: dict[str, Any] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in FILE_TYPES:
            split = split_name_for(path.stem)
            if split and split not in found:
                found[split] = read_table(path, sheet=sheet, header_row=header_row)
    if "train" not in found:
        names = ", ".join(sorted(p.name for p in folder.iterdir())) or "nothing"
        raise DataError(
            expected_found(
                f"dataset folder '{folder}'",
                "a train file (train.csv, train.jsonl, ...) and optionally validation/test files",
                names,
            )
        )
    return found


def load_hub(name: str, config_name: Optional[str]) -> dict[str, Any]:
    import datasets

    if not hub_is_reachable():
        advice = (
            "Use a csv/tsv/json/jsonl/parquet/xlsx file, a folder of train/validation/test files, or an example "
            "under examples/data/."
        )
        raise DataError(
            expected_found(
                f"dataset '{name}'",
                "a local file/folder or a reachable Hugging Face Hub",
                "neither (no such path, and the Hub is unreachable from this machine)",
                " ".join(part for part in (dataset_twin_hint(name, config_name), advice) if part),
            )
        )
    name = LEGACY_HUB_IDS.get(name, name)
    if "/" not in name:
        raise DataError(
            expected_found(
                f"dataset '{name}'",
                "a Hub id with its owner, e.g. nyu-mll/glue, stanfordnlp/imdb, Yelp/yelp_review_full",
                f"'{name}'",
            )
        )
    try:
        loaded = datasets.load_dataset(name, config_name)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        hint = " It needs a configuration: set dataset_config." if "config" in first.lower() else ""
        raise DataError(f"dataset '{name}' could not be loaded from the Hub: {first[:400]}.{hint}") from exc
    return dict(loaded)


def legacy_id_note(config: DataConfig) -> Optional[str]:
    """A log line when ``config.dataset`` is a legacy canonical id (``imdb``) read as its owner id."""
    owner_id = LEGACY_HUB_IDS.get(config.dataset.strip())
    if owner_id is None or resolve_local(config.dataset) is not None:
        return None
    return f"dataset '{config.dataset}' is the legacy name of '{owner_id}' on the Hub; loading '{owner_id}'."


def load_raw(config: DataConfig, raw: Any = None) -> tuple[dict[str, Any], str]:
    """Load the splits named by ``config.dataset`` (or wrap in-memory ``raw`` data)."""
    if raw is not None:
        return to_splits(raw), "in-memory data"
    guard(config.dataset, what="dataset")
    local = resolve_local(config.dataset)
    if local is not None:
        if local.is_dir():
            return load_folder(local, config.dataset_config, config.sheet, config.header_row), str(local)
        return {"train": read_table(local, sheet=config.sheet, header_row=config.header_row)}, str(local)
    if looks_like_path(config.dataset):
        raise DataError(
            expected_found(
                f"dataset '{config.dataset}'",
                "an existing file or folder",
                "no such path",
                "Check the path (relative paths start at the current folder).",
            )
        )
    return load_hub(config.dataset, config.dataset_config), config.dataset


def to_splits(raw: Any) -> dict[str, Any]:
    """Accept a DatasetDict, a Dataset, a pandas DataFrame, a dict of columns or a dict of splits."""
    import datasets
    import pandas as pd

    if isinstance(raw, datasets.DatasetDict):
        return dict(raw)
    if isinstance(raw, datasets.Dataset):
        return {"train": raw}
    if isinstance(raw, pd.DataFrame):
        return {"train": datasets.Dataset.from_pandas(raw, preserve_index=False)}
    if isinstance(raw, Mapping):
        values = list(raw.values())
        if values and all(isinstance(v, (datasets.Dataset, pd.DataFrame, Mapping)) for v in values):
            return {str(k): to_splits(v)["train"] for k, v in raw.items()}
        return {"train": datasets.Dataset.from_dict(dict(raw))}
    raise DataError(
        expected_found("in-memory data", "a DatasetDict, Dataset, DataFrame or dict of columns", type(raw).__name__)
    )
