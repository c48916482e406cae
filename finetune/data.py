"""Datasets: load, map columns, encode labels, clean, split and subsample.

The output of :func:`prepare_data` is a ``DatasetDict`` with canonical columns: ``text``,
optionally ``text_pair`` (sentence pairs), and ``label`` (a ``ClassLabel``), plus a report of
what was done (rows dropped and why, where validation came from, label distribution).

Label order is documented and stable:
- a ``ClassLabel`` keeps its names and ids;
- integer labels ``0..K-1`` keep their ids (names are the numbers as text, rename with ``label_names``);
- other integers, floats that are whole numbers, booleans and strings are sorted, and the
  sorted position is the id. Strings are compared after stripping surrounding spaces.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

from .config import DataConfig
from .errors import ColumnMappingError, DataError, expected_found
from .network import hub_is_reachable

PROJECT_ROOT = Path(__file__).resolve().parent.parent
FILE_TYPES = {".csv": "csv", ".tsv": "tsv", ".txt": "tsv", ".json": "json", ".jsonl": "json",
              ".parquet": "parquet", ".xlsx": "excel", ".xls": "excel"}
SPLIT_ALIASES = {
    "train": ("train", "training"),
    "validation": ("validation", "valid", "dev", "val", "eval"),
    "test": ("test", "testing"),
}
TEXT_CANDIDATES = ("text", "sentence", "review", "content", "comment", "document", "review_text", "tweet",
                   "question", "title", "body", "utterance", "query", "input")
PAIR_CANDIDATES = (("sentence1", "sentence2"), ("text_a", "text_b"), ("question1", "question2"),
                   ("premise", "hypothesis"), ("question", "sentence"), ("text1", "text2"),
                   ("query", "passage"), ("sentence_a", "sentence_b"))
LABEL_CANDIDATES = ("label", "labels", "class", "category", "sentiment", "target", "y", "stars", "rating",
                    "score", "gold_label")
MISSING_INT_LABEL = -1  # GLUE marks unlabelled test rows with -1
# Legacy canonical dataset ids the tutorials use -> their owner ids on the Hub today (datasets 3+
# dropped the un-owned names).
LEGACY_HUB_IDS = {
    "glue": "nyu-mll/glue", "imdb": "stanfordnlp/imdb", "yelp_review_full": "Yelp/yelp_review_full",
    "rotten_tomatoes": "cornell-movie-review-data/rotten_tomatoes", "sst2": "stanfordnlp/sst2",
    "ag_news": "fancyzhx/ag_news", "emotion": "dair-ai/emotion", "tweet_eval": "cardiffnlp/tweet_eval",
    "snli": "stanfordnlp/snli", "amazon_polarity": "fancyzhx/amazon_polarity",
    "dbpedia_14": "fancyzhx/dbpedia_14", "yelp_polarity": "fancyzhx/yelp_polarity",
}


@dataclass(frozen=True)
class ColumnMapping:
    """Which source columns hold the text(s) and the label."""

    text: str
    label: str
    text_pair: Optional[str] = None

    @property
    def is_pair(self) -> bool:
        return self.text_pair is not None


@dataclass
class DataReport:
    """What :func:`prepare_data` did, for events, the UI preview and the model card."""

    source: str
    columns: ColumnMapping
    label_names: list[str]
    split_sizes: dict[str, int] = field(default_factory=dict)
    label_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    dropped: dict[str, dict[str, int]] = field(default_factory=dict)
    validation_source: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "columns": {"text": self.columns.text, "text_pair": self.columns.text_pair,
                        "label": self.columns.label},
            "label_names": self.label_names,
            "split_sizes": self.split_sizes,
            "label_counts": self.label_counts,
            "dropped": self.dropped,
            "validation_source": self.validation_source,
            "notes": self.notes,
        }


@dataclass
class PreparedData:
    splits: Any  # datasets.DatasetDict with text / text_pair / label
    label_names: list[str]
    report: DataReport

    @property
    def is_pair(self) -> bool:
        return self.report.columns.is_pair


# --------------------------------------------------------------------------- loading


def resolve_local_path(name: str) -> Optional[Path]:
    """A dataset string that names an existing file/folder (relative to cwd, then to the project)."""
    raw = Path(name).expanduser()
    candidates = [raw] if raw.is_absolute() else [Path.cwd() / raw, PROJECT_ROOT / raw]
    for candidate in candidates:
        if candidate.exists():
            return candidate.resolve()
    return None


def looks_like_path(name: str) -> bool:
    return name.startswith((".", "/", "~")) or Path(name).suffix.lower() in FILE_TYPES or name.count("/") > 1


def read_table(path: Path) -> Any:
    """Read one data file into a ``datasets.Dataset`` (Excel through pandas)."""
    import datasets

    kind = FILE_TYPES.get(path.suffix.lower())
    if kind is None:
        raise DataError(expected_found(f"data file '{path.name}'", "one of " + ", ".join(sorted(FILE_TYPES)),
                                       f"'{path.suffix or 'no extension'}'", "Convert it to CSV or JSON lines."))
    try:
        if kind == "excel":
            import pandas as pd

            frame = pd.read_excel(path)
            return datasets.Dataset.from_pandas(frame, preserve_index=False)
        if kind == "tsv":
            return datasets.load_dataset("csv", data_files=str(path), delimiter="\t", split="train")
        return datasets.load_dataset(kind, data_files=str(path), split="train")
    except DataError:
        raise
    except Exception as exc:  # pandas/arrow parse errors come in many types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"data file '{path.name}': expected a readable {kind} file, found an error while "
                        f"reading it ({first[:300]}). Check the file's format and encoding (UTF-8).") from exc


def split_name_for(stem: str) -> Optional[str]:
    stem = stem.lower()
    for split, aliases in SPLIT_ALIASES.items():
        if stem in aliases:
            return split
    return None


def load_folder(folder: Path, config_name: Optional[str] = None) -> dict[str, Any]:
    """A folder holding ``train.*``, ``validation.*`` (valid/dev) and ``test.*`` files, a
    ``save_to_disk`` folder, or shards named like ``train-00000-of-00001.parquet``."""
    from .hf_folders import load_hf_folder

    saved = load_hf_folder(folder, config_name)
    if saved is not None:
        return saved
    found: dict[str, Any] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in FILE_TYPES:
            split = split_name_for(path.stem)
            if split and split not in found:
                found[split] = read_table(path)
    if "train" not in found:
        names = ", ".join(sorted(p.name for p in folder.iterdir())) or "nothing"
        raise DataError(expected_found(f"dataset folder '{folder}'", "a train file (train.csv, train.jsonl, ...) "
                                       "and optionally validation/test files", names))
    return found


def load_hub(name: str, config_name: Optional[str]) -> dict[str, Any]:
    import datasets

    if not hub_is_reachable():
        raise DataError(
            f"dataset '{name}': expected a local file/folder or a reachable Hugging Face Hub, found neither "
            "(no such path, and the Hub is unreachable from this machine). Use a csv/tsv/json/jsonl/parquet/xlsx "
            "file, a folder of train/validation/test files, or an example under examples/data/."
        )
    name = LEGACY_HUB_IDS.get(name, name)
    if "/" not in name:
        raise DataError(expected_found(f"dataset '{name}'", "a Hub id with its owner, e.g. nyu-mll/glue, "
                                       "stanfordnlp/imdb, Yelp/yelp_review_full", f"'{name}'"))
    try:
        loaded = datasets.load_dataset(name, config_name)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        hint = " It needs a configuration: set dataset_config." if "config" in first.lower() else ""
        raise DataError(f"dataset '{name}' could not be loaded from the Hub: {first[:400]}.{hint}") from exc
    return dict(loaded)


def load_raw(config: DataConfig, raw: Any = None) -> tuple[dict[str, Any], str]:
    """Load the splits named by ``config.dataset`` (or wrap in-memory ``raw`` data)."""
    if raw is not None:
        return to_splits(raw), "in-memory data"
    local = resolve_local_path(config.dataset)
    if local is not None:
        if local.is_dir():
            return load_folder(local, config.dataset_config), str(local)
        return {"train": read_table(local)}, str(local)
    if looks_like_path(config.dataset):
        raise DataError(expected_found(f"dataset '{config.dataset}'", "an existing file or folder",
                                       "no such path", "Check the path (relative paths start at the current folder)."))
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
    raise DataError(expected_found("in-memory data", "a DatasetDict, Dataset, DataFrame or dict of columns",
                                   type(raw).__name__))


# --------------------------------------------------------------------------- columns


def detect_columns(columns: Sequence[str], features: Any, config: DataConfig) -> ColumnMapping:
    """Map source columns to text / text_pair / label, honouring explicit choices in ``config``."""
    present = list(columns)
    lower = {c.lower(): c for c in present}

    def pick(name: Optional[str], role: str) -> Optional[str]:
        if name is None:
            return None
        if name in present:
            return name
        if name.lower() in lower:
            return lower[name.lower()]
        raise ColumnMappingError(expected_found(f"{role} column '{name}'", "one of the dataset's columns",
                                                ", ".join(present) or "no columns"))

    label = pick(config.label_column, "label")
    text = pick(config.text_column, "text")
    pair = pick(config.text_pair_column, "second text")
    if label is None:
        label = next((lower[c] for c in LABEL_CANDIDATES if c in lower), None)
        if label is None:
            raise ColumnMappingError(expected_found(
                "label column", "one named " + "/".join(LABEL_CANDIDATES[:6]) + " (or set label_column)",
                "columns " + ", ".join(present), "Choose the label column."))
    if text is None:
        if config.text_pair_column is None:
            for first, second in PAIR_CANDIDATES:
                if first in lower and second in lower:
                    return ColumnMapping(text=lower[first], text_pair=lower[second], label=label)
        text = next((lower[c] for c in TEXT_CANDIDATES if c in lower and lower[c] != label), None)
        if text is None:
            strings = [c for c in present if c != label and _is_string_feature(features.get(c)) and c != pair]
            if len(strings) == 1:
                text = strings[0]
            else:
                raise ColumnMappingError(expected_found(
                    "text column", "one named " + "/".join(TEXT_CANDIDATES[:5]) + " or a single text column "
                    "(or set text_column)", "columns " + ", ".join(present), "Choose the text column(s)."))
    if text == label or pair in (text, label):
        raise ColumnMappingError(expected_found("column mapping", "different columns for text, second text and "
                                                "label", f"text={text}, text_pair={pair}, label={label}"))
    return ColumnMapping(text=text, text_pair=pair, label=label)


def _is_string_feature(feature: Any) -> bool:
    return getattr(feature, "dtype", None) in {"string", "large_string"}


def check_text_column(dataset: Any, column: str) -> None:
    feature = dataset.features[column]
    dtype = getattr(feature, "dtype", None)
    if dtype in {"string", "large_string", "null"}:
        return
    raise ColumnMappingError(expected_found(f"text column '{column}'", "text (strings)",
                                            f"values of type {dtype or type(feature).__name__}",
                                            "Choose the column that holds the text."))


# --------------------------------------------------------------------------- labels


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    if isinstance(value, (int,)) and not isinstance(value, bool) and value == MISSING_INT_LABEL:
        return True
    return False


def _label_key(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def infer_label_names(splits: dict[str, Any], label_column: str) -> tuple[list[str], Optional[dict[Any, int]]]:
    """Label names plus a value->id map (None when the values already are the ids)."""
    import datasets

    feature = splits["train"].features[label_column]
    if isinstance(feature, datasets.ClassLabel):
        return list(feature.names), None
    values: set[Any] = set()
    for split in splits.values():
        if label_column in split.column_names:
            values.update(_label_key(v) for v in split[label_column] if not _is_missing(v))
    if not values:
        raise DataError(expected_found(f"label column '{label_column}'", "at least one label value",
                                       "only missing values"))
    kinds = {type(v) for v in values}
    if len(kinds) > 1 and not kinds <= {int, float}:
        raise DataError(expected_found(f"label column '{label_column}'", "labels of one kind (all text or all "
                                       "numbers)", "a mix of " + ", ".join(sorted(k.__name__ for k in kinds))))
    ordered = sorted(values)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in ordered) and ordered == list(range(len(ordered))):
        return [str(v) for v in ordered], None
    if any(isinstance(v, float) for v in ordered):
        raise DataError(expected_found(f"label column '{label_column}'", "class labels (whole numbers or text)",
                                       f"fractional values such as {next(v for v in ordered if isinstance(v, float))}",
                                       "This is a regression target; map it to classes first."))
    return [str(v) for v in ordered], {v: i for i, v in enumerate(ordered)}


# --------------------------------------------------------------------------- preparation


def legacy_id_note(config: DataConfig) -> Optional[str]:
    """A log line when ``config.dataset`` is a legacy canonical id (``imdb``) read as its owner id."""
    owner_id = LEGACY_HUB_IDS.get(config.dataset.strip())
    if owner_id is None or resolve_local_path(config.dataset) is not None:
        return None
    return f"dataset '{config.dataset}' is the legacy name of '{owner_id}' on the Hub; loading '{owner_id}'."


def prepare_data(config: DataConfig, raw: Any = None, *, hold_out: bool = True) -> PreparedData:
    """Load, map, encode, clean, split and subsample: everything before tokenization.

    ``hold_out=False`` keeps every train row in train when there is no validation split
    (k-fold cross-validation makes its own validation folds).
    """
    splits, source = load_raw(config, raw)
    train_name = _find_split(splits, config.train_split, "train")
    if train_name is None:
        raise DataError(expected_found("train split", f"'{config.train_split}'",
                                       "splits " + ", ".join(splits) or "none", "Set train_split."))
    train = splits[train_name]
    mapping = detect_columns(train.column_names, train.features, config)
    check_text_column(train, mapping.text)
    if mapping.text_pair:
        check_text_column(train, mapping.text_pair)

    chosen = {"train": train}
    validation_name = _find_split(splits, config.validation_split, "validation", required=config.validation_split)
    if validation_name:
        chosen["validation"] = splits[validation_name]
    if (config.test_split or "").lower() != "none":
        test_name = _find_split(splits, config.test_split, "test", required=config.test_split)
        if test_name and mapping.label in splits[test_name].column_names:
            chosen["test"] = splits[test_name]
    for name, split in chosen.items():
        missing = [c for c in (mapping.text, mapping.text_pair, mapping.label) if c and c not in split.column_names]
        if missing:
            raise ColumnMappingError(expected_found(f"{name} split columns", ", ".join(missing),
                                                    ", ".join(split.column_names)))

    label_names, value_to_id = infer_label_names(chosen, mapping.label)
    if config.label_names is not None:
        if len(config.label_names) != len(label_names):
            raise DataError(expected_found("label_names", f"{len(label_names)} names (the data has "
                                           f"{len(label_names)} classes: {', '.join(label_names)})",
                                           f"{len(config.label_names)}: {', '.join(config.label_names)}"))
        label_names = list(config.label_names)

    report = DataReport(source=source, columns=mapping, label_names=label_names)
    if raw is None and legacy_id_note(config):
        report.notes.append(legacy_id_note(config))
    cleaned = {name: _canonical(split, mapping, label_names, value_to_id, report, name)
               for name, split in chosen.items()}
    if "test" in cleaned and len(cleaned["test"]) == 0:
        report.notes.append("The test split has no labelled rows; it is not evaluated.")
        del cleaned["test"]

    train_counts = _counts(cleaned["train"], label_names)
    present = [name for name, count in train_counts.items() if count > 0]
    if len(present) < 2:
        raise DataError(expected_found("training labels", "at least two classes",
                                       f"only {', '.join(present) or 'none'}",
                                       "Check the label column, or add examples of the other classes."))

    if "validation" not in cleaned and hold_out:
        cleaned["train"], cleaned["validation"] = _hold_out(cleaned["train"], config, report)
    elif "validation" not in cleaned:
        report.validation_source = "none (cross-validation folds)"
    else:
        report.validation_source = f"split '{validation_name}'"

    cleaned = _subsample(cleaned, config)
    import datasets

    result = datasets.DatasetDict(cleaned)
    report.split_sizes = {name: len(split) for name, split in result.items()}
    report.label_counts = {name: _counts(split, label_names) for name, split in result.items()}
    return PreparedData(splits=result, label_names=label_names, report=report)


def _find_split(splits: dict[str, Any], requested: Optional[str], default: str,
                required: Optional[str] = None) -> Optional[str]:
    if requested:
        if requested in splits:
            return requested
        if required or default == "train":
            raise DataError(expected_found(f"split '{requested}'", "one of the dataset's splits",
                                           ", ".join(splits) or "none"))
    for alias in SPLIT_ALIASES[default]:
        if alias in splits:
            return alias
    return None


def _canonical(split: Any, mapping: ColumnMapping, label_names: list[str],
               value_to_id: Optional[dict[Any, int]], report: DataReport, name: str) -> Any:
    """Keep the mapped columns, rename them, drop empty text and missing labels, cast to ClassLabel."""
    import datasets

    keep = [c for c in (mapping.text, mapping.text_pair, mapping.label) if c]
    split = split.select_columns(keep)
    is_class_label = isinstance(split.features[mapping.label], datasets.ClassLabel)
    text_cols = [mapping.text] + ([mapping.text_pair] if mapping.text_pair else [])
    before = len(split)

    def _row_ok(batch: dict[str, list]) -> list[bool]:
        keep_rows = []
        for i in range(len(batch[mapping.label])):
            ok_text = all(isinstance(batch[c][i], str) and batch[c][i].strip() for c in text_cols)
            keep_rows.append(bool(ok_text))
        return keep_rows

    split = split.filter(_row_ok, batched=True, desc=f"Dropping empty text ({name})")
    empty_text = before - len(split)
    before_labels = len(split)
    split = split.filter(lambda b: [not _is_missing(v) for v in b[mapping.label]], batched=True,
                         desc=f"Dropping missing labels ({name})")
    missing_labels = before_labels - len(split)

    if not is_class_label:
        def _encode(batch: dict[str, list]) -> dict[str, list]:
            values = [_label_key(v) for v in batch[mapping.label]]
            if value_to_id is None:
                return {mapping.label: [int(v) for v in values]}
            return {mapping.label: [value_to_id[v] for v in values]}

        split = split.map(_encode, batched=True, desc=f"Encoding labels ({name})")
    renames = {mapping.text: "text", mapping.label: "label"}
    if mapping.text_pair:
        renames[mapping.text_pair] = "text_pair"
    split = split.rename_columns({k: v for k, v in renames.items() if k != v})
    split = split.cast_column("label", datasets.ClassLabel(names=label_names))
    report.dropped[name] = {"empty_text": empty_text, "missing_label": missing_labels}
    if empty_text or missing_labels:
        report.notes.append(f"{name}: dropped {empty_text} rows with empty text and {missing_labels} rows with "
                            f"missing labels ({len(split)} of {before} kept).")
    if len(split) == 0 and name != "test":
        raise DataError(expected_found(f"{name} split", "rows left after cleaning",
                                       f"0 of {before} (empty text: {empty_text}, missing label: {missing_labels})",
                                       "Check the column mapping."))
    return split


def _hold_out(train: Any, config: DataConfig, report: DataReport) -> tuple[Any, Any]:
    """Split validation off train, stratified by label when every class has >= 2 rows."""
    counts = _counts(train, report.label_names)
    n_val = max(1, int(round(len(train) * config.validation_size)))
    stratify = all(c >= 2 for c in counts.values() if c > 0) and n_val >= sum(1 for c in counts.values() if c)
    kwargs = {"test_size": config.validation_size, "seed": config.split_seed}
    if stratify:
        kwargs["stratify_by_column"] = "label"
    try:
        parts = train.train_test_split(**kwargs)
    except ValueError:
        kwargs.pop("stratify_by_column", None)
        stratify = False
        parts = train.train_test_split(**kwargs)
    how = "stratified by label" if stratify else "not stratified (some class has too few rows)"
    report.validation_source = (f"{config.validation_size:.0%} of train held out ({how}, seed {config.split_seed})")
    return parts["train"], parts["test"]


def _subsample(splits: dict[str, Any], config: DataConfig) -> dict[str, Any]:
    """The tutorials' "small subset" pattern: shuffle with a seed, then take the first N rows."""
    limits = {"train": config.max_train_samples, "validation": config.max_eval_samples,
              "test": config.max_eval_samples}
    out = {}
    for name, split in splits.items():
        limit = limits.get(name)
        if limit is not None and limit < len(split):
            split = split.shuffle(seed=config.split_seed).select(range(limit))
        out[name] = split
    return out


