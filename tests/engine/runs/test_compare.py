"""Comparing runs: curves on shared axes, config differences, metrics side by side, disk use, clean-up."""

from __future__ import annotations

import pytest

from finetune.config.run_config import config_from_flat
from finetune.errors import RunError
from finetune.jsonfiles import write_json
from finetune.runs.compare import (
    align,
    check_selection,
    child_runs,
    clean_checkpoints,
    compare_curves,
    config_diff,
    disk_use,
    is_group,
    metrics_table,
    open_key,
    run_curves,
    with_children,
)
from finetune.runs.events import EventWriter
from finetune.runs.run import Run, RunStatus


def make_run(root, run_id, *, logging_steps, steps_per_epoch, total, accuracy=0.5, **train):
    """A finished run whose events log the loss every ``logging_steps`` and evaluate every epoch."""
    config = config_from_flat({"dataset": "examples/data/sentiment_en", "logging_steps": logging_steps, **train})
    run = Run.create(root, config, run_id)
    with EventWriter(run.events_path) as events:
        for step in range(logging_steps, total + 1, logging_steps):
            events.emit("progress", step=step, total_steps=total, epoch=step / steps_per_epoch, loss=1.0 / step)
        for step in range(steps_per_epoch, total + 1, steps_per_epoch):
            events.emit(
                "evaluation",
                step=step,
                epoch=step / steps_per_epoch,
                split="validation",
                metrics={"accuracy": accuracy * step / total, "loss": 0.5},
            )
    write_json(
        run.metrics_path,
        {
            "validation": {
                "metrics": {"accuracy": accuracy, "f1": accuracy - 0.1},
                "per_class": [{"label": "neg", "f1": 0.4}, {"label": "pos", "f1": 0.6}],
            },
            "train": {"samples_per_second": 50.0, "seconds": 10.0},
        },
    )
    run.set_status(RunStatus.FINISHED)
    return run


def test_curves_of_runs_with_different_logging_steps_align_by_step_and_epoch(tmp_path):
    a = make_run(tmp_path, "a", logging_steps=2, steps_per_epoch=6, total=12)
    b = make_run(tmp_path, "b", logging_steps=3, steps_per_epoch=4, total=12)  # larger batches: fewer steps/epoch
    points = compare_curves([a, b])
    assert sorted({p["step"] for p in points if p["run"] == "a" and p["series"] == "loss"}) == [2, 4, 6, 8, 10, 12]
    assert sorted({p["step"] for p in points if p["run"] == "b" and p["series"] == "loss"}) == [3, 6, 9, 12]
    by_step = align(points, "loss", "step")
    assert by_step["x"] == [2, 3, 4, 6, 8, 9, 10, 12]
    assert by_step["a"][by_step["x"].index(3)] == pytest.approx((1 / 2 + 1 / 4) / 2)  # a interpolated at b's step
    assert by_step["b"][0] is None  # before b's first logged step
    assert by_step["a"][-1] == pytest.approx(1 / 12) and by_step["b"][-1] == pytest.approx(1 / 12)
    by_epoch = align(points, "eval_accuracy", "epoch")
    assert by_epoch["x"] == [1.0, 2.0, 3.0]
    assert by_epoch["a"] == [pytest.approx(0.25), pytest.approx(0.5), None]
    assert by_epoch["b"] == [pytest.approx(0.5 / 3), pytest.approx(1 / 3), pytest.approx(0.5)]


def test_a_resumed_run_keeps_one_point_per_step(tmp_path):
    run = make_run(tmp_path, "r", logging_steps=2, steps_per_epoch=4, total=4)
    with EventWriter(run.events_path) as events:  # after a resume the same step is logged again
        events.emit("progress", step=4, total_steps=4, epoch=1.0, loss=0.9)
    losses = [p for p in run_curves(run) if p["series"] == "loss"]
    assert [(p["step"], p["value"]) for p in losses] == [(2, 0.5), (4, 0.9)]


def test_config_diff_lists_exactly_the_differing_fields(tmp_path):
    a = make_run(tmp_path, "a", logging_steps=2, steps_per_epoch=4, total=4, learning_rate=3e-5)
    b = make_run(tmp_path, "b", logging_steps=2, steps_per_epoch=4, total=4, learning_rate=5e-5, num_train_epochs=2)
    c = make_run(tmp_path, "c", logging_steps=2, steps_per_epoch=4, total=4, learning_rate=5e-5)
    rows = config_diff([a, b, c])
    assert [row["field"] for row in rows] == ["learning_rate", "num_train_epochs"]
    assert rows[0] == {"field": "learning_rate", "a": 3e-5, "b": 5e-5, "c": 5e-5}
    assert config_diff([b, b]) == []


def test_metrics_table_puts_final_metrics_per_class_f1_and_speed_side_by_side(tmp_path):
    a = make_run(tmp_path, "a", logging_steps=2, steps_per_epoch=4, total=4, accuracy=0.8)
    b = make_run(tmp_path, "b", logging_steps=2, steps_per_epoch=4, total=4, accuracy=0.6)
    table = {row["metric"]: row for row in metrics_table([a, b])}
    assert (table["accuracy"]["a"], table["accuracy"]["b"]) == (0.8, 0.6)
    assert table["f1[pos]"]["a"] == 0.6 and table["train_samples_per_second"]["b"] == 50.0
    assert [row["metric"] for row in metrics_table([a, b])][:2] == ["accuracy", "f1"]


