import numpy as np
import pytest
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


# -- multi-label and regression --------------------------------------------------------------------------
# Four rows, three labels. Predicted (at 0.5) against true, by hand:
#   row 0: {a, b} vs {a}      -> a TP, b FP
#   row 1: {b}    vs {b, c}   -> b TP, c FN
#   row 2: {}     vs {}       -> exact
#   row 3: {a, c} vs {a, c}   -> a TP, c TP (exact)
# TP 4, FP 1, FN 1: micro P = R = F1 = 0.8; per label F1: a 1.0, b 2/3, c 2/3 -> macro 7/9;
# subset accuracy 2/4; Hamming loss 2 wrong of 12 decisions.
ML_TRUE = np.array([[1, 0, 0], [0, 1, 1], [0, 0, 0], [1, 0, 1]], dtype=np.float32)
ML_PROBS = np.array([[0.9, 0.6, 0.1], [0.2, 0.7, 0.4], [0.1, 0.3, 0.2], [0.8, 0.1, 0.55]])


def _logits(probs):
    return np.log(probs / (1 - probs))


def test_multi_label_metrics_against_the_hand_computed_case_and_sklearn():
    from sklearn.metrics import accuracy_score, hamming_loss

    from finetune.evaluation.multi_label import decide, multi_label_report

    report = multi_label_report(_logits(ML_PROBS), ML_TRUE, ["a", "b", "c"], 0.5)
    m = report["metrics"]
    assert m["f1_micro"] == pytest.approx(0.8) and m["precision_micro"] == pytest.approx(0.8)
    assert m["recall_micro"] == pytest.approx(0.8) and m["f1_macro"] == pytest.approx(7 / 9)
    assert m["subset_accuracy"] == pytest.approx(0.5) and m["hamming_loss"] == pytest.approx(2 / 12)
    predicted = decide(ML_PROBS, 0.5)
    assert m["f1_micro"] == pytest.approx(f1_score(ML_TRUE, predicted, average="micro"))
    assert m["f1_macro"] == pytest.approx(f1_score(ML_TRUE, predicted, average="macro", zero_division=0))
    assert m["subset_accuracy"] == accuracy_score(ML_TRUE, predicted)
    assert m["hamming_loss"] == pytest.approx(hamming_loss(ML_TRUE, predicted))
    rows = {row["label"]: row for row in report["per_class"]}
    assert (rows["b"]["precision"], rows["b"]["recall"], rows["b"]["support"], rows["b"]["predicted"]) == (
        0.5,
        1.0,
        1,
        2,
    )
    assert rows["c"]["f1"] == pytest.approx(2 / 3) and report["threshold"] == 0.5 and report["task"] == "multi_label"
    assert report["warnings"] == []


def test_tune_threshold_picks_the_best_micro_f1_and_keeps_0_5_on_a_flat_curve():
    from finetune.evaluation.multi_label import decide, multi_label_metrics, tune_threshold

    threshold, score = tune_threshold(ML_PROBS, ML_TRUE)
    # 0.3 < t <= 0.4 decides c on row 1 too: every true label found, one false positive (b on row 0), F1 10/11;
    # the grid's 0.35 and 0.4 tie, and 0.4 is nearer 0.5
    assert score == pytest.approx(multi_label_metrics(decide(ML_PROBS, threshold), ML_TRUE)["f1_micro"])
    assert score == pytest.approx(2 * 5 / (2 * 5 + 1)) and threshold == 0.4
    flat = np.full((4, 3), 0.5)
    assert tune_threshold(flat, ML_TRUE)[0] == 0.5  # ties: the value nearest 0.5


def test_multi_label_warnings_when_nothing_or_the_same_set_is_predicted():
    from finetune.evaluation.multi_label import multi_label_report

    nothing = multi_label_report(np.full((4, 3), -5.0), ML_TRUE, ["a", "b", "c"], 0.5)
    assert "predicts no label for any of the 4 validation rows" in nothing["warnings"][0]
    same = multi_label_report(np.tile([5.0, -5.0, -5.0], (4, 1)), ML_TRUE, ["a", "b", "c"], 0.5, "test")
    assert "the same labels for every one of the 4 test rows" in same["warnings"][0]


def test_regression_metrics_equal_numpy_and_scipy():
    from scipy.stats import pearsonr, spearmanr

    from finetune.evaluation.regression import regression_metrics, regression_report

    rng = np.random.default_rng(4)
    true = rng.uniform(0, 5, 200)
    pred = true + rng.normal(0, 0.7, 200)
    pred[:10] = pred[10:20]  # ties for Spearman's ranks
    m = regression_metrics(pred, true)
    assert m["mse"] == pytest.approx(np.mean((pred - true) ** 2))
    assert m["rmse"] == pytest.approx(np.sqrt(np.mean((pred - true) ** 2)))
    assert m["mae"] == pytest.approx(np.mean(np.abs(pred - true)))
    assert m["pearson"] == pytest.approx(pearsonr(pred, true)[0])
    assert m["spearman"] == pytest.approx(spearmanr(pred, true)[0])
    report = regression_report(pred.reshape(-1, 1), true, ["score"])
    assert report["baseline"] == {"mean": pytest.approx(true.mean()), "rmse": pytest.approx(true.std())}
    assert report["warnings"] == [] and len(report["scatter"]["true"]) == 200
    assert regression_metrics([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])["pearson"] == 0.0  # undefined: reported 0


def test_regression_warnings():
    from finetune.evaluation.regression import regression_report

    true = np.array([0.0, 1.0, 2.0, 3.0])
    constant = regression_report(np.full((4, 1), 1.5), true, ["score"])
    assert "predicts 1.500 for every one of the 4 validation rows" in constant["warnings"][0]
    worse = regression_report(np.array([[3.0], [2.0], [1.0], [0.5]]), true, ["score"], "test")
    assert "Test RMSE" in worse["warnings"][0] and "always predicting the mean (1.500)" in worse["warnings"][0]
