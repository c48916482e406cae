"""Run: the one owner of a run directory (paths, creation, status, artifacts), tolerant of damaged files."""

import json
import os

import pytest

from finetune.config.run_config import RunConfig
from finetune.errors import RunError
from finetune.runs.run import (
    ACTIVE,
    TERMINAL,
    Run,
    RunStatus,
    active_runs,
    check_run_id,
    list_runs,
    make_run_id,
    queued_runs,
    runs_with_model,
)
from finetune.train import jobs


def _config(runs_dir, name=""):
    return RunConfig().replace(run={"runs_dir": str(runs_dir), "run_name": name})


def test_status_enum_values_groups_and_str():
    assert RunStatus("running") is RunStatus.RUNNING and f"{RunStatus.FAILED}" == "failed"
    assert ACTIVE == {RunStatus.STARTING, RunStatus.RUNNING}
    assert TERMINAL == {RunStatus.FINISHED, RunStatus.FAILED, RunStatus.CANCELLED}
    assert RunStatus.QUEUED.is_active is False and RunStatus.CANCELLED.is_terminal
    assert RunStatus.parse("exploded") is RunStatus.DAMAGED


def test_create_writes_config_and_refuses_existing_dirs_and_bad_ids(tmp_path):
    run = Run.create(tmp_path, _config(tmp_path), "first")
    assert run.path == tmp_path / "first" and run.exists
    assert run.config() == _config(tmp_path)
    assert run.status()["status"] is RunStatus.UNKNOWN
    with pytest.raises(RunError, match="already exists"):
        Run.create(tmp_path, _config(tmp_path), "first")
    for bad in ("../escape", "a/b", "..", ".hidden", "a..b", "x" * 200):
        with pytest.raises(RunError, match="run name"):
            Run.create(tmp_path, _config(tmp_path), bad)
        with pytest.raises(RunError, match="run name"):
            Run.open(tmp_path, bad)
    with pytest.raises(RunError, match="run name"):
        Run.open(tmp_path, "")
    assert not (tmp_path.parent / "escape").exists()
    named = Run.create(tmp_path, _config(tmp_path, "from-config"))
    assert named.id == "from-config"


def test_a_run_named_after_a_chinese_file_keeps_its_characters_and_is_created(tmp_path):
    """The Weibo tutorial's file 总8665.xlsx names the run; unsafe names stay refused, made names never fail."""
    run_id = make_run_id("bert-base-chinese", "/data/总8665.xlsx", when=0)
    assert run_id.endswith("-bert-base-chinese-总8665")
    run = Run.create(tmp_path, _config(tmp_path), run_id)
    assert run.path.name == run_id and Run.open(tmp_path, run_id).exists
    assert check_run_id("微博-情感_v1.2") == "微博-情感_v1.2"
    for bad in ("总/8665", "..总", ".总", "总\t8665", "总 8665", "总\x008665", "总" * 90, "_总"):
        with pytest.raises(RunError, match="run name"):
            check_run_id(bad)
    odd = [
        "总 8665 (副本).xlsx",
        "..",
        "/",
        "日本語テキスト.csv",
        "données été.tsv",
        "a\x01b.csv",
        "总" * 300 + ".csv",
        "Yelp/yelp_review_full",
        "../../etc/passwd",
        "_.xlsx",
        "—.csv",
    ]
    for dataset in odd:
        for checkpoint in ("bert-base-chinese", "/models/中文模型/", "..", "owner/模型.v2"):
            made = make_run_id(checkpoint, dataset, when=0)
            assert check_run_id(made) == made and "/" not in made


def test_open_missing_run_names_recent_ones(tmp_path):
    Run.create(tmp_path, _config(tmp_path), "there")
    assert Run.open(tmp_path, "there").id == "there"
    with pytest.raises(RunError, match="recent: there"):
        Run.open(tmp_path, "not-there")


