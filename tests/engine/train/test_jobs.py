import json
import time

import pytest

from finetune.errors import JobBusyError
from finetune.predict.predictor import Predictor
from finetune.runs.events import read_events
from finetune.runs.run import Run, list_runs
from finetune.train.jobs import cancel, resume, start_training, wait
from tests.helpers import tiny_config


def _wait_for_step(run_dir, step, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events, _ = read_events(Run(run_dir).events_path)
        if any(e["type"] == "progress" and e["step"] >= step for e in events):
            return events
        if Run(run_dir).status()["status"] in ("failed", "finished"):
            pytest.fail(f"run ended early: {Run(run_dir).status()} {(run_dir / 'process.log').read_text()[-2000:]}")
        time.sleep(0.2)
    pytest.fail("no progress")


def test_cancel_leaves_loadable_model_and_resume_continues(tmp_path, tiny_checkpoint):
    config = tiny_config(
        tiny_checkpoint,
        tmp_path / "runs",
        max_steps=400,
        per_device_train_batch_size=4,
        eval_strategy="no",
        save_strategy="no",
        logging_steps=5,
    )
    job = start_training(config)
    with pytest.raises(JobBusyError, match="Wait for it to finish"):
        start_training(config.replace(run={"run_name": "second"}))
    _wait_for_step(job.run_dir, 3)
    status = cancel(job.run_dir, timeout=120)
    assert status["status"] == "cancelled" and not status.get("killed")
    step = status["step"]
    assert 3 <= step < 400
    predictor = Predictor(str(job.run_dir))
    result = predictor.predict("This hotel was a genuine pleasure.")[0]
    assert abs(sum(result.probabilities.values()) - 1) < 1e-6
    assert job.run.latest_checkpoint().name == f"checkpoint-{step}"

    again = resume(job.run_dir)
    final = wait(again.run_dir, timeout=300)
    assert final["status"] == "finished", (job.run_dir / "process.log").read_text()[-3000:]
    events, _ = read_events(job.run_dir / "events.jsonl")
    restarted = [i for i, e in enumerate(events) if e["type"] == "started"]
    assert len(restarted) == 2
    after = [e for e in events[restarted[1] :] if e["type"] == "progress"]
    assert after[0]["step"] == step  # continues where the checkpoint left off
    assert any(e["type"] == "log" and f"resumed from step {step}" in e["message"] for e in events)
    metrics = json.loads((job.run_dir / "metrics.json").read_text())
    assert metrics["train"]["steps"] == 400
    assert [r.status for r in list_runs(tmp_path / "runs")] == ["finished"]


def test_crashed_child_reads_as_failed(tmp_path, tiny_checkpoint):
    config = tiny_config(
        tiny_checkpoint,
        tmp_path / "runs",
        max_steps=100000,
        per_device_train_batch_size=4,
        eval_strategy="no",
        save_strategy="no",
    )
    job = start_training(config)
    _wait_for_step(job.run_dir, 1)
    import os
    import signal

    os.killpg(job.pid, signal.SIGKILL)  # as the OOM killer would
    final = wait(job.run_dir, timeout=60)
    assert final["status"] == "failed" and "without a final status" in final["message"]


def test_queue_starts_runs_in_order_one_at_a_time(tmp_path, tiny_checkpoint):
    from finetune.train.jobs import enqueue, queue_position, start_next_queued

    config = tiny_config(tiny_checkpoint, tmp_path / "runs", max_steps=3, eval_strategy="no", save_strategy="no")
    first = enqueue(config.replace(run={"run_name": "first"}))
    second = enqueue(config.replace(run={"run_name": "second"}))
    assert Run(first).status()["status"] == "queued"
    assert (queue_position(tmp_path / "runs", "first"), queue_position(tmp_path / "runs", "second")) == (1, 2)
    job = start_next_queued(tmp_path / "runs")
    assert job.run_id == "first"
    assert start_next_queued(tmp_path / "runs") is None  # one at a time
    assert queue_position(tmp_path / "runs", "second") == 1
    assert wait(first, timeout=300)["status"] == "finished"
    assert start_next_queued(tmp_path / "runs").run_id == "second"
    assert wait(second, timeout=300)["status"] == "finished"


def test_cancelling_a_queued_run_removes_it(tmp_path, tiny_checkpoint):
    from finetune.train.jobs import enqueue, queued_runs

    run = enqueue(tiny_config(tiny_checkpoint, tmp_path / "runs"))
    assert cancel(run)["status"] == "cancelled"
    assert queued_runs(tmp_path / "runs") == []
