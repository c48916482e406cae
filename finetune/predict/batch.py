"""Batch prediction that streams: a file is read in chunks, each chunk is predicted and appended to a CSV.

Memory stays flat whatever the file's size (no list of every row, no matrix of every logit):

- CSV/TSV/TXT: ``pandas.read_csv(chunksize=...)``, delimiter detected from the first KB like the
  training data's, only the text column(s) read, as strings;
- JSON lines: ``pandas.read_json(lines=True, chunksize=...)``; Parquet: ``pyarrow`` record batches;
- Excel, and a ``.json`` holding one array of rows, cannot be read in parts: they are read whole
  (``loading.read_table``) and predicted chunk by chunk all the same.

The output is written as it goes (header once), UTF-8 with a byte-order mark ("utf-8-sig") when
written to a file, so Excel shows Chinese and other non-ASCII text correctly; a stream (stdout)
gets no BOM. Its columns are those of :func:`finetune.predict.predictor.predict_frame`. Progress reaches
the caller as :class:`BatchProgress` (rows done, rows in the file when cheaply known, rows/s).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, TextIO, Union

from finetune.data import file_checks
from finetune.data.loading import read_table
from finetune.data.names import FILE_TYPES
from finetune.errors import DataError, english, expected_found
from finetune.predict.predictor import Predictor, check_batch_size, label_rows, resolve_text_columns

CHUNK_ROWS = 4096  # rows read, predicted and written at a time
PREVIEW_ROWS = 1000  # rows of the output kept in memory for a table on screen
COUNT_BLOCK = 1 << 20


@dataclass(frozen=True)
class BatchProgress:
    """Where a batch prediction is: ``rows_total`` is exact for Parquet, Excel and JSON arrays, counted from
    line breaks for CSV and JSON lines (a quoted line break makes it an estimate), None when unknown."""

    rows_done: int  # rows predicted
    rows_written: int  # rows in the output so far
    rows_total: Optional[int]
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows_done / self.seconds if self.seconds > 0 else 0.0

    @property
    def fraction(self) -> Optional[float]:
        return min(1.0, self.rows_done / self.rows_total) if self.rows_total else None

    def describe(self, say: Callable[..., str] = english) -> str:
        """'3,200 / 10,000 rows (32%) · 850 rows/s · ETA 0:08' (without the total when unknown); ``say`` gives
        the words (English as is; the page passes its language's)."""
        from finetune.runs.events import format_duration

        done = (
            say(
                "{done} / {total} rows ({share})",
                done=f"{self.rows_done:,}",
                total=f"{self.rows_total:,}",
                share=f"{self.fraction:.0%}",
            )
            if self.rows_total
            else say("{done} rows", done=f"{self.rows_done:,}")
        )
        parts = [done, say("{speed} rows/s", speed=f"{self.rows_per_second:,.0f}")]
        if self.rows_total and self.rows_per_second and self.rows_done < self.rows_total:
            parts.append(
                say("ETA {time}", time=format_duration((self.rows_total - self.rows_done) / self.rows_per_second))
            )
        return " · ".join(parts)


@dataclass
class BatchResult:
    rows: int
    seconds: float
    output: Optional[str]  # the file written (None for a stream)
    head: Any = None  # the first PREVIEW_ROWS rows of the output, a DataFrame
    text_column: str = ""
    text_pair_column: Optional[str] = None
    columns: list[str] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def predict_to_csv(
    predictor: Predictor,
    path: Union[str, Path],
    output: Union[str, Path, TextIO],
    *,
    text_column: Optional[str] = None,
    text_pair_column: Optional[str] = None,
    batch_size: int = 32,
    chunk_rows: int = CHUNK_ROWS,
    progress: Optional[Callable[[BatchProgress], None]] = None,
    interval: float = 0.5,
    preview_rows: int = PREVIEW_ROWS,
    threshold: Optional[float] = None,
) -> BatchResult:
    """Classify every row of ``path`` chunk by chunk, appending each chunk's predictions to ``output``.

    ``output``: a file path (written as UTF-8 with BOM, so Excel shows Chinese correctly) or an open text
    stream (no BOM). ``progress`` is called at most every ``interval`` seconds while a chunk is predicted,
    and after every chunk is written. On an error (say an empty text at row 70,001) the rows before it
    stay in the output and the message says how many. ``threshold`` (multi-label) replaces the model's saved
    decision threshold.
    """
    path = Path(path)
    check_batch_size(batch_size)
    to_file = not hasattr(output, "write")
    if to_file:
        check_output(path, Path(output))
    reader = ChunkReader(path, chunk_rows)
    text_column, text_pair_column = resolve_text_columns(reader.head(), text_column, text_pair_column)
    total = reader.count_rows()
    try:
        handle = open(output, "w", encoding="utf-8-sig", newline="") if to_file else output
    except OSError as exc:
        raise DataError(
            expected_found(
                "output file (--output)", "a file that can be written", f"{exc.strerror or exc}", "Pick another path."
            )
        ) from exc
    started, state = time.monotonic(), {"written": 0, "last": 0.0}
    heads: list[Any] = []

    def report(done: int, force: bool = False) -> None:
        now = time.monotonic()
        if progress is not None and (force or now - state["last"] >= interval):
            state["last"] = now
            progress(BatchProgress(done, state["written"], max(total, done) if total else None, now - started))

    try:
        for chunk in reader.chunks([c for c in (text_column, text_pair_column) if c]):
            frame = _predict_chunk(
                predictor,
                chunk,
                text_column,
                text_pair_column,
                state["written"],
                batch_size,
                lambda done, _: report(state["written"] + done),
                output,
                threshold,
            )
            frame.to_csv(handle, header=state["written"] == 0, index=False)
            handle.flush()
            state["written"] += len(frame)
            if sum(len(h) for h in heads) < preview_rows:
                heads.append(frame.head(preview_rows - sum(len(h) for h in heads)))
            report(state["written"], force=True)
    except BaseException:
        if to_file:
            handle.close()
            if state["written"] == 0:
                Path(output).unlink(missing_ok=True)  # nothing useful in it
        raise
    if to_file:
        handle.close()
    return _result(
        state["written"], time.monotonic() - started, output if to_file else None, heads, text_column, text_pair_column
    )


def check_output(source: Path, output: Path) -> None:
    """Refuse an output that would destroy the input or cannot be a file, before anything is opened.

    Why: opening the output truncates it, so an output naming the input file emptied the input and the
    cleanup then deleted it; a folder or a missing folder as output crashed with a raw OSError."""
    if output.is_dir():
        raise DataError(
            expected_found(
                "output file (--output)", "a file name for the CSV", f"'{output.name}', a folder", "Name a file in it."
            )
        )
    same = output.exists() and source.exists() and output.resolve() == source.resolve()
    if same or (output.exists() and source.exists() and output.samefile(source)):
        raise DataError(
            expected_found(
                "output file (--output)",
                "a file other than the input (writing starts by emptying it)",
                f"the input file '{source.name}' itself",
                "Write the predictions to another file; the input is left as it was.",
            )
        )
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise DataError(
            expected_found("output file (--output)", "a file in an existing folder", f"no folder '{folder.name}'")
        )


def _predict_chunk(
    predictor: Predictor,
    chunk: Any,
    text_column: str,
    text_pair_column: Optional[str],
    offset: int,
    batch_size: int,
    progress: Callable[[int, int], None],
    output: Any,
    threshold: Optional[float] = None,
) -> Any:
    """One chunk's output table; an empty text is named by its row in the file (1 = first data row)."""
    texts = chunk[text_column].fillna("").astype(str).tolist()
    pairs = chunk[text_pair_column].fillna("").astype(str).tolist() if text_pair_column else None
    empty = [offset + i + 1 for i, text in enumerate(texts) if not text.strip()]
    if empty:
        kept = f" The {offset:,} rows before it are in {output}." if offset and isinstance(output, (str, Path)) else ""
        raise DataError(
            expected_found(
                f"column '{text_column}'",
                "non-empty text on every row",
                f"empty text at row(s) {', '.join(f'{r:,}' for r in empty[:5])}",
                f"Fill or remove those rows.{kept}",
            )
        )
    return label_rows(
        predictor,
        texts,
        pairs,
        text_column,
        text_pair_column,
        batch_size=batch_size,
        progress=progress,
        threshold=threshold,
    )


def _result(
    rows: int, seconds: float, output: Any, heads: list[Any], text_column: str, text_pair_column: Optional[str]
) -> BatchResult:
    import pandas as pd

    head = pd.concat(heads, ignore_index=True) if heads else pd.DataFrame()
    return BatchResult(
        rows=rows,
        seconds=seconds,
        output=str(output) if output is not None else None,
        head=head,
        text_column=text_column,
        text_pair_column=text_pair_column,
        columns=[str(c) for c in head],
    )


class ChunkReader:
    """A data file as DataFrames of at most ``chunk_rows`` rows, in file order."""

    def __init__(self, path: Path, chunk_rows: int = CHUNK_ROWS) -> None:
        self.path, self.chunk_rows = path, max(1, int(chunk_rows))
        self.kind = FILE_TYPES.get(path.suffix.lower())
        if self.kind is None or not path.is_file():
            read_table(path)  # names the problem (unknown type, missing file) like training data does
        if self.kind == "json" and not _is_json_lines(path):
            self.kind = "json-array"
        self._whole: Any = None

    def head(self) -> Any:
        """The first chunk with every column (to find the text column)."""
        if self.kind in ("excel", "json-array"):
            return self._read_whole()
        first = next(self._frames(None), None)
        if first is None:
            read_table(self.path)  # a file without data rows: named by the same checks as training data
            raise DataError(expected_found(f"data file '{self.path.name}'", "data rows", "none"))
        return first

    def chunks(self, columns: list[str]) -> Iterator[Any]:
        if self.kind in ("excel", "json-array"):
            whole = self._read_whole()
            for start in range(0, len(whole), self.chunk_rows):
                yield whole.iloc[start : start + self.chunk_rows]
            return
        yield from self._frames(columns)

    def count_rows(self) -> Optional[int]:
        """Rows in the file: exact when the file was read whole or is Parquet, else line breaks counted."""
        if self.kind in ("excel", "json-array"):
            return len(self._read_whole())
        if self.kind == "parquet":
            import pyarrow.parquet as pq

            return pq.ParquetFile(self.path).metadata.num_rows
        lines, last = 0, b"\n"
        with open(self.path, "rb") as handle:
            while block := handle.read(COUNT_BLOCK):
                lines, last = lines + block.count(b"\n"), block[-1:]
        lines += last != b"\n"
        return max(0, lines - (0 if self.kind == "json" else 1))

    def _read_whole(self) -> Any:
        if self._whole is None:
            self._whole = read_table(self.path).to_pandas()
        return self._whole

    def _frames(self, columns: Optional[list[str]]) -> Iterator[Any]:
        """Chunks of a streamable file; a parse error is named like training data's (loading.read_table)."""
        try:
            yield from self._parse(columns)
        except (DataError, GeneratorExit):
            raise
        except Exception as exc:  # pandas/arrow parse and decode errors come in many types
            read_table(self.path)  # raises the checked, named cause
            raise DataError(
                f"data file '{self.path.name}': expected a readable {self.kind} file, found an error "
                f"while reading it ({type(exc).__name__}: {exc})."
            ) from exc

    def _parse(self, columns: Optional[list[str]]) -> Iterator[Any]:
        import pandas as pd

        if self.kind == "parquet":
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(self.path).iter_batches(batch_size=self.chunk_rows, columns=columns):
                yield batch.to_pandas()
            return
        if self.kind == "json":
            with pd.read_json(
                self.path, lines=True, chunksize=self.chunk_rows, dtype=False, encoding="utf-8-sig"
            ) as reader:
                for chunk in reader:
                    yield chunk.reindex(columns=columns) if columns else chunk
            return
        with open(self.path, encoding="utf-8-sig", errors="strict") as handle:
            delimiter = file_checks.detect_delimiter(
                handle.read(file_checks.SNIFF_CHARS), "\t" if self.kind == "tsv" else ","
            )
        wanted = set(columns or ())
        options = {"usecols": lambda c: str(c).strip() in wanted, "dtype": str} if columns else {}
        with pd.read_csv(
            self.path, sep=delimiter, chunksize=self.chunk_rows, encoding="utf-8-sig", **options
        ) as reader:
            for chunk in reader:
                yield chunk.rename(columns=lambda c: str(c).strip())


def _is_json_lines(path: Path) -> bool:
    """Whether a .json/.jsonl file holds one row object per line (not one array or one object of rows)."""
    with open(path, encoding="utf-8-sig", errors="replace") as handle:
        first = next((line.strip() for line in handle if line.strip()), "")
    try:
        value = json.loads(first)
    except json.JSONDecodeError:
        return False
    return isinstance(value, dict) and not any(
        isinstance(v, list) and v and isinstance(v[0], dict) for v in value.values()
    )


class ConsoleProgress:
    """Progress on a console stream (stderr): one line redrawn in place on a terminal, else a line every
    ``every`` seconds, so a log file is not flooded. Call :meth:`close` to end the line."""

    def __init__(self, stream: TextIO = sys.stderr, every: float = 5.0) -> None:
        self.stream, self.every = stream, every
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.last: Optional[BatchProgress] = None
        self.printed = 0.0

    def __call__(self, progress: BatchProgress) -> None:
        self.last = progress
        if self.tty:
            self.stream.write("\r" + progress.describe().ljust(60))
            self.stream.flush()
        elif progress.seconds - self.printed >= self.every:
            self.printed = progress.seconds
            print(progress.describe(), file=self.stream, flush=True)

    def close(self) -> None:
        if self.last is not None:
            self.stream.write(("\r" if self.tty else "") + self.last.describe().ljust(60 if self.tty else 0) + "\n")
            self.stream.flush()
