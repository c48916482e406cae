"""Recipes: one config per tutorial, set exactly as the tutorial has it, plus an offline twin.

A recipe is two plain ``RunConfig`` JSON files under ``examples/recipes/``: ``<name>.json`` (the
tutorial's checkpoint and Hub dataset) and ``<name>.offline.json`` (the same settings on the
bundled checkpoint and data at hand). Both work with ``python -m finetune train --config FILE``.
This module is the index the UI's recipe picker and the README read: what each recipe is, where
its settings and reported result come from, and which of the studio's faster defaults it turns
off (:func:`faster_defaults_off`, computed from the config, so it never drifts from the file).

UI use: ``recipe_choices()`` for a dropdown, ``get_recipe(name).flat_values(offline)`` to fill
the form (flat ``field -> value``, the shape ``config_from_flat`` takes), ``.card(offline)`` for
the explanation shown beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finetune.config.run_config import RunConfig, field_default, field_index
from finetune.errors import ConfigError, english, expected_found

RECIPES_DIR = Path(__file__).resolve().parents[2] / "examples" / "recipes"


# The studio's defaults chosen for speed, and what each buys; a recipe that sets another value turns it off.
FASTER_DEFAULTS = {
    "group_by_length": "batches of rows of similar length, so dynamic padding pads little",
    "padding": "each batch padded to its own longest row instead of every row to max_length",
    "max_length": "inputs cut at 128 tokens",
    "per_device_eval_batch_size": "64 rows per evaluation batch",
}


@dataclass(frozen=True)
class Recipe:
    """One tutorial's settings (see the module docstring)."""

    name: str
    title: str
    tutorial: str
    settings_source: str
    reported: str
    twin: str

    def path(self, offline: bool = False) -> Path:
        return RECIPES_DIR / f"{self.name}{'.offline' if offline else ''}.json"

    def config(self, offline: bool = False) -> RunConfig:
        return RunConfig.from_json_file(self.path(offline))

    def flat_values(self, offline: bool = False) -> dict[str, Any]:
        """Every config field's value (``field -> value``), for filling a form."""
        raw = self.config(offline).to_dict()
        return {name: raw[section][name] for name, (section, _) in field_index().items()}

    def card(self, offline: bool = False, say: Callable[..., str] = english) -> str:
        """Markdown: the tutorial, the settings it changes, the faster defaults it turns off, results.
        ``say(template, **params)`` gives the words (English as is; the page passes its language's)."""
        config = self.config(offline)
        changed = ", ".join(f"`{name}` {value!r}" for name, _, value in changed_settings(config)) or say("none")
        off = faster_defaults_off(config)
        off_text = "; ".join(f"`{name}` ({say(why)})" for name, why in off) or say("none")
        lines = [
            f"### {say(self.title)}" + (say(" (offline twin)") if offline else ""),
            "",
            say(self.tutorial),
            "",
            say("**Settings** (from {source}): {changed}.", source=say(self.settings_source), changed=changed),
            "",
            say("**Faster studio defaults this recipe turns off, as the tutorial has it:** {off}.", off=off_text),
            "",
            say("**The tutorial reports:** {reported}", reported=say(self.reported)),
        ]
        if offline:
            lines += ["", say("**Offline twin:** {twin}", twin=say(self.twin))]
        return "\n".join(lines)


def changed_settings(config: RunConfig) -> list[tuple[str, Any, Any]]:
    """(field, studio default, recipe value) for every field the config sets to a non-default value."""
    raw = config.to_dict()
    out = []
    for name, (section, _) in field_index().items():
        default, value = field_default(name), raw[section][name]
        if isinstance(default, tuple):
            default = list(default)
        if value != default and name not in ("runs_dir", "run_name"):
            out.append((name, default, value))
    return out


def faster_defaults_off(config: RunConfig) -> list[tuple[str, str]]:
    """(field, what the default buys) for each of :data:`FASTER_DEFAULTS` the config turns off."""
    raw = config.to_dict()
    found = []
    for name, why in FASTER_DEFAULTS.items():
        section = field_index()[name][0]
        value = raw[section][name]
        if name == "max_length" and value <= field_default(name):
            continue  # a shorter cut is faster still
        if name == "per_device_eval_batch_size" and value >= field_default(name):
            continue
        if value != field_default(name):
            found.append((name, why))
    return found


