"""Handler-level tests of the UI: widget values -> engine config, without a browser."""

import json
import shlex

import pytest

gr = pytest.importorskip("gradio")

from finetune.config import RunConfig, field_default
from finetune.errors import PublicModeError
from ui.common import CONFIG_WIDGETS, Settings, cli_command, config_from_widgets, config_to_widget_values
from ui import train as train_tab
from ui.model_data import DATASET_PRESETS, apply_preset


def widget_defaults():
    values = {}
    for name in CONFIG_WIDGETS:
        default = field_default(name)
        values[name] = "" if default is None else default
    return values


def test_default_widgets_build_the_default_config(tmp_path):
    config = config_from_widgets(widget_defaults(), Settings(runs_dir=tmp_path))
    assert config.train == RunConfig().train and config.data == RunConfig().data
    assert config.run.runs_dir == str(tmp_path)


def test_widget_values_are_typed_and_empty_boxes_take_defaults(tmp_path):
    values = widget_defaults()
    values.update(learning_rate="3e-5", num_train_epochs=2, max_train_samples="", label_names="bad, good",
                  load_best_model_at_end=True, text_column="review", eval_steps=None, checkpoint="bert-base-cased")
    config = config_from_widgets(values, Settings(runs_dir=tmp_path))
    assert config.train.learning_rate == 3e-5 and config.train.num_train_epochs == 2.0
    assert config.data.max_train_samples is None and config.data.label_names == ("bad", "good")
    assert config.data.text_column == "review" and config.model.checkpoint == "bert-base-cased"


def test_invalid_widget_value_is_a_clear_error(tmp_path):
    values = widget_defaults()
    values["per_device_train_batch_size"] = 0
    with pytest.raises(gr.Error, match="per_device_train_batch_size: expected a whole number > 0"):
        from ui.common import engine_call

        engine_call(lambda: train_tab.values_to_config(Settings(runs_dir=tmp_path), list(values.values())))()


def test_widget_round_trip_and_cli_command(tmp_path):
    config = RunConfig().replace(train={"learning_rate": 2e-5, "seed": 7}, data={"dataset": "examples/data/paraphrase_en"})
    values = dict(zip(CONFIG_WIDGETS, config_to_widget_values(config)))
    again = config_from_widgets(values, Settings(runs_dir=tmp_path))
    assert again.train == config.train and again.data == config.data
    command = cli_command(again)
    assert "--learning_rate 2e-05" in command and "--seed 7" in command
    assert "--dataset examples/data/paraphrase_en" in command and "--num_train_epochs" not in command
    from finetune.cli import build_parser, config_from_args

    tokens = shlex.split(command.replace("\\\n", " "))
    assert tokens[:4] == ["python", "-m", "finetune", "train"]
    args = build_parser().parse_args(tokens[3:])
    assert config_from_args(args).train == again.train


def test_save_and_load_config_file(tmp_path):
    settings = Settings(runs_dir=tmp_path)
    values = widget_defaults()
    values["learning_rate"] = 1e-4
    path = train_tab.save_config(settings, *[values[n] for n in CONFIG_WIDGETS])
    assert json.loads(open(path).read())["train"]["learning_rate"] == 1e-4
    loaded = dict(zip(CONFIG_WIDGETS, train_tab.load_config(path)))
    assert loaded["learning_rate"] == 1e-4


def test_presets_fill_dataset_fields():
    assert apply_preset("GLUE MRPC (Hub: nyu-mll/glue, mrpc)") == ("nyu-mll/glue", "mrpc", "sentence1", "sentence2",
                                                                   "label", "")
    assert all(v[0] for v in DATASET_PRESETS.values())


def test_public_mode_refuses_server_paths(tmp_path):
    settings = Settings(runs_dir=tmp_path, public=True)
    values = widget_defaults()
    values["dataset"] = "/etc/passwd"
    with pytest.raises(PublicModeError, match="public mode"):
        config_from_widgets(values, settings)
    values["dataset"] = "../../etc/passwd"
    with pytest.raises(PublicModeError):
        config_from_widgets(values, settings)
    values["dataset"] = "examples/data/sentiment_en"
    assert config_from_widgets(values, settings).data.dataset == "examples/data/sentiment_en"
    values["dataset"] = "nyu-mll/glue"  # a Hub id is not a server path
    assert config_from_widgets(values, settings).data.dataset == "nyu-mll/glue"
    assert config_from_widgets({**values, "dataset": "/etc/passwd"}, Settings(runs_dir=tmp_path)).data.dataset


def test_curves_from_events():
    events = [{"type": "progress", "step": 5, "loss": 0.7}, {"type": "progress", "step": 6},
              {"type": "evaluation", "step": 10, "metrics": {"loss": 0.6, "accuracy": 0.8, "f1": 0.7}}]
    losses, metrics = train_tab.curves(events)
    assert losses.to_dict("records") == [{"step": 5, "value": 0.7, "series": "training loss"}]
    assert set(metrics["series"]) == {"loss", "accuracy", "f1"}
