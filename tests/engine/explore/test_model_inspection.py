"""Looking inside a model: card, parameter counts, hidden states, attention, the padded batch."""

import json

import numpy as np
import pytest

from finetune.cli.commands import main as cli_main
from finetune.errors import DataError
from finetune.explore.model_inspection import (
    architecture_card,
    get_inspectable,
    look_inside,
    part_name,
    pipeline_stages,
)

LINES = ["What a lovely film, I enjoyed every minute of it.", "Dull."]


def test_parameter_counts_by_part_sum_to_num_parameters(bundled_checkpoint):
    card = architecture_card("bundled-minilm")
    model = get_inspectable("bundled-minilm").model
    assert card.total_parameters == model.num_parameters()
    assert sum(p.parameters for p in card.parts) == model.num_parameters()
    assert card.trainable_parameters == model.num_parameters(only_trainable=True)
    names = [p.name for p in card.parts]
    assert names == ["embeddings"] + [f"encoder layer {i}" for i in range(6)] + ["pooler", "classification head"]
    assert card.sizes == {
        "layers": 6,
        "hidden size": 384,
        "attention heads": 12,
        "intermediate size": 1536,
        "max positions": 512,
        "vocabulary size": 30522,
    }
    head = card.parts[-1]
    assert head.parameters == 384 * 2 + 2  # a 2-label linear layer on the pooled output


def test_part_names_cover_other_architectures():
    assert part_name("distilbert.transformer.layer.3.ffn.lin1.weight", "distilbert") == "transformer layer 3"
    assert part_name("roberta.embeddings.word_embeddings.weight", "roberta") == "embeddings"
    assert part_name("pre_classifier.weight", "distilbert") == "classification head"
    assert part_name("classifier.out_proj.bias", "roberta") == "classification head"


def test_card_says_where_the_head_comes_from(tiny_checkpoint, tiny_checkpoint_with_head, finished_tiny_run):
    base = architecture_card(str(tiny_checkpoint))
    assert not base.head_trained and "freshly initialised" in base.head_origin
    shipped = architecture_card(str(tiny_checkpoint_with_head))
    assert shipped.head_trained and shipped.num_labels == 3
    run = architecture_card(str(finished_tiny_run))
    assert run.head_trained and finished_tiny_run.name in run.head_origin
    assert json.loads(run.config_json)["architectures"] == ["BertForSequenceClassification"]
    assert run.module_tree.startswith("BertForSequenceClassification(") and "(classifier): Linear" in run.module_tree


def test_hidden_state_shapes_and_values_equal_automodel(bundled_checkpoint):
    import torch
    from transformers import AutoModel, AutoTokenizer

    report = look_inside("bundled-minilm", LINES)
    tokenizer = AutoTokenizer.from_pretrained(str(bundled_checkpoint))
    batch = tokenizer(LINES, padding=True, truncation=True, return_tensors="pt")
    with torch.inference_mode():
        reference = AutoModel.from_pretrained(str(bundled_checkpoint))(**batch, output_hidden_states=True)
    shapes = {s.name: s for s in report.shapes}
    assert shapes["last_hidden_state"].shape == list(reference.last_hidden_state.shape)
    assert shapes["last_hidden_state"].axes == ["batch", "sequence", "hidden"]
    assert shapes["pooler_output"].shape == list(reference.pooler_output.shape)
    assert shapes["hidden_states"].shape == [len(reference.hidden_states), *reference.hidden_states[0].shape]
    assert shapes["logits"].shape == [2, 2]
    expected_norms = np.stack([h[0].norm(dim=-1).numpy() for h in reference.hidden_states])
    np.testing.assert_allclose(report.hidden_norms, expected_norms, rtol=1e-4, atol=1e-4)
    assert report.input_ids == batch["input_ids"].tolist()


def test_attention_rows_sum_to_one_and_padding_gets_none(tiny_checkpoint):
    report = look_inside(str(tiny_checkpoint), ["the movie was great and the world was good", "bad"], row=1)
    mask = np.array(report.attention_mask[1])
    assert 0 in mask and 1 in mask  # the short row is padded
    attentions = report.attentions  # [layers, heads, query, key]
    assert attentions.shape[2:] == (len(mask), len(mask))
    np.testing.assert_allclose(attentions[..., mask == 1].sum(axis=-1), 1.0, atol=1e-5)
    assert np.all(attentions[..., mask == 0] == 0.0)
    assert report.hidden_norms.shape == (len(report.layer_names), len(mask))
    assert report.tokens[1][0] == "[CLS]" and report.tokens[1][-1] == "[PAD]"