RECIPES: tuple[Recipe, ...] = (
    Recipe(
        "mrpc_bert",
        "MRPC sentence pairs with bert-base-uncased",
        "GLUE MRPC paraphrase pairs, bert-base-uncased, 3 epochs, evaluated each epoch with GLUE's accuracy "
        "and F1; the tutorial's training loop runs under `accelerate` on several GPUs (here: the same config "
        "with `accelerate launch -m finetune train --config ...`).",
        "the Hugging Face course's MRPC chapter the tutorial follows (AdamW lr 5e-5, batch 8, 3 epochs, linear "
        "schedule without warmup, no weight decay, DataCollatorWithPadding, truncation at the model's 512)",
        "validation accuracy 0.8578 and F1 0.8997 in the Hugging Face course chapter's output (the "
        "Chinese tutorial itself was not reachable from this machine to quote).",
        "bundled MiniLM-L6 on `../shared/data/mrpc` (the GLUE MRPC CSVs at hand), same settings.",
    ),
    Recipe(
        "imdb_distilbert",
        "IMDB with distilbert-base-uncased",
        "IMDB movie reviews, distilbert-base-uncased, a stratified `train_test_split` hold-out of the training "
        "split for validation, TensorBoard logging, and the best epoch's model kept (`load_best_model_at_end`).",
        "the Hugging Face text-classification guide the tutorial follows (lr 2e-5, batch 16, 2 epochs, weight "
        "decay 0.01, evaluate and save every epoch, best model at end)",
        "about 0.93 validation accuracy after 2 epochs in the Hugging Face guide's log (not verified against "
        "the Chinese tutorial here).",
        "bundled MiniLM-L6 on `../shared/data/rotten_tomatoes/train.csv` (English movie-review sentiment "
        "standing in for IMDB, 20% held out), same settings.",
    ),
    Recipe(
        "yelp_bert_cased",
        "Yelp 5-star reviews with bert-base-cased",
        "Yelp review stars (5 classes), bert-base-cased, 1000-row shuffled subsets (seed 42) of train and test, "
        'every row padded to the model\'s 512 tokens (`padding="max_length"`), evaluation each epoch.',
        "the Hugging Face 'Fine-tune a pretrained model' guide the tutorial follows (Trainer defaults: lr 5e-5, "
        "batch 8, 3 epochs, no weight decay; the test split's subset as the evaluation set)",
        "no final number is printed in the guide; with 1000 rows the tutorial's point is the workflow.",
        "bundled MiniLM-L6 on `examples/data/sentiment_en` (our English reviews; fewer than 1000 rows, so the "
        "subset limit keeps them all), same settings.",
    ),
    Recipe(
        "course_trainer",
        "The course chapter: pipeline, behind it, dynamic padding, Trainer",
        "The course chapter's end point: MRPC pairs with bert-base-uncased through `Trainer` with dynamic "
        "padding (`DataCollatorWithPadding`) and `TrainingArguments` defaults plus evaluation each epoch. Its "
        "`pipeline` and 'behind the pipeline' parts are the Predict and Tokenizer tabs.",
        "the course chapter's TrainingArguments defaults (lr 5e-5, batch 8, 3 epochs, checkpoint every 500 "
        "steps, no weight decay)",
        "accuracy 0.8578 and F1 0.8997 on MRPC validation in the chapter's output.",
        "bundled MiniLM-L6 on `examples/data/paraphrase_en` (our paraphrase pairs), same settings.",
    ),
    Recipe(
        "weibo_kfold_chinese",
        "Weibo comments in 4 topics, Excel, bert-base-chinese, 5-fold",
        "Chinese Weibo comments in 4 topic classes read from an Excel file (columns `review`, `label`), "
        "bert-base-chinese, `max_length` 100, `StratifiedKFold(5, shuffle=True)`, per-class precision / "
        "recall / F1 per fold. Point `dataset` at your own Excel file.",
        "the tutorial's max_length 100, padding to max_length and 5 stratified folds; its other "
        "hyperparameters were not reachable here, so lr 2e-5, batch 16 and 3 epochs (bert-base-chinese's "
        "usual values) fill them",
        "per-fold reports only; no figure could be quoted from this machine.",
        "bundled MiniLM-L6 with `add_unknown_tokens` 1000 on `examples/data/weibo_topics_zh/weibo_topics.xlsx` "
        "(our own 400 posts in 4 topics); the English vocabulary maps most Chinese characters to [UNK], so the "
        "twin adds the data's unknown characters to the tokenizer.",
    ),
)


def recipe_choices() -> list[tuple[str, str]]:
    """(label, name) pairs for a dropdown."""
    return [(recipe.title, recipe.name) for recipe in RECIPES]


def get_recipe(name: str) -> Recipe:
    for recipe in RECIPES:
        if recipe.name == name:
            return recipe
    raise ConfigError(expected_found("recipe", f"one of {', '.join(r.name for r in RECIPES)}", repr(name)))
