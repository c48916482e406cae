"""Tutorial recipes (finetune/recipes.py, examples/recipes/*.json): settings and an offline smoke run each."""

import pytest

from finetune.config.recipes import RECIPES, changed_settings, faster_defaults_off, get_recipe, recipe_choices
from finetune.config.run_config import RunConfig
from tests.helpers import PROJECT_ROOT

PROJECT = PROJECT_ROOT
SEEDS = {
    "mrpc_bert": "000_545a4f50d6bd05d4.txt",
    "imdb_distilbert": "001_ababbb18df6e6c4c.txt",
    "yelp_bert_cased": "002_97a92ef7937e74aa.txt",
    "course_trainer": "003_6045ce985798f742.txt",
    "weibo_kfold_chinese": "004_e671a01ae7122773.txt",
    "stsb_bert": "run_glue.py",  # no tutorial file: transformers' GLUE example
}
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
    """The twin keeps the tutorial's settings; any other value it scales down is named in its card text."""
    tutorial, twin = recipe.config(), recipe.config(offline=True)
    assert twin.model.checkpoint == "bundled-minilm"
    assert tutorial.train.group_by_length is False and twin.train.group_by_length is False
    a, b = recipe.flat_values(), recipe.flat_values(offline=True)
    scaled = {name for name in a if a[name] != b[name]} - TWIN_MAY_DIFFER
    assert [name for name in scaled if f"`{name}`" not in recipe.twin] == []
    assert any(name == "group_by_length" for name, _ in faster_defaults_off(tutorial))
    assert "turns off" in recipe.card() and recipe.card(offline=True).count("Offline twin") == 1


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda r: r.name)
def test_a_recipe_names_its_tutorial_and_its_twin_reads_only_project_files(recipe):
    assert SEEDS[recipe.name] in recipe.tutorial
    assert any(ch.isdigit() for ch in recipe.reported) or "no result" in recipe.reported
    dataset = recipe.config(offline=True).data.dataset
    assert dataset.startswith("examples/data/") and (PROJECT / dataset).exists()
    assert f"`{dataset}`" in recipe.twin


def test_recipe_index_and_tutorial_settings():
    assert [name for _, name in recipe_choices()] == [r.name for r in RECIPES]
    mrpc = get_recipe("mrpc_bert").config()
    assert (mrpc.model.checkpoint, mrpc.data.dataset, mrpc.data.dataset_config) == (
        "bert-base-uncased",
        "nyu-mll/glue",
        "mrpc",
    )
    assert (
        mrpc.train.per_device_train_batch_size,
        mrpc.train.num_train_epochs,
        mrpc.train.weight_decay,
        mrpc.train.learning_rate,
        mrpc.train.warmup_ratio,
        mrpc.train.lr_scheduler_type,
    ) == (8, 3, 0, 5e-5, 0, "linear")
    assert mrpc.train.load_best_model_at_end and mrpc.train.metric_for_best_model == "accuracy"  # best-accuracy weights
    yelp = get_recipe("yelp_bert_cased").config()
    assert (yelp.data.dataset, yelp.data.validation_split) == ("Yelp/yelp_review_full", "test")
    assert (yelp.data.padding, yelp.data.max_length) == ("max_length", 322)  # the tutorial's model_max_length
    assert (yelp.data.max_train_samples, yelp.data.max_eval_samples, yelp.data.split_seed) == (1000, 1000, 42)
    assert ("padding", "dynamic", "max_length") in changed_settings(yelp)
    weibo = get_recipe("weibo_kfold_chinese").config()
    assert (weibo.data.max_length, weibo.train.cv_folds, weibo.model.checkpoint) == (100, 5, "bert-base-chinese")
    assert (weibo.data.text_column, weibo.data.label_column, len(weibo.data.label_names)) == ("Sentence", "Label", 4)
    assert (weibo.train.learning_rate, weibo.train.num_train_epochs, weibo.train.warmup_ratio) == (1e-5, 5, 0)
    train_batch = weibo.train.per_device_train_batch_size * weibo.train.gradient_accumulation_steps
    assert (train_batch, weibo.train.per_device_eval_batch_size) == (512, 256)
    imdb = get_recipe("imdb_distilbert").config()
    assert imdb.train.load_best_model_at_end and imdb.train.tensorboard and imdb.data.dataset == "stanfordnlp/imdb"
    assert (imdb.data.validation_size, imdb.data.max_eval_samples) == (0.3, 150)
    assert (imdb.train.eval_steps, imdb.train.logging_steps, imdb.train.save_steps) == (50, 50, 200)
    stsb = get_recipe("stsb_bert").config()
    assert (stsb.model.checkpoint, stsb.data.dataset, stsb.data.dataset_config) == (
        "bert-base-uncased",
        "nyu-mll/glue",
        "stsb",
    )
    assert (stsb.data.text_column, stsb.data.text_pair_column, stsb.data.label_column) == (
        "sentence1",
        "sentence2",
        "label",
    )
    assert (stsb.data.task, stsb.data.max_length, stsb.data.test_split) == ("regression", 128, "none")
    assert (stsb.train.learning_rate, stsb.train.per_device_train_batch_size, stsb.train.num_train_epochs) == (
        2e-5,
        32,
        3,
    )
    assert stsb.train.load_best_model_at_end and stsb.train.metric_for_best_model == "pearson"


def test_the_stsb_twin_is_a_regression_on_scored_pairs():
    """The twin's data is what the recipe says: pairs with a 0-5 score, read as regression with a test split."""
    from finetune.data.preparation import prepare_data

    prepared = prepare_data(get_recipe("stsb_bert").config(offline=True).data)
    assert prepared.task == "regression" and prepared.label_names == ["score"] and prepared.is_pair
    assert sorted(prepared.splits) == ["test", "train", "validation"]
    stats = prepared.report.target_stats["train"]
    assert stats["min"] >= 0 and stats["max"] <= 5 and stats["rows"] == 700


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda r: r.name)
def test_every_offline_twin_trains_a_few_steps(recipe, tmp_path):
    """Smoke test: the twin's own file, with only the size cut down (a few steps, few rows)."""
    from finetune.train.cross_validation import run_cross_validation
    from finetune.train.training import run_training

    config = recipe.config(offline=True)
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
