import pytest
import torch

from finetune.config.run_config import config_from_flat
from finetune.errors import ConfigError
from finetune.model.precision import REASON_CPU_BF16, REASON_CPU_FP32
from finetune.runs.events import format_event, read_events
from finetune.runs.run import Run
from finetune.train import training
from finetune.train.arguments import to_training_arguments
from tests.helpers import fake_cpu_flags, first_linear_dtypes, tiny_config


def test_bf16_on_a_cpu_is_accepted_as_autocast(tmp_path):
    """transformers refuses bf16 without a GPU unless told it runs on the CPU; fp32 stays as it was."""
    args = to_training_arguments(config_from_flat({}), tmp_path, precision="bf16")
    assert args.bf16 is True and args.use_cpu is True and args.mixed_precision == "bf16"
    args = to_training_arguments(config_from_flat({}), tmp_path, precision="fp32")
    assert args.bf16 is False and args.use_cpu is False


@pytest.mark.parametrize(
    ("has_bf16", "name", "reason", "dtype"),
    [(True, "bf16", REASON_CPU_BF16, torch.bfloat16), (False, "fp32", REASON_CPU_FP32, torch.float32)],
)
def test_a_run_reports_and_computes_in_the_precision_auto_picked(
    monkeypatch, tmp_path, tiny_checkpoint, has_bf16, name, reason, dtype
):
    """The started event, its log line and the train summary say the precision and why; training and the
    final evaluation really run their matrix multiplies in it (bf16 autocast, or fp32)."""
    fake_cpu_flags(monkeypatch, avx512_bf16=has_bf16)
    seen: list = []
    load_model = training.load_model

    def load_and_watch(*args, **kwargs):
        model = load_model(*args, **kwargs)
        seen.append(first_linear_dtypes(model))
        return model

    monkeypatch.setattr(training, "load_model", load_and_watch)
    config = tiny_config(tiny_checkpoint, tmp_path / "runs", max_train_samples=32)
    run = Run.create(tmp_path / "runs", config, "precision")
    assert training.run_training(config, run)["status"] == "finished"
    started = next(e for e in read_events(run.events_path)[0] if e["type"] == "started")
    assert (started["precision"], started["precision_reason"]) == (name, reason)
    assert f"({name}: {reason})" in format_event(started)
    train = run.metrics()["train"]
    assert (train["precision"], train["precision_reason"]) == (name, reason)
    assert len(seen[0]) > 2 and set(seen[0]) == {dtype}  # training steps and the final evaluation


def test_training_arguments_mapping(tmp_path):
    config = config_from_flat(
        {
            "learning_rate": 2e-5,
            "warmup_ratio": 0.1,
            "early_stopping_patience": 2,
            "eval_strategy": "steps",
            "eval_steps": 50,
            "save_strategy": "epoch",
            "metric_for_best_model": "f1",
        }
    )
    args = to_training_arguments(config, tmp_path, precision="fp32")
    assert args.learning_rate == 2e-5
    assert args.warmup_steps == 0.1
    assert args.load_best_model_at_end is True
    assert args.metric_for_best_model == "f1" and args.greater_is_better is True
    # best-model tracking needs saves exactly at evaluations
    assert args.save_strategy == "steps" and args.save_steps == 50
    assert args.train_sampling_strategy == "group_by_length"
    assert args.report_to in ([], None, "none") or list(args.report_to) == []


def test_a_checkpoint_limit_of_zero_saves_none(tmp_path):
    args = to_training_arguments(config_from_flat({"save_total_limit": 0}), tmp_path, precision="fp32")
    assert args.save_strategy == "no" and args.save_total_limit is None
    kept = to_training_arguments(config_from_flat({"save_total_limit": 3}), tmp_path, precision="fp32")
    assert kept.save_strategy == "epoch" and kept.save_total_limit == 3
    with pytest.raises(ConfigError, match="save_total_limit: expected at least 1 when keeping the best model"):
        config_from_flat({"save_total_limit": 0, "load_best_model_at_end": True})
    with pytest.raises(ConfigError, match="save_total_limit: expected a whole number >= 0"):
        config_from_flat({"save_total_limit": -1})
