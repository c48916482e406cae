"""Handler-level tests of the UI: widget values -> engine config, without a browser."""

import asyncio
import json
import os
import shlex

import gradio as gr
import pytest

from finetune.config.run_config import RunConfig, field_default
from finetune.errors import PublicModeError
from ui import live_view
from ui.config_form import CONFIG_WIDGETS, cli_command, config_from_widgets, config_to_widget_values
from ui.settings import Settings
from ui.studio import Studio, engine_call
from ui.tabs import train as train_tab
from ui.tabs.data import DATASET_PRESETS, apply_preset


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
    values.update(
        learning_rate="3e-5",
        num_train_epochs=2,
        max_train_samples="",
        label_names="bad\ngood",
        load_best_model_at_end=True,
        text_column="review",
        eval_steps=None,
        checkpoint="bert-base-cased",
    )
    config = config_from_widgets(values, Settings(runs_dir=tmp_path))
    assert config.train.learning_rate == 3e-5 and config.train.num_train_epochs == 2.0
    assert config.data.max_train_samples is None and config.data.label_names == ("bad", "good")
    assert config.data.text_column == "review" and config.model.checkpoint == "bert-base-cased"


def test_invalid_widget_value_is_a_clear_error(tmp_path):
    values = widget_defaults()
    values["per_device_train_batch_size"] = 0
    with pytest.raises(gr.Error) as caught:
        engine_call(lambda: train_tab.config_of(Settings(runs_dir=tmp_path), values))()
    # escaped: gradio renders a toast as HTML, so data-controlled text is shown, never interpreted
    assert "per_device_train_batch_size: expected a whole number &gt; 0" in str(caught.value)


def test_widget_round_trip_and_cli_command(tmp_path):
    config = RunConfig().replace(
        train={"learning_rate": 2e-5, "seed": 7}, data={"dataset": "examples/data/paraphrase_en"}
    )
    values = config_to_widget_values(config)
    again = config_from_widgets(values, Settings(runs_dir=tmp_path))
    assert again.train == config.train and again.data == config.data
    command = cli_command(again)
    assert "--learning_rate 2e-05" in command and "--seed 7" in command
    assert "--dataset examples/data/paraphrase_en" in command and "--num_train_epochs" not in command
    from finetune.cli.commands import build_parser, config_from_args

    tokens = shlex.split(command.replace("\\\n", " "))
    assert tokens[:4] == ["python", "-m", "finetune", "train"]
    args = build_parser().parse_args(tokens[3:])
    assert config_from_args(args).train == again.train


def test_save_and_load_config_file(tmp_path):
    settings = Settings(runs_dir=tmp_path)
    values = widget_defaults()
    values["learning_rate"] = 1e-4
    path = train_tab.save_config(settings, values)["train.save_config"]
    assert json.loads(open(path).read())["train"]["learning_rate"] == 1e-4
    loaded = train_tab.load_config({"train.load_config": path})
    assert loaded["learning_rate"] == 1e-4 and set(loaded) == set(CONFIG_WIDGETS)


def test_label_names_with_commas_quotes_and_chinese_survive_the_round_trip(tmp_path):
    names = ("Business, Finance", 'Say "hi"', "体育")
    config = RunConfig().replace(data={"label_names": names})
    values = config_to_widget_values(config)
    assert values["label_names"] == 'Business, Finance\nSay "hi"\n体育'
    assert config_from_widgets(values, Settings(runs_dir=tmp_path)).data.label_names == names


def test_presets_fill_dataset_fields():
    assert apply_preset("GLUE MRPC (Hub: nyu-mll/glue, mrpc)") == {
        "dataset": "nyu-mll/glue",
        "dataset_config": "mrpc",
        "text_column": "sentence1",
        "text_pair_column": "sentence2",
        "label_column": "label",
        "label_names": "",
        "task": "auto",
        "label_delimiter": "",
    }
    assert apply_preset("Example: Chinese comments with |-joined tags (multi-label)")["label_delimiter"] == "|"
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


