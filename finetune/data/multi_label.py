"""Multi-label data: a label column with any number of classes per row, read into multi-hot rows.

A row's labels come as a list (JSON or Parquet lists, ``["sports", "travel"]``), as text joined by a
delimiter (``体育|旅游`` with ``label_delimiter`` '|'), or as a JSON list written into a text cell
(``'["a", "b"]'``, what a CSV export of a list column holds). Labels are stripped of surrounding spaces;
empty pieces are ignored. A missing cell (empty, null) is an unlabelled row and is dropped; an empty list
is a row with none of the labels, which is data like any other.

The label names are the training split's labels, sorted (numerically when they are all numbers). A label
that validation or test has and training does not is an error: the model would have no output for it.

:func:`iterative_stratification` splits rows so that every label keeps its share in each part
(Sechidis, Tsoumakas and Vlahavas, 2011): the hold-out split and the k-fold folds of a multi-label run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from finetune.data.arrow_columns import WHITESPACE, column
from finetune.errors import DataError, expected_found


@dataclass
class LabelSets:
    """Every row's labels, flat: ``labels[i]`` belongs to row ``rows[i]``; ``missing`` marks unlabelled rows."""

    rows: np.ndarray
    labels: list[str]
    missing: np.ndarray
    numeric: bool  # every label was a number (their names then sort numerically)


def holds_lists(split: Any, label_column: str) -> bool:
    """Whether a label column holds lists: a list type, raw JSON values (datasets' type for a JSON column
    of mixed kinds) of which some are lists, or text cells that are all written as JSON lists (a CSV export
    of a list column)."""
    kind = split.data.column(label_column).type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        return True
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _looks_like_json_lists(column(split, label_column))
    if isinstance(kind, pa.BaseExtensionType):
        return any(isinstance(json.loads(v), list) for v in column(split, label_column).to_pylist() if v is not None)
    return False


