"""Data caches: a run reports their size, ``runs clean --caches`` clears them."""

import json
import subprocess
import sys

import datasets

from finetune.config.run_config import DataConfig
from finetune.data.caches import clear_caches, data_cache_report, folder_bytes, tokenized_dir
from finetune.data.preparation import prepare_data
from finetune.model.tokenization import encode_splits, get_tokenizer
from finetune.runs.events import read_events
from finetune.runs.run import Run
from finetune.train.training import run_training
from tests.helpers import PROJECT_ROOT, cli_env, tiny_config


def test_run_reports_cache_sizes_and_clean_caches_clears_them(tmp_path, tiny_checkpoint, monkeypatch):
    hf_cache = tmp_path / "hf"
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(hf_cache))
    (tmp_path / "data.csv").write_text("text,label\n" + "".join(f"good {i},pos\nbad {i},neg\n" for i in range(20)))
    config = tiny_config(
        tiny_checkpoint,
        tmp_path / "runs",
        dataset=str(tmp_path / "data.csv"),
        max_steps=1,
        eval_strategy="no",
        run_name="r",
    )
    run_training(config, Run.create(config.run.runs_dir, config, "r"))
    events = read_events(tmp_path / "runs" / "r" / "events.jsonl")[0]
    started = next(e for e in events if e["type"] == "started")
    assert any(e.get("message", "").startswith("tokenized 40 rows in ") for e in events)
    assert any("runs clean --caches" in e.get("message", "") for e in events)
    sizes = started["data_cache"]
    assert sizes["tokenized"] > 0 and sizes["tokenized_all"] >= sizes["tokenized"] and sizes["source"] > 0
    assert folder_bytes(hf_cache / "csv") > 0
    (hf_cache / "owner___hub_dataset").mkdir()  # a Hub download: kept
    freed = clear_caches(tmp_path / "runs")
    assert freed["tokenized"] == sizes["tokenized_all"] and freed["datasets"] > 0
    assert not tokenized_dir(tmp_path / "runs").exists() and not (hf_cache / "csv").exists()
    assert (hf_cache / "owner___hub_dataset").is_dir()


def test_cache_report_of_in_memory_data_counts_only_the_tokenized_entry(tmp_path, tiny_checkpoint):
    prepared = prepare_data(DataConfig(dataset="in-memory"), raw={"text": ["a b", "c d"] * 10, "label": [0, 1] * 10})
    encoded, _ = encode_splits(
        prepared.splits,
        get_tokenizer(str(tiny_checkpoint)),
        is_pair=False,
        max_length=16,
        padding="dynamic",
        cache_dir=tokenized_dir(tmp_path),
    )
    sizes = data_cache_report(prepared.splits, encoded, tmp_path)
    assert sizes["source"] == 0 and 0 < sizes["tokenized"] <= sizes["tokenized_all"] < 2 * sizes["tokenized"]


def test_cli_runs_clean_caches_without_run_ids(tmp_path):
    entry = tokenized_dir(tmp_path / "runs") / "abc"
    entry.mkdir(parents=True)
    (entry / "data.arrow").write_bytes(b"x" * 2048)
    env = {**cli_env(), "HF_DATASETS_CACHE": str(tmp_path / "hf")}
    out = subprocess.run(
        [sys.executable, "-m", "finetune", "runs", "clean", "--caches", "--runs_dir", str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT_ROOT,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["caches"]["tokenized"] == "2.0 KB" and not entry.exists()
