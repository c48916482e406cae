import numpy as np
from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score, matthews_corrcoef,
                             precision_recall_fscore_support, precision_score, recall_score)

from finetune.metrics import classification_metrics, confusion, full_report, per_class_report, softmax


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