def test_curves_are_numeric_from_the_first_frame_and_keep_loss_apart_from_scores():
    train, val_loss, metrics = live_view.curves([])
    assert str(train["loss"].dtype) == "float64" and str(train["step"].dtype) == "int64"  # empty, still numeric
    assert str(metrics["value"].dtype) == "float64"
    events = [
        {"type": "progress", "step": 5, "loss": 0.7},
        {"type": "progress", "step": 6},
        {"type": "evaluation", "step": 10, "metrics": {"loss": 0.6, "accuracy": 0.8, "f1": 0.7}},
    ]
    train, val_loss, metrics = live_view.curves(events)
    assert train.drop(columns="series").to_dict("records") == [{"step": 5, "loss": 0.7}]
    assert val_loss.drop(columns="series").to_dict("records") == [{"step": 10, "loss": 0.6}]
    assert list(train["series"]) == ["training loss"]  # each curve names its series (the legend above the charts)
    assert set(metrics["metric"]) == {"accuracy", "F1"} and "loss" not in set(metrics["metric"])  # shown names


def collect(stream, limit: int) -> list:
    """The first ``limit`` updates of an async generator (a page's stream runs while the page is open)."""

    async def run() -> list:
        out = []
        async for item in stream:
            out.append(item)
            if len(out) >= limit:
                break
        await stream.aclose()
        return out

    return asyncio.run(run())


@pytest.fixture
def fast_polls(monkeypatch):
    monkeypatch.setattr(live_view, "POLL_SECONDS", 0.01)
    monkeypatch.setattr(live_view, "IDLE_POLL_SECONDS", 0.01)
    monkeypatch.setattr(live_view, "KEEPALIVE_POLLS", 2)


def test_render_sends_each_part_once_and_says_when_the_run_has_ended(finished_tiny_run):
    settings = Settings(runs_dir=finished_tiny_run.parent)
    parts, seen, ended = live_view.render(settings, finished_tiny_run.name, {})
    assert ended and "finished" in parts["live.progress"] and "### Finished" in parts["live.summary"]
    assert len(parts["live.loss"].value["data"]) > 0 and "eval" in parts["live.log"]
    assert parts["live.loss"].x_lim[0] == 0 and parts["live.loss"].x_lim[1] > 0  # one step axis for all charts
    # the charts go once more at the next poll (gradio's plot drew an update's previous value), then nothing
    parts, seen, ended = live_view.render(settings, finished_tiny_run.name, seen)
    assert ended and {"live.loss", "live.val_loss", "live.metrics"} <= set(parts) and "live.log" not in parts
    parts, again, ended = live_view.render(settings, finished_tiny_run.name, seen)
    assert ended and again is seen and parts == {}  # nothing else is sent twice
    parts, _, ended = live_view.render(settings, None, {})
    assert ended and parts == {}


def test_stream_of_a_finished_run_draws_it_once_then_only_keeps_alive(finished_tiny_run, fast_polls):
    settings = Settings(runs_dir=finished_tiny_run.parent)
    updates = collect(live_view.follow(settings, finished_tiny_run.name, "page-1"), limit=4)
    assert "### Finished" in updates[0]["live.summary"] and updates[0]["studio.runs_version"]
    assert "live.metrics" in updates[1] and "live.summary" not in updates[1]  # the charts, once more
    assert updates[2:] == [{}, {}]  # nothing new: empty keep-alives, so a closed page's stream ends
    assert "page-1" not in live_view._viewers


def new_running_run(runs_dir, name: str):
    from finetune.runs.events import EventWriter
    from finetune.runs.run import Run, RunStatus

    run = Run.create(runs_dir, RunConfig(), name)
    run.set_status(RunStatus.RUNNING, pid=os.getpid())  # a live process: this one
    writer = EventWriter(run.events_path)
    writer.emit("started", device="CPU", precision="fp32")
    return run, writer


