"""The command line per task: train's task flags (from the config fields), predict's label sets and numbers,
the data preview, a metric of another task refused before a run exists, label issues and compare."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from finetune.cli.commands import build_parser, main
from finetune.runs.run import Run
from tests.helpers import PROJECT_ROOT, cli_env


def _train(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "finetune", "train", *args],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=PROJECT_ROOT,
        timeout=timeout,
    )


def test_train_help_shows_the_task_flags_from_the_config_fields():
    helps = build_parser()._subparsers._group_actions[0].choices["train"].format_help()
    for flag in ("--task", "--label_delimiter", "--threshold", "--tune_threshold"):
        assert flag in helps, flag
    assert "single_label" in helps and "'|'" in helps and "best micro F1" in helps.replace("\n", " ").replace("  ", " ")


def test_task_flags_set_the_config_fields(capsys):
    args = ["train", "--dataset", "d.csv", "--label_delimiter", "|", "--threshold", "0.3", "--tune_threshold"]
    assert main([*args, "--task", "multi_label", "--print-config"]) == 0
    config = json.loads(capsys.readouterr().out)
    assert config["data"]["task"] == "multi_label" and config["data"]["label_delimiter"] == "|"
    assert config["train"]["threshold"] == 0.3 and config["train"]["tune_threshold"] is True
    assert (
        main(["train", "--dataset", "d.csv", "--task", "regression", "--label_delimiter", "|", "--print-config"]) == 2
    )
    assert "label_delimiter" in capsys.readouterr().err
    assert main(["train", "--dataset", "d.csv", "--threshold", "1.5", "--print-config"]) == 2


def test_a_metric_of_another_task_is_refused_before_a_run_exists(tmp_path, tiny_checkpoint, capsys):
    runs = tmp_path / "runs"
    base = ["train", "--checkpoint", str(tiny_checkpoint), "--runs_dir", str(runs), "--max_length", "32"]
    assert main([*base, "--dataset", "examples/data/sts_pairs_en", "--metric_for_best_model", "f1"]) == 2
    assert "a regression metric: pearson, spearman, mse, rmse, mae" in capsys.readouterr().err
    search = ["--search_trials", "2", "--search_metric", "rmse"]
    assert main([*base, "--dataset", "examples/data/support_tickets_en", *search]) == 2
    assert "a multi-label metric" in capsys.readouterr().err
    assert (
        main([*base, "--dataset", "examples/data/sts_pairs_en", "--cv_folds", "2", "--metric_for_best_model", "f1"])
        == 2
    )
    assert not runs.exists() or not [p for p in runs.iterdir() if not p.name.startswith(".")]


def test_data_command_prints_each_tasks_rows(capsys):
    assert main(["data", "--dataset", "examples/data/weibo_tags_zh/comments.csv", "--label_delimiter", "|"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["report"]["task"] == "multi_label"
    assert out["rows"][0]["label"] == ["文化", "音乐"]  # 文化|音乐 in the file, in the label order
    assert main(["data", "--dataset", "examples/data/sts_pairs_en", "--rows", "2"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["report"]["task"] == "regression" and [r["label"] for r in out["rows"]] == [0.2, 0.0]
    assert set(out["report"]["target_stats"]) == {"train", "validation", "test"}
    assert main(["data", "--dataset", "examples/data/sentiment_en", "--rows", "1"]) == 0
    row = json.loads(capsys.readouterr().out)["rows"][0]
    assert row["label"] in ("negative", "positive") and row["label_id"] in (0, 1)


def test_cli_trains_and_predicts_a_multi_label_model(tmp_path, tiny_checkpoint, capsys):
    """Delimited tags with a tuned threshold; predict prints the label set at the saved threshold, or at one given."""
    runs = tmp_path / "runs"
    out = _train(
        "--checkpoint",
        str(tiny_checkpoint),
        "--dataset",
        "examples/data/weibo_tags_zh/comments.csv",
        "--label_delimiter",
        "|",
        "--tune_threshold",
        "--max_train_samples",
        "40",
        "--max_length",
        "32",
        "--num_train_epochs",
        "1",
        "--runs_dir",
        str(runs),
        "--run_name",
        "tags",
        "--quiet",
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    run = Run(runs / "tags")
    saved = run.metrics()["validation"]["threshold"]
    assert run.config().data.label_delimiter == "|" and run.config().train.tune_threshold is True
    assert main(["predict", "--model", str(run.path), "--text", "这道菜真好吃", "--text", "新歌很好听"]) == 0
    results = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all(r["task"] == "multi_label" and r["threshold"] == pytest.approx(saved) for r in results)
    names = run.data_report()["label_names"]
    for result in results:
        assert result["labels"] == [n for n in names if result["probabilities"][n] >= saved]
    assert main(["predict", "--model", str(run.path), "--text", "这道菜真好吃", "--threshold", "0.0001"]) == 0
    assert json.loads(capsys.readouterr().out)["labels"] == names
    assert main(["predict", "--model", str(run.path), "--text", "x", "--threshold", "1.5"]) == 2
    source = tmp_path / "texts.csv"
    source.write_text("text\n这道菜真好吃\n")
    assert main(["predict", "--model", str(run.path), "--file", str(source)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("text,predicted_labels,threshold,p(")
    assert float(lines[1].split(",")[2]) == pytest.approx(saved)
    assert main(["predict", "--model", str(run.path), "--file", str(source), "--threshold", "0.0001"]) == 0
    row = capsys.readouterr().out.splitlines()[1].split(",")
    assert row[1] == "|".join(names) and float(row[2]) == pytest.approx(0.0001)


def test_cli_trains_and_predicts_a_regression_model(tmp_path, tiny_checkpoint, capsys):
    runs = tmp_path / "runs"
    out = _train(
        "--checkpoint",
        str(tiny_checkpoint),
        "--dataset",
        "examples/data/sts_pairs_en",
        "--task",
        "regression",
        "--metric_for_best_model",
        "rmse",
        "--max_train_samples",
        "40",
        "--max_eval_samples",
        "20",
        "--max_length",
        "48",
        "--num_train_epochs",
        "1",
        "--runs_dir",
        str(runs),
        "--run_name",
        "sts",
        "--quiet",
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    run = Run(runs / "sts")
    assert run.metrics()["validation"]["task"] == "regression"
    args = ["predict", "--model", str(run.path), "--text", "A man plays.", "--text-pair", "A man is playing."]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["task"] == "regression" and isinstance(result["value"], float) and result["label"] == "score"
    assert main([*args, "--threshold", "0.3"]) == 0
    captured = capsys.readouterr()
    assert "--threshold applies to multi-label models" in captured.err and "value" in json.loads(captured.out)


def test_runs_commands_on_runs_of_other_tasks(regression_run, finished_tiny_run, capsys):
    assert main(["runs", "label-issues", str(regression_run)]) == 2
    assert "expected a single-label run" in capsys.readouterr().err
    assert main(["runs", "compare", str(regression_run), str(finished_tiny_run)]) == 0
    table = capsys.readouterr().out
    first_row = table.splitlines()[3]
    assert first_row.split()[:3] == ["task", "regression", "single_label"] and "pearson" in table
    assert main(["runs", "compare", str(regression_run), str(finished_tiny_run), "--json"]) == 0
    metrics = {row["metric"]: row for row in json.loads(capsys.readouterr().out)["metrics"]}
    assert metrics["accuracy"][Run(regression_run).id] is None