def _counts(split: Any, label_names: list[str]) -> dict[str, int]:
    counts = {name: 0 for name in label_names}
    for value in split["label"]:
        counts[label_names[value]] += 1
    return counts


# --------------------------------------------------------------------------- preview


def preview(config: DataConfig, raw: Any = None, rows: int = 5, checkpoint: Optional[str] = None) -> dict[str, Any]:
    """Everything the UI's data preview shows, computed by the same code path as training.
    With ``checkpoint``: also ``vocabulary``, the [UNK] share of a sample for its tokenizer (see vocab.py)."""
    prepared = prepare_data(config, raw)
    first = prepared.splits["train"].select(range(min(rows, len(prepared.splits["train"]))))
    out = {"rows": first.to_pandas(), "report": prepared.report.to_dict()}
    if checkpoint:
        from .vocab import coverage_for_checkpoint

        out["vocabulary"] = coverage_for_checkpoint(checkpoint, prepared.splits).to_dict()
    return out


def list_columns(config: DataConfig, raw: Any = None) -> list[str]:
    """Columns of the train split as loaded (before mapping), for the UI's mapping dropdowns."""
    splits, _ = load_raw(config, raw)
    name = _find_split(splits, config.train_split, "train") or next(iter(splits))
    return list(splits[name].column_names)


def iter_texts(prepared: PreparedData, split: str = "train", limit: Optional[int] = None) -> Iterable[tuple]:
    data = prepared.splits[split]
    if limit is not None and limit < len(data):
        data = data.select(range(limit))
    pairs = data["text_pair"] if prepared.is_pair else [None] * len(data)
    return zip(data["text"], pairs)


def dataset_short_name(name: Union[str, Path]) -> str:
    """A short, filesystem-safe name for a dataset string (used in run and repo names)."""
    text = str(name).rstrip("/")
    stem = Path(text).stem if Path(text).suffix.lower() in FILE_TYPES else text.split("/")[-1]
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in stem).strip("-") or "data"