def label_sets(values: pa.ChunkedArray, delimiter: Optional[str], label_column: str, where: str) -> LabelSets:
    """Read a label column's rows as label sets (see the module docstring); ``where`` names split and file in
    messages."""
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    kind = values.type
    missing = np.asarray(pc.is_null(values).to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        lists = pa.chunked_array([chunk for chunk in values.chunks]) if values.num_chunks else values
        return _flatten(lists, missing, pa.types.is_integer(kind.value_type))
    if isinstance(kind, pa.BaseExtensionType) or (pa.types.is_string(kind) and not delimiter):
        return _from_python(values.to_pylist(), missing, label_column, where, delimiter)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        blank = np.asarray(
            pc.equal(pc.utf8_length(pc.utf8_trim(values, characters=WHITESPACE)), 0)
            .fill_null(True)
            .to_numpy(zero_copy_only=False),
            dtype=bool,
        )
        if not blank.all() and _looks_like_json_lists(values):
            return _from_python(values.to_pylist(), missing, label_column, where, delimiter)
        return _flatten(pc.split_pattern(values, delimiter), missing | blank, False)
    raise DataError(
        expected_found(
            f"label column '{label_column}' ({where})",
            "several labels per row: lists (JSON, Parquet), or text with the labels joined by label_delimiter",
            f"a column of {kind}",
            "Choose the column that holds the labels, or set task to single_label or regression.",
        )
    )


def _looks_like_json_lists(values: pa.ChunkedArray) -> bool:
    """Whether every filled text cell is written as a JSON list ('["a", "b"]')."""
    trimmed = pc.utf8_trim(values.filter(pc.is_valid(values)), characters=WHITESPACE)
    filled = trimmed.filter(pc.greater(pc.utf8_length(trimmed), 0))
    return len(filled) > 0 and bool(pc.all(pc.starts_with(filled, "[")).as_py())


def _flatten(lists: Any, missing: np.ndarray, numeric: bool) -> LabelSets:
    """Flat (row, label) pairs of an Arrow list column, labels stripped and empty ones left out."""
    rows = np.asarray(pc.list_parent_indices(lists).to_numpy(zero_copy_only=False), dtype=np.int64)
    flat = pc.list_flatten(lists)
    if not pa.types.is_string(flat.type):
        flat = pc.cast(flat, pa.string())
    trimmed = pc.utf8_trim(flat, characters=WHITESPACE)
    keep = np.asarray(pc.greater(pc.utf8_length(trimmed), 0).fill_null(False).to_numpy(zero_copy_only=False))
    labels = [str(v) for v in trimmed.to_pylist()]
    return LabelSets(rows=rows[keep], labels=[v for v, k in zip(labels, keep) if k], missing=missing, numeric=numeric)


def _from_python(
    cells: list[Any], missing: np.ndarray, label_column: str, where: str, delimiter: Optional[str]
) -> LabelSets:
    """Label sets from cells read as Python values: raw JSON values, or text cells holding JSON lists."""
    rows: list[int] = []
    labels: list[str] = []
    numeric = True
    for row, cell in enumerate(cells):
        if cell is None:
            continue
        value = _parse_cell(cell, label_column, where, delimiter, row)
        if value is None:
            missing[row] = True
            continue
        for item in value:
            if item is None or (isinstance(item, str) and not item.strip()):
                continue
            if isinstance(item, (list, dict)):
                raise _nested_error(label_column, where, cell)
            numeric &= isinstance(item, int) and not isinstance(item, bool)
            rows.append(row)
            labels.append(item.strip() if isinstance(item, str) else str(item))
    found = np.asarray(rows, dtype=np.int64)
    return LabelSets(rows=found, labels=labels, missing=missing, numeric=numeric and bool(labels))


def _parse_cell(cell: Any, label_column: str, where: str, delimiter: Optional[str], row: int) -> Optional[list]:
    """One cell as a list of labels (None: a missing cell)."""
    if isinstance(cell, str) and cell.strip().startswith("["):
        try:
            cell = json.loads(cell)
        except json.JSONDecodeError:
            raise DataError(
                expected_found(
                    f"label column '{label_column}' ({where}), data row {row + 1}",
                    'a JSON list such as ["sports", "travel"]',
                    repr(cell[:60]),
                    "Write the labels as a JSON list with double quotes, or join them with a delimiter and "
                    "set label_delimiter.",
                )
            ) from None
    elif isinstance(cell, str):
        cell = json.loads(cell) if _is_json_text(cell) else cell
    if isinstance(cell, str):
        if not cell.strip():
            return None
        if delimiter is None:
            raise DataError(
                expected_found(
                    f"label column '{label_column}' ({where})",
                    "lists of labels, or text with the labels joined by a delimiter named in label_delimiter",
                    f"text such as {cell[:40]!r} and no label_delimiter",
                    "Set label_delimiter to the character between a row's labels (e.g. '|' or ','), or set task to "
                    "single_label if each row has one label.",
                )
            )
        return cell.split(delimiter)
    if isinstance(cell, list):
        return cell
    return [cell]  # one label written as a plain value in a column of lists


def _is_json_text(cell: str) -> bool:
    """Whether a raw JSON value (datasets' type for a mixed JSON column) is a quoted string or a number."""
    try:
        json.loads(cell)
    except json.JSONDecodeError:
        return False
    return True


def _nested_error(label_column: str, where: str, cell: Any) -> DataError:
    return DataError(
        expected_found(
            f"label column '{label_column}' ({where})",
            "a flat list of labels per row",
            f"nested values such as {str(cell)[:40]}",
            "Write each row's labels as one list of names.",
        )
    )


def label_names_of_sets(sets: LabelSets, label_column: str, where: str) -> list[str]:
    """The distinct labels, sorted (as numbers when they all are); DataError when fewer than two."""
    distinct = set(sets.labels)
    names = sorted(distinct, key=int) if sets.numeric else sorted(distinct)
    if len(names) < 2:
        raise DataError(
            expected_found(
                f"label column '{label_column}' ({where})",
                "at least two different labels for a multi-label task",
                f"{len(names)}: {', '.join(names) or 'none'}",
                "With one label, each row either has it or not: that is a single-label task with two classes "
                "(set task to single_label with a yes/no column).",
            )
        )
    return names


def multi_hot(sets: LabelSets, label_names: list[str], n_rows: int) -> tuple[np.ndarray, dict[str, int]]:
    """(rows x labels float32 matrix, {unknown label: rows}) for label sets against ``label_names``."""
    index = {name: i for i, name in enumerate(label_names)}
    matrix = np.zeros((n_rows, len(label_names)), dtype=np.float32)
    unknown: dict[str, int] = {}
    for row, label in zip(sets.rows.tolist(), sets.labels):
        position = index.get(label)
        if position is None:
            unknown[label] = unknown.get(label, 0) + 1
        else:
            matrix[row, position] = 1.0
    return matrix, unknown


def unknown_labels_error(unknown: dict[str, int], split: str, label_column: str, known: list[str]) -> DataError:
    """The error for labels of a validation/test split that training lacks."""
    listed = ", ".join(f"'{name}' ({rows} rows)" for name, rows in sorted(unknown.items()))
    return DataError(
        expected_found(
            f"labels of the {split} split (column '{label_column}')",
            f"labels the training split has: {', '.join(known)}",
            f"labels training never sees: {listed}",
            "The model would have no output for them. Add training rows with those labels, fix their spelling, "
            f"or remove them from the {split} split.",
        )
    )


def multi_hot_counts(matrix: Any, label_names: list[str]) -> dict[str, int]:
    """{label: rows that have it}."""
    array = np.asarray(matrix, dtype=np.float32).reshape(-1, len(label_names))
    sums = array.sum(axis=0) if len(array) else np.zeros(len(label_names))
    return {name: int(sums[i]) for i, name in enumerate(label_names)}


def multi_hot_column(split: Any) -> np.ndarray:
    """A prepared split's ``label`` column (fixed-size lists) as a rows x labels array."""
    values = column(split, "label")
    width = values.type.list_size
    flat = pc.list_flatten(values).to_numpy(zero_copy_only=False)
    return np.asarray(flat, dtype=np.float32).reshape(-1, width)


def cardinality_note(matrix: np.ndarray, name: str) -> str:
    """How many labels rows have: the mean and the rows with none."""
    per_row = matrix.sum(axis=1) if len(matrix) else np.zeros(0)
    mean = f"{per_row.mean() if len(per_row) else 0:.2f}"
    none = int((per_row == 0).sum())
    if none:
        return f"{name}: {mean} labels per row on average; {none} rows have none of the labels."
    return f"{name}: {mean} labels per row on average."


# --------------------------------------------------------------------------- iterative stratification


def iterative_stratification(matrix: np.ndarray, shares: list[float], seed: int) -> np.ndarray:
    """A part index per row (``len(shares)`` parts of those shares) with each label spread over the parts in
    proportion: the rarest label's rows are placed first, each in the part that most lacks that label
    (ties: the part that most lacks rows, then at random). Rows without labels fill the parts lacking rows.
    Sechidis et al. (2011), "On the stratification of multi-label data"."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(matrix, dtype=bool)
    n_rows, n_labels = labels.shape
    shares_arr = np.asarray(shares, dtype=np.float64)
    want_rows = shares_arr * n_rows
    want_labels = np.outer(shares_arr, labels.sum(axis=0))
    part = np.full(n_rows, -1, dtype=np.int64)
    left = labels.copy()
    while left.any():
        counts = left.sum(axis=0)
        rarest = np.flatnonzero(counts == counts[counts > 0].min())
        label = int(rng.choice(rarest))
        for row in rng.permutation(np.flatnonzero(left[:, label])):
            target = _neediest(want_labels[:, label], want_rows, rng)
            part[row] = target
            want_labels[target] -= labels[row]
            want_rows[target] -= 1
            left[row] = False
    for row in rng.permutation(np.flatnonzero(part < 0)):
        target = _neediest(want_rows, want_rows, rng)
        part[row] = target
        want_rows[target] -= 1
    return part


def _neediest(primary: np.ndarray, secondary: np.ndarray, rng: np.random.Generator) -> int:
    """The part with the most of ``primary`` still wanted; ties by ``secondary``, then at random."""
    best = np.flatnonzero(primary == primary.max())
    if len(best) > 1:
        best = best[secondary[best] == secondary[best].max()]
    return int(rng.choice(best))
