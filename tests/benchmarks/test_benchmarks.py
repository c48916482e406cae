"""The GPU benchmark's --smoke mode: the same harness on the CPU with tiny sizes, so it cannot rot."""

import json
import subprocess
import sys

import pytest

from finetune.model.precision import detect_precision
from tests.helpers import PROJECT_ROOT, cli_env, shared_data_or_skip


def test_gpu_throughput_smoke_runs_every_part_on_cpu():
    cmd = [sys.executable, str(PROJECT_ROOT / "benchmarks" / "gpu_throughput.py"), "--smoke", "--mrpc"]
    out = subprocess.run(
        cmd, capture_output=True, text=True, env={**cli_env(), "HF_HUB_OFFLINE": "1"}, cwd=PROJECT_ROOT, timeout=600
    )
    assert out.returncode == 0, out.stderr[-3000:]
    results = json.loads(out.stdout[out.stdout.index("{") :])
    assert results["eager"]["gpu"] == "cpu (smoke)" and results["eager"]["samples_per_second"] > 0
    assert 0 < results["eager"]["mfu"]
    assert results["mrpc"]["status"] == "finished" and results["mrpc"]["train"]["steps"] == 2
    assert "accuracy" in results["mrpc"]["validation"]


def run_benchmark(script, *args, timeout=600):
    """Run a benchmark script in its own process; its stdout (the test reads the JSON it prints)."""
    out = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "benchmarks" / script), *args],
        capture_output=True,
        text=True,
        env={**cli_env(), "HF_HUB_OFFLINE": "1"},
        cwd=PROJECT_ROOT,
        timeout=timeout,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout


def test_data_scale_quick_measures_every_part():
    result = json.loads(run_benchmark("data_scale.py", "--quick").strip().splitlines()[-1])
    assert result["rows"] == 300 and result["csv_bytes"] > 0
    for part in ("plain", "engine"):
        for run in ("cold", "cached"):
            assert result[part][run]["seconds"] > 0 and result[part][run]["peak_rss_mb"] > 0
    assert result["engine"]["cached"]["start_seconds"] > 0 and result["engine"]["disk_tokenized"] > 0
    assert result["engine"]["cold"]["final_eval_seconds"] is not None
    assert result["engine"]["cold"]["peak_rss_mb_until_started"] > 0
    assert result["preview"]["rows"] == 300 and result["ratios"]["cached_start"] > 0


def test_data_scale_start_only_stops_at_started_and_takes_the_median_of_repeats():
    result = json.loads(
        run_benchmark("data_scale.py", "--quick", "--start-only", "--repeats", "2").strip().splitlines()[-1]
    )
    cached = result["engine"]["cached"]
    assert len(cached["runs"]) == 2 and len(result["plain"]["cached"]["runs"]) == 2
    assert (
        min(r["start_seconds"] for r in cached["runs"])
        <= cached["start_seconds"]
        <= max(r["start_seconds"] for r in cached["runs"])
    )
    assert result["engine"]["cold"]["final_eval_seconds"] is None  # stopped at started: no final evaluation


def test_predict_rss_quick_measures_every_size_in_its_own_child():
    stdout = run_benchmark("predict_rss.py", "--quick", "--sizes", "300", "1200", timeout=300)
    results = json.loads(stdout[stdout.index("{") :])
    for rows in (300, 1200):
        size = results["sizes"][str(rows)]
        assert size["rows_written"] == rows and size["peak_rss_mb"] > 0 and size["rows_per_second"] > 0
    assert isinstance(results["rss_growth"], float) and results["target_growth"] == 0.1


@pytest.mark.slow
def test_train_throughput_quick_compares_precisions_on_short_and_long_reviews():
    """The long-review set really has 200-400 tokens a row; the engine runs in the precision auto picks on this
    CPU next to fp32 and the fp32 tutorial script; FLOP/s and the matmul peaks are reported."""
    shared_data_or_skip("rotten_tomatoes")
    result = json.loads(run_benchmark("train_throughput.py", "--quick", timeout=900).strip().splitlines()[-1])
    assert result["peaks_gflop_per_second"]["fp32"] > 0 and result["peaks_gflop_per_second"]["bf16"] > 0
    assert 200 <= result["sets"]["long"]["mean_tokens"] <= 400 and result["sets"]["long"]["max_length"] == 512
    auto = detect_precision("auto", "cpu").name
    for report in result["sets"].values():
        variants = report["results"]
        assert variants["plain"]["precision"] == "fp32" and variants["engine_fp32"]["precision"] == "fp32"
        assert variants["engine"]["precision"] == auto
        assert all(v["gflop_per_second"] > 0 and 0 <= v["accuracy"] <= 1 for v in variants.values())
