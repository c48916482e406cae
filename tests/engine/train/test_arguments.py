import pytest

from finetune.config.run_config import config_from_flat
from finetune.errors import ConfigError
from finetune.train.arguments import resolve_precision, to_training_arguments


def test_precision_resolution():
    assert resolve_precision("auto", cuda=False, bf16_supported=False) == "fp32"
    assert resolve_precision("auto", cuda=True, bf16_supported=True) == "bf16"
    assert resolve_precision("auto", cuda=True, bf16_supported=False) == "fp16"
    with pytest.raises(ConfigError):
        resolve_precision("bf16", cuda=False, bf16_supported=False)


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
