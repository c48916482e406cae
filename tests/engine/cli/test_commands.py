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
