"""k-fold cross-validation (finetune/crossval.py) on the tiny model."""

import hashlib
import json
import time

import numpy as np
import pytest

from finetune.errors import DataError
from finetune.runs.run import Run
from finetune.train.cross_validation import format_summary, make_folds
from tests.helpers import tiny_config

TOPICS = "examples/data/weibo_topics_zh/weibo_topics.xlsx"


def test_folds_are_disjoint_complete_and_stratified():
    labels = [0] * 40 + [1] * 25 + [2] * 15
    folds = make_folds(labels, ["a", "b", "c"], 5, seed=7)
    assert len(folds) == 5
    seen = np.concatenate([val for _, val in folds])
    assert sorted(seen.tolist()) == list(range(len(labels)))
    for train, val in folds:
        assert not set(train) & set(val)
        counts = np.bincount(np.asarray(labels)[val], minlength=3)
        assert counts.tolist() == [8, 5, 3]


def test_a_class_with_fewer_rows_than_folds_is_a_clear_error():
    with pytest.raises(DataError, match=r"fewer in rare \(3\).*Lower cv_folds to 3"):
        make_folds([0] * 20 + [1] * 3, ["common", "rare"], 5, seed=1)
    # a class of one row: no number of folds fits, so lowering cv_folds (to the 2 it already is) is no advice
    with pytest.raises(DataError) as info:
        make_folds([0] * 20 + [1], ["common", "single"], 2, seed=1)
    message = str(info.value)
    assert "fewer in single (1)" in message and "Lower cv_folds" not in message
    assert "Add rows to single (cross-validation needs at least 2 per class), or set cv_folds to 0" in message


def _layer_hash(model) -> str:
    weight = model.base_model.encoder.layer[0].attention.self.query.weight
    return hashlib.sha256(weight.detach().cpu().numpy().tobytes()).hexdigest()


def test_each_fold_starts_from_the_checkpoint_and_pooled_report_matches_sklearn(
    tiny_checkpoint, runs_dir, tmp_path, monkeypatch
):
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
    from transformers import AutoModel

    import finetune.train.training as training
    from finetune.train.cross_validation import run_cross_validation

    starts, real_load = [], training.load_model

    def recording_load(*args, **kwargs):
        model = real_load(*args, **kwargs)
        starts.append(_layer_hash(model))
        return model

    monkeypatch.setattr(training, "load_model", recording_load)
    monkeypatch.setattr("finetune.data.eval_cap.EVAL_CAP_ROWS", 50)  # folds are exempt: every held-out row is scored
    config = tiny_config(tiny_checkpoint, runs_dir, dataset=TOPICS, cv_folds=3, num_train_epochs=2)
    run_dir = Run.create(tmp_path, config, "cv").path
    status = run_cross_validation(config, run_dir)
    assert status["status"] == "finished", status

    checkpoint_hash = _layer_hash(AutoModel.from_pretrained(str(tiny_checkpoint)))
    assert starts == [checkpoint_hash] * 4  # 3 folds, then the final model (on by default), each from the checkpoint
    trained = AutoModel.from_pretrained(str(run_dir / "folds" / "fold-1" / "model"))
    assert _layer_hash(trained) != checkpoint_hash  # a fold's training changes the weights it started from

    oof = Run(run_dir).predictions()
    assert len(oof) == 400 and {row["fold"] for row in oof} == {1, 2, 3}
    summary = Run(run_dir).metrics()["cross_validation"]
    names = summary["pooled"]["label_names"]
    refs, preds = [r["label"] for r in oof], [r["prediction"] for r in oof]
    p, r, f, support = precision_recall_fscore_support(refs, preds, labels=list(range(len(names))), zero_division=0)
    for i, row in enumerate(summary["pooled"]["per_class"]):
        assert row["label"] == names[i]
        assert row["precision"] == pytest.approx(p[i]) and row["recall"] == pytest.approx(r[i])
        assert row["f1"] == pytest.approx(f[i]) and row["support"] == support[i]
    assert summary["pooled"]["confusion_matrix"] == confusion_matrix(refs, preds).tolist()
    accuracies = summary["metrics"]["accuracy"]["per_fold"]
    assert summary["metrics"]["accuracy"]["mean"] == pytest.approx(np.mean(accuracies))
    assert summary["metrics"]["accuracy"]["std"] == pytest.approx(np.std(accuracies, ddof=1))  # sample std
    assert summary["std"] == "sample (ddof=1)"
    assert len(summary["per_class"]["per_fold"]) == 3

    events = [json.loads(line) for line in (run_dir / "events.jsonl").read_text().splitlines()]
    assert any(e["type"] == "log" and e["message"].startswith("fold 2/3") for e in events)
    # the folds' progress, then the final model's (on by default)
    assert {e.get("fold") for e in events if e["type"] == "progress"} == {1, 2, 3, "final"}
    assert {e.get("fold") for e in events if e["type"] == "eval_progress"} == {1, 2, 3, "final"}
    assert not any(e.get("evaluation_cap") for e in events if e.get("fold") != "final")  # folds are exempt
    assert events[-1]["type"] == "finished" and "cross_validation" in events[-1]
    assert "± " in format_summary(summary)


