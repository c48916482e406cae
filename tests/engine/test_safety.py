"""The public-mode fence: one guard, in every engine entry point that reads a visitor's path."""

from __future__ import annotations

import os

import pytest

from finetune import safety
from finetune.config.run_config import DataConfig
from finetune.errors import PublicModeError

PROJECT = safety.PROJECT_ROOT


@pytest.fixture
def fence(tmp_path, monkeypatch):
    """A fence like the app's (examples, runs, uploads), with the app started from another folder."""
    uploads, runs = tmp_path / "uploads", tmp_path / "runs"
    uploads.mkdir()
    runs.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    yield safety.install_fence([PROJECT / "examples", runs, uploads]), uploads
    safety.remove_fence()


def test_every_entry_point_refuses_paths_outside_the_fence(fence):
    from finetune.data.loading import load_raw
    from finetune.model.checkpoints import resolve_checkpoint
    from finetune.model.tokenization import get_tokenizer
    from finetune.predict.predictor import resolve_model_source

    for call in (
        lambda: load_raw(DataConfig(dataset="requirements.txt")),  # a project file, resolved like the loader
        lambda: load_raw(DataConfig(dataset="/etc/passwd")),
        lambda: load_raw(DataConfig(dataset="examples/../requirements.txt")),
        lambda: resolve_checkpoint("/root"),
        lambda: get_tokenizer(str(PROJECT / "benchmarks")),
        lambda: resolve_model_source("/usr"),
    ):
        with pytest.raises(PublicModeError, match="public mode"):
            call()


def test_the_message_does_not_tell_whether_a_path_exists(fence):
    from finetune.model.checkpoints import resolve_checkpoint

    messages = []
    for path in ("/etc", "/no/such/folder/here"):
        with pytest.raises(PublicModeError) as caught:
            resolve_checkpoint(path)
        messages.append(str(caught.value).replace(path, "PATH"))
    assert messages[0] == messages[1]


def test_examples_load_from_any_folder_and_symlinks_out_are_refused(fence):
    from finetune.data.loading import load_raw

    _, uploads = fence
    splits, source = load_raw(DataConfig(dataset="examples/data/sentiment_en"))  # cwd is elsewhere
    assert "train" in splits and source.startswith(str(PROJECT / "examples"))
    os.symlink("/etc", uploads / "innocent")
    with pytest.raises(PublicModeError):
        load_raw(DataConfig(dataset=str(uploads / "innocent" / "passwd")))


def test_hub_ids_pass_and_without_a_fence_nothing_is_checked(fence):
    safety.guard("nyu-mll/glue", what="dataset")  # a Hub id is not a path
    safety.remove_fence()
    safety.guard("/etc/passwd", what="dataset")  # the CLI on your own machine: no fence


def test_the_app_refuses_typed_paths_into_the_runs_folder_and_names_no_server_folder(tmp_path):
    from ui.settings import PROJECT_ROOT, Settings

    settings = Settings(runs_dir=tmp_path, public=True)
    (tmp_path / "someone-elses-run").mkdir()
    with pytest.raises(PublicModeError, match="Pick your run from the list"):
        settings.guard(str(tmp_path / "someone-elses-run"), "model")
    message = settings.shown(f"cannot write {tmp_path}/x and {PROJECT_ROOT}/app.py")
    assert str(tmp_path) not in message and str(PROJECT_ROOT) not in message and "<runs>/x" in message
    assert Settings(runs_dir=tmp_path).shown(str(tmp_path)) == str(tmp_path)  # your own machine: full paths
