"""Data preview: what the Model & Data tab shows, in about a second at any size.

A large single file (CSV/TSV, JSON lines, Parquet; over ``file_checks.FULL_CHECK_BYTES``) is not
loaded: one streamed, columnar pass (pyarrow) reads the mapped columns block by block and keeps,
per row, only the label as read and whether each text is empty. That thin table goes through
:func:`finetune.data.preparation.prepare_data`, so label names, sizes, counts, the held-out split and every
check and note are exactly what training computes (the split and the counts depend on labels
only). The rows shown are the file's first rows, encoded like training encodes them; the
vocabulary figure samples them.

Everything else (small files, with their row checks; folders; Excel, parsed once; the Hub;
in-memory data) runs ``prepare_data`` itself, now columnar too. A file the streamed reader
cannot parse (a value of another type in a later block) also takes that path, which names the cause.

``progress(fraction, message)`` is called as the pass goes (the UI's ``gr.Progress``, a CLI bar).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Optional

import pyarrow as pa
import pyarrow.compute as pc

from finetune.config.run_config import DataConfig
from finetune.config.tasks import MULTI_LABEL, REGRESSION
from finetune.data import file_checks
from finetune.data.arrow_columns import column, encode_labels, text_ok
from finetune.data.column_detection import ColumnMapping, check_text_column
from finetune.data.loading import LEADING_ZERO, _strip_column_names, load_raw
from finetune.data.multi_label import label_sets, multi_hot
from finetune.data.names import FILE_TYPES
from finetune.data.preparation import (
    DataReport,
    EncodedTargets,
    PreparedData,
    _canonical,
    _find_split,
    _map_columns,
    infer_label_names,
    minus_one_missing,
    prepare_data,
)
from finetune.data.regression import target_values
from finetune.safety import guard, resolve_local

Progress = Optional[Callable[[float, str], None]]
# The streamed reader's block (the first also decides the columns): larger blocks were barely faster
# and took more memory (benchmarks/README.md, data_scale: the preview measurement).
BLOCK_BYTES = 2**20
PARQUET_BATCH_ROWS = 65536


def preview(
    config: DataConfig, raw: Any = None, rows: int = 5, checkpoint: Optional[str] = None, progress: Progress = None
) -> dict[str, Any]:
    """``{"rows": first rows (DataFrame: text[, text_pair], label id), "report": DataReport dict}``,
    plus ``vocabulary`` (the [UNK] share of a sample for ``checkpoint``'s tokenizer, see vocab.py)."""
    path = streamable_file(config) if raw is None else None
    if path is not None:
        try:
            return _preview_streamed(path, config, rows, checkpoint, progress)
        except pa.ArrowException:
            pass  # the full path reads it as training does, and names what is wrong
    return _preview_prepared(config, raw, rows, checkpoint, progress)


def list_columns(config: DataConfig, raw: Any = None) -> list[str]:
    """Columns of the train split as loaded (before mapping), for the UI's mapping dropdowns;
    a large single file's are read from its first block."""
    path = streamable_file(config) if raw is None else None
    if path is not None:
        try:
            return list(_head(path, config)[0].column_names)
        except pa.ArrowException:
            pass
    splits, _ = load_raw(config, raw)
    name = _find_split(splits, config.train_split, "train") or next(iter(splits))
    return list(splits[name].column_names)


def streamable_file(config: DataConfig) -> Optional[Path]:
    """The local file the streamed preview reads, or None when the full path applies."""
    guard(config.dataset, what="dataset")
    local = resolve_local(config.dataset)
    if local is None or not local.is_file() or config.train_split != "train" or config.validation_split:
        return None
    if (config.test_split or "none").lower() != "none" or config.sheet:
        return None
    kind = FILE_TYPES.get(local.suffix.lower())
    if kind not in ("csv", "tsv", "parquet") and local.suffix.lower() != ".jsonl":
        return None
    return local if local.stat().st_size > file_checks.FULL_CHECK_BYTES else None


def _preview_prepared(
    config: DataConfig, raw: Any, rows: int, checkpoint: Optional[str], progress: Progress
) -> dict[str, Any]:
    """The preview computed by preparing the data in full (first rows of the prepared train split)."""
    if progress:
        progress(0.0, "Loading the data")
    prepared = prepare_data(config, raw)
    train = prepared.splits["train"]
    first = train.select(range(min(rows, len(train))))
    out = {"rows": first.to_pandas(), "report": prepared.report.to_dict()}
    if checkpoint:
        from finetune.model.vocab import coverage_for_checkpoint

        out["vocabulary"] = coverage_for_checkpoint(checkpoint, prepared.splits).to_dict()
    if progress:
        progress(1.0, "Data loaded")
    return out


def _preview_streamed(
    path: Path, config: DataConfig, rows: int, checkpoint: Optional[str], progress: Progress
) -> dict[str, Any]:
    head, raw_names = _head(path, config)
    mapping = _map_columns(head, config, str(path))
    for name in (mapping.text, mapping.text_pair):
        if name:
            check_text_column(head, name)
    names = dict(zip(head.column_names, raw_names))
    label_type = head.data.column(mapping.label).type
    numeric = pa.types.is_integer(label_type) or pa.types.is_floating(label_type)
    numeric = numeric and FILE_TYPES.get(path.suffix.lower()) in ("csv", "tsv")  # text a number was written as
    thin = _thin_table(path, config, names, mapping, progress, label_type if numeric else None)
    if numeric and not thin.data.column(mapping.label).type.equals(label_type):  # kept as text: leading zeros
        head, _ = _head(path, config, text_columns=[names[mapping.label]])
    explicit = dataclasses.replace(
        config, text_column=mapping.text, text_pair_column=mapping.text_pair, label_column=mapping.label
    )
    prepared = prepare_data(explicit, raw=thin)
    prepared.report.source = str(path)
    shown = _canonical(
        head,
        mapping,
        _first_rows_targets(head, thin, mapping, explicit, prepared),
        DataReport(source=str(path), columns=mapping, label_names=prepared.label_names, task=prepared.task),
        "test",
    )
    out = {"rows": shown.select(range(min(rows, len(shown)))).to_pandas(), "report": prepared.report.to_dict()}
    if checkpoint:
        from finetune.model.vocab import coverage_for_checkpoint

        out["vocabulary"] = coverage_for_checkpoint(checkpoint, {"train": shown}).to_dict()
    return out


def _first_rows_targets(
    head: Any, thin: Any, mapping: ColumnMapping, config: DataConfig, prepared: PreparedData
) -> EncodedTargets:
    """The labels of the file's first block encoded as training encodes the whole file's, for the rows shown:
    class ids numbered over every row (single-label), multi-hot rows over the training labels (multi-label),
    the numbers (regression)."""
    import datasets

    values, where = column(head, mapping.label), "the file's first rows"
    if prepared.task == REGRESSION:
        numbers, missing = target_values(values, mapping.label, where)
        return EncodedTargets(numbers, datasets.Value("float32"), missing)
    if prepared.task == MULTI_LABEL:
        sets = label_sets(values, config.label_delimiter, mapping.label, where)
        matrix, _ = multi_hot(sets, prepared.label_names, len(head))
        feature = datasets.Sequence(datasets.Value("float32"), length=len(prepared.label_names))
        return EncodedTargets(matrix, feature, sets.missing)
    _, value_to_id = infer_label_names({"train": thin}, mapping.label)
    ids, missing = encode_labels(values, value_to_id, minus_one_missing(head, mapping.label, "test"))
    return EncodedTargets(ids, datasets.ClassLabel(names=prepared.label_names), missing)


def _head(path: Path, config: DataConfig, text_columns: tuple = ()) -> tuple[Any, list[str]]:
    """The file's first block as a Dataset (column names stripped as the loader strips them), and the
    file's own column names; ``text_columns`` (the file's names) are read as text."""
    import datasets

    first = next(_batches(path, config, columns=None, text_columns=text_columns), None)
    table = pa.Table.from_batches([first[0]]) if first is not None else pa.table({})
    return _strip_column_names(datasets.Dataset(datasets.table.InMemoryTable(table))), list(table.column_names)


def _thin_table(
    path: Path,
    config: DataConfig,
    raw_names: dict[str, str],
    mapping: ColumnMapping,
    progress: Progress,
    label_type: Optional[pa.DataType] = None,
) -> Any:
    """Every row's label as read and "x"/"" for each text (kept or empty), from one streamed pass;
    ``raw_names``: the file's column name of each (stripped) name. ``label_type``: the numeric type the first
    block gave the label column of a CSV/TSV: the labels are read as text, and kept as text when one has a
    leading zero ('01', as the loader keeps them: loading.leading_zero_columns), else cast to that type."""
    import datasets

    texts = [c for c in (mapping.text, mapping.text_pair) if c]
    wanted = [raw_names[c] for c in (*texts, mapping.label)]
    as_text = [raw_names[c] for c in texts] + ([raw_names[mapping.label]] if label_type is not None else [])
    parts: list[pa.Table] = []
    for batch, fraction in _batches(path, config, columns=wanted, text_columns=as_text):
        columns = {
            c: pc.if_else(pa.array(text_ok(pa.chunked_array([batch.column(raw_names[c])]))), "x", "") for c in texts
        }
        columns[mapping.label] = batch.column(raw_names[mapping.label])
        parts.append(pa.table(columns))
        if progress:
            progress(fraction, f"Reading {path.name}: {sum(p.num_rows for p in parts):,} rows")
    table = pa.concat_tables(parts) if parts else pa.table({c: pa.array([], pa.string()) for c in wanted})
    labels = table.column(mapping.label)
    if label_type is not None and not pc.any(pc.match_substring_regex(labels, LEADING_ZERO.pattern)).as_py():
        table = table.set_column(table.column_names.index(mapping.label), mapping.label, labels.cast(label_type))
    return datasets.Dataset(datasets.table.InMemoryTable(table))


def _batches(
    path: Path,
    config: DataConfig,
    columns: Optional[list[str]],
    text_columns: tuple = (),
) -> Iterator[tuple[pa.RecordBatch, float]]:
    """(record batch, share of the file read) of the file, ``columns`` only when given."""
    if path.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(path)
        total, done = max(1, parquet.metadata.num_rows), 0
        for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=columns):
            done += batch.num_rows
            yield batch, done / total
        return
    size = max(1, path.stat().st_size)
    source = pa.OSFile(str(path))
    try:
        reader = (
            _json_reader(source)
            if path.suffix.lower() == ".jsonl"
            else _csv_reader(source, path, config, columns, text_columns)
        )
        for batch in reader:
            yield (
                batch.select(columns) if columns and path.suffix.lower() == ".jsonl" else batch,
                min(1.0, source.tell() / size),
            )
    finally:
        source.close()