def test_a_kfold_parent_compares_by_mean_and_std_of_its_folds(tmp_path):
    parent = Run.create(tmp_path, config_from_flat({"dataset": "examples/data/sentiment_en"}), "kfold")
    for i, accuracy in enumerate((0.6, 0.8)):
        make_run(parent.path / "folds", f"fold-{i}", logging_steps=2, steps_per_epoch=4, total=4, accuracy=accuracy)
    other = make_run(tmp_path, "single", logging_steps=2, steps_per_epoch=4, total=4, accuracy=0.7)
    assert is_group(parent) and [c.id for c in child_runs(parent)] == ["fold-0", "fold-1"]
    table = {row["metric"]: row for row in metrics_table([parent, other])}
    assert table["accuracy"]["kfold"] == "0.7000 ± 0.1414" and table["accuracy"]["single"] == 0.7
    accuracy = [p for p in run_curves(parent) if p["series"] == "eval_accuracy"]
    assert [(p["step"], round(p["value"], 4)) for p in accuracy] == [(4, 0.7)]


def test_selection_needs_two_to_six_runs(tmp_path):
    a = make_run(tmp_path, "a", logging_steps=2, steps_per_epoch=4, total=4)
    with pytest.raises(RunError, match="2 to 6"):
        check_selection([a])
    with pytest.raises(RunError, match="2 to 6"):
        check_selection([a, a])


def test_child_runs_are_named_by_key(tmp_path):
    search = Run.create(tmp_path, config_from_flat({"dataset": "examples/data/sentiment_en"}), "search")
    make_run(search.path / "trials", "trial-0", logging_steps=2, steps_per_epoch=4, total=4)
    assert with_children([search], tmp_path) == ["search", "search/trials/trial-0"]
    assert open_key(tmp_path, "search/trials/trial-0").id == "trial-0"
    with pytest.raises(RunError):
        open_key(tmp_path, "search/../search")
    with pytest.raises(RunError):
        open_key(tmp_path, "search/other/trial-0")


def test_clean_deletes_checkpoints_and_keeps_the_model(tmp_path):
    run = make_run(tmp_path, "a", logging_steps=2, steps_per_epoch=4, total=4)
    (run.checkpoints_dir / "checkpoint-4").mkdir(parents=True)
    (run.checkpoints_dir / "checkpoint-4" / "optimizer.pt").write_bytes(b"x" * 1000)
    with pytest.raises(RunError, match="saved model"):
        clean_checkpoints(run)  # no model yet: the checkpoints are all there is
    run.model_dir.mkdir()
    (run.model_dir / "config.json").write_text("{}")
    (run.model_dir / "model.safetensors").write_bytes(b"y" * 500)
    assert disk_use(run)["checkpoints"] == 1000 and disk_use(run)["model"] == 502
    assert clean_checkpoints(run) == 1000
    assert not run.checkpoints_dir.exists() and run.model_dir.is_dir() and disk_use(run)["checkpoints"] == 0
    run.set_status(RunStatus.RUNNING, pid=None)
    run.set_status(RunStatus.STARTING, pid=None)
    with pytest.raises(RunError, match="Stop it first"):
        clean_checkpoints(run)


# -- task types -----------------------------------------------------------------------------------------
def test_a_regression_run_and_a_single_label_run_compare_with_their_own_metrics(regression_run, finished_tiny_run):
    from finetune.runs.compare import compared_metrics, run_task

    regression, single = Run(regression_run), Run(finished_tiny_run)
    assert (run_task(regression), run_task(single)) == ("regression", "single_label")
    rows = metrics_table([single, regression])
    table = {row["metric"]: row for row in rows}
    assert rows[0] == {"metric": "task", single.id: "single_label", regression.id: "regression"}
    assert isinstance(table["accuracy"][single.id], float) and table["accuracy"][regression.id] is None
    assert isinstance(table["pearson"][regression.id], float) and table["pearson"][single.id] is None
    assert not any(name.startswith("f1[") and row[regression.id] is not None for name, row in table.items())
    assert any(name.startswith("f1[") for name in table)  # the single-label run's per-class F1
    order = [row["metric"] for row in rows]
    assert order.index("accuracy") < order.index("pearson") < order.index("rmse") < order.index("train_seconds")
    names = compared_metrics([single, regression])
    assert {"accuracy", "pearson", "rmse"} <= set(names) and names.index("accuracy") < names.index("pearson")
    series = {p["series"] for p in compare_curves([single, regression]) if p["run"] == regression.id}
    assert "eval_rmse" in series and "eval_accuracy" not in series


def test_a_multi_label_run_compares_by_its_metrics_and_per_label_f1(multi_label_run, tmp_path):
    run = Run(multi_label_run)
    other = make_run(tmp_path, "plain", logging_steps=2, steps_per_epoch=4, total=4)
    table = {row["metric"]: row for row in metrics_table([run, other])}
    labels = run.metrics()["validation"]["label_names"]
    assert all(f"f1[{label}]" in table for label in labels)
    assert isinstance(table["f1_micro"][run.id], float) and table["hamming_loss"]["plain"] is None
    assert table["task"] == {"metric": "task", run.id: "multi_label", "plain": "single_label"}
    second = make_run(tmp_path, "b", logging_steps=2, steps_per_epoch=4, total=4)
    assert "task" not in {row["metric"] for row in metrics_table([other, second])}  # one task: no task row
