"""Runs tab handlers: compare, resume from the page, clone, clean, delete with confirmation, search view."""

from __future__ import annotations

import asyncio

import pytest

from finetune.errors import RunError
from finetune.jsonfiles import write_json
from finetune.runs.events import read_events
from finetune.runs.run import Run, RunStatus
from finetune.train.jobs import wait
from finetune.train.search import SearchSpec, save_spec
from finetune.train.training import run_training
from tests.helpers import tiny_config
from ui.config_form import CONFIG_WIDGETS
from ui.settings import Settings
from ui.studio import VISITOR
from ui.tabs import runs as runs_tab


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, tiny_checkpoint):
    """Two finished tiny runs that differ in learning rate and logging steps."""
    root = tmp_path_factory.mktemp("runs")
    for run_id, lr, logging in (("a", 1e-3, 2), ("b", 5e-4, 3)):
        config = tiny_config(tiny_checkpoint, root, learning_rate=lr, logging_steps=logging)
        assert run_training(config, Run.create(root, config, run_id))["status"] == "finished"
    return root


def test_compare_draws_one_curve_per_run_in_each_chart_and_the_config_diff(two_runs):
    out = runs_tab.compare_runs(
        Settings(runs_dir=two_runs), {"runs.pick": ["a", "b"], "runs.axis": "step", "runs.metric_name": "accuracy"}
    )
    for name in ("runs.loss", "runs.val_loss", "runs.metric"):
        frame = out[name].constructor_args["value"]
        assert set(frame["run"]) == {"a", "b"}, name
        assert str(frame["x"].dtype) == "float64" and str(frame["value"].dtype) == "float64"
    diff = out["runs.diff"].constructor_args["value"]
    assert set(diff["field"]) == {"learning_rate", "logging_steps"}
    assert list(out["runs.metrics"].constructor_args["value"]["metric"])[0] == "accuracy"
    assert all(out[name].constructor_args["visible"] for name in runs_tab.COMPARE_OUTPUTS)  # shown once filled
    by_epoch = runs_tab.compare_runs(Settings(runs_dir=two_runs), {"runs.pick": ["a", "b"], "runs.axis": "epoch"})
    assert by_epoch["runs.loss"].constructor_args["value"]["x"].max() <= 1.0


def test_a_public_visitor_cannot_compare_another_visitors_runs(two_runs):
    settings = Settings(runs_dir=two_runs, public=True)
    with pytest.raises(RunError, match="no run called"):
        runs_tab.compare_runs(settings, {"runs.pick": ["a", "b"], VISITOR: "someone"})
    assert runs_tab.refresh(settings, {VISITOR: "someone"})["runs.pick"].constructor_args["choices"] == []


def test_clone_gives_the_train_form_its_values(two_runs):
    out = runs_tab.clone(Settings(runs_dir=two_runs), {"runs.target": "b"})
    values = out["runs.clone_values"]
    assert values["learning_rate"] == 5e-4 and values["logging_steps"] == 3
    assert set(runs_tab.apply_clone({"runs.clone_values": values})) == set(CONFIG_WIDGETS)


def test_resume_from_the_page_continues_from_the_checkpoints_step(tmp_path, tiny_checkpoint):
    config = tiny_config(
        tiny_checkpoint,
        tmp_path,
        max_steps=6,
        per_device_train_batch_size=4,
        eval_strategy="no",
        save_strategy="no",
        logging_steps=1,
    )
    run = Run.create(tmp_path, config, "stopped")
    run.request_cancel()  # Stop pressed before the first step ended: stops at step 1 with a checkpoint
    assert run_training(config, run)["status"] == "cancelled"
    assert run.latest_checkpoint().name == "checkpoint-1"

    out = runs_tab.resume_run(Settings(runs_dir=tmp_path), {"runs.target": "stopped"})
    assert "checkpoint-1" in out["runs.message"]
    final = wait(run.path, timeout=300)
    assert final["status"] is RunStatus.FINISHED, run.log_path.read_text()[-3000:]
    events, _ = read_events(run.events_path)
    second = [i for i, e in enumerate(events) if e["type"] == "started"][1]
    steps = [e["step"] for e in events[second:] if e["type"] == "progress"]
    assert steps[0] == 1 and steps[-1] == 6
    assert run.metrics()["train"]["steps"] == 6
    assert not run.checkpoints_dir.exists()  # finished: its checkpoints are deleted, nothing left to resume
    with pytest.raises(RunError, match="no checkpoint"):
        runs_tab.resume_run(Settings(runs_dir=tmp_path), {"runs.target": "stopped"})


