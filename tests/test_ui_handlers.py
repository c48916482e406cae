"""Handler-level tests of the UI: widget values -> engine config, without a browser."""

import asyncio
import json
import os
import shlex

import gradio as gr
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


def collect(stream, limit: int = 50) -> list:
    """Run an async generator to its end (or ``limit`` items) without waiting between its polls."""

    async def run() -> list:
        out = []
        async for item in stream:
            out.append(item)
            if len(out) >= limit:
                break
        return out

    return asyncio.run(run())


def test_render_sends_each_part_once_and_says_when_the_run_has_ended(finished_tiny_run):
    settings = Settings(runs_dir=finished_tiny_run.parent)
    (header, progress, log, losses, metrics, summary), seen, ended = train_tab.render(settings, finished_tiny_run.name, {})
    assert ended and "finished" in progress and "### Finished" in summary and len(losses) > 0 and "eval" in log
    parts, again, ended = train_tab.render(settings, finished_tiny_run.name, seen)
    assert ended and again == seen and all(part == gr.skip() for part in parts)  # nothing is sent twice
    parts, _, ended = train_tab.render(settings, None, {})
    assert ended and all(part == gr.skip() for part in parts)


def test_stream_of_a_finished_run_draws_it_once_and_ends(finished_tiny_run):
    settings = Settings(runs_dir=finished_tiny_run.parent)
    updates = collect(train_tab.follow(settings, finished_tiny_run.name, "page-1"))
    assert len(updates) == 1 and "### Finished" in updates[0][5]
    assert "page-1" not in train_tab._viewers


def test_stream_follows_a_running_run_until_its_end_is_on_screen(tmp_path, monkeypatch):
    from finetune.events import EventWriter
    from finetune.runs import Run, RunStatus

    monkeypatch.setattr(train_tab, "POLL_SECONDS", 0.01)
    run = Run.create(tmp_path, RunConfig(), "live")
    run.set_status(RunStatus.RUNNING, pid=os.getpid())  # a live process: this one
    writer = EventWriter(run.events_path)
    writer.emit("started", device="CPU", precision="fp32")
    settings = Settings(runs_dir=tmp_path)
    assert train_tab.attach(settings) == "live"

    async def run_and_finish() -> list:
        out = []
        async for parts in train_tab.follow(settings, "live", "page-1"):
            out.append(parts)
            if len(out) == 1:  # the run goes on: a loss point, then its end
                writer.emit("progress", step=1, total_steps=2, epoch=0.5, loss=0.69)
            elif len(out) == 2:
                writer.emit("finished")
                run.set_status(RunStatus.CANCELLED, message="stopped")
        return out

    updates = asyncio.run(run_and_finish())
    assert len(updates) == 3
    assert "running" in updates[0][1] and "loss 0.6900" in updates[1][2]
    assert "cancelled" in updates[2][1] and "### Cancelled" in updates[2][5]


def test_a_new_stream_for_the_same_page_ends_the_previous_one(tmp_path, monkeypatch):
    from finetune.runs import Run, RunStatus

    monkeypatch.setattr(train_tab, "POLL_SECONDS", 0.01)
    Run.create(tmp_path, RunConfig(), "queued-run").set_status(RunStatus.QUEUED, queued_at=1.0)
    settings = Settings(runs_dir=tmp_path)

    async def two_streams() -> tuple[list, list]:
        first = train_tab.follow(settings, "queued-run", "page-1")
        got_first = [await first.__anext__()]  # drawn; it would wait for this queued run for ever
        second = train_tab.follow(settings, "queued-run", "page-1")  # the same page shows the run again
        got_second = [await second.__anext__()]
        async for parts in first:  # the first stream notices it was replaced and ends
            got_first.append(parts)
        await second.aclose()
        return got_first, got_second

    first, second = asyncio.run(two_streams())
    assert len(first) == 1 and "queued" in first[0][1] and len(second) == 1
