"""Datasets: load, map columns, encode labels, clean, split and subsample.

The output of :func:`prepare_data` is a ``DatasetDict`` with canonical columns: ``text``,
optionally ``text_pair`` (sentence pairs), and ``label`` (a ``ClassLabel``), plus a report of
what was done (rows dropped and why, where validation came from, label distribution).

Label order is documented and stable:
- a ``ClassLabel`` keeps its names and ids;
- integer labels ``0..K-1`` keep their ids (names are the numbers as text, rename with ``label_names``);
- other integers, floats that are whole numbers, booleans and strings are sorted, and the
  sorted position is the id. Strings are compared after stripping surrounding spaces.

-1 is an unlabelled row only where the dataset says so (a ``ClassLabel`` column, or a test split labelled
-1 throughout); elsewhere it is a class (the -1/0/1 sentiment coding). Labels that differ only by case or
spaces, or that mix numbers and words, are kept apart as the data has them, with a note (docs/labels.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import numpy as np

from finetune.config.run_config import DataConfig
from finetune.config.tasks import AUTO, MULTI_LABEL, REGRESSION, SINGLE_LABEL
from finetune.data.arrow_columns import (
    all_minus_one,
    column,
    dataset_text_ok,
    distinct_keys,
    encode_labels,
    merge_keys,
    split_counts,
)
from finetune.data.column_detection import ColumnMapping, check_text_column, detect_columns
from finetune.data.file_checks import workbook_sheets
from finetune.data.loading import SPLIT_ALIASES, legacy_id_note, load_raw
from finetune.data.multi_label import (
    cardinality_note,
    holds_lists,
    iterative_stratification,
    label_names_of_sets,
    label_sets,
    multi_hot,
    multi_hot_column,
    multi_hot_counts,
    unknown_labels_error,
)
from finetune.data.regression import check_target_varies, is_fractional, missing_note, target_stats, target_values
from finetune.errors import ColumnMappingError, DataError, expected_found


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
    task: str = SINGLE_LABEL
    target_stats: dict[str, dict[str, float]] = field(default_factory=dict)  # regression: per split

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "source": self.source,
            "columns": {"text": self.columns.text, "text_pair": self.columns.text_pair, "label": self.columns.label},
            "label_names": self.label_names,
            "split_sizes": self.split_sizes,
            "label_counts": self.label_counts,
            "dropped": self.dropped,
            "validation_source": self.validation_source,
            "notes": self.notes,
            "target_stats": self.target_stats,
        }


@dataclass
class PreparedData:
    splits: Any  # datasets.DatasetDict with text / text_pair / label
    label_names: list[str]
    report: DataReport

    @property
    def is_pair(self) -> bool:
        return self.report.columns.is_pair

    @property
    def task(self) -> str:
        return self.report.task


# --------------------------------------------------------------------------- labels

MISSING_WORDS_NOTE = (
    " A label cell that is empty, or reads NA, N/A, None, null or NaN, counts as missing (CSV readers take "
    "those words for an empty cell); if one of them is a class name, rename it in the file."
)


def infer_label_names(
    splits: dict[str, Any], label_column: str, source: str = ""
) -> tuple[list[str], Optional[dict[Any, int]]]:
    """Label names plus a value->id map (None when the values already are the ids). ``source``: the data's
    name, for messages.

    The distinct values come from a columnar pass (see columnar.py); the rules on them are the
    module docstring's."""
    import datasets

    feature = splits["train"].features[label_column]
    if isinstance(feature, datasets.ClassLabel):
        return list(feature.names), None
    where = f"{', '.join(splits)} of {Path(source).name}" if source else ", ".join(splits)
    for name, split in splits.items():
        if label_column in split.column_names:
            check_label_type(split, label_column, name, where)
    values = merge_keys(
        distinct_keys(column(split, label_column), minus_one_missing(split, label_column, name))
        for name, split in splits.items()
        if label_column in split.column_names
    )
    return label_names_of(values, label_column, where)


def minus_one_missing(split: Any, label_column: str, name: str) -> bool:
    """Whether -1 marks an unlabelled row in this split's label column: the dataset says so with a
    ``ClassLabel`` (GLUE's convention), or it is a test split labelled -1 throughout (published without
    its labels). Elsewhere -1 is a class like any other."""
    import datasets

    if isinstance(split.features[label_column], datasets.ClassLabel):
        return True
    return name == "test" and all_minus_one(column(split, label_column))


