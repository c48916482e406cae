"""The event stream: an incremental reader sees exactly what was appended, never a half-written line."""

import json
import os

from finetune.runs.events import EventLog, EventWriter, read_events


def test_event_log_reads_only_whole_lines_and_keeps_what_it_read(tmp_path):
    path = tmp_path / "events.jsonl"
    log = EventLog(path)
    assert log.read() == []  # no file yet
    with EventWriter(path) as writer:
        writer.log("one")
        assert [e["message"] for e in log.read()] == ["one"]
        writer.log("two")
        with open(path, "a", encoding="utf-8") as handle:  # a line still being written
            handle.write('{"type": "log", "message": "thr')
        assert [e["message"] for e in log.read()] == ["one", "two"]
        with open(path, "a", encoding="utf-8") as handle:
            handle.write('ee"}\n')
    assert [e["message"] for e in log.read()] == ["one", "two", "three"]
    assert log.read() == read_events(path)[0]


def test_event_log_starts_over_when_the_file_is_replaced(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps({"type": "log", "message": m}) + "\n" for m in ("a", "b", "c")))
    log = EventLog(path)
    assert len(log.read()) == 3
    replacement = tmp_path / "new.jsonl"
    replacement.write_text(json.dumps({"type": "log", "message": "fresh"}) + "\n")
    os.replace(replacement, path)  # a deleted run created again under the same name
    assert [e["message"] for e in log.read()] == ["fresh"]


def test_evaluation_progress_reads_as_rows_done_of_the_split_and_rows_per_second():
    from finetune.runs.events import format_event

    tick = {
        "type": "eval_progress",
        "time": 0,
        "split": "validation",
        "done": 3200,
        "total": 10000,
        "rows_per_second": 850.4,
        "final": True,
    }
    assert format_event(tick).endswith("evaluating validation: 3,200 / 10,000 rows · 850 rows/s")
    done = {**tick, "done": 10000, "seconds": 11.76}
    assert format_event(done).endswith("evaluated validation: 10,000 rows in 11.8 s (850 rows/s)")
    finished = {"type": "finished", "time": 0, "seconds": 70, "final_evaluation_seconds": 11.76}
    assert "final evaluation 11.8 s" in format_event(finished)


def test_an_evaluation_progress_event_is_written_and_echoed(tmp_path, capsys):
    with EventWriter(tmp_path / "events.jsonl", echo=True) as writer:
        writer.emit("eval_progress", split="test", done=64, total=100, rows_per_second=32.0)
    assert read_events(tmp_path / "events.jsonl")[0][0]["done"] == 64
    assert "evaluating test: 64 / 100 rows" in capsys.readouterr().out
