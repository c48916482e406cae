"""Data files checked before they are parsed, so a file that cannot be read says why.

datasets' CSV and JSON builders hide the cause of a parse error behind "An error occurred while
generating the dataset" (or "Instruction 'train' corresponds to no data"). :func:`loading.read_table`
runs these checks first and names the real cause: the encoding and byte position, the delimiter,
the line with the wrong number of fields, a file with no rows, rows nested under a JSON key,
Excel sheets and a header that is not on the first row.
"""

from __future__ import annotations

import codecs
import csv
import importlib.util
import io
import json
from pathlib import Path
from typing import Any, Optional

from finetune.errors import DataError, expected_found

DELIMITERS = ",\t;|"
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
SNIFF_CHARS = 1024  # the first KB decides the delimiter when the header line alone cannot
# Files up to this size are checked row by row before they are parsed; larger ones only when they
# fail to parse (the check is a Python pass over every row, and holds the whole text in memory).
FULL_CHECK_BYTES = 16 * 2**20
HEAD_BYTES = 2**20
MAX_FIELD_CHARS = 2**31 - 1  # no limit on a cell's length (the csv module refuses cells over 131,072 chars)


def read_text(path: Path, *, head_only: bool = False) -> str:
    """The file's text as UTF-8 (``head_only``: its first lines, about :data:`HEAD_BYTES`);
    DataError naming the encoding problem and its byte position."""
    if head_only:
        with path.open("rb") as handle:
            data = handle.read(HEAD_BYTES)
        data = data[: data.rfind(b"\n") + 1] if b"\n" in data and len(data) == HEAD_BYTES else data
    else:
        data = path.read_bytes()
    what = f"data file '{path.name}'"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _looks_utf16(data[:SNIFF_CHARS]):
        raise DataError(
            expected_found(
                what,
                "UTF-8 text",
                "UTF-16 text (a byte-order mark or NUL bytes at the start)",
                "Save it as UTF-8 (in Excel: 'CSV UTF-8 (comma delimited)').",
            )
        )
    binary = _binary_byte(data)
    if binary is not None:
        binary_line = data[:binary].count(b"\n") + 1
        raise DataError(
            expected_found(
                what,
                "a text file (UTF-8)",
                f"not a text file: byte 0x{data[binary]:02x} at byte position {binary} "
                f"(line {binary_line}) is a control byte text never holds",
                "Choose the CSV/JSON/Excel file itself (not a compressed or binary file), or remove that byte.",
            )
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        found = f"byte 0x{data[exc.start]:02x} at byte position {exc.start} (line {line}) that is not valid UTF-8"
        if _is_chinese_gb(data):
            raise DataError(
                expected_found(
                    what,
                    "UTF-8 text",
                    f"{found}: the file is Chinese text in GBK/GB18030 (the usual Windows encoding for Chinese)",
                    "Convert it to UTF-8: in Excel 'Save as CSV UTF-8'; in a shell "
                    "'iconv -f GB18030 -t UTF-8 in.csv > out.csv'; in Python "
                    "open(path, encoding='gb18030') and write it with encoding='utf-8'.",
                )
            ) from None
        raise DataError(
            expected_found(
                what,
                "UTF-8 text",
                f"byte 0x{data[exc.start]:02x} at byte position {exc.start} (line {line}) that is "
                "not valid UTF-8, so the file is in another encoding (probably Latin-1 / Windows-1252)",
                "Save it as UTF-8 (in Excel: 'CSV UTF-8'; in an editor: 'Save with encoding UTF-8').",
            )
        ) from None


# bytes that no text file holds: NUL and the C0 controls, except tab, line and form feeds, carriage return, escape
# and the four separators 0x1c-0x1f (str.isspace counts those as whitespace, and some exports use them)
_BINARY_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27, 28, 29, 30, 31))


def _looks_utf16(head: bytes) -> bool:
    """Whether a file's first bytes are UTF-16 without a byte-order mark: NUL in most odd or most even places
    (ASCII characters stored in two bytes), not NUL bytes scattered through binary data."""
    if len(head) < 4 or b"\x00" not in head:
        return False
    even, odd = head[0::2], head[1::2]
    return max(even.count(0) / len(even), odd.count(0) / len(odd)) > 0.4


def _binary_byte(data: bytes) -> Optional[int]:
    """The position of the first byte text never holds (NUL, most control bytes), None when there is none."""
    positions = [data.find(bytes([b])) for b in _BINARY_BYTES]
    found = [p for p in positions if p >= 0]
    return min(found) if found else None


