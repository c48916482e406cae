"""CLI: push takes the token from the environment, the saved login or a hidden prompt; --token warns."""

import io

import pytest

from finetune.cli import commands as cli


@pytest.fixture
def pushed(monkeypatch):
    seen = {}

    def fake_push(run_dir, **kwargs):
        seen.update(kwargs)
        return {"repo_id": "alice/demo"}

    monkeypatch.setattr(cli, "push_run", fake_push)
    return seen


def test_token_in_argv_still_works_but_warns(pushed, capsys):
    assert cli.main(["push", "--run-dir", "r", "--token", "hf_typed"]) == 0
    assert pushed["token"] == "hf_typed"
    assert "other users of this machine can read it" in capsys.readouterr().err


def test_no_token_prompts_hidden_on_a_terminal(pushed, monkeypatch, capsys):
    monkeypatch.setattr(cli, "get_token", lambda: None)
    monkeypatch.setattr(cli.sys, "stdin", type("Tty", (io.StringIO,), {"isatty": lambda self: True})())
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: "hf_prompted")
    assert cli.main(["push", "--run-dir", "r"]) == 0
    assert pushed["token"] == "hf_prompted" and "WARNING" not in capsys.readouterr().err


def test_environment_token_is_used_without_prompt_or_warning(pushed, monkeypatch, capsys):
    monkeypatch.setenv("HF_TOKEN", "hf_from_env")
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: pytest.fail("prompted although HF_TOKEN is set"))
    assert cli.main(["push", "--run-dir", "r"]) == 0
    assert pushed["token"] == "hf_from_env" and "WARNING" not in capsys.readouterr().err


def weibo_excel(path, rows_per_class: int = 10):
    """A small Excel file shaped like the Weibo tutorial's: ``Sentence``/``Label`` columns, numeric labels 0-3."""
    import pandas as pd

    words = ["喜悦 开心 好", "愤怒 生气 坏", "厌恶 讨厌 烦", "低落 难过 哭"]
    rows = [(f"{words[label]} 第{i}条", label) for i in range(rows_per_class) for label in range(4)]
    pd.DataFrame(rows, columns=["Sentence", "Label"]).to_excel(path, index=False)
    return path


def test_cli_trains_a_chinese_named_excel_file_into_a_run_named_after_it(tmp_path, tiny_checkpoint):
    """The Weibo tutorial's file name 总8665.xlsx: no run name given, the run is named after it and finishes."""
    import subprocess
    import sys

    from finetune.runs.run import Run
    from tests.helpers import PROJECT_ROOT, cli_env

    data = weibo_excel(tmp_path / "总8665.xlsx")
    runs = tmp_path / "runs"
    args = ["train", "--checkpoint", str(tiny_checkpoint), "--dataset", str(data), "--runs_dir", str(runs)]
    out = subprocess.run(
        [sys.executable, "-m", "finetune", *args, "--max_steps", "2", "--max_length", "32", "--quiet"],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=PROJECT_ROOT,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    (run_dir,) = [p for p in runs.iterdir() if not p.name.startswith(".")]
    assert run_dir.name.endswith("-总8665")
    run = Run(run_dir)
    assert run.state == "finished" and run.has_model
    assert run.data_report()["columns"]["text"] == "Sentence" and run.data_report()["columns"]["label"] == "Label"
