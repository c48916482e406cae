import json
import subprocess
import sys

import pytest

from finetune.model.precision import detect_precision
from finetune.runs.events import read_events
from finetune.runs.run import Run
from finetune.train.training import run_training
from tests.helpers import PROJECT_ROOT, cli_env, tiny_config


def _train(config, tmp_path, name="run"):
    run = Run.create(tmp_path, config, name)
    status = run_training(config, run)
    return run.path, status


def test_cli_end_to_end_produces_every_artifact(tmp_path, tiny_checkpoint):
    runs = tmp_path / "runs"
    cmd = [
        sys.executable,
        "-m",
        "finetune",
        "train",
        "--config",
        str(PROJECT_ROOT / "examples/configs/sentiment_en.json"),
        "--checkpoint",
        str(tiny_checkpoint),
        "--runs_dir",
        str(runs),
        "--run_name",
        "e2e",
        "--num_train_epochs",
        "1",
        "--learning_rate",
        "1e-3",
        "--tensorboard",
        "true",
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, env=cli_env(), cwd=PROJECT_ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    run_dir = runs / "e2e"
    for name in (
        "config.json",
        "events.jsonl",
        "status.json",
        "metrics.json",
        "data_report.json",
        "predictions/validation.jsonl",
        "model/config.json",
        "model/model.safetensors",
        "model/tokenizer.json",
    ):
        assert (run_dir / name).exists(), name
    assert list((run_dir / "tensorboard").rglob("events.out.tfevents*"))
    assert Run(run_dir).status()["status"] == "finished"
    events, _ = read_events(run_dir / "events.jsonl")
    types = [e["type"] for e in events]
    assert types[0] == "started" and types[-1] == "finished"
    assert {"progress", "evaluation", "checkpoint"} <= set(types)
    started = events[0]
    expected = detect_precision("auto", "cpu")  # bf16 on a CPU with bf16 instructions, else fp32
    assert started["device"].startswith("CPU") and started["precision"] == expected.name
    assert started["precision_reason"] == expected.reason
    assert started["sizes"] == {"train": 192, "validation": 48}
    progress = [e for e in events if e["type"] == "progress" and e.get("loss") is not None]
    assert progress and all(
        k in progress[-1]
        for k in ("step", "epoch", "learning_rate", "samples_per_second", "eta_seconds", "total_steps")
    )
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert set(metrics["validation"]["metrics"]) >= {"accuracy", "f1", "precision", "recall", "matthews_correlation"}
    assert len(metrics["validation"]["confusion_matrix"]) == 2
    preds = [json.loads(line) for line in (run_dir / "predictions/validation.jsonl").read_text().splitlines()]
    assert len(preds) == 48 and abs(sum(preds[0]["probabilities"].values()) - 1) < 1e-6
    accuracy = sum(p["label"] == p["prediction"] for p in preds) / len(preds)
    assert accuracy == pytest.approx(metrics["validation"]["metrics"]["accuracy"])
    assert json.loads(out.stdout.strip().splitlines()[-1])["status"] == "finished"
    assert "evaluated validation: 48 rows in" in out.stdout  # the evaluation's progress, echoed by the CLI


def test_string_labels_round_trip_into_id2label_and_pipeline(tmp_path, tiny_checkpoint):
    from transformers import AutoConfig, pipeline

    run_dir, status = _train(tiny_config(tiny_checkpoint, tmp_path / "runs"), tmp_path)
    assert status["status"] == "finished"
    config = AutoConfig.from_pretrained(run_dir / "model")
    assert config.id2label == {0: "negative", 1: "positive"}
    assert config.label2id == {"negative": 0, "positive": 1}
    result = pipeline("text-classification", model=str(run_dir / "model"))("This hotel was a genuine pleasure.")
    assert result[0]["label"] in {"negative", "positive"}


def test_existing_head_with_other_label_count_gets_fresh_head_and_warning(tmp_path, tiny_checkpoint_with_head):
    run_dir, status = _train(tiny_config(tiny_checkpoint_with_head, tmp_path / "runs"), tmp_path)
    assert status["status"] == "finished"
    events, _ = read_events(run_dir / "events.jsonl")
    warnings = [e["message"] for e in events if e["type"] == "log" and e.get("level") == "warning"]
    assert any("fresh head" in w and "3 labels" in w for w in warnings)


def test_pairs_train_and_reach_the_model_as_two_segments(tmp_path, tiny_checkpoint):
    config = tiny_config(tiny_checkpoint, tmp_path / "runs", dataset="examples/data/paraphrase_en")
    run_dir, status = _train(config, tmp_path)
    assert status["status"] == "finished"
    events, _ = read_events(run_dir / "events.jsonl")
    assert events[0]["is_pair"] is True
    row = json.loads((run_dir / "predictions/validation.jsonl").read_text().splitlines()[0])
    assert row["text_pair"]


def test_failure_is_recorded_never_finished(tmp_path, tiny_checkpoint):
    config = tiny_config(tiny_checkpoint, tmp_path / "runs", max_length=4096)
    run_dir, status = _train(config, tmp_path)
    assert status["status"] == "failed"
    assert "max_length" in status["message"]
    events, _ = read_events(run_dir / "events.jsonl")
    assert events[-1]["type"] == "failed" and "traceback" in events[-1]
    assert not (run_dir / "metrics.json").exists()


def test_early_stopping_keeps_best_model(tmp_path, tiny_checkpoint):
    config = tiny_config(
        tiny_checkpoint, tmp_path / "runs", num_train_epochs=6, early_stopping_patience=1, learning_rate=1e-6
    )
    run_dir, status = _train(config, tmp_path)
    assert status["status"] == "finished"
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["train"]["epochs"] <= 6


def test_cli_reports_bad_input_without_traceback(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "finetune", "train", "--per_device_train_batch_size", "0", "--runs_dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=120,
    )
    assert out.returncode == 2
    assert "per_device_train_batch_size: expected a whole number > 0, found 0" in out.stderr
    assert "Traceback" not in out.stderr


def test_run_directory_that_exists_is_refused(tmp_path):
    (tmp_path / "taken").mkdir()
    out = subprocess.run(
        [sys.executable, "-m", "finetune", "train", "--runs_dir", str(tmp_path), "--run_name", "taken"],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=120,
    )
    assert out.returncode == 2 and "already exists" in out.stderr


def test_help_lists_every_config_field_with_its_help():
    from finetune.config.run_config import field_help, field_index

    out = subprocess.run(
        [sys.executable, "-m", "finetune", "train", "--help"],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=120,
    )
    flat = " ".join(out.stdout.split())
    for name in field_index():
        assert f"--{name}" in out.stdout
        assert " ".join(field_help(name).split())[:40] in flat


def test_tensorboard_run_names_the_exact_command(tiny_checkpoint, runs_dir, tmp_path):
    from finetune.runs.run import Run
    from finetune.train.training import run_training

    config = tiny_config(tiny_checkpoint, runs_dir, tensorboard=True, max_steps=2)
    run_dir = Run.create(tmp_path, config, "tb").path
    assert run_training(config, run_dir)["status"] == "finished"
    messages = [e.get("message", "") for e in map(json.loads, (run_dir / "events.jsonl").read_text().splitlines())]
    command = f"tensorboard --logdir {(run_dir / 'tensorboard').resolve()}"
    assert any(m.endswith(command) for m in messages)
    assert list((run_dir / "tensorboard").rglob("events.out.tfevents*"))


def test_a_model_that_learned_nothing_is_reported_in_metrics_events_and_cli(tmp_path, tiny_checkpoint):
    """Identical texts: every row gets the same prediction, so the run must say it learned nothing."""
    data = tmp_path / "same.csv"
    data.write_text("text,label\n" + "".join(f"the movie,{label}\n" for label in ["good", "good", "bad"] * 6))
    runs = tmp_path / "runs"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "finetune",
            "train",
            "--checkpoint",
            str(tiny_checkpoint),
            "--dataset",
            str(data),
            "--runs_dir",
            str(runs),
            "--run_name",
            "flat",
            "--max_steps",
            "2",
            "--validation_size",
            "0.5",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=PROJECT_ROOT,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    metrics = json.loads((runs / "flat" / "metrics.json").read_text())["validation"]
    assert metrics["baseline"]["majority_rate"] >= 0.5 and metrics["warnings"]
    assert "for every one of the 9 validation rows" in out.stderr and "WARNING:" in out.stderr
    events, _ = read_events(runs / "flat" / "events.jsonl")
    assert events[-1]["type"] == "finished" and events[-1]["warnings"] == metrics["warnings"]
    assert any(e["type"] == "log" and e["level"] == "warning" and "learned nothing" in e["message"] for e in events)
    assert Run(runs / "flat").status()["warnings"] == metrics["warnings"]
    assert list(Run(runs / "flat").summary().warnings) == metrics["warnings"]  # the run history's source


def test_data_error_before_training_exits_2_without_a_run_folder(tmp_path):
    data = tmp_path / "ragged.csv"
    data.write_text("text,label\ngood,pos\nbad,neg\nok, fine,pos\n")
    out = subprocess.run(
        [sys.executable, "-m", "finetune", "train", "--dataset", str(data), "--runs_dir", str(tmp_path / "runs")],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=300,
    )
    assert out.returncode == 2 and "expected 2 fields in line 4, saw 3" in out.stderr
    assert "FAILED" not in out.stdout and "Traceback" not in out.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_resume_after_stop_clears_the_stop_request(tmp_path, tiny_checkpoint):
    config = tiny_config(tiny_checkpoint, tmp_path / "runs", max_steps=3, save_strategy="no", eval_strategy="no")
    run = Run.create(tmp_path, config, "stopped")
    run.request_cancel()  # what Stop leaves behind
    status = run_training(config, run, resume=True)
    assert status["status"] == "finished" and not run.cancel_path.exists()


def _head(model_dir):
    """The classification head's last layer (weight, bias) of a saved model."""
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(str(model_dir))
    return model.classifier.weight.detach().clone(), model.classifier.bias.detach().clone()


def _loaded_head(checkpoint, label_names):
    """What load_model makes of ``checkpoint`` for data with ``label_names``: its head, and the log lines."""
    from types import SimpleNamespace

    from transformers import AutoConfig

    from finetune.model.checkpoints import resolve_checkpoint
    from finetune.train.training import load_model

    logged = []
    session = SimpleNamespace(
        config=tiny_config(checkpoint, "unused"), events=SimpleNamespace(log=lambda m, level="info": logged.append(m))
    )
    resolved = resolve_checkpoint(str(checkpoint))
    model = load_model(session, resolved, AutoConfig.from_pretrained(resolved), label_names)
    return (model.classifier.weight.detach(), model.classifier.bias.detach()), model.config.id2label, logged


def test_a_finished_run_folder_is_a_checkpoint_that_keeps_its_trained_head(finished_tiny_run):
    """Its config.json is the run's settings, not a model's: the resolver takes its model/ and the head is kept."""
    import torch

    weight, bias = _head(finished_tiny_run / "model")
    (kept_w, kept_b), id2label, logged = _loaded_head(finished_tiny_run, ["negative", "positive"])
    assert torch.equal(kept_w, weight) and torch.equal(kept_b, bias)
    assert id2label == {0: "negative", 1: "positive"}
    assert any("same labels" in line and "kept" in line for line in logged)
    (swapped_w, swapped_b), _, logged = _loaded_head(finished_tiny_run, ["positive", "negative"])
    assert torch.equal(swapped_w, weight.flip(0)) and torch.equal(swapped_b, bias.flip(0))
    assert any("reordered" in line for line in logged)
    (fresh_w, _), _, logged = _loaded_head(finished_tiny_run, ["bad", "good"])
    assert not torch.equal(fresh_w, weight)
    assert any("other labels" in line and "fresh head" in line for line in logged)


def test_training_from_a_finished_run_predicts_as_it_did_before_training_further(tmp_path, finished_tiny_run):
    """Continue from a run folder (it used to fail: 'Unrecognized model'); with zero steps of change the new run's
    model predicts exactly as the old one did."""
    import torch

    from finetune.predict.predictor import Predictor

    config = tiny_config(finished_tiny_run, tmp_path / "runs", learning_rate=1e-12, max_steps=1)
    run_dir, status = _train(config, tmp_path, "continued")
    assert status["status"] == "finished", status.get("message")
    events, _ = read_events(run_dir / "events.jsonl")
    assert any("same labels" in e.get("message", "") for e in events if e["type"] == "log")
    texts = ["a great movie", "terrible and boring", "the movie"]
    before = Predictor(str(finished_tiny_run)).predict(texts)
    after = Predictor(str(run_dir)).predict(texts)
    for old, new in zip(before, after):
        assert old.label == new.label
        assert torch.allclose(torch.tensor(new.logits), torch.tensor(old.logits), atol=1e-4)


def test_tokenizer_of_a_finished_run_opens_in_engine_and_cli(finished_tiny_run):
    from finetune.model.tokenization import get_tokenizer

    tokenizer = get_tokenizer(str(finished_tiny_run))
    assert tokenizer("the movie")["input_ids"][0] == tokenizer.cls_token_id
    out = subprocess.run(
        [sys.executable, "-m", "finetune", "tokenize", "--checkpoint", str(finished_tiny_run), "--text", "the movie"],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout.splitlines()[0])["input_ids"] == tokenizer("the movie")["input_ids"]


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--max_length", "1"], "max_length: expected at least 2"),
        (["--max_length", "100000"], "max_length: expected at most 128"),
        (["--precision", "fp16"], "precision: expected 'auto', 'fp32' or 'bf16' on a machine without a CUDA GPU"),
        (["--cv_folds", "3", "--dataset", "ONE_ROW_CLASS"], "at least 3 in every class"),
    ],
)
def test_settings_the_run_would_refuse_exit_2_before_a_run_folder(
    tmp_path, tiny_checkpoint, monkeypatch, capsys, flags, message
):
    from finetune.cli.commands import main
    from finetune.train import distributed

    monkeypatch.setattr(distributed, "describe_device", lambda: ("CPU", False, False))
    data = tmp_path / "one_row_class.csv"
    data.write_text("text,label\n" + "".join(f"good {i},pos\nbad {i},neg\n" for i in range(6)) + "odd one,other\n")
    flags = [str(data) if flag == "ONE_ROW_CLASS" else flag for flag in flags]
    runs = tmp_path / "runs"
    command = ["train", "--checkpoint", str(tiny_checkpoint), "--runs_dir", str(runs), "--quiet"]
    if "--dataset" not in flags:
        command += ["--dataset", "examples/data/sentiment_en"]
    assert main(command + flags) == 2
    assert message in capsys.readouterr().err
    assert not runs.exists() or not any(path.is_dir() and path.name != ".cache" for path in runs.iterdir())


