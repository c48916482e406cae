import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

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
