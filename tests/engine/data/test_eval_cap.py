"""The automatic cap on evaluation rows: large splits only, an explicit max_eval_samples wins, the note says how to
score everything; a training run scores the capped rows and reports its evaluation progress."""

import json

from finetune.data import eval_cap
from finetune.data.eval_cap import EVAL_CAP_ROWS, eval_cap_note, resolve_eval_cap
from finetune.runs.events import format_event, read_events
from finetune.runs.run import Run
from finetune.train.training import run_training
from tests.helpers import tiny_config


def test_the_cap_applies_to_large_evaluation_splits_only():
    found = resolve_eval_cap({"train": 600_000, "validation": 65_000, "test": 800}, None)
    assert found.cap == EVAL_CAP_ROWS and found.full_sizes == {"validation": 65_000}
    assert "10,000 of 65,000 validation rows" in found.note() and "65,000 or more" in found.note()
    assert resolve_eval_cap({"train": 600_000, "validation": EVAL_CAP_ROWS, "test": 800}, None) is None


def test_an_explicit_max_eval_samples_wins():
    assert resolve_eval_cap({"train": 10, "validation": 65_000}, 50_000) is None
    assert resolve_eval_cap({"train": 10, "validation": 65_000}, 65_000) is None  # every row
    assert eval_cap_note({"validation": 65_000}, 100) is None
    assert "max_eval_samples" in eval_cap_note({"validation": 65_000}, None)


def _events(run_dir):
    return read_events(run_dir / "events.jsonl")[0]


def test_a_run_scores_a_seeded_sample_of_a_large_split_and_says_so(tmp_path, tiny_checkpoint, monkeypatch):
    monkeypatch.setattr(eval_cap, "EVAL_CAP_ROWS", 20)  # sentiment_en's 48 validation rows count as large
    config = tiny_config(tiny_checkpoint, tmp_path / "runs", eval_strategy="no", save_strategy="no", max_steps=2)
    run = Run.create(tmp_path, config, "capped")
    assert run_training(config, run)["status"] == "finished"
    events = _events(run.path)
    started = next(e for e in events if e["type"] == "started")
    assert started["sizes"]["validation"] == 20
    note = next(e for e in events if e.get("evaluation_cap"))
    assert note["evaluation_cap"] == {"cap": 20, "full_sizes": {"validation": 48}}
    assert "20 of 48 validation rows" in note["message"]
    assert json.loads((run.path / "data_report.json").read_text())["evaluation_cap"]["cap"] == 20
    assert len((run.path / "predictions" / "validation.jsonl").read_text().splitlines()) == 20
    ticks = [e for e in events if e["type"] == "eval_progress"]
    assert ticks and all(e["final"] and e["split"] == "validation" and e["total"] == 20 for e in ticks)
    assert ticks[-1]["done"] == 20 and ticks[-1]["seconds"] >= 0 and ticks[-1]["rows_per_second"] > 0
    finished = events[-1]
    assert finished["type"] == "finished" and finished["final_evaluation_rows"] == {"validation": 20}
    assert finished["final_evaluation_seconds"] >= ticks[-1]["seconds"] * 0.5
    assert json.loads((run.path / "metrics.json").read_text())["final_evaluation"]["rows"] == {"validation": 20}


def test_an_explicit_value_scores_that_many_rows_without_a_note(tmp_path, tiny_checkpoint, monkeypatch):
    monkeypatch.setattr(eval_cap, "EVAL_CAP_ROWS", 20)
    config = tiny_config(
        tiny_checkpoint, tmp_path / "runs", eval_strategy="no", save_strategy="no", max_steps=1, max_eval_samples=48
    )
    run = Run.create(tmp_path, config, "explicit")
    assert run_training(config, run)["status"] == "finished"
    events = _events(run.path)
    assert next(e for e in events if e["type"] == "started")["sizes"]["validation"] == 48
    assert not any(e.get("evaluation_cap") for e in events)


def test_per_epoch_evaluations_report_progress_too(finished_tiny_run):
    ticks = [e for e in _events(finished_tiny_run) if e["type"] == "eval_progress"]
    per_epoch = [e for e in ticks if not e["final"]]
    assert per_epoch and per_epoch[-1]["done"] == per_epoch[-1]["total"] == 48
    assert "seconds" in per_epoch[-1]
    assert "evaluated validation: 48 rows in" in format_event(per_epoch[-1])