def test_set_status_is_the_writer_and_a_dead_running_process_reads_failed(tmp_path):
    run = Run.create(tmp_path, _config(tmp_path), "r")
    status = run.set_status(RunStatus.RUNNING, pid=os.getpid())
    assert status["status"] is RunStatus.RUNNING
    assert json.loads(run.status_path.read_text())["status"] == "running"
    assert [r.run_id for r in active_runs(tmp_path)] == ["r"]
    run.set_status(RunStatus.RUNNING, pid=2**22 + 12345)  # no such process
    assert run.status()["status"] is RunStatus.FAILED and "without a final status" in run.status()["message"]
    with pytest.raises(RunError, match="Stop it first"):
        run.set_status(RunStatus.RUNNING, pid=os.getpid()) and run.delete()
    run.set_status(RunStatus.FINISHED)
    run.delete()
    assert not run.path.exists()


@pytest.mark.parametrize("content", [b"\x00\xff\xfe binary", b"[1, 2, 3]", b"{not json", b'"just a string"'])
def test_damaged_files_read_as_damaged_never_raise(tmp_path, content):
    broken_status = Run.create(tmp_path, _config(tmp_path), "bad-status")
    broken_status.status_path.write_bytes(content)
    broken_config = Run.create(tmp_path, _config(tmp_path), "bad-config")
    broken_config.config_path.write_bytes(content)
    broken_config.metrics_path.write_bytes(content)
    unknown = Run.create(tmp_path, _config(tmp_path), "bad-value")
    unknown.status_path.write_text(json.dumps({"status": "exploded"}))
    summaries = {s.run_id: s for s in list_runs(tmp_path)}
    assert {k: v.status for k, v in summaries.items()} == {
        "bad-status": RunStatus.DAMAGED,
        "bad-config": RunStatus.DAMAGED,
        "bad-value": RunStatus.DAMAGED,
    }
    assert summaries["bad-config"].checkpoint == "?" and summaries["bad-config"].as_row()["accuracy"] is None
    assert "status.json" in summaries["bad-status"].message and "config.json" in summaries["bad-config"].message
    assert broken_config.metrics() == {} and queued_runs(tmp_path) == [] and runs_with_model(tmp_path) == []
    with pytest.raises(RunError, match="readable config.json"):
        broken_config.config()


def test_parent_never_overwrites_the_childs_running(tmp_path, monkeypatch):
    """The race of jobs._launch: a child that writes 'running' before the parent records its pid."""

    class FastChild:
        pid = os.getpid()

        def __init__(self, command, **kwargs):
            run_dir = command[command.index("--run-dir") + 1]
            Run(type(tmp_path)(run_dir)).set_status(RunStatus.RUNNING, pid=self.pid)  # the child's first write

        def wait(self):
            return 0

    monkeypatch.setattr(jobs.subprocess, "Popen", FastChild)
    job = jobs.start_training(_config(tmp_path, "fast"))
    status = job.run.status()
    assert status["status"] is RunStatus.RUNNING and status["pid"] == os.getpid()


def test_starting_is_written_before_the_child_exists_and_gets_its_pid(tmp_path, monkeypatch):
    seen = {}

    class SlowChild:
        pid = os.getpid()

        def __init__(self, command, **kwargs):
            seen["before"] = Run(type(tmp_path)(command[command.index("--run-dir") + 1])).status()["status"]

        def wait(self):
            return 0

    monkeypatch.setattr(jobs.subprocess, "Popen", SlowChild)
    job = jobs.start_training(_config(tmp_path, "slow"))
    assert seen["before"] is RunStatus.STARTING
    status = job.run.status()
    assert status["status"] is RunStatus.STARTING and status["pid"] == os.getpid()


def test_queue_order_and_artifact_paths(tmp_path):
    second = Run.create(tmp_path, _config(tmp_path), "b")
    second.set_status(RunStatus.QUEUED, queued_at=2.0)
    first = Run.create(tmp_path, _config(tmp_path), "a")
    first.set_status(RunStatus.QUEUED, queued_at=1.0)
    assert [r.id for r in queued_runs(tmp_path)] == ["a", "b"]
    first.write_predictions("test", [{"text": "x", "label": 0}])
    assert first.predictions("test") == [{"text": "x", "label": 0}] and first.predictions() == []
    assert first.predictions_path("test") == first.path / "predictions" / "test.jsonl"
    assert first.latest_checkpoint() is None and not first.has_model
    for name in ("checkpoint-2", "checkpoint-10", "checkpoint-7"):
        (first.checkpoints_dir / name).mkdir(parents=True)
        (first.checkpoints_dir / name / "trainer_state.json").write_text("{}")
    assert first.latest_checkpoint().name == "checkpoint-10"


