"""Label issues by confident learning: a case computed by hand, and a run's out-of-fold predictions."""

from __future__ import annotations

import numpy as np
import pytest

from finetune.errors import RunError
from finetune.evaluation.label_issues import (
    LabelIssue,
    class_thresholds,
    confident_joint,
    find_label_issues,
    run_label_issues,
)
from finetune.runs.run import Run

# Six rows, three classes; row 2 is labelled 0 but looks like class 1.
PROBS = np.array(
    [
        [0.90, 0.05, 0.05],
        [0.70, 0.20, 0.10],
        [0.05, 0.85, 0.10],
        [0.20, 0.70, 0.10],
        [0.10, 0.90, 0.00],
        [0.10, 0.10, 0.80],
    ]
)
LABELS = [0, 0, 0, 1, 1, 2]


def test_the_hand_computed_case():
    """By hand: thresholds t = (mean p0 of rows 0-2, mean p1 of rows 3-4, p2 of row 5) = (0.55, 0.8, 0.8).

    Rows 0 and 1 reach t0 only -> C[0][0] = 2; row 2 reaches t1 only -> C[0][1] = 1; row 3 (p1 0.7 < 0.8)
    reaches none and is not counted; row 4 -> C[1][1] = 1; row 5 -> C[2][2] = 1. Calibration scales row 1
    of C (sum 1) to the 2 rows labelled 1. Pruning: round(C[0][1]) = 1 row labelled 0 with the largest
    p1 - p0, which is row 2 (0.8, against -0.85 and -0.5): one issue, suggested label 1.
    """
    np.testing.assert_allclose(class_thresholds(PROBS, np.array(LABELS)), [0.55, 0.8, 0.8])
    np.testing.assert_allclose(confident_joint(PROBS, np.array(LABELS)), [[2, 1, 0], [0, 2, 0], [0, 0, 1]])
    assert find_label_issues(PROBS, LABELS) == [LabelIssue(2, 0, 1, 0.05, 0.85)]


def test_clean_labels_give_no_issue_and_issues_are_ranked_by_the_given_label():
    """By hand, second case: t = (0.85, 0.4625); rows 0 and 2 reach t0 -> C[0][0] = 2 (row 1, 0.8, none);
    rows 3 and 4 -> C[1][1] = 2; rows 5 and 6 (labelled 1, p0 0.9 and 0.95) -> C[1][0] = 2. No scaling is
    needed; pruning takes both rows labelled 1 with p0 - p1 largest (rows 6 and 5), ranked by p1: 0.05, 0.1.
    """
    assert find_label_issues(PROBS[[0, 1, 3, 4, 5]], [0, 0, 1, 1, 2]) == []
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.85, 0.15], [0.2, 0.8], [0.1, 0.9], [0.9, 0.1], [0.95, 0.05]])
    labels = [0, 0, 0, 1, 1, 1, 1]
    issues = find_label_issues(probs, labels)
    assert [issue.row for issue in issues] == [6, 5]
    assert all(issue.given == 1 and issue.suggested == 0 for issue in issues)


def test_shapes_and_labels_are_checked():
    with pytest.raises(RunError, match="one row of probabilities per label"):
        find_label_issues(PROBS, [0, 1])
    with pytest.raises(RunError, match="class indices 0-2"):
        find_label_issues(PROBS, [0, 0, 0, 1, 1, 3])


def test_a_runs_saved_predictions_give_named_rows(tmp_path):
    run = Run(tmp_path / "run")
    run.path.mkdir()
    names = ["neg", "pos", "neutral"]
    rows = [
        {
            "text": f"row {i}",
            "label": label,
            "label_name": names[label],
            "probabilities": dict(zip(names, map(float, PROBS[i]))),
            "fold": i % 2,
        }
        for i, label in enumerate(LABELS)
    ]
    run.write_predictions("validation", rows)
    found = run_label_issues(run)
    assert found == [
        {
            "rank": 1,
            "text": "row 2",
            "given_label": "neg",
            "suggested_label": "pos",
            "given_probability": 0.05,
            "suggested_probability": 0.85,
            "fold": 0,
        }
    ]


def test_a_run_without_predictions_says_what_to_do(tmp_path):
    run = Run(tmp_path / "empty")
    run.path.mkdir()
    with pytest.raises(RunError, match="Train with a validation split or with cv_folds"):
        run_label_issues(run)


def test_cli_lists_the_issues_and_writes_every_one_to_csv(tmp_path):
    import csv
    import subprocess
    import sys

    from tests.helpers import cli_env

    run = Run(tmp_path / "runs" / "kfold")
    run.path.mkdir(parents=True)
    run.config_path.write_text("{}")
    names = ["neg", "pos", "neutral"]
    rows = [
        {"text": f"row {i}", "label": label, "label_name": names[label], "probabilities": dict(zip(names, PROBS[i]))}
        for i, label in enumerate(LABELS)
    ]
    run.write_predictions("validation", rows)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "finetune",
            "runs",
            "label-issues",
            "kfold",
            "--runs_dir",
            str(tmp_path / "runs"),
            "--csv",
            str(tmp_path / "issues.csv"),
        ],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "1 rows whose label is probably wrong" in out.stdout and "neg -> pos" in out.stdout
    with open(tmp_path / "issues.csv", encoding="utf-8-sig") as handle:
        assert [row["text"] for row in csv.DictReader(handle)] == ["row 2"]


@pytest.mark.parametrize("fixture", ["multi_label_run", "regression_run"])
def test_label_issues_of_a_multi_label_or_regression_run_say_they_apply_to_single_label_runs(fixture, request):
    from finetune.cli.commands import main

    run = Run(request.getfixturevalue(fixture))
    task = "multi-label" if fixture == "multi_label_run" else "regression"
    with pytest.raises(RunError) as info:
        run_label_issues(run)
    message = str(info.value)
    assert "expected a single-label run" in message and f"found a {task} run" in message
    assert "predictions/validation.jsonl" in message
    assert main(["runs", "label-issues", str(run.path)]) == 2


def test_label_issues_refuse_predictions_shaped_like_another_task_even_without_reports(tmp_path):
    run = Run(tmp_path / "old")
    run.path.mkdir()
    run.write_predictions("validation", [{"text": "x", "label": 1.5, "prediction": 1.0, "error": -0.5}])
    with pytest.raises(RunError, match="found a regression run"):
        run_label_issues(run)
    run.write_predictions("validation", [{"text": "x", "labels": ["a"], "predicted": [], "probabilities": {"a": 0.2}}])
    with pytest.raises(RunError, match="found a multi-label run"):
        run_label_issues(run)