def test_stream_follows_a_running_run_and_announces_its_end(tmp_path, fast_polls):
    from finetune.runs.run import RunStatus

    run, writer = new_running_run(tmp_path, "live")
    settings = Settings(runs_dir=tmp_path)
    assert train_tab.attach(settings, {}) == {"train.run_state": "live"}

    async def run_and_finish() -> list:
        out = []
        stream = live_view.follow(settings, "live", "page-1")
        async for parts in stream:
            out.append(parts)
            if len(out) == 1:  # the run goes on: a loss point, then its end
                writer.emit("progress", step=1, total_steps=2, epoch=0.5, loss=0.69)
            elif len(out) == 2:
                writer.emit("finished")
                run.set_status(RunStatus.CANCELLED, message="stopped")
            elif len(out) == 3:
                break
        await stream.aclose()
        return out

    first, second, last = asyncio.run(run_and_finish())
    assert "running" in first["live.progress"] and "loss 0.6900" in second["live.log"]
    assert "cancelled" in last["live.progress"] and "### Cancelled" in last["live.summary"]
    # the runs folder's version changed with the status: the history, Predict and Hub lists refresh from it
    assert "live:running" in first["studio.runs_version"] and "live:cancelled" in last["studio.runs_version"]


def watch_while_a_training_starts(settings: Settings, runs_dir, limit: int = 20) -> list:
    """A page's stream on the ended run 'old' while a training 'newer' starts elsewhere."""

    async def watch() -> list:
        out = []
        stream = live_view.follow(settings, "old", "page-1")
        async for parts in stream:
            out.append(parts)
            if len(out) == 1:  # another page (or the CLI) starts a training
                new_running_run(runs_dir, "newer")
            if "train.run_state" in parts or len(out) >= limit:
                break
        await stream.aclose()
        return out

    return asyncio.run(watch())


def test_an_ended_view_attaches_to_a_training_started_elsewhere(finished_tiny_run, tmp_path, fast_polls):
    import shutil

    shutil.copytree(finished_tiny_run, tmp_path / "old")
    updates = watch_while_a_training_starts(Settings(runs_dir=tmp_path), tmp_path)
    assert updates[-1]["train.run_state"] == "newer" and "newer:running" in updates[-1]["studio.runs_version"]


def test_a_public_visitors_view_never_jumps_to_another_run(finished_tiny_run, tmp_path, fast_polls):
    import shutil

    shutil.copytree(finished_tiny_run, tmp_path / "old")
    updates = watch_while_a_training_starts(Settings(runs_dir=tmp_path, public=True), tmp_path, limit=6)
    assert not any("train.run_state" in parts for parts in updates)
    assert not any("newer" in parts.get("studio.runs_version", "") for parts in updates)  # not even its name


def test_a_new_stream_for_the_same_page_ends_the_previous_one(tmp_path, fast_polls):
    from finetune.runs.run import Run, RunStatus

    Run.create(tmp_path, RunConfig(), "queued-run").set_status(RunStatus.QUEUED, queued_at=1.0)
    settings = Settings(runs_dir=tmp_path)

    async def two_streams() -> tuple[list, list]:
        first = live_view.follow(settings, "queued-run", "page-1")
        got_first = [await first.__anext__()]  # drawn; it would wait for this queued run for ever
        second = live_view.follow(settings, "queued-run", "page-1")  # the same page shows the run again
        got_second = [await second.__anext__()]
        async for parts in first:  # the first stream notices it was replaced and ends
            got_first.append(parts)
        await second.aclose()
        return got_first, got_second

    first, second = asyncio.run(two_streams())
    assert "queued" in first[0]["live.progress"] and len(second) == 1
    # gradio ends a stream by sending its last update again: the replaced stream's last one is empty, so that
    # replay cannot put the run it showed back over the newer stream's view
    assert first[1:] == [{}]


