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
