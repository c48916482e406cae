"""Model tab handlers: card, forward pass views and the script export, without a browser."""

import os

import pytest

from finetune.errors import DataError, RunError
from ui.downloads import export_run_script
from ui.settings import Settings
from ui.tabs import inspect_model as model_tab


def test_card_table_and_tree_for_a_checkpoint_folder(tmp_path, tiny_checkpoint):
    settings = Settings(runs_dir=tmp_path)
    out = model_tab.show_card(settings, {"model.source": str(tiny_checkpoint)})
    card, parts, tree, config_json = (out[k] for k in model_tab.CARD_OUTPUTS)
    parts = parts.constructor_args["value"]
    assert "freshly initialised" in card and "| 2 | 32 | 2 | 64 | 128 |" in card
    assert parts["part"].tolist()[-1] == "total"
    assert parts["parameters"].iloc[-1] == parts["parameters"].iloc[:-1].sum()
    assert tree.startswith("BertForSequenceClassification(") and '"hidden_size": 32' in config_json


def test_run_model_shows_shapes_heatmaps_and_the_padded_batch(tmp_path, tiny_checkpoint):
    settings = Settings(runs_dir=tmp_path)
    values = {
        "model.source": str(tiny_checkpoint),
        "model.lines": "the movie was good\nbad",
        "model.pairs": "",
        "model.row": 2,
        "model.layer": 2,
        "model.head": 1,
    }
    out = model_tab.run_model(settings, values)
    shapes, norms, attention, layer, head, stages, report = (out[k] for k in model_tab.RUN_OUTPUTS)
    norms, attention = norms.constructor_args["value"], attention.constructor_args["value"]
    assert "`last_hidden_state` | [2, 6, 32] | batch × sequence × hidden" in shapes
    assert norms.size[0] > 0 and attention.size[0] > 0 and report.row == 1
    assert "[PAD]" in stages and stages.index("input_ids") < stages.index("logits") < stages.index("probabilities")
    assert model_tab.attention_image(report, 9, 9) is not None  # out-of-range pickers are clamped
    with pytest.raises(DataError):
        model_tab.run_model(settings, {**values, "model.lines": "  "})


def test_export_run_script_needs_a_run(tmp_path, finished_tiny_run):
    settings = Settings(runs_dir=finished_tiny_run.parent)
    script, path = export_run_script(settings, finished_tiny_run.name, None)
    assert "trainer.train()" in script and open(path, encoding="utf-8").read() == script
    with pytest.raises(RunError):
        export_run_script(settings, "bundled-minilm", None)


@pytest.mark.parametrize(
    ("style", "file_name", "piece"),
    [
        ("trainer", "train.py", "trainer.train()"),
        ("loop", "train_loop.py", "scaler.scale(loss).backward()"),
        ("accelerate", "train_accelerate.py", "accelerator.backward(loss)"),
    ],
)
def test_the_exported_script_and_its_file_follow_the_style(finished_tiny_run, style, file_name, piece):
    settings = Settings(runs_dir=finished_tiny_run.parent)
    script, path = export_run_script(settings, finished_tiny_run.name, None, style)
    assert piece in script and os.path.basename(path) == file_name
    assert open(path, encoding="utf-8").read() == script