def test_wiring_passes_values_by_name_and_leaves_unnamed_outputs_alone():
    with gr.Blocks():
        studio = Studio(Settings())
        studio.add("a", gr.Textbox())
        studio.add("b", gr.Textbox())
        studio.add("c", gr.Textbox())
        dependency = studio.listen(studio["a"].change, lambda v: {"c": v["a"] + v["b"]}, ["a", "b"], ["b", "c"])
    assert dependency is not None
    out = Studio._positional({"c": "xy"}, ["b", "c"])
    assert out[0] == gr.skip() and out[1] == "xy"
    with pytest.raises(KeyError, match="not wired"):
        Studio._positional({"d": 1}, ["b", "c"])
    with pytest.raises(ValueError, match="used twice"):
        studio.add("a", gr.Textbox(render=False))


def test_only_the_functions_meant_for_clients_are_in_the_api(tmp_path):
    from ui.page import build_studio

    demo, studio = build_studio(Settings(runs_dir=tmp_path))
    public = sorted(fn.api_name for fn in demo.fns.values() if fn.api_visibility == "public")
    assert public == ["inspect", "predict", "predict_batch", "tokenize"]
    assert all(name in studio for name in CONFIG_WIDGETS)


def test_public_visitors_see_and_control_only_their_own_runs(finished_tiny_run, tmp_path):
    import shutil

    from finetune.errors import RunError
    from finetune.runs.run import Run
    from ui import access
    from ui.tabs import hub as hub_tab
    from ui.tabs import predict as predict_tab

    settings = Settings(runs_dir=tmp_path, public=True)
    for visitor, name in (("alice-id", "alices-run"), ("bob-id", "bobs-run")):
        shutil.copytree(finished_tiny_run, tmp_path / name)
        Run(tmp_path / name).set_status(Run(tmp_path / name).state, owner=access.owner_key(settings, visitor))
    bob = {"studio.visitor": "bob-id"}
    assert [r.run_id for r in access.visible_runs(settings, "alice-id")] == ["alices-run"]
    assert access.visible_runs(settings, None) == []  # a page without an id owns nothing
    assert list(train_tab.history(settings, bob)["train.history"]["run"]) == ["bobs-run"]
    assert predict_tab.model_choices(settings, "bob-id") == ["bobs-run", "bundled-minilm"]
    assert hub_tab.run_choices(settings, "alice-id") == ["alices-run"]
    # another visitor's run reads exactly like one that does not exist, for every action
    for action in (
        lambda: train_tab.stop(settings, {**bob, "train.run_state": "alices-run"}),
        lambda: train_tab.remove(settings, {**bob, "train.pick": "alices-run"}),
        lambda: train_tab.show_run(settings, {**bob, "train.pick": "alices-run"}),
        lambda: hub_tab.download(settings, {**bob, "hub.run": "alices-run"}),
        lambda: hub_tab.preview_card(settings, {**bob, "hub.run": "alices-run", "hub.repo": ""}),
        lambda: predict_tab.run_report(
            settings, {**bob, "predict.model": "alices-run", "predict.eval_data": "", "predict.eval_split": ""}
        ),
    ):
        with pytest.raises(RunError, match="no run called|Choose a run"):
            action()
    assert (tmp_path / "alices-run").is_dir()
    assert live_view.render(settings, "alices-run", {}, "bob-id")[0] == {}
    assert "alices-run" not in live_view.runs_version(settings, "bob-id")
    assert train_tab.attach(settings, bob) == {"train.run_state": "bobs-run"}
    with pytest.raises(RunError):  # run ids are checked by the app, not only by gradio's list of choices
        access.open_run(settings, "../bobs-run", "bob-id")
    # outside public mode (your own machine) every page sees every run
    shared = Settings(runs_dir=tmp_path)
    assert {r.run_id for r in access.visible_runs(shared, None)} == {"alices-run", "bobs-run"}