def check_label_type(split: Any, label_column: str, name: str, where: str = "train") -> None:
    """DataError for a label column of lists or records (multi-label data), which holds no single class per row,
    or of JSON values of several kinds (datasets reads a JSON column mixing 1 and "pos" as raw JSON)."""
    import json

    import pyarrow as pa

    kind = split.data.column(label_column).type
    nested = pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_struct(kind)
    if isinstance(kind, pa.BaseExtensionType):  # raw JSON values: their kinds decide
        decoded = [json.loads(v) for v in column(split, label_column).to_pylist() if v is not None]
        if any(isinstance(v, (list, dict)) for v in decoded):
            nested = True
        else:
            label_names_of({v.strip() if isinstance(v, str) else v for v in decoded}, label_column, where)
    if nested:
        raise DataError(
            expected_found(
                f"label column '{label_column}' ({name} split)",
                "one class per row (a number or a word)",
                f"lists or records such as {_first_value(split, label_column)} (multi-label data)",
                "Set task to multi_label (or auto), which trains one yes/no output per label.",
            )
        )


def _first_value(split: Any, label_column: str) -> str:
    """The first non-empty value of a column, as text, shortened."""
    for value in column(split, label_column).to_pylist()[:100]:
        if value:
            return str(value)[:40]
    return "[]"


def label_notes(label_names: list[str], label_column: str) -> list[str]:
    """Notes on label names that are probably one class written two ways: names that differ only by case or
    spaces ('positive'/'Positive'), or numbers mixed with words ('1'/'pos'/'0'). They stay separate classes,
    as the data has them; the note says which and what to do."""
    notes = []
    groups: dict[str, list[str]] = {}
    for name in label_names:
        groups.setdefault(" ".join(name.split()).casefold(), []).append(name)
    alike = [names for names in groups.values() if len(names) > 1]
    if alike:
        shown = "; ".join(" / ".join(repr(n) for n in names) for names in alike)
        notes.append(
            f"label column '{label_column}': labels that differ only by case or spaces are separate classes: "
            f"{shown}. If they are one class, write them the same way in the data."
        )
    numbers = [name for name in label_names if _is_number(name)]
    if numbers and len(numbers) < len(label_names):
        words = [name for name in label_names if not _is_number(name)]
        notes.append(
            f"label column '{label_column}' mixes numbers ({', '.join(numbers[:5])}) and words "
            f"({', '.join(words[:5])}): each is a class of its own ({len(label_names)} classes). If a number "
            "and a word are the same class, write them the same way in the data."
        )
    return notes


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def label_names_of(
    values: set[Any], label_column: str, where: str = "train"
) -> tuple[list[str], Optional[dict[Any, int]]]:
    """Label names and value->id map of a set of distinct label keys (DataError when they are no classes);
    ``where`` names the splits and file in messages."""
    if not values:
        raise DataError(
            expected_found(
                f"label column '{label_column}' ({where})",
                "at least one label value",
                "only missing values (the column is empty on every row)",
                "Fill in the labels, or choose the column that holds them (label_column).",
            )
        )
    kinds = {type(v) for v in values}
    if len(kinds) > 1 and not kinds <= {int, float}:
        raise DataError(
            expected_found(
                f"label column '{label_column}' ({where})",
                "labels of one kind (all text or all numbers)",
                "a mix of "
                + ", ".join(
                    f"{k.__name__} (e.g. {next(v for v in sorted(values, key=repr) if type(v) is k)!r})"
                    for k in sorted(kinds, key=lambda k: k.__name__)
                ),
                "Write every label the same way: all as words, or all as numbers.",
            )
        )
    ordered = sorted(values)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in ordered) and ordered == list(range(len(ordered))):
        return [str(v) for v in ordered], None
    if any(isinstance(v, float) for v in ordered):
        raise DataError(
            expected_found(
                f"label column '{label_column}' ({where})",
                "class labels (whole numbers or text)",
                f"fractional values such as {next(v for v in ordered if isinstance(v, float))}",
                "These are numbers to predict: set task to regression (or auto), or map them to classes first.",
            )
        )
    return [str(v) for v in ordered], {v: i for i, v in enumerate(ordered)}


# --------------------------------------------------------------------------- preparation