def test_stop_ends_the_current_fold_and_skips_the_rest(tiny_checkpoint, runs_dir, tmp_path, monkeypatch):
    import finetune.train.training as training
    from finetune.train.cross_validation import run_cross_validation

    real_run = training.run_training

    def cancel_during_fold_two(config, child, **kwargs):
        if child.id == "fold-2":
            parent.request_cancel()
            deadline = time.monotonic() + 20
            while not child.cancel_path.exists() and time.monotonic() < deadline:
                time.sleep(0.1)  # the relay passes the parent's CANCEL on to the fold
        return real_run(config, child, **kwargs)

    monkeypatch.setattr(training, "run_training", cancel_during_fold_two)
    config = tiny_config(tiny_checkpoint, runs_dir, dataset="examples/data/paraphrase_en", cv_folds=3)
    parent = Run.create(tmp_path, config, "cv")
    run_dir = parent.path
    status = run_cross_validation(config, run_dir)
    assert status["status"] == "cancelled" and Run(run_dir).status()["status"] == "cancelled"
    assert Run(run_dir / "folds" / "fold-2").status()["status"] == "cancelled"
    assert not (run_dir / "folds" / "fold-3").exists()
    summary = Run(run_dir).metrics()["cross_validation"]
    assert summary["folds_done"] == 1 and summary["folds_planned"] == 3
    assert {row["fold"] for row in Run(run_dir).predictions()} == {1}
    assert all("text_pair" in row for row in Run(run_dir).predictions())  # pairs work

    from finetune.cli.commands import main

    monkeypatch.undo()
    kept = (run_dir / "folds" / "fold-1" / "metrics.json").read_bytes()
    assert main(["train", "--run-dir", str(run_dir), "--resume", "--quiet"]) == 0  # resumes its unfinished folds
    assert Run(run_dir).state == "finished"
    summary = Run(run_dir).metrics()["cross_validation"]
    assert summary["folds_done"] == 3 and {row["fold"] for row in Run(run_dir).predictions()} == {1, 2, 3}
    assert (run_dir / "folds" / "fold-1" / "metrics.json").read_bytes() == kept  # the finished fold was kept


def test_cli_cross_validation_with_a_final_model(tiny_checkpoint, runs_dir):
    import subprocess
    import sys

    from tests.helpers import PROJECT_ROOT, cli_env

    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "finetune",
            "train",
            "--checkpoint",
            str(tiny_checkpoint),
            "--dataset",
            "examples/data/sentiment_en",
            "--runs_dir",
            str(runs_dir),
            "--cv_folds",
            "2",
            "--cv_final_model",
            "--num_train_epochs",
            "1",
            "--max_length",
            "32",
            "--run_name",
            "cv",
        ],
        cwd=PROJECT_ROOT,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "| accuracy |" in out.stdout and "fold 2/2" in out.stdout
    assert (runs_dir / "cv" / "model" / "config.json").exists()
    assert "final model" in Run(runs_dir / "cv").metrics()["cross_validation"]["final_model"]