def _is_chinese_gb(data: bytes) -> bool:
    """Whether bytes that are not UTF-8 read as GBK/GB18030 Chinese: they decode, and most non-ASCII characters
    are in GB2312's range (both bytes 0xA1-0xFE, where common Chinese characters and punctuation lie). Latin-1
    text decodes too, but an accented letter followed by an ASCII one falls outside that range."""
    try:
        text = data[: 1 << 16].decode("gb18030")
    except UnicodeDecodeError:
        return False
    wide = [ch for ch in text if ord(ch) > 127]
    in_gb2312 = sum(1 for ch in wide if all(0xA1 <= b <= 0xFE for b in ch.encode("gb18030")))
    return bool(wide) and in_gb2312 >= 0.8 * len(wide)


def skip_lines(text: str, header_row: Optional[int]) -> str:
    """The text from the header row on (``header_row`` counts from 1)."""
    if not header_row or header_row <= 1:
        return text
    parts = text.split("\n", header_row - 1)
    return parts[-1] if len(parts) == header_row else ""


def detect_delimiter(text: str, default: str) -> str:
    """The delimiter of a delimited text file: the only candidate in the header line, else csv.Sniffer."""
    header = text.split("\n", 1)[0]
    present = [d for d in DELIMITERS if d in header]
    if default in present or not present:
        return default
    if len(present) == 1:
        return present[0]
    sample = text[:SNIFF_CHARS]
    sample = sample[: sample.rfind("\n")] if "\n" in sample else sample
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(present)).delimiter
    except csv.Error:
        return present[0]


def check_rows(text: str, delimiter: str, name: str, header_row: Optional[int] = None) -> None:
    """DataError for a file without rows or with a row whose number of fields differs from the header's."""
    csv.field_size_limit(MAX_FIELD_CHARS)  # the module's default refuses long texts that pandas and JSON read
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    what = f"data file '{name}'"
    if not header:
        raise DataError(expected_found(what, "a header row and data rows", "an empty file (no rows)"))
    if not any(cell.strip() for cell in header):
        raise DataError(
            expected_found(
                what,
                "a header row naming the columns (e.g. text,label)",
                f"a first line of {len(header)} empty names",
                "Write the column names on the first line.",
            )
        )
    rows, offset = 0, (header_row or 1) - 1
    for row in reader:
        if not row:
            continue
        rows += 1
        if len(row) != len(header):
            hint = " If the column names are on a later row, set header_row." if len(header) == 1 else ""
            raise DataError(
                f"{what}: expected {len(header)} fields in line {reader.line_num + offset}, saw {len(row)} (the "
                f"header has {len(header)}: {', '.join(header)}). Put quotes around values that contain the "
                f"{DELIMITER_NAMES.get(delimiter, repr(delimiter))} delimiter, or fix that line.{hint}"
            )
    if rows == 0:
        raise DataError(
            expected_found(
                what,
                "data rows under the header",
                f"no rows (only the header: {', '.join(header)})",
                "Add rows, or choose another file.",
            )
        )


def json_rows_field(text: str, name: str) -> Optional[str]:
    """The key to read rows under when a .json file is one object holding a single list of rows.

    None for a list of rows or JSON lines; DataError for invalid JSON (with the line), no rows,
    or an object holding several lists (naming their keys).
    """
    what = f"data file '{name}'"
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        _check_json_lines(text, what)
        return None
    if value == [] or value == {}:
        raise DataError(expected_found(what, "rows", "no rows (an empty JSON value)"))
    if not isinstance(value, (dict, list)):
        raise DataError(
            expected_found(
                what,
                "JSON rows (a list of row objects, or one object per line)",
                f"a single {type(value).__name__} value",
            )
        )
    if not isinstance(value, dict):
        return None
    columns = [key for key, item in value.items() if isinstance(item, list) and item and not isinstance(item[0], dict)]
    if len(columns) >= 2 and len(columns) == len(value):
        raise DataError(
            expected_found(
                what,
                "rows (a list of row objects, or one object per line)",
                f"one object of columns ({', '.join(columns)}), each a list of values",
                "Turn it into rows, e.g. pandas.DataFrame(json.load(f)).to_json('rows.jsonl', orient='records', "
                "lines=True, force_ascii=False).",
            )
        )
    nested = [key for key, item in value.items() if isinstance(item, list) and item and isinstance(item[0], dict)]
    if len(nested) == 1 and len(value) <= 3:
        return nested[0]
    if len(nested) > 1:
        raise DataError(
            expected_found(
                what,
                "a list of row objects (or one object per line)",
                f"an object whose keys {', '.join(nested)} each hold a list of rows",
                "Keep the rows you want to train on as the only list.",
            )
        )
    return None


def _check_json_lines(text: str, what: str) -> None:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(
                    expected_found(
                        what,
                        "JSON (a list of row objects, or one object per line)",
                        f"invalid JSON in line {number}: {exc.msg} (column {exc.colno})",
                        "Fix that line.",
                    )
                ) from None


