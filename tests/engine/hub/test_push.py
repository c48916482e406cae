import json

import httpx2
import pytest
from huggingface_hub import ModelCard
from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled, RepositoryNotFoundError

from finetune.errors import HubError
from finetune.hub.push import _hub_error, default_repo_id, push_run, render_model_card, resolve_token, zip_model

SECRET = "hf_SECRETtoken1234567890abcdef"


@pytest.fixture(scope="module")
def finished_run(finished_tiny_run):
    return finished_tiny_run


class RecordingApi:
    """A stand-in for HfApi that records what would be uploaded."""

    def __init__(self, status=None):
        self.calls, self.status = [], status

    def whoami(self, token):
        self.calls.append(("whoami", token))
        if self.status:
            request = httpx2.Request("GET", "https://huggingface.co/api/whoami-v2")
            raise HfHubHTTPError("denied", response=httpx2.Response(self.status, request=request))
        return {"name": "alice"}

    def create_repo(self, **kw):
        self.calls.append(("create_repo", kw))
        return f"https://huggingface.co/{kw['repo_id']}"

    def upload_folder(self, **kw):
        from pathlib import Path

        self.calls.append(("upload_folder", kw, sorted(p.name for p in Path(kw["folder_path"]).iterdir())))


def test_card_parses_and_carries_metrics(finished_run):
    text = render_model_card(finished_run, repo_id="alice/demo")
    card = ModelCard(text)
    data = card.data.to_dict()
    metrics = json.loads((finished_run / "metrics.json").read_text())["validation"]["metrics"]
    assert data["pipeline_tag"] == "text-classification" and data["license"] == "apache-2.0"
    assert data["language"] == "en"
    results = data["model-index"][0]["results"][0]["metrics"]
    acc = next(m for m in results if m["type"] == "accuracy")
    assert acc["value"] == round(metrics["accuracy"], 4)
    assert 'pipeline("text-classification", model="alice/demo")' in text
    assert "| 0 | negative |" in text and "Framework versions" in text


def test_push_uploads_expected_files_and_never_stores_the_token(finished_run):
    api = RecordingApi()
    result = push_run(finished_run, token=SECRET, api=api)
    config = json.loads((finished_run / "config.json").read_text())
    assert result["repo_id"] == default_repo_id("alice", config["model"]["checkpoint"], config["data"]["dataset"])
    assert result["repo_id"].startswith("alice/") and result["repo_id"].endswith("-finetuned-sentiment_en")
    create = next(c for c in api.calls if c[0] == "create_repo")[1]
    assert create["private"] is False and create["token"] == SECRET
    upload = next(c for c in api.calls if c[0] == "upload_folder")
    assert {"config.json", "model.safetensors", "tokenizer.json", "README.md"} <= set(upload[2])
    assert upload[1]["ignore_patterns"] == ["training_args.bin", "*.tmp"]
    for path in finished_run.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_default_repo_id():
    assert (
        default_repo_id("bob", "bundled-minilm", "examples/data/sentiment_en")
        == "bob/all-MiniLM-L6-v2-finetuned-sentiment_en"
    )
    assert default_repo_id("bob", "bert-base-uncased", "nyu-mll/glue") == "bob/bert-base-uncased-finetuned-glue"


@pytest.mark.parametrize("status,expected", [(401, "rejects"), (403, "write access")])
def test_auth_errors_are_clear(finished_run, status, expected):
    with pytest.raises(HubError, match=expected):
        push_run(finished_run, token=SECRET, api=RecordingApi(status=status))


def test_no_token_and_unreachable_hub(finished_run, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", str(finished_run / "empty-hf-home"))
    with pytest.raises(HubError, match="found none"):
        resolve_token(None)
    assert resolve_token("typed") == "typed" and resolve_token("typed", oauth_token="oauth") == "oauth"
    with pytest.raises(HubError, match="reachable"):
        push_run(finished_run, token=SECRET)


def test_public_app_never_lends_the_server_token(monkeypatch):
    monkeypatch.setenv("HF_TOKEN", SECRET)
    assert resolve_token(None) == SECRET  # your own machine: your saved token is fine
    with pytest.raises(HubError, match="does not lend its own token"):
        resolve_token(None, allow_server_token=False)
    assert resolve_token("visitor-token", allow_server_token=False) == "visitor-token"


def test_zip_download(finished_run):
    import zipfile

    archive = zip_model(finished_run)
    names = zipfile.ZipFile(archive).namelist()
    assert "config.json" in names and "README.md" in names


def test_hub_errors_are_told_apart_by_type_not_by_message():
    request = httpx2.Request("GET", "https://huggingface.co/api/models/alice/x")
    missing = RepositoryNotFoundError("connect", response=httpx2.Response(404, request=request))
    assert "found none" in str(_hub_error(missing, "alice/x"))  # 'connect' in the text no longer means offline
    assert "reachable" in str(_hub_error(OfflineModeIsEnabled("offline"), "alice/x"))
    assert "reachable" in str(_hub_error(httpx2.ConnectError("refused"), "alice/x"))
    assert "failed" in str(_hub_error(ValueError("could not connect the dots"), "alice/x"))


def test_a_chinese_run_keeps_its_chinese_in_the_card(tmp_path, tiny_checkpoint):
    """Label names and the usage example of a Chinese run appear as written: never escaped, never mangled."""
    from finetune.runs.run import Run
    from finetune.train.training import run_training
    from tests.helpers import tiny_config

    config = tiny_config(tiny_checkpoint, tmp_path / "runs", dataset="examples/data/weibo_variety_zh/comments.jsonl")
    run = Run.create(tmp_path / "runs", config, "zh")
    assert run_training(config, run)["status"] == "finished"
    text = render_model_card(run.path, repo_id="alice/weibo")
    names = json.loads((run.path / "model" / "config.json").read_text(encoding="utf-8"))["id2label"].values()
    assert set(names) == {"愤怒", "厌恶", "喜悦", "低落"}
    assert all(f"| {name} |" in text for name in names)
    assert "\\u" not in text and "&#" not in text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text.split("pipeline(")[1][:400])  # the usage example's text


def test_a_zip_made_elsewhere_leaves_nothing_in_the_run(finished_run, tmp_path):
    import zipfile

    before = sorted(p.relative_to(finished_run) for p in finished_run.rglob("*") if p.name != "README.md")
    archive = zip_model(finished_run, tmp_path / "download")
    assert archive.parent == tmp_path / "download" and "config.json" in zipfile.ZipFile(archive).namelist()
    after = sorted(p.relative_to(finished_run) for p in finished_run.rglob("*") if p.name != "README.md")
    assert after == before  # no export/ folder, no archive in the run