def test_public_start_records_the_visitor_as_owner(tmp_path, monkeypatch):
    from finetune.errors import RunError
    from ui import access

    started = {}
    monkeypatch.setattr(
        train_tab, "start_training", lambda config, **kw: started.update(kw) or type("Job", (), {"run_id": "r1"})()
    )
    settings = Settings(runs_dir=tmp_path, public=True)
    values = {**widget_defaults(), "studio.visitor": "carol-id"}
    assert train_tab.start(settings, values)["train.run_state"] == "r1"
    assert started["owner"] == access.owner_key(settings, "carol-id") != access.owner_key(settings, "dave-id")
    with pytest.raises(RunError, match="visitor id"):
        train_tab.start(settings, {**values, "studio.visitor": None})


def test_a_failed_preview_still_offers_the_columns_found(tmp_path):
    from ui.tabs import data as data_tab

    values = {
        "dataset": "examples/data/sentiment_en",
        "dataset_config": "",
        "text_column": "",
        "text_pair_column": "",
        "label_column": "no_such_column",
        "train_split": "",
        "validation_split": "",
        "label_names": "",
    }
    out = data_tab.preview(Settings(runs_dir=tmp_path), values)
    assert "Preview failed" in out["data.summary"] and "no_such_column" in out["data.summary"]
    for name in ("text_column", "text_pair_column", "label_column"):
        assert [c[0] for c in out[name].choices] == ["", "text", "label"]
    assert out["data.rows"] is None  # the old preview does not stay up as if it were this data's


def test_a_damaged_run_is_listed_with_its_reason_and_can_be_deleted(finished_tiny_run, tmp_path):
    import shutil

    shutil.copytree(finished_tiny_run, tmp_path / "broken")
    (tmp_path / "broken" / "config.json").write_bytes(b"\x00\xff\xfe garbage")
    shutil.copytree(finished_tiny_run, tmp_path / "wrong-type")
    (tmp_path / "wrong-type" / "status.json").write_text("[1, 2, 3]")
    settings = Settings(runs_dir=tmp_path)
    from ui.page import build_studio

    build_studio(settings)  # the app still starts
    table = train_tab.history(settings, {})["train.history"]
    rows = {row["run"]: row for row in table.to_dict("records")}
    assert rows["broken"]["status"] == "damaged" and "config.json" in rows["broken"]["note"]
    assert rows["wrong-type"]["status"] == "damaged" and rows["wrong-type"]["note"]
    out = train_tab.remove(settings, {"train.pick": "broken"})
    assert "Deleted broken" in out["train.message"] and not (tmp_path / "broken").exists()


def test_a_run_that_learned_nothing_says_so_in_the_summary_and_history(finished_tiny_run, tmp_path):
    import shutil

    from finetune.jsonfiles import write_json
    from finetune.runs.run import Run

    run = Run(shutil.copytree(finished_tiny_run, tmp_path / "flat"))
    metrics = run.metrics()
    warning = "The model predicts 'positive' for every one of the 9 validation rows: it learned nothing useful."
    metrics["validation"].update(baseline={"majority_label": "positive", "majority_rate": 0.6667}, warnings=[warning])
    write_json(run.metrics_path, metrics)
    run.set_status(run.state, warnings=[warning])
    summary = live_view.final_summary(run, run.status())
    assert "learned nothing useful" in summary and "majority class (positive) rate* | 0.6667" in summary
    note = train_tab.history(Settings(runs_dir=tmp_path), {})["train.history"].iloc[0]["note"]
    assert note.startswith("The model predicts 'positive' for every one")


def test_the_preview_reports_unknown_tokens_and_names_a_fitting_checkpoint(tmp_path):
    from ui.tabs import data as data_tab

    values = {
        "dataset": "examples/data/weibo_variety_zh/comments.jsonl",
        "dataset_config": "",
        "text_column": "review",
        "text_pair_column": "",
        "label_column": "label",
        "train_split": "",
        "validation_split": "",
        "label_names": "",
        "sheet": "",
        "header_row": None,
        "checkpoint": "bundled-minilm",
    }
    summary = data_tab.preview(Settings(runs_dir=tmp_path), values)["data.summary"]
    assert "[UNK]" in summary and "bert-base-chinese" in summary and "⚠️" in summary


