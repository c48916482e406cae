"""Offline twins for the tutorials' names: which recipe a checkpoint or dataset name comes from, and how to use
that recipe's offline twin instead.

A reader of a tutorial types its names (``bert-base-uncased``, ``glue``/``mrpc``, ``imdb``...). Offline
those cannot be downloaded; the errors that say so (finetune.model.checkpoints, finetune.data.loading)
add :func:`checkpoint_twin_hint` / :func:`dataset_twin_hint`, which name the recipe whose online config
uses that name (read from :data:`finetune.config.recipes.RECIPES`, so a recipe's change is followed) and
where its twin is: the page's recipe picker and the CLI's ``--config examples/recipes/<name>.offline.json``.
"""

from __future__ import annotations

import functools
from typing import Optional

from finetune.config.recipes import RECIPES, Recipe


def _short(name: str) -> str:
    """A Hub id's name without its owner, lower case: ``nyu-mll/glue`` -> ``glue``."""
    return str(name).strip().rstrip("/").split("/")[-1].lower()


@functools.lru_cache(maxsize=1)
def _online_names() -> tuple[tuple[Recipe, str, str, Optional[str]], ...]:
    """(recipe, checkpoint, dataset, dataset config) of each recipe's online config, in the recipes' order."""
    found = []
    for recipe in RECIPES:
        try:
            config = recipe.config(offline=False)
        except Exception:  # a recipe file being edited must not break an error message
            continue
        found.append((recipe, _short(config.model.checkpoint), _short(config.data.dataset), config.data.dataset_config))
    return tuple(found)


def recipe_for_checkpoint(name: str) -> Optional[Recipe]:
    """The first recipe whose tutorial uses checkpoint ``name`` (owner ignored: google-bert/bert-base-uncased)."""
    wanted = _short(name)
    return next((recipe for recipe, checkpoint, _, _ in _online_names() if checkpoint == wanted), None)


def recipe_for_dataset(name: str, config_name: Optional[str] = None) -> Optional[Recipe]:
    """The first recipe whose tutorial uses dataset ``name`` (with its config, if both name one): ``glue`` with
    ``mrpc``, ``nyu-mll/glue``, ``mrpc`` alone, ``imdb``, ``stanfordnlp/imdb``, ``Yelp/yelp_review_full``."""
    wanted, subset = _short(name), (config_name or "").strip().lower() or None
    for recipe, _, dataset, dataset_config in _online_names():
        if wanted == dataset and (subset is None or dataset_config is None or subset == dataset_config.lower()):
            return recipe
        if dataset_config and wanted == dataset_config.lower():
            return recipe
    return None


def twin_hint(recipe: Recipe, kind: str) -> str:
    """The sentence that leads from a tutorial's name (``kind``: checkpoint or dataset) to ``recipe``'s twin."""
    if kind == "checkpoint":
        return (
            f"The tutorial recipe {recipe.name} ({recipe.title}) uses this checkpoint; its offline twin runs without "
            "it: on the Model & Data tab open Tutorial recipes, pick that recipe, tick 'offline twin' and press Use "
            f"this recipe; on the command line: python -m finetune train --config "
            f"examples/recipes/{recipe.name}.offline.json."
        )
    return (
        f"The tutorial recipe {recipe.name} ({recipe.title}) uses this dataset; its offline twin runs without it: "
        "on the Model & Data tab open Tutorial recipes, pick that recipe, tick 'offline twin' and press Use this "
        f"recipe; on the command line: python -m finetune train --config examples/recipes/{recipe.name}.offline.json."
    )


def checkpoint_twin_hint(name: str) -> str:
    """:func:`twin_hint` for a checkpoint name, or '' when no tutorial uses it."""
    recipe = recipe_for_checkpoint(name)
    return twin_hint(recipe, "checkpoint") if recipe else ""


def dataset_twin_hint(name: str, config_name: Optional[str] = None) -> str:
    """:func:`twin_hint` for a dataset name, or '' when no tutorial uses it."""
    recipe = recipe_for_dataset(name, config_name)
    return twin_hint(recipe, "dataset") if recipe else ""