def test_a_full_disk_at_the_final_save_names_the_folder_and_the_way_back(tmp_path, tiny_checkpoint, monkeypatch):
    from transformers import Trainer

    real_save = Trainer.save_model

    def disk_full(self, output_dir=None, *args, **kwargs):
        if str(output_dir).endswith("model"):
            real_save(self, output_dir, *args, **kwargs)  # a half-written folder, then the disk is full
            raise OSError(28, "No space left on device (os error 28)")
        return real_save(self, output_dir, *args, **kwargs)

    monkeypatch.setattr(Trainer, "save_model", disk_full)
    run_dir, status = _train(tiny_config(tiny_checkpoint, tmp_path / "runs", num_train_epochs=1), tmp_path)
    assert status["status"] == "failed"
    message = status["message"]
    assert "saving the final model of run 'run': expected free disk space, found the disk full" in message
    assert "runs resume run` continues from checkpoint-" in message and "Traceback" not in message
    assert not (run_dir / "model").exists() and Run(run_dir).latest_checkpoint() is not None


def test_a_finished_run_keeps_its_model_but_not_its_checkpoints(tmp_path, tiny_checkpoint):
    config = tiny_config(
        tiny_checkpoint,
        tmp_path,
        max_steps=4,
        per_device_train_batch_size=4,
        save_strategy="steps",
        save_steps=2,
        eval_strategy="steps",
        eval_steps=2,
        load_best_model_at_end=True,
    )
    run = Run.create(tmp_path, config, "done")
    assert run_training(config, run)["status"] == "finished"
    assert run.has_model and not run.checkpoints_dir.exists()
    said = [e.get("message", "") for e in read_events(run.events_path)[0] if e["type"] == "log"]
    assert any(m.startswith("checkpoints deleted (") for m in said)


