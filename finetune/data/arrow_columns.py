"""Columnar label and text handling: the per-row rules of data.py, run on whole Arrow columns.

Data preparation must not loop over rows in Python (a 650k-row CSV took minutes). These
functions read a column as Arrow and answer with pyarrow compute / numpy, with exactly the
semantics the row-by-row rules had:

- a text is kept when it is a string with something other than whitespace (``str.strip``);
- a label is missing when it is null, NaN or a blank string; the integer -1 only where the dataset marks
  unlabelled rows so (``minus_one_missing``: a ``ClassLabel`` column, GLUE's convention, or a test split
  labelled -1 throughout); elsewhere -1 is a class like any other (the -1/0/1 sentiment coding);
- a label's key strips strings and turns whole floats into ints; label ids index the sorted keys.

:func:`label_counts` is THE counter (training report, hold-out stratification, the data preview).

Text is read without leaving it resident: a Dataset that is one Arrow file is read as a stream for
the text check, text samples and small splits gathered into memory (:func:`dataset_text_ok`,
:func:`take`, :func:`gather`), and rows are taken chunk by chunk (:func:`take_rows`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any, Optional

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MISSING_INT_LABEL = -1  # GLUE marks unlabelled test rows with -1
SLICE_ROWS = 32_768  # rows per pass of a text computation: its temporary copies stay a few MB
# exactly the characters str.strip() removes (str.isspace), so trimming in Arrow matches the Python rule;
# written out, because computing it scans every code point at each start; tests/engine/data/test_arrow_columns.py
# checks it.
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def column(split: Any, name: str) -> pa.ChunkedArray:
    """One column of a ``datasets.Dataset`` as Arrow (memory-mapped, indices mapping applied)."""
    values = split.data.column(name)
    indices = getattr(split, "_indices", None)
    # one Arrow take (datasets' own row access gathers the indices in a Python loop)
    return values if indices is None else take_rows(values, indices.column(0))


def take(split: Any, name: str, positions: Any) -> pa.ChunkedArray:
    """The values of column ``name`` at row ``positions`` of a Dataset (through the indices mapping when
    there is one). A text column of a Dataset that is one Arrow file is read as a stream (see
    :func:`_streamed_take`); otherwise only the rows asked for are read from the memory map."""
    positions = pa.array(np.asarray(positions, dtype=np.int64))
    indices = getattr(split, "_indices", None)
    if indices is not None:
        positions = indices.column(0).take(positions)
    values = split.data.column(name)
    streamed = _streamed_take(split, name, positions) if _is_text(values.type) else None
    return released(streamed) if streamed is not None else take_rows(values, positions)


def gather(split: Any) -> Any:
    """A Dataset's rows held in memory: its text columns read as a stream from its Arrow file, its
    other columns from where they are. For small splits read again and again (validation and test):
    their rows are scattered over the source file, and reading them through the memory map kept
    nearly all of the file's pages resident. Returns ``split`` itself when it cannot be streamed."""
    import datasets

    positions = _row_positions(split)
    columns = {}
    for name in split.column_names:
        values = split.data.column(name)
        if _is_text(values.type):
            values = _streamed_take(split, name, positions)
            if values is None:
                return split
        else:
            values = column(split, name)
        columns[name] = values
    table = pa.table(columns).cast(split.features.arrow_schema)
    return released(
        datasets.Dataset(
            datasets.table.InMemoryTable(table),
            info=split.info.copy(),
            split=split.split,
            fingerprint=split._fingerprint,
        )
    )


def _row_positions(split: Any) -> pa.Array:
    """The file rows a Dataset's rows are (its indices mapping, else 0..n-1)."""
    indices = getattr(split, "_indices", None)
    return indices.column(0).combine_chunks() if indices is not None else pa.array(np.arange(len(split)))


