"""Finished tiny runs of the other two tasks (shared, read mostly): a multi-label run that tuned its threshold,
and a regression run on sentence pairs. Few rows, one short epoch: they exist to be read, not to learn."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import tiny_config


@pytest.fixture(scope="session")
def multi_label_run(tmp_path_factory, tiny_checkpoint) -> Path:
    """support_tickets_en (JSON-list labels): 60 training rows, 30 validation rows, ``tune_threshold`` on."""
    from finetune.runs.run import Run
    from finetune.train.training import run_training

    root = tmp_path_factory.mktemp("multi-label-run")
    config = tiny_config(
        tiny_checkpoint,
        root / "runs",
        dataset="examples/data/support_tickets_en",
        max_train_samples=60,
        max_eval_samples=30,
        max_length=32,
        tune_threshold=True,
    )
    run = Run.create(root, config, "tickets")
    assert run_training(config, run)["status"] == "finished"
    return run.path


@pytest.fixture(scope="session")
def regression_run(tmp_path_factory, tiny_checkpoint) -> Path:
    """sts_pairs_en (pairs, a 0-5 score): 60 training rows, 30 validation and 30 test rows."""
    from finetune.runs.run import Run
    from finetune.train.training import run_training

    root = tmp_path_factory.mktemp("regression-run")
    config = tiny_config(
        tiny_checkpoint,
        root / "runs",
        dataset="examples/data/sts_pairs_en",
        max_train_samples=60,
        max_eval_samples=30,
        max_length=48,
        precision="fp32",  # bf16 outputs of a barely trained head can round to one value
    )
    run = Run.create(root, config, "sts")
    assert run_training(config, run)["status"] == "finished"
    return run.path
