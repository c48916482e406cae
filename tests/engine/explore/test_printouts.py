"""The tutorials' printouts: exact values for a small pair dataset whose first row is tutorial 000's pair."""

import pandas as pd
import pytest

from finetune.config.run_config import config_from_flat
from finetune.errors import DataError
from finetune.explore.printouts import data_printouts, metric_on_values, prediction_shapes

FIRST_PAIR = ("This is the first sentence.", "This is the second one.")
# bert-base-uncased's ids for that pair, as tutorial 000 prints them (bundled-minilm has the same vocabulary)
FIRST_PAIR_IDS = [101, 2023, 2003, 1996, 2034, 6251, 1012, 102, 2023, 2003, 1996, 2117, 2028, 1012, 102]


@pytest.fixture
def pairs_folder(tmp_path):
    """train.csv: the tutorial's pair, then pairs of k times "a" and "b" (k + 4 tokens); validation.csv: 4 rows."""
    rows = [(*FIRST_PAIR, 1)] + [(" ".join(["a"] * k), "b", k % 2) for k in (3, 6, 9, 12, 15, 18, 21, 2, 4)]
    frame = pd.DataFrame(rows, columns=["sentence1", "sentence2", "label"])
    frame.to_csv(tmp_path / "train.csv", index=False)
    frame.iloc[1:5].to_csv(tmp_path / "validation.csv", index=False)
    return tmp_path


def _config(folder, checkpoint="bundled-minilm", **flat):
    return config_from_flat(
        {"dataset": str(folder), "checkpoint": str(checkpoint), "label_names": "not_equivalent,equivalent", **flat}
    )


def test_data_printouts_are_what_the_tutorial_prints(pairs_folder):
    shown = data_printouts(_config(pairs_folder))
    assert shown.example == (
        '>>> raw_datasets["train"][0]\n'
        "{'sentence1': 'This is the first sentence.', 'sentence2': 'This is the second one.', 'label': 1}"
    )
    assert shown.dataset_dict.startswith(">>> raw_datasets\nDatasetDict({\n    train: Dataset({\n")
    assert "features: ['sentence1', 'sentence2', 'label'],\n        num_rows: 10\n" in shown.dataset_dict
    assert "features: ['text', 'text_pair', 'label'],\n        num_rows: 4\n" in shown.dataset_dict
    assert ">>> raw_datasets[\"train\"].features\n{'sentence1': Value(" in shown.dataset_dict
    assert "'label': ClassLabel(names=['not_equivalent', 'equivalent'])}" in shown.dataset_dict
    assert shown.tokenized == (
        '>>> row = dataset["train"][0]\n'
        '>>> tokenizer(row["text"], row["text_pair"], truncation=True, max_length=128)\n'
        f"{{'input_ids': {FIRST_PAIR_IDS}, 'token_type_ids': {[0] * 8 + [1] * 7}, 'attention_mask': {[1] * 15}}}"
    )
    # the first 8 rows: 15 tokens, then 3 + 4 ... 21 + 4: padded to the longest, 25
    assert shown.batch_shapes.endswith(
        "{'input_ids': torch.Size([8, 25]), 'token_type_ids': torch.Size([8, 25]), "
        "'attention_mask': torch.Size([8, 25]), 'labels': torch.Size([8])}"
    )


def test_the_batch_follows_max_length_and_padding(pairs_folder):
    truncated = data_printouts(_config(pairs_folder, max_length=20))
    assert "'input_ids': torch.Size([8, 20])" in truncated.batch_shapes
    padded = data_printouts(_config(pairs_folder, max_length=40, padding="max_length"))
    assert "padding='max_length'" in padded.tokenized
    assert "'input_ids': torch.Size([8, 40])" in padded.batch_shapes


def test_prediction_shapes_on_the_validation_rows(pairs_folder, tiny_checkpoint):
    shown = prediction_shapes(_config(pairs_folder, checkpoint=tiny_checkpoint))
    assert shown.splitlines()[0].endswith('trainer.predict(tokenized_datasets["validation"].select(range(4)))')
    assert shown.splitlines()[-1] == "(4, 2) (4,)"


def test_a_metric_on_typed_values():
    assert metric_on_values("accuracy", "0, 0, 1, 1", "0,1,1,1").endswith(
        ">>> metric.compute(predictions=[0, 0, 1, 1], references=[0, 1, 1, 1])\n{'accuracy': 0.75}"
    )
    assert metric_on_values("f1", "0 2 1 1", "0 1 2 1").endswith("average='macro')\n{'f1': 0.5}")
    with pytest.raises(DataError, match="as many predictions as references"):
        metric_on_values("accuracy", "0, 1", "0")
    with pytest.raises(DataError, match="found 'x'"):
        metric_on_values("accuracy", "0, x", "0, 1")