def prepare_data(
    config: DataConfig, raw: Any = None, *, hold_out: bool = True, loaded: Optional[tuple[dict[str, Any], str]] = None
) -> PreparedData:
    """Load, map, encode, clean, split and subsample: everything before tokenization.

    ``hold_out=False`` keeps every train row in train when there is no validation split
    (k-fold cross-validation makes its own validation folds). ``loaded``: what
    ``loading.load_raw(config, raw)`` returned, when the caller has loaded it already.
    """
    import datasets

    splits, source = loaded or load_raw(config, raw)
    train_name = _find_split(splits, config.train_split, "train")
    if train_name is None:
        raise DataError(
            expected_found(
                "train split", f"'{config.train_split}'", "splits " + (", ".join(splits) or "none"), "Set train_split."
            )
        )
    train = splits[train_name]
    mapping = _map_columns(train, config, source)
    check_text_column(train, mapping.text)
    if mapping.text_pair:
        check_text_column(train, mapping.text_pair)
    chosen, validation_name = _choose_splits(splits, train, mapping, config)

    task = resolve_task(config, chosen["train"], mapping.label)
    label_names, targets, label_note_names = _encode_targets(task, chosen, mapping.label, config, source)

    report = DataReport(source=source, columns=mapping, label_names=label_names, task=task)
    if raw is None and legacy_id_note(config):
        report.notes.append(legacy_id_note(config))
    report.notes.extend(label_notes(label_note_names, mapping.label))
    cleaned = {name: _canonical(split, mapping, targets[name], report, name) for name, split in chosen.items()}
    if "test" in cleaned and len(cleaned["test"]) == 0:
        report.notes.append("The test split has no labelled rows; it is not evaluated.")
        del cleaned["test"]

    if task == SINGLE_LABEL:
        minus_one = minus_one_missing(train, mapping.label, "train")
        _check_training_classes(cleaned, label_names, mapping, report, minus_one)
    elif task == REGRESSION:
        check_target_varies(np.asarray(column(cleaned["train"], "label")), mapping.label)
    if "validation" not in cleaned and hold_out:
        cleaned["train"], cleaned["validation"] = _hold_out(cleaned["train"], config, report)
    elif "validation" not in cleaned:
        report.validation_source = "none (cross-validation folds)"
    else:
        report.validation_source = f"split '{validation_name}'"

    cleaned = _subsample(cleaned, config)
    if task == SINGLE_LABEL:
        _check_classes_seen(cleaned, label_names, report)
    result = datasets.DatasetDict(cleaned)
    report.split_sizes = {name: len(split) for name, split in result.items()}
    report.label_counts = {name: prepared_counts(split, label_names, task) for name, split in result.items()}
    if task == MULTI_LABEL:
        report.notes.extend(cardinality_note(multi_hot_column(split), name) for name, split in result.items())
    if task == REGRESSION:
        report.target_stats = {name: target_stats(column(split, "label")) for name, split in result.items()}
    return PreparedData(splits=result, label_names=label_names, report=report)


def _map_columns(train: Any, config: DataConfig, source: str) -> ColumnMapping:
    """The column mapping; when none fits, say whether the file lacks a header or the data is on another sheet."""
    try:
        return detect_columns(train.column_names, train.features, config)
    except ColumnMappingError as exc:
        _check_header(train.column_names)
        sheets = workbook_sheets(source)
        if sheets:
            raise ColumnMappingError(
                f"{exc} The workbook has sheets {', '.join(sheets)}: if the data is on another one, set sheet."
            ) from None
        raise


def _check_training_classes(
    cleaned: dict[str, Any], label_names: list[str], mapping: ColumnMapping, report: DataReport, minus_one: bool
) -> None:
    """Refuse training data with fewer than two classes (saying which rows were dropped as unlabelled, and why:
    ``minus_one``, -1 marks an unlabelled row), or with every label unique (nothing to hold out)."""
    present = [name for name, count in _counts(cleaned["train"], label_names).items() if count > 0]
    if len(present) < 2:
        dropped = report.dropped["train"]["missing_label"]
        why = (
            "-1 marks an unlabelled row in this ClassLabel column, as does an empty cell"
            if minus_one
            else "a label cell that is empty, or reads NA, N/A, None, null or NaN, counts as missing"
        )
        raise DataError(
            expected_found(
                "training labels",
                "at least two classes",
                f"only {', '.join(present) or 'none'}"
                + (f" ({dropped} rows without a label were dropped: {why})" if dropped else ""),
                "Check the label column, or add examples of the other classes.",
            )
        )
    if len(cleaned["train"]) == len(present) and "validation" not in cleaned:
        raise DataError(
            expected_found(
                f"label column '{mapping.label}'",
                "classes with several rows each (validation is held out of train)",
                f"{len(present)} rows with {len(present)} different labels (every label unique), so validation "
                "would only hold classes training never sees",
                "Check the label column, or add rows (2+ per class).",
            )
        )