def test_unwritable_runs_folder_is_a_clear_run_error(tmp_path, monkeypatch):
    from pathlib import Path

    def denied(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", denied)
    with pytest.raises(
        RunError,
        match=r"runs folder '.*': expected a folder this user can write to, found one "
        r"that is not writable \(Permission denied\)\. Choose another with --runs-dir",
    ):
        Run.create(tmp_path / "runs", RunConfig(), "r1")


def test_cli_lists_a_damaged_run_with_its_reason(tmp_path):
    import subprocess
    import sys

    from tests.helpers import PROJECT_ROOT, cli_env

    Run.create(tmp_path, RunConfig(), "broken").config_path.write_bytes(b"\x00\xff binary")
    Run.create(tmp_path, RunConfig(), "wrong-type").status_path.write_text("[1, 2, 3]")
    out = subprocess.run(
        [sys.executable, "-m", "finetune", "runs", "--runs_dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=PROJECT_ROOT,
        timeout=120,
    )
    assert out.returncode == 0 and "Traceback" not in out.stderr
    rows = {row["run"]: row for row in map(json.loads, out.stdout.splitlines())}
    assert rows["broken"]["status"] == "damaged" and "config.json" in rows["broken"]["message"]
    assert rows["wrong-type"]["status"] == "damaged" and rows["wrong-type"]["message"]


def _dead_pid() -> int:
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_run_left_starting_by_a_dead_process_does_not_block_start(tmp_path):
    orphan = Run.create(tmp_path, _config(tmp_path), "orphan")
    orphan.set_status(RunStatus.STARTING, pid=None, starter_pid=_dead_pid())
    assert orphan.state is RunStatus.FAILED and active_runs(tmp_path) == []
    dead_child = Run.create(tmp_path, _config(tmp_path), "dead-child")
    dead_child.set_status(RunStatus.STARTING, pid=_dead_pid(), starter_pid=os.getpid())
    assert dead_child.state is RunStatus.FAILED
    launching = Run.create(tmp_path, _config(tmp_path), "launching")
    launching.set_status(RunStatus.STARTING, pid=None, starter_pid=os.getpid())
    assert launching.state is RunStatus.STARTING  # its starter lives: the child's pid is on its way


def _start_in_a_process(runs_dir, parent_pid, barrier, results):
    import time

    class Child:
        pid = parent_pid  # alive for as long as the test runs

        def __init__(self, command, **kwargs):
            pass

        def wait(self):
            return 0

    jobs.subprocess.Popen = Child
    original = Run.create.__func__

    def slow_create(cls, *args, **kwargs):
        time.sleep(0.3)  # widen the window between the room check and the run's folder
        return original(cls, *args, **kwargs)

    Run.create = classmethod(slow_create)
    barrier.wait()
    try:
        jobs.start_training(_config(runs_dir))
        results.put("started")
    except Exception as exc:  # JobBusyError for the one that lost
        results.put(type(exc).__name__)


def test_two_processes_on_one_runs_folder_start_one_training(tmp_path):
    import multiprocessing

    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [
        context.Process(target=_start_in_a_process, args=(tmp_path, os.getpid(), barrier, results)) for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert sorted(results.get(timeout=5) for _ in workers) == ["JobBusyError", "started"]
    assert len(active_runs(tmp_path)) == 1


def test_runs_list_rows_carry_the_task_and_its_headline_metrics(multi_label_run, regression_run):
    from finetune.runs.run import Run

    tickets = Run(multi_label_run).summary().as_row()
    assert tickets["task"] == "multi_label" and isinstance(tickets["f1_micro"], float)
    assert "accuracy" not in tickets
    scores = Run(regression_run).summary().as_row()
    assert scores["task"] == "regression" and {"pearson", "spearman", "rmse"} <= set(scores)
