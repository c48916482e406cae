"""The event stream: an incremental reader sees exactly what was appended, never a half-written line."""

import json
import os

from finetune.events import EventLog, EventWriter, read_events


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