def test_batch_probabilities_equal_the_pipelines(tiny_checkpoint_with_head):
    from transformers import pipeline

    report = look_inside(str(tiny_checkpoint_with_head), LINES)
    classifier = pipeline("text-classification", model=str(tiny_checkpoint_with_head), top_k=None, device="cpu")
    for i, scores in enumerate(classifier(LINES)):
        expected = {s["label"]: s["score"] for s in scores}
        got = {report.id2label[j]: p for j, p in enumerate(report.probabilities[i])}
        assert got.keys() == expected.keys()
        for label, score in expected.items():
            assert got[label] == pytest.approx(score, abs=1e-5)
        assert report.predictions[i] == max(expected, key=expected.get)


def test_pipeline_stages_follow_the_tutorial(tiny_checkpoint_with_head):
    report = look_inside(str(tiny_checkpoint_with_head), LINES)
    stages = pipeline_stages(report)
    titles = [s.title.split(" ")[0] for s in stages]
    assert titles == ["raw", "tokens", "input_ids", "attention_mask", "logits", "probabilities", "labels"]
    width = len(report.input_ids[0])
    assert [s.shape for s in stages] == [[2], [2, width], [2, width], [2, width], [2, 3], [2, 3], [2]]
    assert stages[-1].value == report.predictions


def test_pairs_and_bad_input(tiny_checkpoint):
    report = look_inside(str(tiny_checkpoint), ["hello world"], ["the movie"])
    assert report.token_type_ids is not None and 1 in report.token_type_ids[0]
    assert report.tokens[0].count("[SEP]") == 2
    with pytest.raises(DataError):
        look_inside(str(tiny_checkpoint), ["  "])
    with pytest.raises(DataError):
        look_inside(str(tiny_checkpoint), ["a", "b"], ["c", ""])


def test_cli_inspect_prints_the_card_and_shapes(tiny_checkpoint, capsys):
    assert cli_main(["inspect", "--checkpoint", str(tiny_checkpoint), "--text", "hello world", "--tree"]) == 0
    out = capsys.readouterr().out
    assert "encoder layer 1" in out and "last_hidden_state: [batch=1, sequence=4, hidden=32]" in out
    assert "BertForSequenceClassification(" in out
    assert cli_main(["inspect", "--checkpoint", str(tiny_checkpoint), "--text", "hello", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["card"]["total_parameters"] == sum(p["parameters"] for p in data["card"]["parts"])
    assert len(data["forward"]["hidden_norms"]) == 3


# -- task types -----------------------------------------------------------------------------------------
def test_a_multi_label_model_is_read_through_a_sigmoid_and_its_threshold(multi_label_run):
    from finetune.evaluation.multi_label import sigmoid
    from finetune.runs.run import Run

    threshold = Run(multi_label_run).metrics()["validation"]["threshold"]
    card = architecture_card(str(multi_label_run))
    assert card.task == "multi_label" and card.threshold == pytest.approx(threshold)
    report = look_inside(str(multi_label_run), ["refund my order", "login fails"])
    probabilities = sigmoid(np.asarray(report.logits))
    assert report.task == "multi_label"
    np.testing.assert_allclose(report.probabilities, probabilities)
    for row, shown in zip(probabilities, report.predictions):
        assert shown == ", ".join(report.id2label[j] for j in np.flatnonzero(row >= threshold))
    stages = pipeline_stages(report)
    assert "torch.sigmoid(outputs.logits)" in stages[-2].code and f">= {threshold:g}" in stages[-1].code
    assert "softmax" not in " ".join(stage.code for stage in stages)


def test_a_regression_model_has_no_activation_the_output_is_the_number(regression_run):
    report = look_inside(str(regression_run), ["A man plays."], ["A man is playing."])
    assert report.task == "regression" and report.probabilities == [[]]
    assert report.predictions == [f"{report.logits[0][0]:.4f}"]
    stages = pipeline_stages(report)
    assert stages[-1].code == "predictions = outputs.logits.squeeze(-1)" and "no softmax" in stages[-1].title
    assert next(s for s in report.shapes if s.name == "logits").shape == [1, 1]
    assert architecture_card(str(regression_run)).task == "regression"


def test_cli_inspect_prints_the_task_and_its_reading(multi_label_run, regression_run, capsys):
    assert cli_main(["inspect", "--checkpoint", str(regression_run), "--text", "A man plays."]) == 0
    out = capsys.readouterr().out
    assert "task: regression (one output, the number itself)" in out and "output: score" in out
    assert cli_main(["inspect", "--checkpoint", str(multi_label_run), "--text", "refund please"]) == 0
    out = capsys.readouterr().out
    assert "task: multi-label (a sigmoid per label; labels at or above" in out and "billing 0." in out