def test_a_k_fold_run_leaves_a_final_model_by_default_that_everything_lists(tiny_checkpoint, runs_dir):
    """The tutorial's reader saves a model after the folds: by default a k-fold run trains one on all the rows, in
    its own model/, and Predict (the engine's predictor), the model lists and the run log name it."""
    from finetune.predict.predictor import Predictor
    from finetune.runs.run import runs_with_model
    from finetune.train.cross_validation import run_cross_validation

    config = tiny_config(tiny_checkpoint, runs_dir, dataset=TOPICS, cv_folds=2, max_length=32)
    assert config.train.cv_final_model is True
    run = Run.create(runs_dir, config, "kfold")
    assert run_cross_validation(config, run)["status"] == "finished"
    assert run.has_model and [r.run_id for r in runs_with_model(runs_dir)] == ["kfold"]
    messages = [json.loads(line).get("message", "") for line in run.events_path.read_text().splitlines()]
    assert any(m.startswith("final model: training on all 400 rows") for m in messages)
    assert "saved as this run's model" in run.metrics()["cross_validation"]["final_model"]
    predictor = Predictor(str(run.path))
    assert predictor.path == str(run.model_dir) and predictor.head_trained
    assert len(predictor.predict(["今天很开心"])[0].probabilities) == 4