def read_excel(path: Path, sheet: Optional[str] = None, header_row: Optional[int] = None) -> Any:
    """One sheet of an Excel file as a DataFrame; DataError naming the sheets or the header row to use."""
    import pandas as pd

    what = f"Excel file '{path.name}'"
    if path.suffix.lower() == ".xls" and importlib.util.find_spec("xlrd") is None:
        raise DataError(
            expected_found(
                what,
                "an .xlsx workbook",
                "an .xls (Excel 97-2003) workbook, which needs the xlrd package (not installed)",
                "Save it as .xlsx or CSV, or pip install xlrd.",
            )
        )
    try:
        book = pd.ExcelFile(path)
    except Exception as exc:  # zip/xlrd errors come in many types
        raise DataError(
            expected_found(
                what,
                "a readable Excel workbook",
                f"{type(exc).__name__}: {exc}",
                "Open it in Excel and save it again as .xlsx.",
            )
        ) from exc
    names = [str(n) for n in book.sheet_names]
    if sheet is not None and sheet not in names:
        raise DataError(expected_found(f"sheet '{sheet}' of {what}", "one of its sheets", "sheets " + ", ".join(names)))
    target = sheet if sheet is not None else names[0]
    frame = pd.read_excel(book, sheet_name=target, header=(header_row or 1) - 1)
    if len(frame.columns) == 0 and len(names) == 1:
        raise DataError(
            expected_found(f"sheet '{target}' of {what}", "a header row and data rows", "an empty sheet (no cells)")
        )
    if sheet is None and len(names) > 1 and frame.dropna(how="all").empty:
        raise DataError(
            expected_found(
                what,
                "the table on its first sheet",
                f"first sheet '{names[0]}' empty; the workbook has sheets {', '.join(names)}",
                "Set sheet to the one holding the data.",
            )
        )
    if frame.empty and (sheet is not None or len(names) == 1):
        raise DataError(
            expected_found(
                f"sheet '{target}' of {what}",
                "data rows under the header",
                f"no rows (only the header: {', '.join(map(str, frame.columns))})",
                "Add rows, or choose another file.",
            )
        )
    _check_formulas(path, target, frame, header_row)
    unnamed = [c for c in frame.columns if str(c).startswith("Unnamed:")]
    if header_row is None and unnamed and 2 * len(unnamed) >= len(frame.columns):
        start = _first_table_row(pd.read_excel(book, sheet_name=target, header=None))
        raise DataError(
            expected_found(
                f"sheet '{target}' of {what}",
                "column names in row 1",
                f"row 1 without column names ({', '.join(map(str, frame.columns))}); the "
                f"table seems to start at row {start}",
                f"Set header_row to {start} (the row holding the column names).",
            )
        )
    return frame


def _check_formulas(path: Path, sheet: str, frame: Any, header_row: Optional[int]) -> None:
    """DataError for a column that reads empty because its cells are formulas without saved values (a workbook
    written by a program that does not compute them): read as numbers, they would be a column of NaN."""
    empty = [i for i, name in enumerate(frame.columns) if frame[name].isna().all()]
    if not empty or path.suffix.lower() != ".xlsx" or frame.empty:
        return
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)  # formulas as written, not their saved values
    try:
        first = (header_row or 1) + 1
        rows = book[sheet].iter_rows(min_row=first, max_row=first + 50, values_only=True)
        formulas = {i for row in rows for i in empty if i < len(row) and str(row[i] or "").startswith("=")}
    finally:
        book.close()
    if formulas:
        names = ", ".join(str(frame.columns[i]) for i in sorted(formulas))
        raise DataError(
            expected_found(
                f"column(s) {names} of Excel file '{path.name}'",
                "cells holding values",
                "formulas without saved values (the program that wrote the file did not compute them)",
                "Open the file in Excel or LibreOffice and save it (that stores the values), or paste the values.",
            )
        )


def _first_table_row(raw: Any) -> int:
    """1-based number of the first row with at least two filled cells (where a table starts)."""
    for index, (_, row) in enumerate(raw.iterrows(), 1):
        if row.notna().sum() >= 2:
            return index
    return 1


def workbook_sheets(source: str) -> list[str]:
    """The sheet names of an Excel file with more than one sheet ([] for anything else)."""
    import pandas as pd

    path = Path(source)
    if path.suffix.lower() not in (".xlsx", ".xls") or not path.is_file():
        return []
    try:
        names = [str(name) for name in pd.ExcelFile(path).sheet_names]
    except Exception:  # unreadable workbooks were reported when they were read
        return []
    return names if len(names) > 1 else []