def test_the_tokenizer_tab_opens_a_finished_runs_tokenizer_by_its_key_or_folder(tmp_path, finished_tiny_run):
    """A run is a checkpoint on the Tokenizer tab too: its key or its folder opens the tokenizer it saved."""
    import shutil

    from transformers import AutoTokenizer

    from ui.settings import detect_settings
    from ui.tabs.tokenizer import explore

    runs = tmp_path / "runs"
    shutil.copytree(finished_tiny_run, runs / "finished-run")
    settings = detect_settings(str(runs), False)
    expected = [
        str(i) for i in AutoTokenizer.from_pretrained(str(finished_tiny_run / "model"))("the movie")["input_ids"]
    ]
    for typed in ("finished-run", str(runs / "finished-run")):
        values = {
            "tok.checkpoint": typed,
            "tok.text": "the movie",
            "tok.pair": "",
            "tok.special": True,
            "tok.truncation": False,
            "tok.max_length": None,
            "tok.padding": "none",
        }
        table = explore(settings, values)["tok.table"]
        assert [str(i) for i in table.iloc[:, 2]] == expected, typed


def test_a_run_key_typed_as_the_training_checkpoint_becomes_its_folder(tmp_path, finished_tiny_run):
    """Continue training from a finished run by its key: the config names the run's folder (the engine takes its
    model/); another name stays as typed."""
    import shutil

    from ui.settings import detect_settings

    runs = tmp_path / "runs"
    shutil.copytree(finished_tiny_run, runs / "finished-run")
    settings = detect_settings(str(runs), False)
    values = {**widget_defaults(), "checkpoint": "finished-run"}
    assert train_tab.config_of(settings, values).model.checkpoint == str(runs / "finished-run")
    values["checkpoint"] = "bert-base-uncased"
    assert train_tab.config_of(settings, values).model.checkpoint == "bert-base-uncased"


def test_public_mode_names_no_server_folder_in_errors_summaries_or_scripts(finished_tiny_run, tmp_path):
    import shutil
    import sys

    from finetune.errors import CheckpointError
    from finetune.model.checkpoints import describe_load_error
    from finetune.runs.run import Run
    from ui import access
    from ui.downloads import export_run_script
    from ui.settings import PROJECT_ROOT
    from ui.studio import page_error
    from ui.tabs import data as data_tab

    settings = Settings(runs_dir=tmp_path / "runs", public=True)
    folders = [str(PROJECT_ROOT), sys.prefix, str(tmp_path / "runs")]
    error = describe_load_error("no-such-model", OSError("not found"))  # names the bundled model's folder
    assert isinstance(error, CheckpointError) and sys.prefix in str(error)
    shown = page_error(str(error), settings).message
    assert "bundled-minilm" in shown and not any(folder in shown for folder in folders)
    values = {**widget_defaults(), "dataset": str(PROJECT_ROOT / "examples/data/sentiment_en")}
    summary = data_tab.preview(settings, values)["data.summary"]
    assert "&lt;app&gt;/examples/data/sentiment_en" in summary  # escaped: markdown would take <app> for a tag
    assert not any(folder in summary for folder in folders)
    shutil.copytree(finished_tiny_run, tmp_path / "runs" / "mine")
    run = Run(tmp_path / "runs" / "mine")
    run.set_status(run.state, owner=access.owner_key(settings, "me"))
    script, path = export_run_script(settings, "mine", "me")
    assert "CHECKPOINT" in script and not any(folder in script for folder in folders)
    assert open(path, encoding="utf-8").read() == script


