"""Streaming batch prediction: same table as the in-memory path, written chunk by chunk with a BOM, progress."""

import io
import json
import subprocess
import sys

import pandas as pd
import pytest

from finetune.errors import DataError
from finetune.predict.batch import BatchProgress, ConsoleProgress, predict_to_csv
from finetune.predict.predictor import Predictor, predict_frame
from tests.helpers import PROJECT_ROOT, cli_env

WORDS = ["good", "bad", "great movie", "terrible world", "hello", "the movie was good", "好", "电影很好看"]


@pytest.fixture(scope="module")
def predictor(tiny_checkpoint_with_head):
    return Predictor(str(tiny_checkpoint_with_head))


def _rows(n):
    return pd.DataFrame({"id": range(n), "review": [WORDS[i % len(WORDS)] + f" {i}" for i in range(n)]})


def _read(path):
    return pd.read_csv(path, encoding="utf-8-sig", dtype={"review": str})


def test_streamed_output_equals_the_in_memory_table(predictor, tmp_path):
    source = tmp_path / "in.csv"
    _rows(53).to_csv(source, index=False)
    result = predict_to_csv(predictor, source, tmp_path / "out.csv", chunk_rows=7, batch_size=4)
    expected = predict_frame(predictor, _rows(53)[["review"]].astype(str))
    got = _read(tmp_path / "out.csv")
    assert result.rows == 53 and result.text_column == "review" and list(got.columns) == list(expected.columns)
    assert got["predicted_label"].astype(str).tolist() == expected["predicted_label"].astype(str).tolist()
    pd.testing.assert_frame_equal(
        got.drop(columns="predicted_label"),
        expected.drop(columns="predicted_label"),
        check_exact=False,
        atol=1e-5,
        check_dtype=False,
    )
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1  # one BOM: Excel reads Chinese
    assert "电影很好看".encode() in raw
    assert len(result.head) == 53 and result.rows_per_second > 0


def test_the_output_grows_while_the_file_is_read(predictor, tmp_path):
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _rows(40).to_csv(source, index=False)
    seen = []

    def progress(p: BatchProgress):
        lines = out.read_bytes().count(b"\n") if out.exists() else 0
        seen.append((p.rows_done, p.rows_written, p.rows_total, lines))

    predict_to_csv(predictor, source, out, chunk_rows=10, progress=progress, interval=0)
    written = [(w, lines) for _, w, _, lines in seen]
    assert [w for w, _ in written] == sorted(w for w, _ in written) and {w for w, _ in written} == {0, 10, 20, 30, 40}
    assert all(lines == w + 1 for w, lines in written if w)  # header + the rows written so far, on disk
    assert [d for d, *_ in seen] == sorted(d for d, *_ in seen) and seen[-1][0] == 40
    assert all(total == 40 for _, _, total, _ in seen)
    assert "40 / 40 rows (100%)" in BatchProgress(40, 40, 40, 2.0).describe()


@pytest.mark.parametrize("suffix", [".tsv", ".jsonl", ".json", ".parquet", ".xlsx"])
def test_every_file_type_streams_the_same_rows(predictor, tmp_path, suffix):
    frame = _rows(25)
    source = tmp_path / f"in{suffix}"
    if suffix == ".tsv":
        frame.to_csv(source, sep="\t", index=False)
    elif suffix == ".jsonl":
        frame.to_json(source, orient="records", lines=True, force_ascii=False)
    elif suffix == ".json":
        source.write_text(json.dumps(frame.to_dict(orient="records"), ensure_ascii=False), encoding="utf-8")
    elif suffix == ".parquet":
        frame.to_parquet(source)
    else:
        frame.to_excel(source, index=False)
    buffer = io.StringIO()
    result = predict_to_csv(predictor, source, buffer, chunk_rows=6)
    got = pd.read_csv(io.StringIO(buffer.getvalue()), dtype={"review": str})
    assert not buffer.getvalue().startswith("\ufeff")  # a stream gets no BOM
    assert result.rows == 25 and got["review"].tolist() == frame["review"].tolist()


def test_an_empty_text_is_named_by_its_row_and_the_rows_before_it_are_kept(predictor, tmp_path):
    frame = _rows(30)
    frame.loc[23, "review"] = ""
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    frame.to_csv(source, index=False)
    with pytest.raises(DataError, match=r"row\(s\) 24\b.*The 20 rows before it are in"):
        predict_to_csv(predictor, source, out, chunk_rows=10)
    assert len(_read(out)) == 20


def test_console_progress_prints_rows_per_second_lines():
    stream = io.StringIO()
    console = ConsoleProgress(stream, every=0)
    console(BatchProgress(10, 0, 100, 2.0))
    console.close()
    assert stream.getvalue().splitlines() == ["10 / 100 rows (10%) · 5 rows/s · ETA 0:18"] * 2


def test_cli_predict_file_writes_as_it_goes_and_shows_rows_per_second(tiny_checkpoint_with_head, tmp_path):
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _rows(30).to_csv(source, index=False)
    cmd = [
        sys.executable,
        "-m",
        "finetune",
        "predict",
        "--model",
        str(tiny_checkpoint_with_head),
        "--file",
        str(source),
        "--output",
        str(out),
        "--chunk-rows",
        "8",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, env=cli_env(), cwd=PROJECT_ROOT, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "30 / 30 rows (100%)" in done.stderr and "rows/s" in done.stderr
    assert f"wrote 30 predictions to {out}" in done.stdout and len(_read(out)) == 30


def test_an_output_naming_the_input_is_refused_and_the_input_kept(predictor, tmp_path):
    source = tmp_path / "mine.csv"
    _rows(12).to_csv(source, index=False)
    before = source.read_bytes()
    with pytest.raises(DataError, match="other than the input"):
        predict_to_csv(predictor, source, source)
    with pytest.raises(DataError, match="other than the input"):
        predict_to_csv(predictor, source, tmp_path / "." / "mine.csv")
    assert source.read_bytes() == before


@pytest.mark.parametrize("where", ["folder", "missing"])
def test_an_output_that_cannot_be_a_file_is_named(predictor, tmp_path, where):
    source = tmp_path / "in.csv"
    _rows(5).to_csv(source, index=False)
    output = tmp_path if where == "folder" else tmp_path / "nope" / "out.csv"
    with pytest.raises(DataError, match=r"output file \(--output\): expected"):
        predict_to_csv(predictor, source, output)


def test_a_batch_size_of_zero_is_refused(predictor, tmp_path):
    source = tmp_path / "in.csv"
    _rows(5).to_csv(source, index=False)
    with pytest.raises(DataError, match="batch size: expected a whole number of at least 1, found 0"):
        predict_to_csv(predictor, source, tmp_path / "out.csv", batch_size=0)
    with pytest.raises(DataError, match="batch size"):
        predictor.predict(["good"], batch_size=0)
