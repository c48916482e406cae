"""Unreadable data files name their real cause (through the one reader, read_table / prepare_data)."""

import json

import pandas as pd
import pytest

from finetune.config.run_config import DataConfig
from finetune.data.preparation import prepare_data
from finetune.errors import ConfigError, DataError

HEADER = "text,label\n"
BODY = "".join(f"good film {i},pos\nbad film {i},neg\n" for i in range(5))


def load(path, **kw):
    return prepare_data(DataConfig(dataset=str(path), **kw))


def refused(path, **kw) -> str:
    with pytest.raises(DataError) as info:
        load(path, **kw)
    return str(info.value)


def test_latin1_names_the_byte_and_line(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("text,label\ncafé ok,pos\nbad,neg\n".encode("latin-1"))
    message = refused(path)
    assert "byte 0xe9 at byte position 14 (line 2)" in message and "UTF-8" in message


def test_utf16_is_named(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes((HEADER + BODY).encode("utf-16"))
    assert "UTF-16" in refused(path)


def test_ragged_row_names_line_and_fields(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text(HEADER + "good,pos\nbad,neg\nok, fine,pos\n")
    assert "expected 2 fields in line 4, saw 3" in refused(path)


def test_header_only_file_says_no_rows(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text(HEADER)
    assert "no rows" in refused(path)
    empty_lines = tmp_path / "empty.jsonl"
    empty_lines.write_text("\n")
    assert "no rows" in refused(empty_lines)


@pytest.mark.parametrize("name,text", [("semi.csv", (HEADER + BODY).replace(",", ";")), ("comma.txt", HEADER + BODY)])
def test_delimiter_is_detected(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    prepared = load(path)
    assert prepared.label_names == ["neg", "pos"] and sum(prepared.report.split_sizes.values()) == 10


def test_column_names_with_stray_spaces_are_detected_and_accepted_when_typed(tmp_path):
    path = tmp_path / "spaces.csv"
    path.write_text(" Text ,Label \n" + BODY)
    assert load(path).report.columns.text == "Text"
    assert load(path, text_column=" Text", label_column="Label ").report.columns.label == "Label"


def test_file_without_header_row_is_named(tmp_path):
    path = tmp_path / "noheader.csv"
    path.write_text("".join(f"wonderful and fun {i},1\nawful {i},0\n" for i in range(5)))
    assert "no header row" in refused(path)


def test_rows_nested_under_one_json_key_are_read(tmp_path):
    path = tmp_path / "nested.json"
    path.write_text(json.dumps({"data": [{"text": f"t {i}", "label": i % 2} for i in range(10)]}))
    assert sum(load(path).report.split_sizes.values()) == 10
    path.write_text(json.dumps({"a": [{"text": "x", "label": 0}], "b": [{"text": "y", "label": 1}]}))
    assert "keys a, b" in refused(path)


FRAME = pd.DataFrame(
    {
        "text": [f"good {i}" if i % 2 else f"bad {i}" for i in range(10)],
        "label": ["pos" if i % 2 else "neg" for i in range(10)],
    }
)


def test_excel_data_on_another_sheet_names_the_sheets(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame().to_excel(writer, sheet_name="Notes", index=False)
        FRAME.to_excel(writer, sheet_name="Data", index=False)
    assert "sheets Notes, Data" in refused(path)
    assert "sheets Notes, Data" in refused(path, sheet="Other")
    assert sum(load(path, sheet="Data").report.split_sizes.values()) == 10
    with pd.ExcelWriter(path) as writer:  # a first sheet with a table, but not the data
        pd.DataFrame({"month": ["May"], "visits": [3]}).to_excel(writer, sheet_name="Summary", index=False)
        FRAME.to_excel(writer, sheet_name="Data", index=False)
    assert "sheets Summary, Data" in refused(path)


def test_excel_header_on_a_later_row_is_named_and_header_row_reads_it(tmp_path):
    path = tmp_path / "title.xlsx"
    with pd.ExcelWriter(path) as writer:
        FRAME.to_excel(writer, sheet_name="S", index=False, startrow=2)
        writer.sheets["S"]["A1"] = "My reviews"
    assert "Set header_row to 3" in refused(path)
    assert sum(load(path, header_row=3).report.split_sizes.values()) == 10
    csv_path = tmp_path / "title.csv"
    csv_path.write_text("My reviews\n\n" + HEADER + BODY)
    assert "header_row" in refused(csv_path)
    assert sum(load(csv_path, header_row=3).report.split_sizes.values()) == 10


def test_xls_without_xlrd_says_what_to_do(tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "xlrd" else real(name, *a))
    path = tmp_path / "old.xls"
    path.write_bytes(b"not really excel")
    assert "save it as .xlsx" in refused(path).lower()


def test_negative_seeds_name_the_field():
    from finetune.config.run_config import TrainConfig

    with pytest.raises(ConfigError, match="split_seed: expected a whole number >= 0, found -5"):
        DataConfig(split_seed=-5)
    with pytest.raises(ConfigError, match="seed: expected a whole number >= 0, found -1"):
        TrainConfig(seed=-1)


def test_real_xls_is_read_with_xlrd():
    """tests/data/reviews.xls: an Excel 97-2003 workbook (written with xlwt), 10 rows."""
    pytest.importorskip("xlrd")
    from tests.helpers import PROJECT_ROOT

    prepared = load(PROJECT_ROOT / "tests" / "data" / "reviews.xls")
    assert prepared.label_names == ["neg", "pos"] and sum(prepared.report.split_sizes.values()) == 10


@pytest.mark.parametrize(
    "content, expected",
    [
        (HEADER + BODY + "ok, fine,pos\n" + BODY, "expected 2 fields in line 12, saw 3"),
        ("text,label\ncafé ok,pos\nbad,neg\n".encode("latin-1"), "byte 0xe9 at byte position 14 (line 2)"),
    ],
)
def test_large_file_checked_only_when_it_fails_still_names_the_cause(tmp_path, monkeypatch, content, expected):
    from finetune.data import file_checks

    monkeypatch.setattr(file_checks, "FULL_CHECK_BYTES", 10)  # every file is "large": the row check is skipped
    monkeypatch.setattr(file_checks, "HEAD_BYTES", 16)
    path = tmp_path / "big.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert expected in refused(path)
    path.write_text(HEADER + BODY)
    assert load(path).report.split_sizes["train"] + load(path).report.split_sizes["validation"] == 10


def test_excel_sheet_is_parsed_once_for_columns_preview_and_training(tmp_path, monkeypatch):
    from finetune.data import file_checks
    from finetune.explore.data_preview import list_columns

    path = tmp_path / "book.xlsx"
    pd.DataFrame({"text": [f"t {i}" for i in range(10)], "label": ["a", "b"] * 5}).to_excel(path, index=False)
    calls = []
    original = file_checks.read_excel
    monkeypatch.setattr(file_checks, "read_excel", lambda *a: calls.append(a) or original(*a))
    assert list_columns(DataConfig(dataset=str(path))) == ["text", "label"]
    assert load(path).label_names == ["a", "b"]
    assert len(calls) == 1
    pd.DataFrame({"text": ["x", "y"] * 3, "label": ["c", "d"] * 3}).to_excel(path, index=False)  # a new version
    assert load(path).label_names == ["c", "d"] and len(calls) == 2


@pytest.mark.parametrize(
    "content",
    [bytes(range(256)) * 8, (HEADER + "good\x00 film,pos\n" + BODY).encode()],
    ids=["random-bytes", "nul-in-a-row"],
)
def test_binary_bytes_are_not_a_text_file(tmp_path, content):
    path = tmp_path / "blob.csv"
    path.write_bytes(content)
    message = refused(path)
    assert "not a text file" in message and "UTF-16" not in message


def test_gbk_chinese_is_named_with_how_to_convert(tmp_path):
    path = tmp_path / "weibo.csv"
    path.write_bytes(("text,label\n" + "这部电影很好看，推荐,好\n难看，浪费时间,差\n" * 3).encode("gbk"))
    message = refused(path)
    assert "GBK/GB18030" in message and "iconv -f GB18030 -t UTF-8" in message and "Latin-1" not in message


def test_latin1_is_not_taken_for_chinese(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("text,label\nété superbe,pos\ncafé fermé,neg\n".encode("latin-1"))
    message = refused(path)
    assert "Latin-1" in message and "GBK" not in message


def test_a_cell_longer_than_the_csv_module_default_is_read(tmp_path):
    path = tmp_path / "long.csv"
    long_text = "good " * 40_000  # 200,000 characters: over the csv module's 131,072
    path.write_text(HEADER + f'"{long_text}",pos\n' + BODY)
    prepared = load(path)
    texts = list(prepared.splits["train"]["text"]) + list(prepared.splits["validation"]["text"])
    assert max(len(text) for text in texts) > 131_072


def test_a_header_of_empty_names_is_not_called_an_empty_file(tmp_path):
    path = tmp_path / "blank_header.csv"
    path.write_text(",\n" + BODY)
    message = refused(path)
    assert "a first line of 2 empty names" in message and "empty file" not in message


@pytest.mark.parametrize(
    "content, expected",
    [
        (json.dumps({"text": ["good", "bad", "fine"], "label": ["pos", "neg", "pos"]}), "one object of columns"),
        ("42", "a single int value"),
    ],
    ids=["column-oriented", "scalar"],
)
def test_json_that_is_not_rows_is_named(tmp_path, content, expected):
    path = tmp_path / "data.json"
    path.write_text(content)
    assert expected in refused(path)


def test_an_empty_workbook_says_so(tmp_path):
    import openpyxl

    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)
    assert "an empty sheet (no cells)" in refused(path)


def test_formula_cells_without_saved_values_are_named(tmp_path):
    import openpyxl

    path = tmp_path / "formulas.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["text", "label"])
    for i in range(6):
        sheet.append([f'=CONCAT("good film ", {i})', "pos" if i % 2 else "neg"])
    book.save(path)  # openpyxl writes formulas and no computed values
    message = refused(path)
    assert "column(s) text of Excel file 'formulas.xlsx'" in message and "formulas without saved values" in message


def test_formula_cells_with_saved_values_read_those_values(tmp_path):
    """A workbook saved by Excel holds each formula's computed value beside it: that value is read."""
    import re
    import zipfile

    import openpyxl

    plain = tmp_path / "plain.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["text", "label"])
    for i in range(6):
        book.active.append([f"film {i}", f"=MOD({i},2)"])
    book.save(plain)
    path = tmp_path / "computed.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":  # store the values Excel would have computed
                data = re.sub(
                    rb"<f>MOD\((\d),2\)</f><v ?/>", lambda m: b"<f>MOD(%s,2)</f><v>%d</v>" % (m[1], int(m[1]) % 2), data
                )
            target.writestr(item, data)
    prepared = load(path)
    assert prepared.label_names == ["0", "1"] and sum(prepared.report.split_sizes.values()) == 6


def test_a_header_only_workbook_says_it_has_no_rows(tmp_path):
    path = tmp_path / "header.xlsx"
    pd.DataFrame({"text": [], "label": []}).to_excel(path, index=False)
    message = refused(path)
    assert "sheet 'Sheet1' of Excel file 'header.xlsx': expected data rows under the header" in message
    assert "no rows (only the header: text, label)" in message
