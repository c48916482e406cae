import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    matthews_corrcoef,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
)

from finetune.evaluation.metrics import classification_metrics, confusion, full_report, per_class_report, softmax


def test_binary_metrics_equal_sklearn():
    rng = np.random.default_rng(0)
    refs = rng.integers(0, 2, 200)
    preds = np.where(rng.random(200) < 0.8, refs, 1 - refs)
    m = classification_metrics(preds, refs, 2)
    assert m["accuracy"] == accuracy_score(refs, preds)
    assert m["f1"] == f1_score(refs, preds)
    assert m["precision"] == precision_score(refs, preds)
    assert m["recall"] == recall_score(refs, preds)
    assert m["matthews_correlation"] == matthews_corrcoef(refs, preds)


def test_multiclass_metrics_equal_sklearn():
    rng = np.random.default_rng(1)
    refs = rng.integers(0, 4, 300)
    preds = np.where(rng.random(300) < 0.6, refs, rng.integers(0, 4, 300))
    m = classification_metrics(preds, refs, 4)
    for avg in ("macro", "weighted"):
        assert abs(m[f"f1_{avg}"] - f1_score(refs, preds, average=avg)) < 1e-12
        assert abs(m[f"precision_{avg}"] - precision_score(refs, preds, average=avg)) < 1e-12
        assert abs(m[f"recall_{avg}"] - recall_score(refs, preds, average=avg)) < 1e-12
    assert m["f1"] == m["f1_macro"]
    rows = per_class_report(preds, refs, ["a", "b", "c", "d"])
    p, r, f, s = precision_recall_fscore_support(refs, preds, labels=[0, 1, 2, 3])
    for i, row in enumerate(rows):
        assert (row["precision"], row["recall"], row["f1"], row["support"]) == (p[i], r[i], f[i], s[i])
    assert confusion(preds, refs, 4) == confusion_matrix(refs, preds, labels=[0, 1, 2, 3]).tolist()


def test_softmax_rows_sum_to_one_and_report_uses_argmax():
    logits = np.array([[2.0, 1.0, -1.0], [0.0, 3.0, 0.5]])
    probs = softmax(logits)
    assert np.allclose(probs.sum(axis=1), 1.0)
    report = full_report(logits, [0, 2], ["x", "y", "z"])
    assert report["metrics"]["accuracy"] == 0.5
    assert report["confusion_matrix"][2][1] == 1


def test_single_class_predictions_are_reported_with_the_majority_baseline():
    refs = [1] * 11 + [0] * 5  # majority rate 0.6875, as "accuracy 0.686, recall 1.0"
    logits = np.tile([0.0, 1.0], (16, 1))
    report = full_report(logits, refs, ["neg", "pos"])
    assert report["metrics"]["recall"] == 1.0
    assert report["baseline"] == {"majority_label": "pos", "majority_rate": 0.6875}
    assert "predicts 'pos' for every one of the 16 validation rows" in report["warnings"][0]
    assert "0.688 for always predicting the majority class 'pos'" in report["warnings"][0]


def test_chance_level_mcc_warns_and_a_good_model_does_not():
    refs = [0, 1] * 8
    chance = np.array([[1.0, 0.0] if i % 4 < 2 else [0.0, 1.0] for i in range(16)])
    report = full_report(chance, refs, ["a", "b"], split="test")
    assert report["metrics"]["matthews_correlation"] == 0.0
    assert "Test Matthews correlation is 0.000 (about 0)" in report["warnings"][0]
    good = np.eye(2)[refs]
    assert full_report(good, refs, ["a", "b"])["warnings"] == []
