"""The app's public API, as a gradio_client sees it: four named functions, nothing internal."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def client(app_server):
    from gradio_client import Client

    return Client(app_server["url"], verbose=False)


def test_only_the_named_public_functions_are_listed(client):
    api = client.view_api(print_info=False, return_format="dict")
    assert sorted(api["named_endpoints"]) == ["/inspect", "/predict", "/predict_batch", "/tokenize"]
    params = [p["parameter_name"] for p in api["named_endpoints"]["/predict"]["parameters"]]
    assert params == ["model", "text", "text_pair"]
    assert not api["unnamed_endpoints"]
    listed = " ".join(api["named_endpoints"])
    for internal in ("start", "stop", "delete", "push", "lambda"):
        assert internal not in listed


def test_predict_and_tokenize_through_the_client(client):
    out = client.predict(model="bundled-minilm", text="A fine film.", api_name="/predict")
    assert set(out["probabilities"]) == {"LABEL_0", "LABEL_1"} and out["label"] in out["probabilities"]
    assert abs(sum(out["probabilities"].values()) - 1) < 1e-5 and "no trained classification head" in out["warning"]
    batch = client.predict(model="bundled-minilm", texts=["One.", "Two."], api_name="/predict_batch")
    assert len(batch) == 2 and all(set(row["probabilities"]) == {"LABEL_0", "LABEL_1"} for row in batch)
    tokens = client.predict(checkpoint="bundled-minilm", text="Hello world", api_name="/tokenize")
    assert tokens["decoded"] == "[CLS] hello world [SEP]" and tokens["tokens"] == ["[CLS]", "hello", "world", "[SEP]"]
    assert tokens["input_ids"][0] == 101 and tokens["n_unknown"] == 0
    inside = client.predict(
        model="bundled-minilm", texts=["A short line.", "A second, longer line here."], api_name="/inspect"
    )
    assert inside["card"]["sizes"] and inside["card"]["head_trained"] is False
    assert any(s["name"] == "last_hidden_state" and s["shape"][0] == 2 for s in inside["batch"]["shapes"])


def test_internal_handlers_cannot_be_called(client):
    from gradio_client.exceptions import AppError

    with pytest.raises((ValueError, AppError, KeyError)):
        client.predict(api_name="/start")


def test_nothing_under_the_runs_folder_is_served(app_server):
    import urllib.error
    import urllib.request

    secret = app_server["runs"] / "some-run" / "process.log"
    secret.parent.mkdir(exist_ok=True)
    secret.write_text("training log with server paths")
    for url in (f"{app_server['url']}gradio_api/file={secret}", f"{app_server['url']}file={secret}"):
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = response.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            assert exc.code in (403, 404)
        else:
            assert "training log" not in body


def test_api_clients_get_error_text_plain_not_html_escaped(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as info:
        client.predict(model="no-such-model-<x>", text="A fine film.", api_name="/predict")
    message = str(info.value)
    assert "'no-such-model-<x>'" in message and "&#x27;" not in message and "&lt;" not in message
