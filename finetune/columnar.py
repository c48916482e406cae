"""Columnar label and text handling: the per-row rules of data.py, run on whole Arrow columns.

Data preparation must not loop over rows in Python (a 650k-row CSV took minutes). These
functions read a column as Arrow and answer with pyarrow compute / numpy, with exactly the
semantics the row-by-row rules had:

- a text is kept when it is a string with something other than whitespace (``str.strip``);
- a label is missing when it is null, NaN, a blank string, or the integer -1 (GLUE's unlabelled
  rows; a float -1.0 and booleans are never "missing");
- a label's key strips strings and turns whole floats into ints; label ids index the sorted keys.

:func:`label_counts` is THE counter (training report, hold-out stratification, the data preview).
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MISSING_INT_LABEL = -1  # GLUE marks unlabelled test rows with -1
SLICE_ROWS = 32_768  # rows per pass of a text computation: its temporary copies stay a few MB
# exactly the characters str.strip() removes (str.isspace), so trimming in Arrow matches the Python rule;
# written out: computing it scans every code point (0.5 s at each start). tests/test_columnar.py checks it.
WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
              "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


def column(split: Any, name: str) -> pa.ChunkedArray:
    """One column of a ``datasets.Dataset`` as Arrow (memory-mapped, indices mapping applied)."""
    values = split.data.column(name)
    indices = getattr(split, "_indices", None)
    # one Arrow take (datasets' own row access gathers the indices in a Python loop)
    return values if indices is None else values.take(indices.column(0))


def take(split: Any, name: str, positions: Any) -> pa.ChunkedArray:
    """The values of column ``name`` at row ``positions`` of a Dataset; only those rows are read (through
    the indices mapping when there is one), never the whole column."""
    positions = pa.array(np.asarray(positions, dtype=np.int64))
    indices = getattr(split, "_indices", None)
    if indices is not None:
        positions = indices.column(0).take(positions)
    return split.data.column(name).take(positions)


def _mask(values: Any) -> np.ndarray:
    """A boolean Arrow result as a numpy array, null read as False."""
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def text_ok(values: pa.ChunkedArray) -> np.ndarray:
    """Rows whose text is a string holding more than whitespace."""
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return np.zeros(len(values), dtype=bool)
    # slice by slice: a trimmed copy of a whole text column (or of one large chunk: a datasets Arrow file is often
    # one chunk) would hold all of its text in memory at once
    parts = [_mask(pc.greater(pc.utf8_length(pc.utf8_trim(piece, characters=WHITESPACE)), 0))
             for chunk in values.chunks for piece in _slices(chunk)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def _slices(chunk: pa.Array, rows: int = SLICE_ROWS) -> list[pa.Array]:
    """Zero-copy slices of ``rows`` rows (at least one, so an empty chunk keeps its place)."""
    return [chunk.slice(start, rows) for start in range(0, max(len(chunk), 1), rows)]


def label_keys(values: pa.ChunkedArray) -> tuple[pa.ChunkedArray, np.ndarray]:
    """(keys, missing mask): strings trimmed, whole floats as int64; missing rows' keys are undefined."""
    if pa.types.is_dictionary(values.type):  # e.g. a pandas categorical saved to Parquet
        values = values.cast(values.type.value_type)
    kind = values.type
    missing = _mask(pc.is_null(values))
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        keys = pc.utf8_trim(values, characters=WHITESPACE)
        return keys, missing | ~_mask(pc.greater(pc.utf8_length(keys), 0))
    if pa.types.is_floating(kind):
        nan = _mask(pc.is_nan(values))
        filled = pc.fill_null(pc.if_else(pc.is_nan(values), 0.0, values), 0.0)
        whole = _mask(pc.equal(pc.floor(filled), filled))
        if whole.all():  # every (present) value whole: int keys, as int(value) gives
            return pc.cast(filled, pa.int64(), safe=False), missing | nan
        return values, missing | nan
    if pa.types.is_integer(kind):
        return pc.cast(values, pa.int64()), missing | _mask(pc.equal(values, MISSING_INT_LABEL))
    if pa.types.is_null(kind):
        return values, np.ones(len(values), dtype=bool)
    return values, missing  # booleans and anything else: only nulls are missing


def distinct_keys(values: pa.ChunkedArray) -> set[Any]:
    """The set of label keys present (missing values left out), as Python values."""
    keys, missing = label_keys(values)
    present = keys.filter(pa.array(~missing)) if missing.any() else keys
    out = set()
    for value in pc.unique(present).to_pylist():
        out.add(int(value) if isinstance(value, float) and value.is_integer() else value)
    return out


def encode_labels(values: pa.ChunkedArray, value_to_id: Optional[dict[Any, int]]) -> tuple[np.ndarray, np.ndarray]:
    """(label ids as int64, missing mask). ``value_to_id`` None: the keys already are the ids."""
    keys, missing = label_keys(values)
    if value_to_id is None:
        if pa.types.is_floating(keys.type):  # fractional values: int() truncates
            keys = pc.cast(pc.fill_null(pc.if_else(pc.is_nan(keys), 0.0, keys), 0.0), pa.int64(), safe=False)
        ids = pc.fill_null(pc.cast(keys, pa.int64()), MISSING_INT_LABEL)
    else:
        wanted = list(value_to_id)
        value_set = pa.array(wanted, type=keys.type if not pa.types.is_null(keys.type) else None)
        positions = pc.index_in(keys, value_set=value_set)
        lookup = np.array([value_to_id[v] for v in wanted] + [MISSING_INT_LABEL], dtype=np.int64)
        index = np.asarray(pc.fill_null(positions, len(wanted)).to_numpy(zero_copy_only=False), dtype=np.int64)
        return lookup[index], missing
    return np.asarray(ids.to_numpy(zero_copy_only=False), dtype=np.int64), missing


def label_counts(ids: Any, label_names: list[str]) -> dict[str, int]:
    """{name: rows} for label ids (a numpy array, Arrow column or list); every name present, 0 when absent."""
    if isinstance(ids, (pa.ChunkedArray, pa.Array)):
        ids = ids.to_numpy(zero_copy_only=False)
    array = np.asarray(ids, dtype=np.int64)
    counted = np.bincount(array, minlength=len(label_names)) if array.size else np.zeros(len(label_names), int)
    return {name: int(counted[i]) for i, name in enumerate(label_names)}


def split_counts(split: Any, label_names: list[str]) -> dict[str, int]:
    """Label counts of a prepared split (its ``label`` column)."""
    return label_counts(column(split, "label"), label_names)


def merge_keys(parts: Iterable[set[Any]]) -> set[Any]:
    """The union of several splits' (or stream batches') distinct keys."""
    out: set[Any] = set()
    for part in parts:
        out |= part
    return out
