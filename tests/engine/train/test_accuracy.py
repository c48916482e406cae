"""Accuracy with the real bundled checkpoint on real data (../shared/data)."""

import pytest

from finetune.config.run_config import config_from_flat
from finetune.runs.run import Run
from finetune.train.training import run_training
from tests.helpers import shared_data_or_skip

pytestmark = pytest.mark.slow


def test_bundled_minilm_on_rotten_tomatoes_reaches_078(tmp_path):
    folder = shared_data_or_skip("rotten_tomatoes")
    config = config_from_flat(
        {
            "checkpoint": "bundled-minilm",
            "dataset": str(folder),
            "test_split": "none",
            "max_train_samples": 2000,
            "num_train_epochs": 1,
            "learning_rate": 5e-5,
            "per_device_train_batch_size": 16,
            "max_length": 128,
            "logging_steps": 25,
            "runs_dir": str(tmp_path / "runs"),
        }
    )
    run = Run.create(tmp_path, config, "rt")
    status = run_training(config, run)
    assert status["status"] == "finished", status
    metrics = run.metrics()
    assert metrics["validation"]["num_examples"] == 1066
    print("rotten_tomatoes accuracy", metrics["validation"]["metrics"]["accuracy"], metrics["train"])
    assert metrics["validation"]["metrics"]["accuracy"] >= 0.78, metrics["validation"]["metrics"]
