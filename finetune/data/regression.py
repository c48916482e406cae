"""Regression data: a label column holding one number per row (a 0-5 similarity score, a rating).

Numbers are read as they are; text cells are read as numbers after stripping spaces (a CSV column with
one stray word is read as text). A cell that is not a number is an error that names the value and its
rows. An empty cell or NaN has no target: the row is dropped and the report says how many and which
(the first few data rows, counted from 1); infinity is an error. A target that is the same on every row
leaves nothing to learn and is refused.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from finetune.data.arrow_columns import WHITESPACE
from finetune.errors import DataError, expected_found

SHOWN_ROWS = 5  # data rows named in a message


def is_fractional(values: pa.ChunkedArray) -> bool:
    """Whether a numeric column holds a value that is not a whole number (what makes ``auto`` regression)."""
    if not pa.types.is_floating(values.type):
        return False
    finite = pc.drop_null(pc.if_else(pc.is_finite(values), values, None))
    if len(finite) == 0:
        return False
    return not bool(pc.all(pc.equal(pc.floor(finite), finite)).as_py())


def target_values(values: pa.ChunkedArray, label_column: str, where: str) -> tuple[np.ndarray, np.ndarray]:
    """(targets as float32, missing mask) of a label column; DataError for text that is not a number, for
    infinity, and for booleans or lists."""
    kind = values.type
    if pa.types.is_dictionary(kind):
        values, kind = values.cast(kind.value_type), kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        values = _parse_numbers(values, label_column, where)
    elif pa.types.is_null(kind):
        values = pa.chunked_array([pa.nulls(len(values), pa.float64())])
    elif not (pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)):
        raise DataError(
            expected_found(
                f"label column '{label_column}' ({where})",
                "a number per row (the regression target)",
                f"values of type {kind}",
                "Choose the column that holds the numbers, or set task to single_label or multi_label.",
            )
        )
    numbers = np.asarray(pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    missing = np.isnan(numbers)
    infinite = np.isinf(numbers)
    if infinite.any():
        raise DataError(
            expected_found(
                f"label column '{label_column}' ({where})",
                "finite numbers",
                f"infinity on data rows {_rows(infinite)}",
                "Replace those values with numbers, or leave the cells empty to drop the rows.",
            )
        )
    return numbers.astype(np.float32), missing


def _parse_numbers(values: pa.ChunkedArray, label_column: str, where: str) -> pa.ChunkedArray:
    """Text cells as float64 (blank: null); DataError naming the cells that are not numbers."""
    trimmed = pc.utf8_trim(values, characters=WHITESPACE)
    blank = pc.equal(pc.utf8_length(trimmed), 0)
    cells = pc.if_else(blank, pa.scalar(None, pa.string()), trimmed)
    try:
        return pc.cast(cells, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    texts = cells.to_pylist()
    bad = np.zeros(len(texts), dtype=bool)
    for row, text in enumerate(texts):
        if text is not None:
            try:
                float(text)
            except ValueError:
                bad[row] = True
    examples = list(dict.fromkeys(texts[row] for row in np.flatnonzero(bad)))[:3]
    raise DataError(
        expected_found(
            f"label column '{label_column}' ({where})",
            "a number per row (the regression target)",
            f"{int(bad.sum())} cells that are not numbers, such as "
            + ", ".join(repr(text[:30]) for text in examples)
            + f" (data rows {_rows(bad)})",
            "Write those targets as numbers (e.g. 3.5), or set task to single_label if the column holds classes.",
        )
    )


def _rows(mask: np.ndarray) -> str:
    """The first data rows (counted from 1) where ``mask`` is set, e.g. '3, 9 and 2 more'."""
    rows = (np.flatnonzero(mask) + 1).tolist()
    shown = ", ".join(str(row) for row in rows[:SHOWN_ROWS])
    return shown + (f" and {len(rows) - SHOWN_ROWS} more" if len(rows) > SHOWN_ROWS else "")


def missing_note(missing: np.ndarray, name: str, label_column: str) -> str:
    """The note for rows dropped because their target is empty or NaN, naming the first of them."""
    return (
        f"{name}: {int(missing.sum())} rows have no number in '{label_column}' (an empty cell or NaN) and were "
        f"dropped: data rows {_rows(missing)}."
    )


def target_stats(values: Any) -> dict[str, float]:
    """Rows, mean, standard deviation, minimum and maximum of a split's targets."""
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        return {"rows": 0}
    return {
        "rows": int(array.size),
        "mean": float(array.mean()),
        "std": float(array.std()),
        "min": float(array.min()),
        "max": float(array.max()),
    }


def check_target_varies(values: np.ndarray, label_column: str) -> None:
    """DataError when every training target is the same number: there is nothing to learn."""
    if values.size and float(np.ptp(values)) == 0.0:
        raise DataError(
            expected_found(
                f"training targets (column '{label_column}')",
                "numbers that differ between rows",
                f"{float(values[0]):g} on all {values.size} rows",
                "Check the label column: a constant leaves the model nothing to learn.",
            )
        )
