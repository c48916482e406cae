"""A run's data: the second run with the same data and settings opens the cache entry and prepares nothing."""

import json
import os

import datasets
import pytest

import finetune.data.preparation
import finetune.train.run_data
from finetune.config.run_config import config_from_flat
from finetune.model.tokenization import tokenizer_identity
from finetune.runs.events import read_events
from finetune.runs.run import Run
from finetune.train.training import run_training
from tests.helpers import tiny_config

ROWS = "".join(f"good film number {i},pos\nbad film number {i},neg\nplain film {i},neutral\n" for i in range(30))


def _train(config, name):
    config = config_from_flat({"run_name": name}, base=config)
    status = run_training(config, Run.create(config.run.runs_dir, config, name))
    assert status["status"] == "finished", status
    events = read_events(Run.at(config.run.runs_dir + "/" + name).events_path)[0]
    return next(e for e in events if e["type"] == "started"), events


def _no_preparation(monkeypatch):
    """Any preparation or pass over the rows fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError("prepared the data again on a cache hit")

    monkeypatch.setattr(finetune.train.run_data, "prepare_data", refuse)
    monkeypatch.setattr(finetune.data.preparation, "dataset_text_ok", refuse)
    monkeypatch.setattr(finetune.train.run_data, "coverage_report", refuse)
    monkeypatch.setattr(finetune.train.run_data, "encode_splits", refuse)


@pytest.fixture
def data_file(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path / "hf"))
    path = tmp_path / "reviews.csv"
    path.write_text("text,label\n" + ROWS)
    return path


def test_a_second_run_opens_the_entry_without_preparing_and_reports_the_same(
    tmp_path, tiny_checkpoint, data_file, monkeypatch
):
    config = tiny_config(
        tiny_checkpoint, tmp_path / "runs", dataset=str(data_file), max_steps=1, eval_strategy="no", validation_size=0.2
    )
    first, first_events = _train(config, "first")
    assert not first["tokenized_from_cache"]
    _no_preparation(monkeypatch)
    second, second_events = _train(config, "second")
    assert second["tokenized_from_cache"]
    for field in ("sizes", "label_names", "is_pair", "validation_source"):
        assert second[field] == first[field], field
    assert second["sizes"] == {"train": 72, "validation": 18}
    reports = [json.loads((tmp_path / "runs" / name / "data_report.json").read_text()) for name in ("first", "second")]
    assert reports[0] == reports[1] and reports[0]["label_names"] == ["neg", "neutral", "pos"]
    coverage = [
        [e["message"] for e in events if e.get("message", "").startswith("vocabulary coverage")]
        for events in (first_events, second_events)
    ]
    assert coverage[0] and coverage[0] == coverage[1]
    predictions = [(tmp_path / "runs" / name / "predictions" / "validation.jsonl") for name in ("first", "second")]
    texts = [sorted(json.loads(line)["text"] for line in p.read_text().splitlines()) for p in predictions]
    assert texts[0] == texts[1] and len(texts[0]) == 18


def test_a_changed_file_or_data_setting_is_prepared_again(tmp_path, tiny_checkpoint, data_file):
    config = tiny_config(tiny_checkpoint, tmp_path / "runs", dataset=str(data_file), max_steps=1, eval_strategy="no")
    assert not _train(config, "a")[0]["tokenized_from_cache"]
    other = config_from_flat({"validation_size": 0.3}, base=config)
    changed, _ = _train(other, "b")
    assert not changed["tokenized_from_cache"] and changed["sizes"]["validation"] == 27
    data_file.write_text("text,label\n" + ROWS + "one more good film,pos\n")
    stat = data_file.stat()
    os.utime(data_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    edited, _ = _train(config, "c")
    assert not edited["tokenized_from_cache"] and sum(edited["sizes"].values()) == 91


def test_added_tokens_are_restored_on_a_hit(tmp_path, tiny_checkpoint, data_file, monkeypatch):
    data_file.write_text("text,label\n" + "".join(f"喜欢 {i},pos\n讨厌 {i},neg\n" for i in range(20)))
    config = tiny_config(
        tiny_checkpoint,
        tmp_path / "runs",
        dataset=str(data_file),
        max_steps=1,
        eval_strategy="no",
        add_unknown_tokens=5,
    )
    first = finetune.train.run_data.find_or_prepare(config)
    assert first.cached is None

    class Quiet:
        dist = type("D", (), {"is_main": False})()

    Quiet.config = config
    made = finetune.train.run_data.load_run_data(Quiet(), None, first)
    assert made.added_tokens and not made.from_cache
    _no_preparation(monkeypatch)
    hit = finetune.train.run_data.load_run_data(Quiet(), None)
    assert hit.from_cache and hit.added_tokens == made.added_tokens
    assert tokenizer_identity(hit.tokenizer) == tokenizer_identity(made.tokenizer)
    assert hit.encoded["train"]["input_ids"] == made.encoded["train"]["input_ids"]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_a_file_replaced_in_place_with_the_same_size_and_time_is_read_again(
    tmp_path, tiny_checkpoint, suffix, monkeypatch
):
    import pandas as pd

    from finetune.train.run_data import find_or_prepare

    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path / "hf"))
    path = tmp_path / f"reviews{suffix}"

    def write(labels):
        frame = pd.DataFrame({"text": [f"film number {i:03d}" for i in range(40)], "label": labels * 20})
        {
            ".csv": lambda: frame.to_csv(path, index=False),
            ".jsonl": lambda: frame.to_json(path, orient="records", lines=True),
            ".parquet": lambda: frame.to_parquet(path),
        }[suffix]()

    write(["pos", "neg"])
    stat = path.stat()
    config = tiny_config(tiny_checkpoint, tmp_path / "runs", dataset=str(path))
    first = find_or_prepare(config)
    assert first.prepared.label_names == ["neg", "pos"]
    write(["bad", "top"])  # the same number of bytes
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    second = find_or_prepare(config)
    assert second.key != first.key and second.prepared.label_names == ["bad", "top"]