def _check_header(columns: list[str]) -> None:
    """DataError when the column names read like data (a file without a header row)."""

    def data_like(name: str) -> bool:
        try:
            float(name)
            return True
        except ValueError:
            return len(name.split()) >= 3  # a phrase, not a column name

    if columns and any(data_like(str(c)) for c in columns):
        raise DataError(
            expected_found(
                "column names",
                "a header row naming the columns (e.g. text,label)",
                "names that look like data: " + ", ".join(repr(str(c)) for c in columns),
                "The file seems to have no header row: add one as its first line.",
            )
        )


def _check_classes_seen(splits: dict[str, Any], label_names: list[str], report: DataReport) -> None:
    """Refuse a training split of one class, or a validation split of classes training never sees;
    note (with the numbers) validation rows whose class training lacks. Without a validation split
    (cross-validation makes its own folds) there is nothing to compare."""
    if "validation" not in splits:
        return
    train = _counts(splits["train"], label_names)
    validation = _counts(splits["validation"], label_names)
    seen = [name for name, count in train.items() if count]
    unseen = {name: count for name, count in validation.items() if count and not train[name]}
    n_val, n_unseen = sum(validation.values()), sum(unseen.values())
    listed = ", ".join(f"{name}: {count}" for name, count in unseen.items())
    if len(seen) < 2:
        raise DataError(
            expected_found(
                "training split",
                "at least two classes",
                f"only {', '.join(seen)} ({sum(train.values())} rows; "
                f"validation: {report.validation_source or 'a split'}, {n_val} rows)",
                "Add rows (at least 2 per class), or provide a validation split.",
            )
        )
    if n_unseen and n_unseen == n_val:
        raise DataError(
            expected_found(
                "validation split",
                "rows of classes the training split has",
                f"all {n_val} rows of classes training never sees ({listed}), so accuracy would be 0",
                "Add training rows of those classes.",
            )
        )
    if n_unseen:
        report.notes.append(
            f"validation: {n_unseen} of {n_val} rows are of classes the training split lacks "
            f"({listed}); the model cannot predict them, so accuracy is at most "
            f"{(n_val - n_unseen) / n_val:.2f}."
        )


def _choose_splits(
    splits: dict[str, Any], train: Any, mapping: ColumnMapping, config: DataConfig
) -> tuple[dict[str, Any], Optional[str]]:
    """The train split plus the validation and (labelled) test splits the config asks for, checked for columns."""
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
            raise ColumnMappingError(
                expected_found(f"{name} split columns", ", ".join(missing), ", ".join(split.column_names))
            )
    return chosen, validation_name


def _find_split(
    splits: dict[str, Any], requested: Optional[str], default: str, required: Optional[str] = None
) -> Optional[str]:
    if requested:
        if requested in splits:
            return requested
        if required or default == "train":
            raise DataError(
                expected_found(f"split '{requested}'", "one of the dataset's splits", ", ".join(splits) or "none")
            )
    for alias in SPLIT_ALIASES[default]:
        if alias in splits:
            return alias
    return None


@dataclass
class EncodedTargets:
    """One split's label column as training reads it: the values, their ``datasets`` feature, the rows
    without a label, and the note that says why those were dropped."""

    values: Any
    feature: Any
    missing: np.ndarray
    missing_note: str = MISSING_WORDS_NOTE  # the end of the dropped-rows note when labels are missing
    own_note: Optional[str] = None  # a note of its own when labels are missing (regression: which rows)


def resolve_task(config: DataConfig, train: Any, label_column: str) -> str:
    """The run's task: the configured one, or with ``auto`` what the label column holds (finetune.config.tasks)."""
    if config.task != AUTO:
        return config.task
    if config.label_delimiter or holds_lists(train, label_column):
        return MULTI_LABEL
    return REGRESSION if is_fractional(column(train, label_column)) else SINGLE_LABEL


