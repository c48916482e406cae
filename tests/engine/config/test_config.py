import pytest

from finetune.config.run_config import (
    DataConfig,
    RunConfig,
    TrainConfig,
    config_from_flat,
    field_help,
    field_index,
    normalize_padding,
)
from finetune.errors import ConfigError


@pytest.mark.parametrize(
    "field,value",
    [
        ("per_device_train_batch_size", 0),
        ("per_device_train_batch_size", -4),
        ("learning_rate", 0),
        ("learning_rate", -1e-5),
        ("num_train_epochs", 0),
        ("num_train_epochs", -1),
        ("gradient_accumulation_steps", 0),
        ("max_length", 0),
        ("warmup_ratio", 1.5),
        ("padding", "longest-ever"),
        ("lr_scheduler_type", "zigzag"),
    ],
)
def test_invalid_values_say_expected_and_found(field, value):
    with pytest.raises(ConfigError) as info:
        config_from_flat({field: value})
    message = str(info.value)
    assert field in message and "expected" in message and "found" in message


def test_zero_epochs_allowed_when_max_steps_set():
    config = config_from_flat({"num_train_epochs": 0, "max_steps": 10})
    assert config.train.max_steps == 10


def test_json_round_trip(tmp_path):
    config = config_from_flat(
        {
            "checkpoint": "bert-base-uncased",
            "dataset": "nyu-mll/glue",
            "dataset_config": "mrpc",
            "learning_rate": "3e-5",
            "load_best_model_at_end": "true",
            "label_names": "neg, pos",
        }
    )
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


def test_one_padding_vocabulary_with_the_old_spelling_accepted():
    assert DataConfig(dataset="x", padding="longest").padding == "dynamic"
    assert normalize_padding("none") == "none" and normalize_padding("longest") == "dynamic"
    with pytest.raises(ConfigError, match="padding"):
        DataConfig(dataset="x", padding="none")  # training always pads batches