def test_the_training_loss_is_reported_at_the_last_step_of_a_run_shorter_than_logging_steps(tmp_path, tiny_checkpoint):
    """192 rows at batch 16 is 12 steps: with logging_steps 50 the loss would never be reported (an empty chart)."""
    config = tiny_config(tiny_checkpoint, tmp_path / "runs", logging_steps=50, save_strategy="no")
    run_dir, status = _train(config, tmp_path)
    assert status["status"] == "finished"
    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    losses = [e for e in events if e["type"] == "progress" and e.get("loss") is not None]
    assert [e["step"] for e in losses] == [12] and losses[0]["total_steps"] == 12


# -- task types -----------------------------------------------------------------------------------------
def test_a_multi_label_run_saves_its_tuned_threshold_in_the_model_and_its_metrics(multi_label_run):
    """tune_threshold: the threshold picked on validation is metrics.json's, the model config's (Predict reads
    it) and the finished event's; the model is a multi-label classifier over the training labels."""
    run = Run(multi_label_run)
    validation = run.metrics()["validation"]
    assert validation["task"] == "multi_label"
    model_config = json.loads((run.model_dir / "config.json").read_text())
    assert model_config["problem_type"] == "multi_label_classification"
    assert model_config["decision_threshold"] == validation["threshold"]
    assert list(model_config["id2label"].values()) == validation["label_names"] == run.data_report()["label_names"]
    assert set(validation["metrics"]) == {
        "f1_micro",
        "f1_macro",
        "precision_micro",
        "recall_micro",
        "subset_accuracy",
        "hamming_loss",
    }
    events, _ = read_events(run.events_path)
    started, finished = next(e for e in events if e["type"] == "started"), events[-1]
    assert started["task"] == "multi_label" and started["metric"] == "f1_micro"  # 'accuracy' = the main metric
    assert finished["type"] == "finished" and finished["threshold"] == validation["threshold"]
    assert any("decision threshold tuned on validation" in e.get("message", "") for e in events)
    row = run.predictions()[0]
    assert set(row) >= {"text", "labels", "predicted", "probabilities"}


