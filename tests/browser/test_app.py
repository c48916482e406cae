"""The studio in a real browser: train with live log and curves, stop, reload mid-run, tokenizer, predict."""

from __future__ import annotations

import json
import re
import time

import pytest

from finetune.runs import list_runs, read_status


def set_dropdown(page, elem_id: str, value: str) -> None:
    box = page.locator(f"#{elem_id} input")
    box.click()
    box.fill(value)
    box.press("Enter")
    page.locator("body").click(position={"x": 5, "y": 5})


def set_number(page, elem_id: str, value) -> None:
    box = page.locator(f"#{elem_id} input").first
    box.fill(str(value))
    box.press("Tab")


def log_text(page) -> str:
    return page.locator("#run-log textarea").input_value()


def start_run(page, tiny_checkpoint, epochs: int, batch: int = 4) -> None:
    page.get_by_role("tab", name="Model & Data").click()
    set_dropdown(page, "cfg-checkpoint", str(tiny_checkpoint))
    page.get_by_role("tab", name="Train").click()
    set_number(page, "cfg-num_train_epochs", epochs)
    set_number(page, "cfg-per_device_train_batch_size", batch)
    set_number(page, "cfg-learning_rate", 0.001)
    page.locator("#start-btn").click()
    page.wait_for_function("() => document.querySelector('#run-status') !== null")


def wait_log(page, pattern: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log_text(page)
        if re.search(pattern, text):
            return text
        time.sleep(0.5)
    raise AssertionError(f"log never matched {pattern!r}: {log_text(page)[-1500:]}")


def wait_status(page, wanted: str, timeout: float = 240) -> None:
    page.wait_for_function(f"() => (document.querySelector('#run-status') || {{}}).textContent === '{wanted}'",
                           timeout=timeout * 1000)


def max_step(page) -> int:
    return max((int(s) for s in re.findall(r"step (\d+)/", log_text(page))), default=0)


def assert_advances(page, timeout: float = 60) -> None:
    """The page's log shows a later step than it shows now, within ``timeout`` seconds."""
    before = max_step(page)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if max_step(page) > before:
            return
        time.sleep(0.5)
    raise AssertionError(f"the page's log stayed at step {before}")


def latest_run(app_server):
    runs = list_runs(app_server["runs"])
    assert runs, "no run was created"
    return runs[0]


def test_train_shows_live_log_curves_and_final_metrics(page, app_server, tiny_checkpoint):
    start_run(page, tiny_checkpoint, epochs=25)
    wait_log(page, r"step \d+/\d+ .*loss")
    assert "running" in page.locator("#run-status").text_content()  # log lines arrive while it runs
    page.wait_for_selector("#loss-plot .vega-embed, #loss-plot canvas, #loss-plot svg", timeout=60_000)
    wait_status(page, "finished")
    summary = page.locator("#run-summary").inner_text()
    assert "Finished" in summary and "accuracy" in summary
    page.wait_for_selector("#metric-plot .vega-embed, #metric-plot canvas, #metric-plot svg")
    run = latest_run(app_server)
    metrics = json.loads((run.path / "metrics.json").read_text())
    assert f"{metrics['validation']['metrics']['accuracy']:.4f}" in summary


def test_stop_midway_gives_cancelled_run_with_usable_model(page, app_server, tiny_checkpoint):
    start_run(page, tiny_checkpoint, epochs=400)
    wait_log(page, r"step \d+/\d+")
    page.locator("#stop-btn").click()
    wait_status(page, "cancelled", timeout=120)
    run = latest_run(app_server)
    assert read_status(run.path)["status"] == "cancelled"
    from finetune.predict import Predictor

    result = Predictor(str(run.path)).predict("The concert was a genuine pleasure.")[0]
    assert result.label in ("negative", "positive")
    assert abs(sum(result.probabilities.values()) - 1) < 1e-6


def test_reload_mid_run_reattaches_and_keeps_streaming(page, app_server, tiny_checkpoint):
    start_run(page, tiny_checkpoint, epochs=400)
    wait_log(page, r"step \d+/\d+")
    page.reload()
    page.get_by_role("tab", name="Train").click()
    first = wait_log(page, r"step \d+/\d+")
    steps_before = max(int(s) for s in re.findall(r"step (\d+)/", first))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        steps = [int(s) for s in re.findall(r"step (\d+)/", log_text(page))]
        if steps and max(steps) > steps_before:
            break
        time.sleep(0.5)
    else:
        raise AssertionError("no new progress after reload")
    assert "running" in page.locator("#run-status").text_content()
    # a second page on the same run: both stream (a page's stream never ends another page's)
    other = page.context.new_page()
    other.goto(app_server["url"])
    other.get_by_role("tab", name="Train").click()
    wait_log(other, r"step \d+/\d+")
    for viewer in (page, other):
        assert_advances(viewer)
    other.close()
    # pressing Start while it runs: a clear message, and the running job is untouched
    page.locator("#start-btn").click()
    page.get_by_text("already running").first.wait_for()
    run = latest_run(app_server)
    assert read_status(run.path)["status"] == "running"
    page.locator("#stop-btn").click()
    wait_status(page, "cancelled", timeout=120)


def test_tokenizer_tab_shows_pair_table_and_highlights(page):
    page.get_by_role("tab", name="Tokenizer").click()
    page.locator("#tok-text textarea").fill("The cat sat on the mat.")
    page.locator("#tok-text-pair textarea").fill("A dog ran home.")
    page.wait_for_function("() => { const d = document.querySelector('#tok-decoded textarea');"
                           " return d && d.value.includes('dog'); }")
    table = page.locator("#tok-table").inner_text()
    assert "[CLS]" in table and "cat" in table and "token_type_id" in table
    page.wait_for_function("() => document.querySelector('#tok-highlight').innerText.includes('dog')")
    highlight = page.locator("#tok-highlight").inner_text()
    assert "cat" in highlight and "dog" in highlight
    raw = page.locator("#tok-raw").inner_text()
    assert "token_type_ids" in raw
    types = json.loads(raw[raw.index("{"):raw.rindex("}") + 1])["token_type_ids"]
    assert set(types) == {0, 1}


def test_predict_shows_every_label_probability(page, app_server, tiny_checkpoint):
    run = next((r for r in list_runs(app_server["runs"]) if r.status == "finished"), None)
    if run is None:  # run alone: train one the way the app would find it
        from conftest import tiny_config
        from finetune.runs import Run
        from finetune.training import run_training

        config = tiny_config(tiny_checkpoint, app_server["runs"])
        run_dir = Run.create(app_server["runs"], config, "predict-run")
        assert run_training(config, run_dir)["status"] == "finished"
        run = next(r for r in list_runs(app_server["runs"]) if r.run_id == "predict-run")
    page.get_by_role("tab", name="Predict").click()
    set_dropdown(page, "pred-model", run.run_id)
    page.locator("#pred-text textarea").fill("The bakery downtown tastes fresh.")
    page.locator("#pred-btn").click()
    page.wait_for_function("() => { const t = document.querySelector('#pred-label').innerText;"
                           " return t.includes('negative') && t.includes('positive'); }")
    text = page.locator("#pred-label").inner_text()
    assert re.search(r"\d+%", text)
