"""Tutorial recipes (finetune/recipes.py, examples/recipes/*.json): settings and an offline smoke run each."""

import pytest

from finetune.config.recipes import RECIPES, changed_settings, faster_defaults_off, get_recipe, recipe_choices
from finetune.config.run_config import RunConfig
from tests.helpers import shared_data_or_skip

TWIN_MAY_DIFFER = {
    "checkpoint",
    "dataset",
    "dataset_config",
    "validation_split",
    "test_split",
    "train_split",
    "add_unknown_tokens",
}


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda r: r.name)
def test_a_recipe_and_its_twin_share_every_training_setting(recipe):
    tutorial, twin = recipe.config(), recipe.config(offline=True)
    assert twin.model.checkpoint == "bundled-minilm"
    assert tutorial.train.group_by_length is False and twin.train.group_by_length is False
    a, b = recipe.flat_values(), recipe.flat_values(offline=True)
    assert {name for name in a if a[name] != b[name]} <= TWIN_MAY_DIFFER
    assert any(name == "group_by_length" for name, _ in faster_defaults_off(tutorial))
    assert "turns off" in recipe.card() and recipe.card(offline=True).count("Offline twin") == 1


def test_recipe_index_and_tutorial_settings():
    assert [name for _, name in recipe_choices()] == [r.name for r in RECIPES]
    mrpc = get_recipe("mrpc_bert").config()
    assert (mrpc.model.checkpoint, mrpc.data.dataset, mrpc.data.dataset_config) == ("bert-base-uncased", "glue", "mrpc")
    assert (mrpc.train.per_device_train_batch_size, mrpc.train.num_train_epochs, mrpc.train.weight_decay) == (8, 3, 0)
    yelp = get_recipe("yelp_bert_cased").config()
    assert yelp.data.padding == "max_length" and yelp.data.max_train_samples == 1000
    assert ("padding", "dynamic", "max_length") in changed_settings(yelp)
    weibo = get_recipe("weibo_kfold_chinese").config()
    assert (weibo.data.max_length, weibo.train.cv_folds, weibo.model.checkpoint) == (100, 5, "bert-base-chinese")
    imdb = get_recipe("imdb_distilbert").config()
    assert imdb.train.load_best_model_at_end and imdb.train.tensorboard and imdb.data.dataset == "imdb"


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda r: r.name)
def test_every_offline_twin_trains_a_few_steps(recipe, tmp_path):
    """Smoke test: the twin's own file, with only the size cut down (a few steps, few rows)."""
    from finetune.train.cross_validation import run_cross_validation
    from finetune.train.training import run_training

    config = recipe.config(offline=True)
    if config.data.dataset.startswith("../shared"):
        shared_data_or_skip(config.data.dataset.split("/")[3])
    small = {"max_train_samples": 48, "max_eval_samples": 16, "max_steps": 2, "runs_dir": str(tmp_path / "runs")}
    raw = config.to_dict()
    for name, value in small.items():
        section = next(s for s in RunConfig.SECTIONS if name in raw[s])
        raw[section][name] = value
    if config.train.cv_folds:
        raw["train"]["cv_folds"] = 2
    config = RunConfig.from_dict(raw)
    from finetune.runs.run import Run

    run_dir = Run.create(tmp_path, config, "run").path
    train = run_cross_validation if config.train.cv_folds else run_training
    status = train(config, run_dir)
    assert status["status"] == "finished", status.get("message")
