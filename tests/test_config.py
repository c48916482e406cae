import json

import pytest

from finetune.config import (RunConfig, TrainConfig, DataConfig, config_from_flat, field_help, field_index,
                             resolve_precision, to_training_arguments)
from finetune.errors import ConfigError


@pytest.mark.parametrize("field,value", [
    ("per_device_train_batch_size", 0), ("per_device_train_batch_size", -4), ("learning_rate", 0),
    ("learning_rate", -1e-5), ("num_train_epochs", 0), ("num_train_epochs", -1), ("gradient_accumulation_steps", 0),
    ("max_length", 0), ("warmup_ratio", 1.5), ("padding", "longest-ever"), ("lr_scheduler_type", "zigzag"),
])
def test_invalid_values_say_expected_and_found(field, value):
    with pytest.raises(ConfigError) as info:
        config_from_flat({field: value})
    message = str(info.value)
    assert field in message and "expected" in message and "found" in message


def test_zero_epochs_allowed_when_max_steps_set():
    config = config_from_flat({"num_train_epochs": 0, "max_steps": 10})
    assert config.train.max_steps == 10


def test_json_round_trip(tmp_path):
    config = config_from_flat({"checkpoint": "bert-base-uncased", "dataset": "nyu-mll/glue", "dataset_config": "mrpc",
                               "learning_rate": "3e-5", "load_best_model_at_end": "true",
                               "label_names": "neg, pos"})
    path = tmp_path / "c.json"
    path.write_text(config.to_json())
    again = RunConfig.from_json_file(path)
    assert again == config
    assert again.train.learning_rate == 3e-5 and again.train.load_best_model_at_end is True
    assert again.data.label_names == ("neg", "pos")


def test_unknown_field_and_section_rejected():
    with pytest.raises(ConfigError, match="learning_rat"):
        config_from_flat({"learning_rat": 1})
    with pytest.raises(ConfigError, match="sections"):
        RunConfig.from_dict({"trainer": {}})


def test_every_field_has_help_text():
    for name in field_index():
        assert len(field_help(name)) > 10, name


def test_steps_strategy_needs_steps():
    with pytest.raises(ConfigError, match="eval_steps"):
        TrainConfig(eval_strategy="steps")


def test_precision_resolution():
    assert resolve_precision("auto", cuda=False, bf16_supported=False) == "fp32"
    assert resolve_precision("auto", cuda=True, bf16_supported=True) == "bf16"
    assert resolve_precision("auto", cuda=True, bf16_supported=False) == "fp16"
    with pytest.raises(ConfigError):
        resolve_precision("bf16", cuda=False, bf16_supported=False)


def test_training_arguments_mapping(tmp_path):
    config = config_from_flat({"learning_rate": 2e-5, "warmup_ratio": 0.1, "early_stopping_patience": 2,
                               "eval_strategy": "steps", "eval_steps": 50, "save_strategy": "epoch",
                               "metric_for_best_model": "f1"})
    args = to_training_arguments(config, tmp_path, precision="fp32")
    assert args.learning_rate == 2e-5
    assert args.warmup_steps == 0.1
    assert args.load_best_model_at_end is True
    assert args.metric_for_best_model == "f1" and args.greater_is_better is True
    # best-model tracking needs saves exactly at evaluations
    assert args.save_strategy == "steps" and args.save_steps == 50
    assert args.train_sampling_strategy == "group_by_length"
    assert args.report_to in ([], None, "none") or list(args.report_to) == []