def test_a_regression_run_reports_its_numbers_and_the_scatter(regression_run):
    run = Run(regression_run)
    report = run.metrics()
    validation, test = report["validation"], report["test"]
    assert validation["task"] == test["task"] == "regression" and validation["label_names"] == ["score"]
    assert set(validation["metrics"]) == {"pearson", "spearman", "mse", "rmse", "mae"}
    scatter = validation["scatter"]
    assert len(scatter["true"]) == len(scatter["predicted"]) == validation["num_examples"] == 30
    rows = run.predictions()
    assert sorted(round(r["label"], 4) for r in rows) == sorted(scatter["true"])
    assert all(r["error"] == pytest.approx(r["prediction"] - r["label"]) for r in rows)
    model_config = json.loads((run.model_dir / "config.json").read_text())
    assert model_config["problem_type"] == "regression" and model_config["id2label"] == {"0": "score"}
    assert "decision_threshold" not in model_config
    assert run.data_report()["target_stats"]["train"]["rows"] == 60


def test_metric_for_best_model_rmse_keeps_the_lowest(tmp_path, tiny_checkpoint):
    """A lower-is-better metric: Trainer keeps the checkpoint with the smallest validation RMSE, so the final
    report (of the best model) has the lowest RMSE of every evaluation."""
    from finetune.config.tasks import REGRESSION
    from finetune.train.arguments import to_training_arguments

    config = tiny_config(
        tiny_checkpoint,
        tmp_path / "runs",
        dataset="examples/data/sts_pairs_en",
        max_train_samples=48,
        max_eval_samples=24,
        max_length=48,
        learning_rate=3e-3,
        max_steps=8,
        eval_strategy="steps",
        eval_steps=2,
        save_strategy="steps",
        save_steps=2,
        load_best_model_at_end=True,
        metric_for_best_model="rmse",
    )
    arguments = to_training_arguments(config, tmp_path / "out", precision="fp32", task=REGRESSION)
    assert arguments.metric_for_best_model == "rmse" and arguments.greater_is_better is False
    run_dir, status = _train(config, tmp_path)
    assert status["status"] == "finished", status
    events, _ = read_events(run_dir / "events.jsonl")
    during = [e["metrics"]["rmse"] for e in events if e["type"] == "evaluation" and e.get("split") == "validation"]
    assert len(during) >= 4
    assert Run(run_dir).metrics()["validation"]["metrics"]["rmse"] == pytest.approx(min(during), rel=1e-4)
