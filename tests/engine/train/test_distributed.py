"""The same CLI under torchrun with 2 CPU processes (gloo) matches a 1-process run."""

import json
import subprocess
import sys

import pytest

from tests.helpers import PROJECT_ROOT, cli_env

pytestmark = pytest.mark.distributed


def _run(tmp_path, name, launcher, batch):
    runs = tmp_path / "runs"
    cmd = launcher + [
        "-m",
        "finetune",
        "train",
        "--config",
        str(PROJECT_ROOT / "examples/configs/sentiment_en.json"),
        "--runs_dir",
        str(runs),
        "--run_name",
        name,
        "--num_train_epochs",
        "2",
        "--per_device_train_batch_size",
        str(batch),
        "--quiet",
    ]
    env = cli_env()
    env["OMP_NUM_THREADS"] = "1"
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=900)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-4000:]
    return json.loads((runs / name / "metrics.json").read_text())


def test_torchrun_two_processes_matches_one(tmp_path):
    single = _run(tmp_path, "one", [sys.executable], batch=16)
    double = _run(
        tmp_path,
        "two",
        [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29517"],
        batch=8,
    )
    assert double["train"]["world_size"] == 2 and single["train"]["world_size"] == 1
    assert double["train"]["steps"] == single["train"]["steps"]  # same effective batch of 16
    assert double["validation"]["num_examples"] == single["validation"]["num_examples"] == 48
    a1, a2 = single["validation"]["metrics"]["accuracy"], double["validation"]["metrics"]["accuracy"]
    assert a2 >= 0.75 and abs(a1 - a2) <= 0.15, (a1, a2)


def test_accelerate_launch_with_the_example_config_trains_in_two_processes(tmp_path, tiny_checkpoint):
    """examples/accelerate/two_processes.yaml: the README's accelerate line, tiny model, 4 steps."""
    runs = tmp_path / "runs"
    cmd = [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--config_file",
        str(PROJECT_ROOT / "examples/accelerate/two_processes.yaml"),
        "--main_process_port",
        "29521",
        "-m",
        "finetune",
        "train",
        "--checkpoint",
        str(tiny_checkpoint),
        "--runs_dir",
        str(runs),
        "--run_name",
        "acc",
        "--max_steps",
        "4",
        "--per_device_train_batch_size",
        "8",
        "--max_length",
        "32",
        "--quiet",
    ]
    env = cli_env()
    env["OMP_NUM_THREADS"] = "1"
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=PROJECT_ROOT, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-4000:]
    metrics = json.loads((runs / "acc" / "metrics.json").read_text())
    assert metrics["train"]["world_size"] == 2 and metrics["train"]["steps"] == 4
    assert metrics["validation"]["num_examples"] == 48
