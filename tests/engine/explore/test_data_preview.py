"""The data preview: a large file's streamed preview reports exactly what training prepares."""

import json

import numpy as np
import pandas as pd
import pytest

from finetune.config.run_config import DataConfig
from finetune.data import file_checks
from finetune.data.preparation import prepare_data
from finetune.explore import data_preview as preview_module
from finetune.explore.data_preview import list_columns, preview, streamable_file


def _frame(n=400, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.array(["good", " bad", "meh ", "NA", "", "ok"], dtype=object)[rng.integers(0, 6, n)]
    texts = [f"review {i}, with a comma" if i % 17 else ("" if i % 2 else "NA") for i in range(n)]
    texts[3] = "a quoted\nline break"
    return pd.DataFrame({" Review ": texts, "stars": labels, "id": range(n)})


WRITERS = {
    ".csv": lambda frame, path: frame.to_csv(path, index=False),
    ".tsv": lambda frame, path: frame.to_csv(path, sep="\t", index=False),
    ".jsonl": lambda frame, path: frame.to_json(path, orient="records", lines=True),
    ".parquet": lambda frame, path: frame.to_parquet(path),
}


def _write(frame, tmp_path, suffix):
    path = tmp_path / f"data{suffix}"
    WRITERS[suffix](frame, path)
    return path


@pytest.fixture
def large(monkeypatch):
    """Every file counts as large (streamed), in small blocks (several batches)."""
    monkeypatch.setattr(file_checks, "FULL_CHECK_BYTES", 10)
    monkeypatch.setattr(preview_module, "BLOCK_BYTES", 4096)
    monkeypatch.setattr(preview_module, "PARQUET_BATCH_ROWS", 64)


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet"])
def test_streamed_preview_reports_what_training_prepares(tmp_path, large, suffix):
    path = _write(_frame(), tmp_path, suffix)
    config = DataConfig(dataset=str(path), label_column="stars", validation_size=0.2, max_train_samples=200)
    assert streamable_file(config) == path
    seen = []
    out = preview(config, rows=4, progress=lambda share, message: seen.append(share))
    prepared = prepare_data(config)
    assert out["report"] == prepared.report.to_dict()
    assert len(seen) > 2 and seen == sorted(seen) and seen[-1] == 1.0
    first = pd.read_csv(path) if suffix == ".csv" else None
    shown = out["rows"]
    assert list(shown.columns) == ["text", "label"] and len(shown) == 4
    if first is not None:  # the file's first rows with text and a label, labels encoded as training encodes them
        kept = [
            (t, label.strip())
            for t, label in zip(first[" Review "], first["stars"])
            if isinstance(t, str) and t.strip() and isinstance(label, str) and label.strip()
        ]
        assert list(zip(shown["text"], [prepared.label_names[i] for i in shown["label"]])) == kept[:4]
    assert list_columns(config) == ["Review", "stars", "id"]


def test_small_files_and_unreadable_blocks_take_the_full_path(tmp_path, monkeypatch):
    path = _write(_frame(60), tmp_path, ".csv")
    config = DataConfig(dataset=str(path), label_column="stars")
    assert streamable_file(config) is None  # small: checked and loaded in full
    monkeypatch.setattr(file_checks, "FULL_CHECK_BYTES", 10)
    monkeypatch.setattr(preview_module, "BLOCK_BYTES", 512)
    frame = _frame(300)
    frame["stars"] = [str(i % 3) for i in range(299)] + ["three"]  # ints in the first block, text at the end
    frame.to_csv(path, index=False)
    full = []
    original = preview_module._preview_prepared
    monkeypatch.setattr(preview_module, "_preview_prepared", lambda *a: full.append(a) or original(*a))
    out = preview(DataConfig(dataset=str(path), label_column="stars"))
    assert len(full) == 1
    assert out["report"] == prepare_data(DataConfig(dataset=str(path), label_column="stars")).report.to_dict()


def test_streamed_preview_checks_the_text_column_and_vocabulary(tmp_path, large):
    path = _write(_frame(), tmp_path, ".jsonl")
    with pytest.raises(Exception, match="expected text"):
        preview(DataConfig(dataset=str(path), text_column="id", label_column="stars"))
    out = preview(DataConfig(dataset=str(path), label_column="stars"), checkpoint="bundled-minilm")
    assert out["vocabulary"]["rows"] > 0 and json.dumps(out["vocabulary"])


def test_streamed_preview_keeps_leading_zeros_written_late_as_training_does(tmp_path, large):
    """The streamed reader took a numeric label column's type from its first block, so '01' later in the file
    was read as 1 (merged with '1'), while training keeps it."""
    path = tmp_path / "zeros.csv"
    rows = [f"review {i},{1 + i % 2}\n" for i in range(400)] + [f"late {i},0{1 + i % 2}\n" for i in range(20)]
    path.write_text("text,label\n" + "".join(rows))
    config = DataConfig(dataset=str(path))
    out = preview(config, rows=2)
    assert out["report"]["label_names"] == ["01", "02", "1", "2"]
    assert out["report"] == prepare_data(config).report.to_dict()
    plain = tmp_path / "plain.csv"
    plain.write_text("text,label\n" + "".join(rows[:400]))
    out = preview(DataConfig(dataset=str(plain)), rows=2)
    assert (
        out["report"]["label_names"] == ["1", "2"]
        and out["report"] == prepare_data(DataConfig(dataset=str(plain))).report.to_dict()
    )


# -- task types -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("dataset", "extra", "task"),
    [
        ("examples/data/support_tickets_en/train.jsonl", {}, "multi_label"),
        ("examples/data/weibo_tags_zh/comments.csv", {"label_delimiter": "|"}, "multi_label"),
        ("examples/data/sts_pairs_en/train.csv", {}, "regression"),
    ],
)
def test_streamed_preview_of_multi_label_and_regression_files_is_what_training_prepares(large, dataset, extra, task):
    """The report carries the task, per-label counts (multi-label) or the targets' statistics (regression); the
    rows shown are the file's first rows encoded as training encodes them."""
    config = DataConfig(dataset=dataset, **extra)
    assert streamable_file(config) is not None
    out = preview(config, rows=3)
    prepared = prepare_data(config)
    report = out["report"]
    assert report == prepared.report.to_dict() and report["task"] == task
    first = out["rows"]["label"].tolist()
    if task == "multi_label":
        assert set(report["label_counts"]["train"]) == set(report["label_names"]) and report["target_stats"] == {}
        raw = pd.read_json(dataset, lines=True)["labels"] if dataset.endswith(".jsonl") else None
        names = report["label_names"]
        if raw is not None:
            assert [[names[j] for j, v in enumerate(row) if v] for row in first] == [sorted(x) for x in raw[:3]]
        else:
            tags = pd.read_csv(dataset)["标签"][:3]
            assert [[names[j] for j, v in enumerate(row) if v] for row in first] == [sorted(t.split("|")) for t in tags]
    else:
        assert report["label_counts"] == {"train": {}, "validation": {}}
        assert set(report["target_stats"]["train"]) == {"rows", "mean", "std", "min", "max"}
        assert first == pytest.approx(pd.read_csv(dataset)["score"][:3].tolist())