def _encode_targets(
    task: str, chosen: dict[str, Any], label_column: str, config: DataConfig, source: str
) -> tuple[list[str], dict[str, EncodedTargets], list[str]]:
    """(label names, each split's encoded targets, the label values to check for look-alike names)."""
    import datasets

    def where(name: str) -> str:
        return f"{name} split of {Path(source).name}" if source else f"{name} split"

    if task == REGRESSION:
        names = list(config.label_names or (label_column,))
        if len(names) != 1:
            raise DataError(expected_found("label_names", "one name for the regression output", ", ".join(names)))
        targets = {}
        for name, split in chosen.items():
            values, missing = target_values(column(split, label_column), label_column, where(name))
            note = missing_note(missing, name, label_column)
            targets[name] = EncodedTargets(values, datasets.Value("float32"), missing, "", note)
        return names, targets, []
    if task == MULTI_LABEL:
        sets = {
            name: label_sets(column(split, label_column), config.label_delimiter, label_column, where(name))
            for name, split in chosen.items()
        }
        names = _multi_label_names(sets["train"], label_column, where("train"), config.label_names)
        feature = datasets.Sequence(datasets.Value("float32"), length=len(names))
        targets = {}
        for name, split in chosen.items():
            matrix, unknown = multi_hot(sets[name], names, len(split))
            if unknown:
                raise unknown_labels_error(unknown, name, label_column, names)
            targets[name] = EncodedTargets(matrix, feature, sets[name].missing)
        return names, targets, names
    label_names, value_to_id = infer_label_names(chosen, label_column, source)
    if config.label_names is not None:
        if len(config.label_names) != len(label_names):
            raise DataError(
                expected_found(
                    "label_names",
                    f"{len(label_names)} names (the data has {len(label_names)} classes: {', '.join(label_names)})",
                    f"{len(config.label_names)}: {', '.join(config.label_names)}",
                )
            )
        label_names = list(config.label_names)
    feature = datasets.ClassLabel(names=label_names)
    targets = {}
    for name, split in chosen.items():
        ids, missing = encode_labels(
            column(split, label_column), value_to_id, minus_one_missing(split, label_column, name)
        )
        targets[name] = EncodedTargets(ids, feature, missing)
    return label_names, targets, [str(v) for v in (value_to_id or {})] or label_names


def _multi_label_names(sets: Any, label_column: str, where: str, configured: Optional[tuple[str, ...]]) -> list[str]:
    """The training split's labels, or ``label_names`` (the same labels, in the order wanted)."""
    found = label_names_of_sets(sets, label_column, where)
    if configured is None:
        return found
    if sorted(configured) != sorted(found):
        raise DataError(
            expected_found(
                "label_names",
                f"the {len(found)} labels of the training data in any order: {', '.join(found)}",
                ", ".join(configured),
            )
        )
    return list(configured)


def _canonical(split: Any, mapping: ColumnMapping, targets: EncodedTargets, report: DataReport, name: str) -> Any:
    """Keep the mapped columns, rename them, drop empty text and missing labels, add the encoded label column
    (a ``ClassLabel``, multi-hot rows, or numbers: see :class:`EncodedTargets`).

    Columnar (see columnar.py): the masks and label ids are computed on Arrow columns, the new
    label column is added in memory and rows are dropped with an indices mapping, so nothing is
    written to the datasets cache and no text is copied.
    """
    import pyarrow as pa

    keep = [c for c in (mapping.text, mapping.text_pair, mapping.label) if c]
    split = split.select_columns(keep)
    before = len(split)
    ok = dataset_text_ok(split, mapping.text)
    if mapping.text_pair:
        ok &= dataset_text_ok(split, mapping.text_pair)
    missing = targets.missing
    empty_text, missing_labels = int((~ok).sum()), int((ok & missing).sum())
    renames = {mapping.text: "text", mapping.label: "label"}
    if mapping.text_pair:
        renames[mapping.text_pair] = "text_pair"
    split = split.remove_columns(mapping.label).rename_columns(
        {k: v for k, v in renames.items() if k != v and k != mapping.label}
    )
    values = targets.values
    if isinstance(values, np.ndarray) and values.ndim == 2:  # multi-hot rows: one fixed-size list per row
        values = pa.FixedSizeListArray.from_arrays(pa.array(values.ravel()), values.shape[1])
    split = split.add_column("label", values, feature=targets.feature)
    split = split.select_columns([c for c in ("text", "text_pair", "label") if c in split.column_names])
    kept = ok & ~missing
    if not kept.all():
        split = split.select(np.flatnonzero(kept))
    report.dropped[name] = {"empty_text": empty_text, "missing_label": missing_labels}
    if empty_text or missing_labels:
        report.notes.append(
            f"{name}: dropped {empty_text} rows with empty text and {missing_labels} rows with "
            f"missing labels ({len(split)} of {before} kept)." + (targets.missing_note if missing_labels else "")
        )
    if missing_labels and targets.own_note:
        report.notes.append(targets.own_note)
    if len(split) == 0 and name != "test":
        raise DataError(
            expected_found(
                f"{name} split",
                "rows left after cleaning",
                f"0 of {before} (empty text: {empty_text}, missing label: {missing_labels})",
                "Check the column mapping.",
            )
        )
    return split