def _is_text(kind: pa.DataType) -> bool:
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def _single_file(split: Any, name: str) -> Optional[str]:
    """The Arrow file that column ``name`` of a Dataset's table is, whole (same row count, same column
    name), else None: a table of several files stacked, a slice, an in-memory column."""
    from datasets.table import ConcatenationTable, MemoryMappedTable

    table = split.data
    if isinstance(table, ConcatenationTable):  # columns added beside the file (data._canonical's label)
        if len(table.blocks) != 1:
            return None
        table = next((block for block in table.blocks[0] if name in block.column_names), None)
    if not isinstance(table, MemoryMappedTable) or name not in table.column_names:
        return None
    try:
        rows, names = _file_layout(table.path)
    except (OSError, pa.ArrowInvalid):
        return None
    return table.path if rows == table.num_rows and name in names else None


@functools.lru_cache(maxsize=16)
def _file_layout(path: str) -> tuple[int, tuple[str, ...]]:
    """(rows, column names) of an Arrow stream file, from its batches' headers (the data is not read).
    datasets names its cache files by content fingerprint, so a path's layout never changes."""
    with pa.memory_map(path) as source:
        reader = pa.ipc.open_stream(source)
        return sum(batch.num_rows for batch in reader), tuple(reader.schema.names)


def _column_stream(path: str, name: str) -> Iterator[pa.Array]:
    """Column ``name`` of an Arrow stream file, batch by batch, read with plain reads: unlike pages of a
    memory map, nothing read stays resident once a batch is dropped (see :func:`released`)."""
    with pa.OSFile(path) as source:
        reader = pa.ipc.open_stream(source)
        position = reader.schema.get_field_index(name)
        for batch in reader:
            yield batch.column(position)


def released(result: Any) -> Any:
    """``result``, after handing Arrow's freed memory back to the system: its allocator keeps the batches
    a pass dropped for reuse, which otherwise stays resident after a streamed pass."""
    pa.default_memory_pool().release_unused()
    return result


def _streamed_take(split: Any, name: str, positions: pa.Array) -> Optional[pa.ChunkedArray]:
    """``column[positions]`` (file rows) read from the Dataset's single Arrow file as a stream, batch by
    batch, keeping only the rows asked for; None when the Dataset is not one file read whole."""
    path = _single_file(split, name)
    if path is None:
        return None
    wanted = np.asarray(positions.to_numpy(zero_copy_only=False), dtype=np.int64)
    order = np.argsort(wanted, kind="stable")
    ordered = wanted[order]
    try:
        pieces, start = [], 0
        for values in _column_stream(path, name):
            low, high = np.searchsorted(ordered, [start, start + len(values)])
            if high > low:
                pieces.append(values.take(pa.array(ordered[low:high] - start)))
            start += len(values)
    except (OSError, pa.ArrowInvalid):
        return None
    return _reordered(pieces, order, split.data.column(name).type)


def take_rows(values: pa.ChunkedArray, positions: Any) -> pa.ChunkedArray:
    """``values.take(positions)`` chunk by chunk. pyarrow's own ``ChunkedArray.take`` first concatenates
    every chunk: for a text column loaded from a CSV (hundreds of chunks) that copied all of its text
    into memory to read a few hundred rows of it."""
    if values.num_chunks <= 1:
        return values.take(positions)
    wanted = np.asarray(
        positions.to_numpy(zero_copy_only=False) if isinstance(positions, (pa.Array, pa.ChunkedArray)) else positions,
        dtype=np.int64,
    )
    starts = np.cumsum([0] + [len(chunk) for chunk in values.chunks])
    chunk_of = np.searchsorted(starts, wanted, side="right") - 1
    order = np.argsort(chunk_of, kind="stable")
    pieces = [
        values.chunk(int(k)).take(pa.array(wanted[order][chunk_of[order] == k] - starts[k]))
        for k in np.unique(chunk_of)
    ]
    return _reordered(pieces, order, values.type)


def _reordered(pieces: list[pa.Array], order: np.ndarray, kind: pa.DataType) -> pa.ChunkedArray:
    """Values gathered in sorted-position order (``order`` sorted the positions asked for), put back in
    the order they were asked for."""
    gathered = pa.concat_arrays(pieces) if pieces else pa.array([], type=kind)
    return pa.chunked_array([gathered.take(pa.array(np.argsort(order, kind="stable")))], type=kind)