def test_a_k_fold_run_without_final_model_says_which_fold_to_use(tiny_checkpoint, runs_dir):
    """cv_final_model off: Predict and `predict --model RUN` name the best fold's folder and how to get the final
    model; that folder predicts."""
    import subprocess
    import sys

    from finetune.errors import CheckpointError
    from finetune.predict.predictor import Predictor
    from finetune.runs.run import runs_with_model
    from finetune.train.cross_validation import run_cross_validation
    from tests.helpers import PROJECT_ROOT, cli_env

    config = tiny_config(tiny_checkpoint, runs_dir, dataset=TOPICS, cv_folds=2, cv_final_model=False, max_length=32)
    run = Run.create(runs_dir, config, "kfold")
    assert run_cross_validation(config, run)["status"] == "finished"
    assert not run.has_model and runs_with_model(runs_dir) == []
    accuracies = run.metrics()["cross_validation"]["metrics"]["accuracy"]["per_fold"]
    best = int(np.argmax(accuracies)) + 1
    with pytest.raises(CheckpointError) as info:
        Predictor(str(run.path))
    text = str(info.value)
    assert "without a final model" in text and f"fold {best}" in text and str(run.fold(best).path) in text
    assert "--cv_final_model true" in text and "Wait for the run" not in text
    assert Predictor(str(run.fold(best).path)).predict(["今天很开心"])[0].label
    out = subprocess.run(
        [sys.executable, "-m", "finetune", "predict", "--model", str(run.path), "--text", "今天很开心"],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert out.returncode == 2 and str(run.fold(best).path) in out.stdout + out.stderr


def test_the_summary_uses_the_sample_std_and_says_so():
    from finetune.train.cross_validation import format_summary, sample_std, summarize_folds

    reports = [
        {"metrics": {"accuracy": a}, "per_class": [{"precision": a, "recall": a, "f1": a}]} for a in (0.3, 0.36, 0.42)
    ]
    summary = summarize_folds(reports, [], ["only"], 3)
    assert summary["metrics"]["accuracy"]["std"] == pytest.approx(0.06)  # ddof=1; the population std is 0.049
    assert sample_std([0.5]) == 0.0
    assert "0.3600 ± 0.0600" in format_summary(summary) and "sample std" in format_summary(summary)


# -- task types -----------------------------------------------------------------------------------------
def test_multi_label_folds_are_iteratively_stratified_with_equal_shares():
    """Each label's rows spread over the folds within one row of an equal share; every row validated once."""
    rng = np.random.default_rng(3)
    matrix = (rng.random((60, 4)) < [0.5, 0.3, 0.1, 0.05]).astype(np.float32)
    folds = make_folds(matrix, ["a", "b", "c", "d"], 3, seed=5, task="multi_label")
    seen = np.concatenate([val for _, val in folds])
    assert sorted(seen.tolist()) == list(range(60))
    for train, val in folds:
        assert not set(train) & set(val) and len(train) + len(val) == 60
        share = matrix.sum(axis=0) / 3
        assert np.all(np.abs(matrix[val].sum(axis=0) - share) <= 1)
    assert [len(v) for _, v in folds] == [20, 20, 20]


def test_regression_folds_are_a_shuffled_kfold_and_too_few_rows_are_refused():
    from sklearn.model_selection import KFold

    targets = np.linspace(0, 5, 20)
    folds = make_folds(targets, ["score"], 4, seed=9, task="regression")
    expected = list(KFold(n_splits=4, shuffle=True, random_state=9).split(np.zeros(20)))
    assert all((a == c).all() and (b == d).all() for (a, b), (c, d) in zip(folds, expected))
    with pytest.raises(DataError, match="at least 10 for 5 folds"):
        make_folds(targets[:9], ["score"], 5, seed=1, task="regression")
    with pytest.raises(DataError, match="at least 6 for 3 folds"):
        make_folds(np.eye(3)[[0, 1, 2, 0, 1]], ["a", "b", "c"], 3, seed=1, task="multi_label")


def test_summaries_of_multi_label_and_regression_folds():
    from finetune.train.cross_validation import pooled_report, summarize_folds

    reports = [
        {
            "metrics": {"f1_micro": f, "hamming_loss": h},
            "threshold": t,
            "per_class": [{"precision": f, "recall": f, "f1": f}] * 2,
        }
        for f, h, t in ((0.5, 0.3, 0.4), (0.7, 0.1, 0.6))
    ]
    rows = [
        {"labels": ["a"], "predicted": ["a"], "fold": 1},
        {"labels": ["a", "b"], "predicted": ["a"], "fold": 1},
        {"labels": [], "predicted": ["b"], "fold": 2},
        {"labels": ["b"], "predicted": ["b"], "fold": 2},
    ]
    summary = summarize_folds(reports, rows, ["a", "b"], 2, task="multi_label", method="2-fold, by label")
    assert summary["metrics"]["f1_micro"]["mean"] == pytest.approx(0.6)
    assert summary["metrics"]["f1_micro"]["std"] == pytest.approx(np.std([0.5, 0.7], ddof=1))
    assert summary["thresholds"] == [0.4, 0.6]
    pooled = summary["pooled"]
    # by hand: true positives a, a, b (3), false positive b on row 3 (1), false negative b on row 2 (1)
    assert pooled["metrics"]["f1_micro"] == pytest.approx(2 * 3 / (2 * 3 + 1 + 1))
    assert pooled["metrics"]["subset_accuracy"] == pytest.approx(0.5)
    assert pooled["metrics"]["hamming_loss"] == pytest.approx(2 / 8)
    assert [r["support"] for r in pooled["per_class"]] == [2, 2]
    text = format_summary(summary)
    assert (
        "2-fold, by label" in text
        and "| a | 0.600 ± 0.141" in text
        and "Pooled out-of-fold predictions: f1_micro" in text
    )

    regression_rows = [{"label": v, "prediction": v + e} for v, e in zip([0.0, 1.0, 2.0, 4.0], [0.5, -0.5, 0.0, 1.0])]
    pooled = pooled_report(regression_rows, ["score"], "regression")
    assert pooled["metrics"]["mae"] == pytest.approx(0.5) and pooled["metrics"]["mse"] == pytest.approx(1.5 / 4)
    assert pooled["scatter"] == {"true": [0.0, 1.0, 2.0, 4.0], "predicted": [0.5, 0.5, 2.0, 5.0]}
    summary = summarize_folds([{"metrics": {"pearson": 0.5}}], regression_rows, ["score"], 1, task="regression")
    text = format_summary(summary)
    assert (
        summary["per_class"]["mean"] == []
        and "| class |" not in text
        and "Pooled out-of-fold predictions: pearson" in text
    )


def test_a_multi_label_k_fold_run_with_tuned_thresholds_and_a_final_model(tiny_checkpoint, runs_dir):
    """Delimited Chinese tags, 2 folds of 40 rows: each fold is a multi-label run on the parent's labels, the pooled
    report is the out-of-fold label sets', and the final model (no validation split of its own) takes the folds'
    mean tuned threshold rather than tuning on its own training rows."""
    from finetune.evaluation.multi_label import multi_label_metrics
    from finetune.predict.predictor import Predictor
    from finetune.train.cross_validation import run_cross_validation

    config = tiny_config(
        tiny_checkpoint,
        runs_dir,
        dataset="examples/data/weibo_tags_zh/comments.csv",
        label_delimiter="|",
        cv_folds=2,
        max_train_samples=40,
        max_length=32,
        tune_threshold=True,
    )
    run = Run.create(runs_dir, config, "tags")
    assert run_cross_validation(config, run)["status"] == "finished"
    names = run.data_report()["label_names"]
    for i in (1, 2):
        fold = run.fold(i)
        assert fold.config().data.task == "multi_label" and fold.data_report()["label_names"] == names
        assert fold.metrics()["validation"]["task"] == "multi_label"
    oof = run.predictions()
    assert len(oof) == 40 and {row["fold"] for row in oof} == {1, 2}
    summary = run.metrics()["cross_validation"]
    assert summary["task"] == "multi_label" and "iteratively stratified by label with equal shares" in summary["method"]
    true = np.array([[name in row["labels"] for name in names] for row in oof])
    pred = np.array([[name in row["predicted"] for name in names] for row in oof])
    assert summary["pooled"]["metrics"] == pytest.approx(multi_label_metrics(pred, true))
    assert run.metrics()["validation"] == summary["pooled"]
    assert len(summary["per_class"]["mean"]) == len(names) and len(summary["thresholds"]) == 2
    mean_threshold = round(float(np.mean(summary["thresholds"])), 2)
    assert "mean of the folds' tuned thresholds" in summary["final_model"]
    model_config = json.loads((run.model_dir / "config.json").read_text())
    assert model_config["decision_threshold"] == pytest.approx(mean_threshold)
    assert Predictor(str(run.path)).task == "multi_label"
    started = next(json.loads(line) for line in run.events_path.read_text().splitlines() if '"started"' in line)
    assert started["task"] == "multi_label" and started["metric"] == "f1_micro"
    assert "iteratively stratified" in started["validation_source"]
    text = format_summary(summary)
    assert all(f"| {name} |" in text for name in names) and "f1_micro" in text


def test_a_regression_k_fold_run_pools_its_numbers(tiny_checkpoint, runs_dir):
    from scipy.stats import pearsonr

    from finetune.train.cross_validation import run_cross_validation

    config = tiny_config(
        tiny_checkpoint,
        runs_dir,
        dataset="examples/data/sts_pairs_en",
        cv_folds=2,
        cv_final_model=False,
        max_train_samples=30,
        max_length=48,
        precision="fp32",  # bf16 outputs of an untrained head can round to one value, leaving no correlation
    )
    run = Run.create(runs_dir, config, "sts")
    assert run_cross_validation(config, run)["status"] == "finished"
    oof = run.predictions()
    assert len(oof) == 30 and all("text_pair" in row and "error" in row for row in oof)
    summary = run.metrics()["cross_validation"]
    assert summary["task"] == "regression" and "KFold" in summary["method"]
    assert set(summary["metrics"]) >= {"pearson", "spearman", "mse", "rmse", "mae"}
    pooled = summary["pooled"]
    truth, predicted = [r["label"] for r in oof], [r["prediction"] for r in oof]
    assert pooled["metrics"]["pearson"] == pytest.approx(pearsonr(predicted, truth)[0], abs=1e-6)
    assert len(pooled["scatter"]["true"]) == 30 and summary["per_class"]["mean"] == []
    assert run.fold(1).config().data.task == "regression"
    assert not run.has_model
    assert run.best_fold()[1] == "pearson"
    assert "| class |" not in format_summary(summary)
