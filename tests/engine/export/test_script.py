"""The exported script: standalone, same data split as the engine, same accuracy as the run."""

import json
import os
import subprocess
import sys

import pytest

from finetune.config.run_config import config_from_flat
from finetune.data.preparation import prepare_data
from finetune.errors import RunError
from finetune.export.script import export_script
from finetune.jsonfiles import write_json
from finetune.runs.run import Run
from tests.helpers import EXAMPLES, cli_env, shared_data_or_skip


def _run_folder(tmp_path, **flat):
    """A run folder as the engine leaves it after data preparation (config + data report), no training."""
    config = config_from_flat({"runs_dir": str(tmp_path / "runs"), **flat})
    run_dir = Run.create(tmp_path, config, "run").path
    prepared = prepare_data(config.data)
    write_json(run_dir / "data_report.json", prepared.report.to_dict())
    return run_dir, prepared


def _script_data(script: str) -> dict:
    """Run the script's data part (everything before the tokenizer) and return its splits."""
    namespace: dict = {"__name__": "exported"}
    exec(compile(script.split("# 4. Tokenizer")[0], "train.py", "exec"), namespace)
    return namespace


def _assert_same_splits(script: str, prepared) -> None:
    namespace = _script_data(script)
    raw = namespace["raw"]
    assert sorted(raw) == sorted(prepared.splits)
    assert namespace["LABEL_NAMES"] == prepared.label_names
    for name, split in prepared.splits.items():
        assert raw[name]["text"] == split["text"], name
        assert raw[name]["label"] == split["label"], name
        if prepared.is_pair:
            assert raw[name]["text_pair"] == split["text_pair"], name


def _xlsx_with_numeric_labels(tmp_path):
    """Stars 1/3/5 (sorted -> ids 0/1/2), an empty text and a missing label that must be dropped."""
    import pandas as pd

    frame = pd.read_json(EXAMPLES / "weibo_variety_zh" / "comments.jsonl", lines=True)
    stars = {name: value for value, name in zip((1, 3, 5, 5), sorted(frame["label"].unique()))}
    frame = pd.DataFrame({"comment": frame["review"], "stars": frame["label"].map(stars).astype(float)})
    frame.loc[3, "comment"] = "  "
    frame.loc[7, "stars"] = float("nan")
    path = tmp_path / "reviews.xlsx"
    frame.to_excel(path, index=False)
    return str(path)


@pytest.mark.parametrize("case", ["folder_strings", "jsonl_held_out", "pairs", "xlsx_numbers", "subsampled"])
def test_script_reads_the_same_rows_into_the_same_splits(tmp_path, case):
    flat = {
        "folder_strings": {"dataset": "examples/data/sentiment_en"},
        "jsonl_held_out": {
            "dataset": "examples/data/weibo_variety_zh/comments.jsonl",
            "text_column": "review",
            "validation_size": 0.2,
            "split_seed": 7,
        },
        "pairs": {"dataset": "examples/data/paraphrase_en"},
        "xlsx_numbers": {},
        "subsampled": {"max_train_samples": 50, "max_eval_samples": 30},
    }[case]
    if case == "xlsx_numbers":
        flat = {"dataset": _xlsx_with_numeric_labels(tmp_path), "label_names": "one,three,five"}
    if case == "subsampled":
        flat["dataset"] = str(shared_data_or_skip("rotten_tomatoes"))
    run_dir, prepared = _run_folder(tmp_path, checkpoint="bundled-minilm", **flat)
    script = export_script(run_dir)
    if case == "jsonl_held_out":
        assert 'stratify_by_column="label"' in script
    _assert_same_splits(script, prepared)


def test_script_is_standalone_and_valid_python(tmp_path):
    run_dir, _ = _run_folder(
        tmp_path,
        checkpoint="bundled-minilm",
        dataset="examples/data/paraphrase_en",
        early_stopping_patience=2,
        eval_strategy="epoch",
        learning_rate=3e-5,
    )
    script = export_script(run_dir)
    compile(script, "train.py", "exec")
    assert "finetune" not in script.replace("fine-tuning studio", "").replace("python -m finetune", "")
    for piece in (
        "TrainingArguments(",
        "Trainer(",
        "compute_metrics",
        "DataCollatorWithPadding",
        ".map(tokenize",
        "trainer.train()",
        "trainer.evaluate()",
        "trainer.save_model",
        "learning_rate=3e-05",
        "EarlyStoppingCallback(early_stopping_patience=2)",
        "load_best_model_at_end=True",
    ):
        assert piece in script, piece


def test_a_run_without_data_report_is_refused(tmp_path):
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    with pytest.raises(RunError, match="data_report.json"):
        export_script(tmp_path)


def test_exported_script_reproduces_the_runs_accuracy(tmp_path):
    """One real run of the bundled checkpoint, then its script in a fresh process: accuracy within 1 point."""
    from finetune.train.training import run_training

    config = config_from_flat(
        {
            "checkpoint": "bundled-minilm",
            "dataset": "examples/data/sentiment_en",
            "runs_dir": str(tmp_path / "runs"),
            "num_train_epochs": 1,
            "learning_rate": 1e-4,
            "max_length": 64,
            "save_strategy": "no",
        }
    )
    from finetune.runs.run import Run

    run_dir = Run.create(tmp_path, config, "run").path
    assert run_training(config, run_dir)["status"] == "finished"
    run_accuracy = json.loads((run_dir / "metrics.json").read_text())["validation"]["metrics"]["accuracy"]

    script = tmp_path / "train.py"
    script.write_text(export_script(run_dir), encoding="utf-8")
    env = {k: v for k, v in cli_env().items() if k != "PYTHONPATH"}  # the script must not need this project
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    out = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "out")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    script_accuracy = json.loads((tmp_path / "out" / "eval_results.json").read_text())["eval_accuracy"]
    print(f"validation accuracy: run {run_accuracy:.4f}, exported script {script_accuracy:.4f}")
    assert abs(script_accuracy - run_accuracy) <= 0.01, (script_accuracy, run_accuracy)
    assert os.path.isfile(tmp_path / "out" / "model.safetensors")


def test_hub_dataset_and_checkpoint_are_named_by_their_ids(tmp_path):
    config = config_from_flat({"checkpoint": "bert-base-uncased", "dataset": "nyu-mll/glue", "dataset_config": "mrpc"})
    report = {
        "source": "nyu-mll/glue",
        "columns": {"text": "sentence1", "text_pair": "sentence2", "label": "label"},
        "label_names": ["not_equivalent", "equivalent"],
        "validation_source": "split 'validation'",
        "split_sizes": {"train": 3668, "validation": 408, "test": 1725},
    }
    write_json(tmp_path / "config.json", config.to_dict())
    write_json(tmp_path / "data_report.json", report)
    script = export_script(tmp_path)
    compile(script, "train.py", "exec")
    assert 'hub = load_dataset("nyu-mll/glue", "mrpc")' in script
    assert '"validation": hub["validation"]' in script and '"test": hub["test"]' in script
    assert 'CHECKPOINT = "bert-base-uncased"' in script
    assert 'tokenizer(batch["text"], batch["text_pair"]' in script
    assert "LABEL_IDS" not in script  # a ClassLabel keeps its ids
