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


@pytest.fixture(scope="module")
def task_runs(tmp_path_factory, tiny_checkpoint):
    """Finished tiny runs of the two other tasks: multi-label (support tickets, threshold tuned) and regression
    (scored sentence pairs)."""
    from finetune.runs.run import Run
    from finetune.train.training import run_training
    from tests.helpers import tiny_config

    root = tmp_path_factory.mktemp("task-runs")
    flats = {
        "multi_label": {"dataset": "examples/data/support_tickets_en", "tune_threshold": True},
        "regression": {"dataset": "examples/data/sts_pairs_en"},
    }
    runs = {}
    for task, flat in flats.items():
        config = tiny_config(tiny_checkpoint, root / "runs", max_train_samples=64, max_eval_samples=32, **flat)
        run = Run.create(root / "runs", config, task)
        assert run_training(config, run)["status"] == "finished"
        runs[task] = run.path
    return runs


def _usage_code(card_text: str) -> str:
    """The card's "How to use" code block."""
    return card_text.split("## How to use")[1].split("```python\n")[1].split("```")[0]


def _predictions(run_dir):
    """The run's validation predictions (its texts)."""
    from finetune.runs.run import Run

    return Run(run_dir).predictions()


def test_a_multi_label_card_states_the_threshold_and_carries_its_metrics(task_runs):
    run_dir = task_runs["multi_label"]
    text = render_model_card(run_dir, repo_id="alice/tickets")
    validation = json.loads((run_dir / "metrics.json").read_text())["validation"]
    threshold = validation["threshold"]
    data = ModelCard(text).data.to_dict()
    results = data["model-index"][0]["results"]
    assert {r["task"]["type"] for r in results} == {"text-classification"}
    values = {m["type"]: m["value"] for r in results for m in r["metrics"] if "(validation)" in m["name"]}
    assert set(values) == {"f1_micro", "f1_macro", "precision_micro", "recall_micro", "subset_accuracy", "hamming_loss"}
    assert values["f1_micro"] == round(validation["metrics"]["f1_micro"], 4)
    assert values["hamming_loss"] == round(validation["metrics"]["hamming_loss"], 4)
    assert "multi-label-classification" in data["tags"]
    assert f"reaches **{threshold:g}**, tuned on the validation split" in text
    assert f"### Per label (validation, threshold {threshold:g})" in text
    for row in validation["per_class"]:
        assert f"| {row['label']} | {row['precision']:.4f} | {row['recall']:.4f} | {row['f1']:.4f} |" in text
    assert (
        'pipeline("text-classification", model="alice/tickets", top_k=None, function_to_apply="sigmoid")'
        in _usage_code(text)
    )
    assert f"THRESHOLD = {threshold:g}" in _usage_code(text)


def test_a_regression_card_names_the_target_and_its_range(task_runs):
    run_dir = task_runs["regression"]
    text = render_model_card(run_dir, repo_id="alice/sts")
    validation = json.loads((run_dir / "metrics.json").read_text())["validation"]
    stats = json.loads((run_dir / "data_report.json").read_text())["target_stats"]["train"]
    data = ModelCard(text).data.to_dict()
    values = {m["type"]: m["value"] for r in data["model-index"][0]["results"] for m in r["metrics"]}
    assert {"pearson", "spearman", "mse", "rmse", "mae"} <= set(values) and "accuracy" not in values
    assert values["pearson"] == round(validation["metrics"]["pearson"], 4)
    assert "widget" not in data  # the Hub's widget would put the number through a sigmoid
    assert f"| 0 | score | {stats['min']:g} to {stats['max']:g} in the training data" in text
    assert "Per class" not in text and "Per label" not in text
    assert 'pipeline("text-classification", model="alice/sts", function_to_apply="none")' in _usage_code(text)


def _run_usage(card_text: str, repo_id: str, model_dir) -> dict:
    """The card's usage code with the model read from its local folder (offline), run; its names and output."""
    import contextlib
    import io

    code = _usage_code(card_text).replace(f'model="{repo_id}"', f"model={str(model_dir)!r}")
    assert f"model={str(model_dir)!r}" in code
    namespace: dict = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "card_usage.py", "exec"), namespace)
    namespace["printed"] = printed.getvalue()
    return namespace


def test_the_multi_label_cards_pipeline_gives_the_predictors_sigmoid_scores(task_runs):
    """The card's own code on the saved model: every label's sigmoid score and the labels kept at the threshold
    are what Predict (finetune.predict) gives."""
    from finetune.predict.predictor import Predictor

    run_dir = task_runs["multi_label"]
    text = render_model_card(run_dir, repo_id="alice/tickets")
    usage = _run_usage(text, "alice/tickets", run_dir / "model")
    predictor = Predictor(str(run_dir), device="cpu", precision="fp32")
    assert usage["THRESHOLD"] == predictor.threshold
    texts = [row["text"] for row in _predictions(run_dir)[:4]]
    for text_in, prediction in zip(texts, predictor.predict(texts)):
        scores = {s["label"]: s["score"] for s in usage["classifier"](text_in)[0]}
        assert scores.keys() == prediction.probabilities.keys()
        assert all(abs(scores[k] - v) < 1e-5 for k, v in prediction.probabilities.items()), (scores, prediction)
    first = predictor.predict(texts[:1])[0]
    expected = [s["label"] for s in usage["scores"] if s["score"] >= usage["THRESHOLD"]]
    assert sorted(expected) == sorted(first.labels) and usage["printed"].strip() == repr(expected)


def test_the_regression_cards_pipeline_gives_the_predictors_number(task_runs):
    from finetune.predict.predictor import Predictor

    run_dir = task_runs["regression"]
    text = render_model_card(run_dir, repo_id="alice/sts")
    usage = _run_usage(text, "alice/sts", run_dir / "model")
    predictor = Predictor(str(run_dir), device="cpu", precision="fp32")
    rows = _predictions(run_dir)[:4]
    predictions = predictor.predict([r["text"] for r in rows], [r["text_pair"] for r in rows])
    for row, prediction in zip(rows, predictions):
        number = usage["regressor"]([{"text": row["text"], "text_pair": row["text_pair"]}])[0]["score"]
        assert abs(number - prediction.value) < 1e-5, (number, prediction.value)
    assert abs(float(usage["printed"]) - predictions[0].value) < 1e-5  # the card's own example: the first row