def _hold_out(train: Any, config: DataConfig, report: DataReport) -> tuple[Any, Any]:
    """Split validation off train: stratified by label when every class has >= 2 rows; multi-label data
    iteratively stratified by label; regression targets at random."""
    if report.task == REGRESSION:
        parts = split_indices(train, config.validation_size, config.split_seed, stratify=False)
        how = "at random"
    elif report.task == MULTI_LABEL:
        shares = [1.0 - config.validation_size, config.validation_size]
        part = iterative_stratification(multi_hot_column(train), shares, config.split_seed)
        parts = (np.flatnonzero(part == 0), np.flatnonzero(part == 1))
        how = "iteratively stratified by label"
    else:
        parts, how = _stratified_hold_out(train, config, report)
    report.validation_source = f"{config.validation_size:.0%} of train held out ({how}, seed {config.split_seed})"
    return train.select(parts[0]), train.select(parts[1])


def _stratified_hold_out(train: Any, config: DataConfig, report: DataReport) -> tuple[Any, str]:
    """The single-label hold-out rows, stratified by class when every class has >= 2 rows, and how."""
    counts = _counts(train, report.label_names)
    n_val = max(1, int(round(len(train) * config.validation_size)))
    stratify = all(c >= 2 for c in counts.values() if c > 0) and n_val >= sum(1 for c in counts.values() if c)
    try:
        parts = split_indices(train, config.validation_size, config.split_seed, stratify=stratify)
    except ValueError:
        stratify = False
        parts = split_indices(train, config.validation_size, config.split_seed, stratify=False)
    return parts, "stratified by label" if stratify else "not stratified (some class has too few rows)"


def split_indices(train: Any, test_size: float, seed: int, *, stratify: bool) -> tuple[np.ndarray, np.ndarray]:
    """(train rows, held-out rows): exactly ``Dataset.train_test_split(test_size=, seed=[, stratify_by_column=
    "label"])``'s choice, with the labels read as one Arrow column (datasets reads them row by row)."""
    from datasets.arrow_dataset import stratified_shuffle_split_generate_indices

    n_samples = len(train)
    n_test = math.ceil(test_size * n_samples)
    n_train = n_samples - n_test
    if n_train <= 0:
        raise ValueError(f"{n_samples} rows leave none for training with test_size={test_size}")
    generator = np.random.default_rng(seed)
    if not stratify:
        permutation = generator.permutation(n_samples)
        return permutation[n_test : n_test + n_train], permutation[:n_test]
    labels = np.asarray(column(train, "label").to_numpy(zero_copy_only=False))
    try:
        return next(stratified_shuffle_split_generate_indices(labels, n_train, n_test, rng=generator))
    except Exception as error:  # datasets raises a bare Exception for a class of one row
        raise ValueError(str(error)) from error


def _subsample(splits: dict[str, Any], config: DataConfig) -> dict[str, Any]:
    """The tutorials' "small subset" pattern: shuffle with a seed, then take the first N rows."""
    limits = {"train": config.max_train_samples, "validation": config.max_eval_samples, "test": config.max_eval_samples}
    out = {}
    for name, split in splits.items():
        limit = limits.get(name)
        if limit is not None and limit < len(split):
            split = split.shuffle(seed=config.split_seed).select(range(limit))
        out[name] = split
    return out


def _counts(split: Any, label_names: list[str]) -> dict[str, int]:
    return split_counts(split, label_names)


def prepared_counts(split: Any, label_names: list[str], task: str) -> dict[str, int]:
    """Rows per label of a prepared split: per class, or per label for multi-label rows (a row counts for
    each of its labels); empty for regression (see ``DataReport.target_stats``)."""
    if task == MULTI_LABEL:
        return multi_hot_counts(multi_hot_column(split), label_names)
    if task == REGRESSION:
        return {}
    return _counts(split, label_names)