def _mask(values: Any) -> np.ndarray:
    """A boolean Arrow result as a numpy array, null read as False."""
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def text_ok(values: pa.ChunkedArray) -> np.ndarray:
    """Rows whose text is a string holding more than whitespace."""
    if not _is_text(values.type):
        return np.zeros(len(values), dtype=bool)
    # slice by slice: a trimmed copy of a whole text column (or of one large chunk: a datasets Arrow file is often
    # one chunk) would hold all of its text in memory at once
    parts = [
        _mask(pc.greater(pc.utf8_length(pc.utf8_trim(piece, characters=WHITESPACE)), 0))
        for chunk in values.chunks
        for piece in _slices(chunk)
    ]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def dataset_text_ok(split: Any, name: str) -> np.ndarray:
    """:func:`text_ok` of a Dataset's column, read from its Arrow file batch by batch when the Dataset is one
    file read whole (a CSV/JSON loaded by ``datasets``), else from the memory map.

    Why: every page of a memory-mapped file that is read stays in the process's resident memory while
    the map is open, so checking a large text column through the map kept all of its text resident for
    the whole run; read as a stream, each batch is freed once checked."""
    streamed = _streamed_mask(split, name)
    return released(streamed) if streamed is not None else text_ok(column(split, name))


def _streamed_mask(split: Any, name: str) -> Optional[np.ndarray]:
    """The text mask of ``name`` computed from the Dataset's single Arrow file, or None when the Dataset
    is not exactly that file (an indices mapping, several files, another row count, a renamed column)."""
    path = _single_file(split, name) if getattr(split, "_indices", None) is None else None
    if path is None:
        return None
    try:
        parts = [text_ok(pa.chunked_array([values])) for values in _column_stream(path, name)]
    except (OSError, pa.ArrowInvalid):
        return None
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def _slices(chunk: pa.Array, rows: int = SLICE_ROWS) -> list[pa.Array]:
    """Zero-copy slices of ``rows`` rows (at least one, so an empty chunk keeps its place)."""
    return [chunk.slice(start, rows) for start in range(0, max(len(chunk), 1), rows)]


def label_keys(values: pa.ChunkedArray, minus_one_missing: bool = False) -> tuple[pa.ChunkedArray, np.ndarray]:
    """(keys, missing mask): strings trimmed, whole floats as int64; missing rows' keys are undefined.
    ``minus_one_missing``: the integer -1 marks an unlabelled row (see the module docstring)."""
    if pa.types.is_dictionary(values.type):  # e.g. a pandas categorical saved to Parquet
        values = values.cast(values.type.value_type)
    kind = values.type
    missing = _mask(pc.is_null(values))
    if _is_text(kind):
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
        unlabelled = _mask(pc.equal(values, MISSING_INT_LABEL)) if minus_one_missing else False
        return pc.cast(values, pa.int64()), missing | unlabelled
    if pa.types.is_null(kind):
        return values, np.ones(len(values), dtype=bool)
    return values, missing  # booleans and anything else: only nulls are missing


def distinct_keys(values: pa.ChunkedArray, minus_one_missing: bool = False) -> set[Any]:
    """The set of label keys present (missing values left out), as Python values."""
    keys, missing = label_keys(values, minus_one_missing)
    present = keys.filter(pa.array(~missing)) if missing.any() else keys
    out = set()
    for value in pc.unique(present).to_pylist():
        out.add(int(value) if isinstance(value, float) and value.is_integer() else value)
    return out


def encode_labels(
    values: pa.ChunkedArray, value_to_id: Optional[dict[Any, int]], minus_one_missing: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """(label ids as int64, missing mask). ``value_to_id`` None: the keys already are the ids."""
    keys, missing = label_keys(values, minus_one_missing)
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


def all_minus_one(values: pa.ChunkedArray) -> bool:
    """Whether an integer column holds -1 on every row (a test split published without its labels)."""
    if not pa.types.is_integer(values.type) or len(values) == 0:
        return False
    return bool(_mask(pc.equal(values, MISSING_INT_LABEL)).all())


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