def test_delete_asks_first_and_clean_keeps_the_model(tmp_path, tiny_checkpoint):
    config = tiny_config(tiny_checkpoint, tmp_path)
    run = Run.create(tmp_path, config, "x")
    run.model_dir.mkdir()
    (run.model_dir / "config.json").write_text("{}")
    (run.checkpoints_dir / "checkpoint-2").mkdir(parents=True)
    (run.checkpoints_dir / "checkpoint-2" / "optimizer.pt").write_bytes(b"0" * 2048)
    run.set_status(RunStatus.FINISHED)
    settings, values = Settings(runs_dir=tmp_path), {"runs.target": "x", "runs.pick": []}
    cleaned = runs_tab.clean(settings, values)
    assert "2.0 KB freed" in cleaned["runs.message"] and run.model_dir.is_dir() and not run.checkpoints_dir.exists()
    asked = runs_tab.ask_delete(settings, values)
    assert "Confirm delete" in asked["runs.message"] and run.path.is_dir()
    done = runs_tab.confirm_delete(settings, values)
    assert not run.path.exists() and done["runs.disk"].empty


def test_search_view_shows_the_trials_and_the_best_so_far(tmp_path, tiny_checkpoint):
    config = tiny_config(tiny_checkpoint, tmp_path)
    search = Run.create(tmp_path, config, "search")
    save_spec(search, SearchSpec(trials=3))
    search.set_status(RunStatus.FINISHED)
    for i, (state, accuracy) in enumerate(
        ((RunStatus.FINISHED, 0.7), (RunStatus.FINISHED, 0.8), (RunStatus.CANCELLED, 0.9))
    ):
        trial = Run.create(
            search.path / "trials", config.replace(train={"learning_rate": 10 ** -(i + 3)}), f"trial-{i}"
        )
        write_json(trial.metrics_path, {"validation": {"metrics": {"accuracy": accuracy}}})
        trial.set_status(state)
    view = runs_tab.search_view(Settings(runs_dir=tmp_path), "search", None)
    assert list(view["runs.trials"]["trial"]) == ["trial-0", "trial-1", "trial-2"]
    assert "best so far **trial-1**" in view["runs.best"]  # a cancelled trial is never the best
    updates = asyncio.run(
        _collect(runs_tab.follow_search(Settings(runs_dir=tmp_path), {"runs.search_state": "search"}))
    )
    assert len(updates) == 1  # an ended search is drawn once, then the stream ends
    keys = runs_tab.refresh(Settings(runs_dir=tmp_path), {})["runs.pick"].constructor_args["choices"]
    assert "search/trials/trial-2" in keys


async def _collect(stream):
    return [item async for item in stream]


def test_the_tab_builds_and_wires_beside_the_train_form(tmp_path):
    from ui.page import build_studio

    demo, studio = build_studio(Settings(runs_dir=tmp_path))
    triggers = {tuple(target) for fn in demo.fns.values() for target in fn.targets}
    assert (studio["runs.clone_values"]._id, "change") in triggers  # Clone fills the Train form
    assert (studio["runs.search_start"]._id, "click") in triggers
    assert {"runs.pick", "runs.loss", "runs.val_loss", "runs.metric", "runs.diff", "runs.metrics"} <= set(studio.parts)
    assert studio["runs.loss"].elem_id == "runs-loss-plot"
