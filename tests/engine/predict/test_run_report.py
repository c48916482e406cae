import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

from finetune.errors import DataError
from finetune.predict.run_report import evaluate_run, misclassified, run_report
from finetune.runs.run import Run


@pytest.fixture(scope="module")
def run_dir(finished_tiny_run):
    return finished_tiny_run


def test_report_equals_sklearn_on_saved_predictions(run_dir):
    report = run_report(run_dir)
    rows = Run(run_dir).predictions()
    y, p = [r["label"] for r in rows], [r["prediction"] for r in rows]
    assert report["metrics"]["accuracy"] == pytest.approx(accuracy_score(y, p))
    assert report["metrics"]["f1"] == pytest.approx(f1_score(y, p, zero_division=0))
    assert report["confusion_matrix"] == confusion_matrix(y, p, labels=[0, 1]).tolist()
    prec, rec, f1, sup = precision_recall_fscore_support(y, p, labels=[0, 1], zero_division=0)
    assert [r["support"] for r in report["per_class"]] == list(sup)
    assert [r["recall"] for r in report["per_class"]] == pytest.approx(list(rec))


def test_mistakes_are_wrong_and_most_confident_first(run_dir):
    mistakes = run_report(run_dir)["mistakes"]
    assert all(m["label"] != m["prediction"] for m in mistakes)
    confidences = [m["confidence"] for m in mistakes]
    assert confidences == sorted(confidences, reverse=True)
    assert misclassified([{"label": 0, "prediction": 0, "confidence": 0.9}]) == []


def test_evaluate_on_an_uploaded_labelled_file(run_dir, tmp_path):
    path = tmp_path / "extra.csv"
    path.write_text(
        "text,label\nThe hotel was a genuine pleasure.,positive\nThe hotel smelled musty.,negative\n"
        "The bakery is worth every cent.,positive\nThe app crashes every time.,negative\n"
    )
    report = evaluate_run(run_dir, dataset=str(path), split="train")
    assert report["num_examples"] == 4 and sum(r["support"] for r in report["per_class"]) == 4
    assert report["label_names"] == ["negative", "positive"]


def test_public_mode_guard_refuses_etc_passwd(tmp_path):
    from finetune.errors import PublicModeError
    from finetune.safety import check_public_path

    with pytest.raises(PublicModeError, match="public mode"):
        check_public_path("/etc/passwd", [tmp_path], what="dataset")
    check_public_path(str(tmp_path / "upload.csv"), [tmp_path], what="dataset")
    check_public_path("nyu-mll/glue", [tmp_path], what="dataset")


def test_partial_event_lines_wait_for_their_newline(tmp_path):
    from finetune.runs.events import EventWriter, read_events

    path = tmp_path / "events.jsonl"
    with EventWriter(path) as writer:
        writer.emit("log", message="one")
    with open(path, "a") as handle:
        handle.write('{"type": "log", "mess')
    events, offset = read_events(path)
    assert [e["message"] for e in events] == ["one"]
    with open(path, "a") as handle:
        handle.write('age": "two"}\n')
    more, _ = read_events(path, offset)
    assert [e["message"] for e in more] == ["two"]


# -- task types -----------------------------------------------------------------------------------------
def test_mistakes_per_task():
    from finetune.predict.run_report import mistakes

    sets = [
        {"labels": ["a"], "predicted": ["a"], "probabilities": {"a": 0.9, "b": 0.1}},
        {"labels": ["a"], "predicted": ["a", "b"], "probabilities": {"a": 0.9, "b": 0.6}},  # b: 0.1 past 0.5
        {"labels": ["a", "b"], "predicted": ["a"], "probabilities": {"a": 0.9, "b": 0.05}},  # b: 0.45 short
    ]
    assert [row["probabilities"]["b"] for row in mistakes(sets, "multi_label", 0.5)] == [0.05, 0.6]
    numbers = [{"label": 1.0, "prediction": p, "error": p - 1.0} for p in (1.5, 0.0, 1.1)]
    assert [row["error"] for row in mistakes(numbers, "regression")] == pytest.approx([-1.0, 0.5, 0.1])


def test_evaluating_a_multi_label_run_on_a_labelled_file(multi_label_run, tmp_path):
    """A file with some of the model's labels (as a JSON list, as the run's data): the true sets are read in the
    model's label order and decided at the run's threshold, or at one given."""
    import json

    rows = [
        {"text": "I was charged twice for one order", "labels": ["billing"]},
        {"text": "the parcel never arrived and I want a refund", "labels": ["shipping", "refund"]},
        {"text": "the app crashes when I log in", "labels": ["bug", "login"]},
    ]
    path = tmp_path / "more.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    report = evaluate_run(multi_label_run, dataset=str(path), split="train")
    names = Run(multi_label_run).metrics()["validation"]["label_names"]
    assert report["task"] == "multi_label" and report["label_names"] == names and report["num_examples"] == 3
    assert report["threshold"] == pytest.approx(Run(multi_label_run).metrics()["validation"]["threshold"])
    supports = {row["label"]: row["support"] for row in report["per_class"]}
    assert supports == {name: sum(name in row["labels"] for row in rows) for name in names}
    everything = evaluate_run(multi_label_run, dataset=str(path), split="train", threshold=0.0001)
    assert everything["metrics"]["recall_micro"] == 1.0 and everything["threshold"] == 0.0001
    path.write_text(json.dumps({"text": "x y", "labels": ["billing", "warranty"]}) + "\n" + path.read_text())
    with pytest.raises(DataError, match="warranty"):
        evaluate_run(multi_label_run, dataset=str(path), split="train")


def test_evaluating_a_regression_run_on_its_test_split(regression_run):
    report = evaluate_run(regression_run, split="test")
    assert report["task"] == "regression" and report["num_examples"] == 30 == len(report["mistakes"])
    errors = [abs(row["error"]) for row in report["mistakes"]]
    assert errors == sorted(errors, reverse=True)  # the largest errors first
    assert report["metrics"]["mae"] == pytest.approx(sum(errors) / len(errors))
    assert len(report["scatter"]["true"]) == 30
    assert set(run_report(regression_run, "test")["metrics"]) == set(report["metrics"])