def test_public_mode_caps_epochs_steps_runs_per_visitor_and_the_queue(tmp_path):
    from finetune.errors import ConfigError, JobBusyError
    from finetune.runs.run import Run, RunStatus
    from ui import access, limits
    from ui.page import build_studio

    settings = Settings(runs_dir=tmp_path, public=True)
    me = {**widget_defaults(), "studio.visitor": "me"}
    with pytest.raises(ConfigError, match="at most 20 epochs per run; 100000 were asked"):
        train_tab.start(settings, {**me, "num_train_epochs": 100000})
    with pytest.raises(ConfigError, match="at most 20,000 steps per run; 1,000,000 were asked"):
        train_tab.start(settings, {**me, "max_steps": 1_000_000})
    mine = Run.create(tmp_path, RunConfig(), "mine")
    mine.set_status(RunStatus.QUEUED, queued_at=1.0, owner=access.owner_key(settings, "me"))
    with pytest.raises(JobBusyError, match="already have a training queued or running"):
        train_tab.start(settings, me)
    for i in range(limits.QUEUED_RUNS - 1):
        other = Run.create(tmp_path, RunConfig(), f"other-{i}")
        other.set_status(RunStatus.QUEUED, queued_at=2.0 + i, owner=access.owner_key(settings, f"visitor-{i}"))
    with pytest.raises(JobBusyError, match="queue of this shared studio is full"):
        train_tab.start(settings, {**widget_defaults(), "studio.visitor": "newcomer"})
    assert len(list(tmp_path.iterdir())) == limits.QUEUED_RUNS  # nothing was created by the refused starts
    demo, _ = build_studio(settings)
    assert demo.delete_cache == limits.UPLOAD_CLEANUP  # public uploads are deleted once they are old
    assert build_studio(Settings(runs_dir=tmp_path))[0].delete_cache is None
    from ui.page import launch_options

    # gradio keeps 10,000 sessions by default, each with a copy of the page's config: API calls grew memory
    assert launch_options(settings)["state_session_capacity"] == limits.SESSIONS_KEPT < 10_000


def test_an_upload_after_a_recipe_puts_the_recipes_settings_back_to_the_defaults():
    from ui.tabs import data as data_tab

    recipe = data_tab.recipe_values({"data.recipe": "weibo_kfold_chinese", "data.recipe_offline": True})
    assert recipe["cv_folds"] >= 2 and recipe["data.recipe_card"]
    upload = {"data.upload": "/tmp/gradio/abc/mine.csv", "data.recipe_card": recipe["data.recipe_card"]}
    reset = data_tab.recipe_off_on_upload(upload)
    assert reset["cv_folds"] == 0 and reset["add_unknown_tokens"] == 0 and reset["padding"] == "dynamic"
    assert reset["data.recipe_card"] == "" and "checkpoint" not in reset and "dataset" not in reset
    assert data_tab.recipe_off_on_upload({**upload, "data.recipe_card": ""}) == {}  # no recipe: nothing changes
    assert data_tab.on_upload({"data.upload": "/tmp/gradio/abc/mine.csv"})["data.preset"] is None


def test_an_upload_is_shown_by_its_name_and_read_from_its_path():
    from ui.tabs import data as data_tab

    upload = "/tmp/gradio/0123abcd/评论.csv"
    assert data_tab.on_upload({"data.upload": upload})["dataset"] == "评论.csv"
    assert data_tab.uploaded_dataset("评论.csv", upload) == upload
    assert data_tab.uploaded_dataset("stanfordnlp/imdb", upload) == "stanfordnlp/imdb"  # typed over: the box
    assert data_tab.uploaded_dataset("评论.csv", None) == "评论.csv"  # the upload removed: the box


def test_a_resolver_gives_every_listener_the_meant_value():
    seen = []
    with gr.Blocks() as demo:
        studio = Studio(Settings())
        studio.add("shown", gr.Textbox())
        studio.add("source", gr.Textbox())
        studio.add("out", gr.Textbox())
        studio.resolve("shown", "source", lambda shown, source: f"{source}/{shown}")
        studio.listen(studio["out"].change, lambda v: seen.append(v["shown"]) or {}, ["shown"], [])
    listener = next(iter(demo.fns.values()))
    # the source became an input of the listener, although it did not ask for it
    assert listener.inputs == [studio["shown"], studio["source"]]
    listener.fn(None, "mine.csv", "/tmp/upload")  # (request, shown, source), as gradio calls it
    assert seen == ["/tmp/upload/mine.csv"]