# -- task types -----------------------------------------------------------------------------------------
def test_printouts_of_multi_label_and_regression_data(tiny_checkpoint):
    tickets = data_printouts(
        config_from_flat({"dataset": "examples/data/support_tickets_en", "checkpoint": str(tiny_checkpoint)})
    )
    assert "'label': List(Value('float32'), length=6)" in tickets.dataset_dict
    assert (
        ">>> id2label  # the label of each position of a multi-hot row\n{0: 'billing', 1: 'bug',"
        in tickets.dataset_dict
    )
    assert "'labels': torch.Size([8, 6])" in tickets.batch_shapes  # one float per label
    scores = data_printouts(
        config_from_flat({"dataset": "examples/data/sts_pairs_en", "checkpoint": str(tiny_checkpoint)})
    )
    assert '>>> dataset["train"]["label"][:5]  # the numbers to predict\n[' in scores.dataset_dict
    assert "'labels': torch.Size([8])" in scores.batch_shapes


def test_prediction_shapes_per_task(tiny_checkpoint):
    shown = prediction_shapes(
        config_from_flat({"dataset": "examples/data/sts_pairs_en", "checkpoint": str(tiny_checkpoint)}), rows=4
    )
    assert shown.splitlines()[-1] == "(4, 1) (4,)"
    shown = prediction_shapes(
        config_from_flat({"dataset": "examples/data/support_tickets_en", "checkpoint": str(tiny_checkpoint)}), rows=4
    )
    assert shown.splitlines()[-1] == "(4, 6) (4, 6)"


def _computed(shown: str) -> dict:
    """The dict a metric printout ends with."""
    import ast

    return ast.literal_eval(shown.splitlines()[-1])


def test_multi_label_and_regression_metrics_on_typed_values():
    import numpy as np
    from scipy.stats import pearsonr, spearmanr
    from sklearn.metrics import f1_score, hamming_loss

    preds, refs = "1 0 1; 0 1 0; 1 1 0", "1 0 0; 0 1 1; 1 1 0"
    y_pred = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0]])
    y_true = np.array([[1, 0, 0], [0, 1, 1], [1, 1, 0]])
    shown = metric_on_values("f1_micro", preds, refs)
    assert shown.startswith(">>> predictions, references = [[1, 0, 1], [0, 1, 0], [1, 1, 0]], [[1, 0, 0],")
    assert 'f1_score(references, predictions, average="micro", zero_division=0)' in shown
    # by hand: 4 true positives, 1 false positive, 1 false negative: 8 / 10
    assert (
        _computed(shown) == {"f1_micro": pytest.approx(0.8)} == {"f1_micro": f1_score(y_true, y_pred, average="micro")}
    )
    assert _computed(metric_on_values("hamming_loss", preds, refs))["hamming_loss"] == pytest.approx(2 / 9)
    assert hamming_loss(y_true, y_pred) == pytest.approx(2 / 9)
    assert _computed(metric_on_values("subset_accuracy", preds, refs))["subset_accuracy"] == pytest.approx(1 / 3)
    numbers = ([0.5, 2.0, 3.5, 4.0], [1.0, 2.0, 3.0, 5.0])
    typed = [", ".join(str(v) for v in values) for values in numbers]
    assert _computed(metric_on_values("pearson", *typed))["pearson"] == pytest.approx(pearsonr(*numbers)[0])
    assert _computed(metric_on_values("spearman", *typed))["spearman"] == pytest.approx(spearmanr(*numbers)[0])
    rmse = float(np.sqrt(np.mean((np.array(numbers[0]) - numbers[1]) ** 2)))
    assert _computed(metric_on_values("rmse", *typed))["rmse"] == pytest.approx(rmse)
    with pytest.raises(DataError, match="every row as long"):
        metric_on_values("f1_micro", "1 0; 1", "1 0; 0 1")
    with pytest.raises(DataError, match="found '2.5x'"):
        metric_on_values("mae", "1, 2.5x", "1, 2")
    with pytest.raises(DataError, match="needs them to vary"):
        metric_on_values("pearson", "1, 1, 1", "1, 2, 3")
    with pytest.raises(DataError, match="f1_micro"):
        metric_on_values("auc", "1", "1")
