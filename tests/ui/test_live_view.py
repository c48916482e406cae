"""The live view shows an evaluation while it scores rows, and the cap on evaluation rows."""

from finetune.runs.run import RunStatus
from ui.live_view import evaluation_in_progress, log_lines, progress_html

STARTED = {"type": "started", "time": 1.0, "device": "CPU", "precision": "fp32"}
STEP = {"type": "progress", "time": 2.0, "step": 1, "total_steps": 1, "epoch": 1.0}
CAP = {
    "type": "log",
    "time": 1.5,
    "message": "evaluation capped at 10,000 of 65,000 validation rows",
    "evaluation_cap": {"cap": 10000, "full_sizes": {"validation": 65000}},
}


def _tick(done, **extra):
    return {
        "type": "eval_progress",
        "time": 3.0,
        "split": "validation",
        "done": done,
        "total": 10000,
        "rows_per_second": 850.0,
        "elapsed_seconds": 3.8,
        "step": 1,
        "final": True,
        **extra,
    }


def test_the_progress_line_follows_an_evaluation_while_it_scores_rows():
    events = [STARTED, CAP, STEP, _tick(3200)]
    shown = progress_html(events, {"status": RunStatus.RUNNING})
    assert "3,200 / 10,000 rows" in shown and "850 rows/s" in shown and "width:32.0%" in shown
    assert "capped at 10,000 rows" in shown
    assert evaluation_in_progress(events + [_tick(10000, seconds=11.8)]) is None
    assert "3,200 / 10,000" not in progress_html(events + [_tick(10000, seconds=11.8)], {"status": RunStatus.RUNNING})


def test_the_log_keeps_only_the_end_of_each_evaluation():
    lines = log_lines([STARTED, _tick(3200), _tick(10000, seconds=11.8)])
    assert len(lines) == 2 and "10,000 rows in 11.8 s" in lines[1]


def test_the_progress_line_says_the_precision_and_why():
    reason = "auto: this CPU has bf16 instructions, so bf16 autocast"
    started = {**STARTED, "precision": "bf16", "precision_reason": reason}
    shown = progress_html([started, STEP], {"status": RunStatus.RUNNING})
    assert "<span id='run-precision'>bf16: auto: this CPU has bf16 instructions, so bf16 autocast</span>" in shown
    # a run from before the reason was recorded shows just the name
    assert "<span id='run-precision'>fp32</span>" in progress_html([STARTED, STEP], {"status": RunStatus.RUNNING})


def _fold_events():
    """Two of three folds of 10 steps each: fold 1 finished (with an evaluation), fold 2 at step 4."""
    started = {**STARTED, "cv_folds": 3}
    events = [started]
    for step in range(1, 11):
        events.append(
            {
                "type": "progress",
                "time": 2.0,
                "step": step,
                "total_steps": 10,
                "epoch": step / 10,
                "loss": 1.0 / step,
                "fold": 1,
                "folds": 3,
            }
        )
    events.append(
        {
            "type": "evaluation",
            "time": 2.5,
            "step": 10,
            "split": "validation",
            "fold": 1,
            "folds": 3,
            "metrics": {"loss": 0.5, "accuracy": 0.6, "f1": 0.5, "matthews_correlation": 0.2},
        }
    )
    for step in range(1, 5):
        events.append(
            {
                "type": "progress",
                "time": 3.0,
                "step": step,
                "total_steps": 10,
                "epoch": step / 10,
                "loss": 1.0 / step,
                "fold": 2,
                "folds": 3,
            }
        )
    return events


def test_k_fold_curves_keep_finished_folds_one_after_another():
    from ui.live_view import curves, fold_steps

    events = _fold_events()
    offsets, total = fold_steps(events)
    assert offsets == {1: 0, 2: 10} and total == 30  # the third fold is counted at the second's size
    train, val_loss, metrics = curves(events)
    assert set(train["series"]) == {"fold 1", "fold 2"}  # fold 1's curve stays while fold 2 trains
    assert train["step"].tolist() == list(range(1, 11)) + list(range(11, 15))
    assert val_loss["step"].tolist() == [10] and set(metrics["metric"]) == {"accuracy", "F1", "MCC"}


def test_k_fold_progress_runs_once_over_all_folds_and_never_backwards_in_an_evaluation():
    events = _fold_events()
    shown = progress_html(events, {"status": RunStatus.RUNNING})
    assert "data-share='46.7'" in shown  # 14 of 30 steps
    scoring = progress_html(events + [{**_tick(100), "fold": 2, "folds": 3}], {"status": RunStatus.RUNNING})
    assert "data-share='46.7'" in scoring and "id='eval-bar'" in scoring


def test_one_point_series_is_drawn_as_points():
    import pandas as pd

    from ui.charts import CurvePlot

    plot = CurvePlot(x="step", y="loss", color="series")
    one = pd.DataFrame({"step": [1], "loss": [0.69], "series": ["a"]})
    two = pd.DataFrame({"step": [1, 2], "loss": [0.69, 0.5], "series": ["a", "a"]})
    assert plot.postprocess(one).mark == "point" and plot.postprocess(two).mark == "line"