def _json_reader(source: Any) -> Any:
    import pyarrow.json as pjson

    return pjson.open_json(source, read_options=pjson.ReadOptions(block_size=BLOCK_BYTES))


def _csv_reader(source: Any, path: Path, config: DataConfig, columns: Optional[list[str]], text_columns: tuple) -> Any:
    """pyarrow's streaming CSV reader set up as the loader reads the file (delimiter, header row,
    pandas' missing-value markers, quoted line breaks)."""
    import pyarrow.csv as pcsv
    from pandas._libs.parsers import STR_NA_VALUES

    text = file_checks.skip_lines(file_checks.read_text(path, head_only=True), config.header_row)
    delimiter = file_checks.detect_delimiter(text, "\t" if FILE_TYPES[path.suffix.lower()] == "tsv" else ",")
    skip = (config.header_row - 1) if config.header_row and config.header_row > 1 else 0
    convert = pcsv.ConvertOptions(
        include_columns=columns,
        strings_can_be_null=True,
        null_values=sorted(STR_NA_VALUES),
        column_types={c: pa.string() for c in text_columns},
    )
    return pcsv.open_csv(
        source,
        read_options=pcsv.ReadOptions(skip_rows=skip, block_size=BLOCK_BYTES),
        parse_options=pcsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
        convert_options=convert,
    )
