"""Hyperparameter search: Trainer.hyperparameter_search (optuna) with one child run per trial."""

from __future__ import annotations

import json

import pytest

from finetune.errors import ConfigError
from finetune.runs.compare import compare_curves, config_diff
from finetune.runs.run import Run, RunStatus
from finetune.train.search import (
    SearchSpace,
    SearchSpec,
    best_trial,
    read_spec,
    save_spec,
    spec_from_flags,
    trial_table,
)
from finetune.train.training import run_training
from tests.helpers import tiny_config


def test_three_trial_search_finishes_and_names_its_best_trial(tmp_path, tiny_checkpoint):
    from finetune.train.trials import run_search

    config = tiny_config(
        tiny_checkpoint, tmp_path, max_steps=3, eval_strategy="steps", eval_steps=3, save_strategy="no"
    )
    run = Run.create(tmp_path, config, "search")
    spec = SearchSpec(
        trials=3,
        space=SearchSpace(
            learning_rate=(1e-4, 1e-2),
            batch_sizes=(8, 16),
            epochs=(1,),
            warmup_ratio=(0.0, 0.1),
            weight_decay=(0.0, 0.1),
        ),
    )
    save_spec(run, spec)
    status = run_search(config, run, spec)

    assert status["status"] is RunStatus.FINISHED
    rows = trial_table(run)
    assert [r["trial"] for r in rows] == ["trial-0", "trial-1", "trial-2"]
    assert all(r["status"] == "finished" and isinstance(r["accuracy"], float) for r in rows)
    report = run.metrics()["search"]
    assert report["best_trial"] == best_trial(rows, "accuracy")["trial"]
    assert report["best_value"] == max(r["accuracy"] for r in rows)
    trials = [Run.at(run.path / "trials" / r["trial"]) for r in rows]
    for trial in trials:  # each trial is a normal run: its values in config.json, 3 steps, its own curve
        assert trial.has_model and trial.metrics()["train"]["steps"] == 3
        assert 1e-4 <= trial.config().train.learning_rate <= 1e-2
    assert {p["run"] for p in compare_curves(trials[:2])} == {"trial-0", "trial-1"}
    assert "learning_rate" in {row["field"] for row in config_diff(trials[:2])}
    relayed = [e for e in map(json.loads, run.events_path.read_text().splitlines()) if e.get("trial")]
    assert [e["trial"]["trial"] for e in relayed] == ["trial-0", "trial-1", "trial-2"]


def test_stop_ends_the_current_trial_and_keeps_the_finished_ones(tmp_path, tiny_checkpoint):
    from transformers import TrainerCallback

    from finetune.train import trials as trials_module

    config = tiny_config(
        tiny_checkpoint, tmp_path, max_steps=4, eval_strategy="steps", eval_steps=2, save_strategy="no"
    )
    run = Run.create(tmp_path, config, "search")
    spec = SearchSpec(trials=3, space=SearchSpace(epochs=(1,)))

    class StopInSecondTrial(TrainerCallback):  # a person pressing Stop during trial-1
        def on_step_end(self, args, state, control, **kwargs):
            if (run.path / "trials" / "trial-1").exists() and state.global_step == 1:
                run.request_cancel()

    original = trials_module.training._build_trainer

    def build_with_stop(*args, **kwargs):
        trainer = original(*args, **kwargs)
        trainer.add_callback(StopInSecondTrial())
        return trainer

    trials_module.training._build_trainer = build_with_stop
    try:
        status = trials_module.run_search(config, run, spec)
    finally:
        trials_module.training._build_trainer = original
    assert status["status"] is RunStatus.CANCELLED
    rows = trial_table(run)
    assert [(r["trial"], r["status"]) for r in rows] == [("trial-0", "finished"), ("trial-1", "cancelled")]
    assert run.metrics()["search"]["best_trial"] == "trial-0"
    stopped = Run.at(run.path / "trials" / "trial-1")
    assert stopped.status()["step"] < 4 and stopped.has_model


def test_search_space_file_and_flags(tmp_path):
    space = tmp_path / "space.json"
    space.write_text(json.dumps({"learning_rate": [2e-5, 5e-5], "batch_sizes": [8], "metric": "f1"}))
    spec = spec_from_flags(4, str(space), None)
    assert (spec.trials, spec.metric, spec.space.learning_rate, spec.space.batch_sizes) == (4, "f1", (2e-5, 5e-5), (8,))
    assert spec_from_flags(2, None, "loss").direction == "minimize"
    with pytest.raises(ConfigError, match="low <= high"):
        SearchSpace(learning_rate=(1e-3, 1e-5))
    space.write_text(json.dumps({"learning_rates": [1, 2]}))
    with pytest.raises(ConfigError, match="learning_rates"):
        spec_from_flags(2, str(space), None)


def test_spec_is_saved_with_the_run(tmp_path, tiny_checkpoint):
    run = Run.create(tmp_path, tiny_config(tiny_checkpoint, tmp_path), "search")
    assert read_spec(run) is None
    save_spec(run, SearchSpec(trials=2, metric="f1"))
    assert read_spec(run) == SearchSpec(trials=2, metric="f1")


