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
        "Tutorial `000_545a4f50d6bd05d4.txt` (fine-tuning BERT for text classification with Hugging Face): GLUE "
        "MRPC paraphrase pairs (`nyu-mll/glue`, config `mrpc`) with bert-base-uncased; both sentences tokenized "
        "together with truncation and padded per batch (`DataCollatorWithPadding`), trained first with `Trainer`, "
        "then in its own PyTorch loop that scores GLUE accuracy and F1 after every epoch and keeps the weights of "
        "the best-accuracy epoch, then the same loop under Accelerate (here: `accelerate launch -m finetune train "
        "--config ...`).",
        "the tutorial's own loop: AdamW at lr 5e-5 without weight decay, batch 8 for training and evaluation, 3 "
        "epochs, linear decay to 0 with no warmup, truncation at the model's 512 tokens with per-batch padding, "
        "evaluation after every epoch, the best-accuracy weights kept (`load_best_model_at_end`, "
        "`metric_for_best_model` accuracy); the test split is loaded but never scored (`test_split` none). What "
        "the studio changes: the loop printed its summed loss once per epoch, here `logging_steps` 459 (one epoch "
        "of 3,668 pairs at 8); its single best-weights file becomes one checkpoint per epoch, of which the best is "
        "kept (`save_total_limit` 1); it shuffled without a seed, the studio uses seed 42",
        "validation accuracy / F1 after epochs 1, 2 and 3: 0.8162 / 0.8804, 0.8725 / 0.9068, 0.8627 / 0.9041; "
        "the weights kept are epoch 2's (0.8725 / 0.9068).",
        "bundled MiniLM-L6 on `examples/data/mrpc_pairs_en` (270 / 45 / 45 sentence pairs of our own writing in "
        "TSV files, about two thirds of them paraphrases as in MRPC). One value changes: `logging_steps` 34, one "
        "epoch of 270 pairs at batch 8, so the loss is still reported once per epoch.",
    ),
    Recipe(
        "imdb_distilbert",
        "IMDB with distilbert-base-uncased",
        "Tutorial `001_ababbb18df6e6c4c.txt` (IMDB reviews with DistilBERT): `stanfordnlp/imdb` with "
        "distilbert-base-uncased, 30% of the training split held out for validation (`train_test_split`), the "
        "accuracy metric, evaluation every 50 steps on a 150-row subset of the held-out part, TensorBoard logging, "
        "the best-accuracy checkpoint loaded at the end, then prediction on the 25,000-review test split.",
        "the tutorial's TrainingArguments: evaluation and loss logging every 50 steps, a checkpoint every 200 "
        "steps, `load_best_model_at_end` on accuracy, TensorBoard; truncation at the model's 512 tokens with "
        "per-batch padding. Its learning rate, batch sizes and epochs are named but their values are not in the "
        "tutorial's text: the recipe takes lr 2e-5, batch 16 / 16 and 1 epoch from the article it translates "
        "(not verified here); weight decay, warmup and schedule are the Trainer defaults (0, 0, linear). What the "
        "studio changes: the 30% hold-out is stratified by label and seeded (42) where `train_test_split` drew "
        "plain random rows; `max_eval_samples` 150 also caps the test split at 150 rows, where the tutorial "
        "scores all 25,000 test reviews (raise `max_eval_samples` or run a batch prediction for the full set)",
        "training loss about 0.23 and validation loss about 0.21 at the end, validation accuracy about 0.93; "
        "test accuracy 0.91888.",
        "bundled MiniLM-L6 on `examples/data/imdb_reviews_en` (400 training and 160 test movie reviews of our own "
        "writing, 8 to 10 sentences each; the same 30% hold-out gives 280 / 120 rows, so the 150-row evaluation "
        "subset holds all 120, and the test split is scored on 150 of its 160). One epoch is 18 steps here instead "
        "of about 1,094, too few to learn from, so `num_train_epochs` 3 (54 steps), with `eval_steps` 5, "
        "`logging_steps` 5 and `save_steps` 20 keeping the tutorial's four evaluations per checkpoint.",
    ),
    Recipe(
        "yelp_bert_cased",
        "Yelp 5-star reviews with bert-base-cased",
        "Tutorial `002_97a92ef7937e74aa.txt` (fine-tuning a pretrained model): `Yelp/yelp_review_full` (5 star "
        "classes, labels 0-4) with bert-base-cased, shuffled 1000-row subsets (seed 42) of the train and test "
        "splits, every review padded and truncated to 322 tokens (the tokenizer's `model_max_length` 322 with "
        '`padding="max_length"`), accuracy after each epoch, then the same training as a plain PyTorch loop.',
        "the tutorial's TrainingArguments, which set only evaluation each epoch and leave the Trainer defaults "
        "(lr 5e-5, batch 8 for training and evaluation, 3 epochs, linear schedule without warmup, no weight decay, "
        "loss logging and a checkpoint every 500 steps), and its loop (AdamW lr 5e-5, batch 8, 3 epochs, linear, "
        "no warmup); the test split's 1000-row subset is the evaluation set. Nothing changes: at 375 steps neither "
        "the loss log nor the checkpoint at step 500 is reached, in the tutorial as here",
        "no result is printed: neither the Trainer run nor the loop shows its accuracy.",
        "bundled MiniLM-L6 on `examples/data/yelp_stars_en` (200 training and 100 test reviews of our own "
        "writing, 60 per star in all; this few because every row is padded to 322 tokens, so a CPU run stays "
        "within minutes); the 1000-row subset limits keep them all. No value changes.",
    ),
    Recipe(
        "course_trainer",
        "The course chapter: pipeline, behind it, dynamic padding, Trainer",
        "Tutorial `003_6045ce985798f742.txt` (the Hugging Face course chapters): `pipeline`, what happens behind "
        "it (tokenizer, model, logits, softmax, `id2label`: the Predict and Tokenizer tabs), padding, truncation "
        "and attention masks in batches, and at the end MRPC pairs (`nyu-mll/glue`, `mrpc`) with "
        "bert-base-uncased through `Trainer` with per-batch padding (`DataCollatorWithPadding`) and evaluation "
        "each epoch.",
        "the chapter's TrainingArguments, which set only evaluation each epoch and leave the Trainer defaults: "
        "lr 5e-5, batch 8, 3 epochs, linear schedule without warmup, no weight decay, loss logging and a "
        "checkpoint every 500 steps, every checkpoint kept, no best model; truncation at the model's 512 tokens. "
        "Nothing changes",
        "validation accuracy / F1 after epochs 1, 2 and 3: 0.8064 / 0.8724, 0.8627 / 0.9034, 0.8676 / 0.9079 "
        "(1,377 steps); the first run, without per-epoch evaluation, scored 0.8578 / 0.8997.",
        "bundled MiniLM-L6 on `examples/data/mrpc_pairs_en` (270 / 45 sentence pairs of our own writing). A run "
        "is 102 steps here instead of 1,377, so `logging_steps` 40 and `save_steps` 40 keep the loss log and the "
        "checkpoints at about the same points of the run (twice).",
    ),
    Recipe(
        "weibo_kfold_chinese",
        "Weibo comments on cultural shows, 4 classes, Excel, bert-base-chinese, 5-fold",
        "Tutorial `004_e671a01ae7122773.txt` (fine-tuning bert-base-chinese for text classification): 8,665 "
        "hand-labelled Weibo comments on cultural TV shows, read from an Excel file with a Chinese name, columns "
        "`Label` and `Sentence`, 4 numeric classes (0 the show itself: production, cast, how good it is; 1 the "
        "relics, old books and historical people it shows; 2 the culture, art, spirit and country it conveys; 3 "
        "unrelated), `StratifiedKFold(5)` shuffled with seed 42, precision / recall / F1 per class for each fold, "
        "then saving, reloading and predicting new sentences. The tutorial's file is not public: point `dataset` "
        "at your own Excel file.",
        "the tutorial's loop: AdamW lr 1e-5 without weight decay, 5 epochs, linear schedule with 0 warmup steps, "
        "every comment padded and truncated to 100 tokens, evaluation batch 256, one evaluation after the 5th "
        "epoch of each fold (`eval_strategy` no: the studio scores each fold once at its end), no checkpoints. "
        "What the studio changes: the training batch of 512 was one DataParallel batch spread over 4 GPUs (128 "
        "each); the recipe runs 128 per device with `gradient_accumulation_steps` 4, the same 512 rows per "
        "optimizer step on one device (on 4 GPUs set the accumulation to 1); the loop printed its mean loss once "
        "per epoch, here `logging_steps` 14 (one epoch of 6,932 rows at 512); the tutorial kept training one "
        "model through all five folds, here each fold starts fresh from the checkpoint, so no fold is scored on "
        "rows it trained on; `label_names` name the four classes",
        "no per-fold figures are printed; the author sums up an accuracy above 90%, and warns it may be overfitting.",
        "bundled MiniLM-L6 with `add_unknown_tokens` 1000 on `examples/data/weibo_shows_zh/微博评论_示例.xlsx` "
        "(320 comments of our own, 80 per class, columns `Label` / `Sentence`); the English vocabulary maps most "
        "Chinese characters to [UNK], so the twin adds the data's unknown characters to the tokenizer. A fold "
        "trains on 256 rows, fewer than one batch of 512, so `per_device_train_batch_size` 16 with "
        "`gradient_accumulation_steps` 1 (16 steps per epoch) and `logging_steps` 16 (once per epoch). Every comment "
        "here is at most 37 tokens, so `max_length` 40: padding to 100 would add only masked positions, which "
        "change no prediction but cost CPU time.",
    ),
    Recipe(
        "stsb_bert",
        "STS-B sentence similarity (regression) with bert-base-uncased",
        "Not one of the tutorials: GLUE's STS-B (`nyu-mll/glue`, config `stsb`), sentence pairs scored from 0 "
        "(unrelated) to 5 (the same meaning), learned as regression (one output, mean squared error, judged by "
        "Pearson's correlation and Spearman's), with the settings of transformers' GLUE example `run_glue.py`: "
        "bert-base-uncased, `sentence1` and `sentence2` tokenized together with truncation and padded per batch. "
        "GLUE's test split has no scores (every label is -1), so it is not loaded (`test_split` none).",
        "transformers' `run_glue.py` as its README runs GLUE (max_seq_length 128, batch 32, lr 2e-5, 3 epochs) with "
        "the Trainer defaults for the rest: evaluation batch 8, no weight decay, no warmup, linear decay, loss "
        "logged every 500 steps. What the studio adds: an evaluation and a checkpoint each epoch and the "
        "best-Pearson weights kept (`load_best_model_at_end`, `metric_for_best_model` pearson, `save_total_limit` "
        "1), where the example scores once at the end; `task` regression is said outright (auto finds it too: the "
        "scores are fractional)",
        "validation Pearson / Spearman after epochs 1, 2 and 3: 0.8806 / 0.8735, 0.8850 / 0.8820, 0.8875 / 0.8843, "
        "from the Hub card of a bert-base-uncased model trained with these settings (`JeremiahZ/bert-base-uncased-"
        "stsb`; not verified here).",
        "bundled MiniLM-L6 on `examples/data/sts_pairs_en` (700 / 150 / 150 sentence pairs of our own writing, "
        "scored 0 to 5 with one decimal as STS-B is; the score column is named `score`, so `label_column` score, "
        "and its test split has scores, so it is scored). Two more values change: `num_train_epochs` 25, because the "
        "GLUE run makes 540 optimizer steps (3 epochs of 5,749 pairs at 32) and 700 pairs make 22 an epoch, so 25 "
        "epochs (550 steps) give the model as many (after 3 epochs, 66 steps, it still predicts about the same "
        "number for every pair); and `logging_steps` 22, once per epoch, where 500 would log the loss once.",
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
