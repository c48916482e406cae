"""Model tab handlers: card, forward pass views and the script export, without a browser."""

import pytest

gr = pytest.importorskip("gradio")

from ui import model_tab
from ui.common import Settings


def test_card_table_and_tree_for_a_checkpoint_folder(tmp_path, tiny_checkpoint):
    settings = Settings(runs_dir=tmp_path)
    card, parts, tree, config_json = model_tab.show_card(settings, str(tiny_checkpoint))
    assert "freshly initialised" in card and "| 2 | 32 | 2 | 64 | 128 |" in card
    assert parts["part"].tolist()[-1] == "total"
    assert parts["parameters"].iloc[-1] == parts["parameters"].iloc[:-1].sum()
    assert tree.startswith("BertForSequenceClassification(") and '"hidden_size": 32' in config_json


def test_run_model_shows_shapes_heatmaps_and_the_padded_batch(tmp_path, tiny_checkpoint):
    settings = Settings(runs_dir=tmp_path)
    shapes, norms, attention, layer, head, stages, report = model_tab.run_model(
        settings, str(tiny_checkpoint), "the movie was good\nbad", "", 2, 2, 1)
    assert "`last_hidden_state` | [2, 6, 32] | batch × sequence × hidden" in shapes
    assert norms.size[0] > 0 and attention.size[0] > 0 and report.row == 1
    assert "[PAD]" in stages and stages.index("input_ids") < stages.index("logits") < stages.index("probabilities")
    assert model_tab.attention_image(report, 9, 9) is not None  # out-of-range pickers are clamped
    with pytest.raises(gr.Error):
        model_tab.run_model(settings, str(tiny_checkpoint), "  ", "", 1, 1, 0)


def test_export_run_script_needs_a_run(tmp_path, finished_tiny_run):
    settings = Settings(runs_dir=finished_tiny_run.parent)
    script, path = model_tab.export_run_script(settings, finished_tiny_run.name)
    assert "trainer.train()" in script and open(path, encoding="utf-8").read() == script
    with pytest.raises(gr.Error):
        model_tab.export_run_script(settings, "bundled-minilm")
