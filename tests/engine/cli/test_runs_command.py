"""``python -m finetune train --search_trials`` and ``runs compare / clean / resume`` from the command line."""

from __future__ import annotations

import json
import subprocess
import sys

from finetune.runs.run import Run, RunStatus
from finetune.train.training import run_training
from tests.helpers import PROJECT_ROOT, cli_env, tiny_config


def cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "finetune", *map(str, args)],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=cwd,
        timeout=600,
    )


def test_cli_search_then_compare_and_clean_its_trials(tmp_path, tiny_checkpoint):
    config = tiny_config(tiny_checkpoint, tmp_path / "runs", max_steps=2, run_name="search")
    (tmp_path / "cfg.json").write_text(config.to_json())
    (tmp_path / "space.json").write_text(
        json.dumps({"learning_rate": [1e-4, 1e-2], "batch_sizes": [8, 16], "epochs": [1], "metric": "f1"})
    )
    done = cli(
        "train",
        "--config",
        tmp_path / "cfg.json",
        "--search_trials",
        2,
        "--search_space",
        tmp_path / "space.json",
        "--quiet",
        cwd=PROJECT_ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    search = Run.at(tmp_path / "runs" / "search")
    assert search.metrics()["search"]["metric"] == "f1" and search.metrics()["search"]["best_trial"] in (
        "trial-0",
        "trial-1",
    )
    trial = Run.at(search.path / "trials" / "trial-0")
    assert trial.latest_checkpoint() is not None and trial.latest_checkpoint().parent == trial.checkpoints_dir

    compared = cli(
        "runs",
        "compare",
        "search/trials/trial-0",
        "search/trials/trial-1",
        "--runs_dir",
        tmp_path / "runs",
        "--json",
        cwd=PROJECT_ROOT,
    )
    assert compared.returncode == 0, compared.stderr
    report = json.loads(compared.stdout)
    assert "learning_rate" in [row["field"] for row in report["config_diff"]]
    assert report["metrics"][0]["metric"] == "accuracy"
    # the trials' folders as paths, one with a trailing slash, from another folder; a table for a person
    trials = search.path / "trials"
    table = cli("runs", "compare", f"{trials / 'trial-0'}/", trials / "trial-1", cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    header = next(line for line in lines if line.startswith("metric "))
    assert header.split() == ["metric", "trial-0", "trial-1"]
    assert any(line.split()[0] == "accuracy" for line in lines) and any(
        line.startswith("learning_rate ") for line in lines
    )
    relative = cli("runs", "compare", "runs/search/trials/trial-0/", "runs/search/trials/trial-1", cwd=tmp_path)
    assert relative.returncode == 0 and relative.stdout == table.stdout, relative.stderr

    cleaned = cli("runs", "clean", "search", "--runs_dir", tmp_path / "runs", cwd=PROJECT_ROOT)
    assert cleaned.returncode == 0, cleaned.stderr
    assert trial.latest_checkpoint() is None and trial.has_model


def test_cli_resume_continues_a_stopped_run(tmp_path, tiny_checkpoint):
    config = tiny_config(
        tiny_checkpoint, tmp_path, max_steps=4, per_device_train_batch_size=4, eval_strategy="no", save_strategy="no"
    )
    run = Run.create(tmp_path, config, "stopped")
    run.request_cancel()
    assert run_training(config, run)["status"] == "cancelled"
    done = cli("runs", "resume", "stopped", "--runs_dir", tmp_path, cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["status"] == "finished" and run.state is RunStatus.FINISHED
    assert run.metrics()["train"]["steps"] == 4


def test_cli_refuses_a_compare_of_one_run_and_a_space_without_trials(tmp_path):
    (tmp_path / "runs" / "a").mkdir(parents=True)
    (tmp_path / "runs" / "a" / "config.json").write_text("{}")
    one = cli("runs", "compare", "a", "--runs_dir", tmp_path / "runs", cwd=PROJECT_ROOT)
    assert one.returncode == 2 and "2 to 6" in one.stderr
    lonely = cli(
        "train",
        "--search_space",
        tmp_path / "x.json",
        "--runs_dir",
        tmp_path / "runs",
        "--checkpoint",
        "bundled-minilm",
        "--dataset",
        "examples/data/sentiment_en",
        cwd=PROJECT_ROOT,
    )
    assert lonely.returncode == 2 and "--search_trials" in lonely.stderr
    assert [p.name for p in (tmp_path / "runs").iterdir()] == ["a"]  # refused before a run folder was made