def test_a_search_is_not_resumed_as_a_whole_but_its_stopped_trial_is_named(tmp_path, tiny_checkpoint):
    from finetune.errors import RunError
    from finetune.train.jobs import resume

    config = tiny_config(tiny_checkpoint, tmp_path)
    run = Run.create(tmp_path, config, "search")
    save_spec(run, SearchSpec(trials=2))
    run.set_status(RunStatus.CANCELLED)
    Run.create(run.path / "trials", config, "trial-0").set_status(RunStatus.FINISHED)
    Run.create(run.path / "trials", config, "trial-1").set_status(RunStatus.CANCELLED)
    with pytest.raises(RunError, match="search/trials/trial-1"):
        resume(run.path)


def test_a_trial_trains_exactly_like_the_plain_run_of_its_config(tmp_path, tiny_checkpoint):
    from finetune.train.trials import run_search

    config = tiny_config(
        tiny_checkpoint, tmp_path, max_steps=4, eval_strategy="steps", eval_steps=4, save_strategy="no", logging_steps=1
    )
    search = Run.create(tmp_path, config, "search")
    assert run_search(config, search, SearchSpec(trials=1, space=SearchSpace(epochs=(1,))))["status"] == "finished"
    trial = Run.at(search.path / "trials" / "trial-0")
    plain = Run.create(tmp_path, trial.config(), "plain")
    assert run_training(trial.config(), plain)["status"] == "finished"
    losses = [[p["value"] for p in compare_curves([r]) if p["series"] == "loss"] for r in (trial, plain)]
    assert len(losses[0]) == 4 and losses[0] == pytest.approx(losses[1], rel=1e-5)
    assert trial.metrics()["validation"]["metrics"] == pytest.approx(plain.metrics()["validation"]["metrics"])


# -- task types -----------------------------------------------------------------------------------------
def test_the_objective_follows_the_task_and_its_direction():
    from finetune.config.run_config import config_from_flat
    from finetune.train.search import check_search_config

    assert SearchSpec(metric="rmse").direction == "minimize"
    assert SearchSpec(metric="hamming_loss").direction == "minimize"
    assert SearchSpec(metric="pearson").direction == SearchSpec(metric="f1_micro").direction == "maximize"
    assert SearchSpec().for_task("regression").metric == "pearson"  # the default 'accuracy': the main metric
    assert SearchSpec().for_task("multi_label").metric == "f1_micro"
    assert SearchSpec(metric="mae").for_task("regression") == SearchSpec(metric="mae")
    with pytest.raises(ConfigError, match="a regression metric: pearson, spearman, mse, rmse, mae"):
        SearchSpec(metric="f1").for_task("regression")
    with pytest.raises(ConfigError, match="search metric"):
        SearchSpec(metric="auc")
    regression = config_from_flat({"dataset": "examples/data/sts_pairs_en", "task": "regression"})
    with pytest.raises(ConfigError, match="f1_micro"):
        check_search_config(regression, SearchSpec(metric="f1_micro"))
    check_search_config(regression, SearchSpec(metric="rmse"))


def test_a_regression_search_minimises_rmse(tmp_path, tiny_checkpoint):
    """The trials are regression runs; the best trial is the one with the lowest validation RMSE."""
    from finetune.train.trials import run_search

    config = tiny_config(
        tiny_checkpoint,
        tmp_path,
        dataset="examples/data/sts_pairs_en",
        max_train_samples=32,
        max_eval_samples=16,
        max_length=48,
        max_steps=2,
        eval_strategy="steps",
        eval_steps=2,
        save_strategy="no",
        precision="fp32",
    )
    run = Run.create(tmp_path, config, "search")
    spec = SearchSpec(trials=2, metric="rmse", space=SearchSpace(learning_rate=(1e-4, 1e-2), epochs=(1,)))
    save_spec(run, spec)
    assert run_search(config, run, spec)["status"] is RunStatus.FINISHED
    rows = trial_table(run)
    assert all(isinstance(r["rmse"], float) for r in rows) and len(rows) == 2
    report = run.metrics()["search"]
    assert report["direction"] == "minimize"
    assert report["best_value"] == min(r["rmse"] for r in rows)
    trial = Run.at(run.path / "trials" / report["best_trial"])
    assert trial.metrics()["validation"]["task"] == "regression"
    model_config = json.loads((trial.model_dir / "config.json").read_text())
    assert model_config["problem_type"] == "regression"


def test_a_search_resolves_accuracy_to_the_tasks_main_metric(tmp_path, tiny_checkpoint):
    """A multi-label search with the default metric optimises f1_micro, and says so in search.json."""
    from finetune.train.trials import run_search

    config = tiny_config(
        tiny_checkpoint,
        tmp_path,
        dataset="examples/data/support_tickets_en",
        max_train_samples=32,
        max_eval_samples=16,
        max_length=32,
        max_steps=2,
        eval_strategy="steps",
        eval_steps=2,
        save_strategy="no",
    )
    run = Run.create(tmp_path, config, "search")
    save_spec(run, SearchSpec(trials=1))
    assert run_search(config, run, SearchSpec(trials=1, space=SearchSpace(epochs=(1,))))["status"] == "finished"
    assert read_spec(run).metric == "f1_micro" and run.metrics()["search"]["metric"] == "f1_micro"
    (row,) = trial_table(run)
    assert isinstance(row["f1_micro"], float)
    trial = Run.at(run.path / "trials" / "trial-0")
    assert "decision_threshold" in json.loads((trial.model_dir / "config.json").read_text())
