"""The studio in a real browser: train with live log and curves, stop, reload mid-run, tokenizer, predict."""

from __future__ import annotations

import json
import re
import time

from finetune.runs.events import read_events
from finetune.runs.run import Run, list_runs
from tests.browser.helpers import assert_advances, latest_run, log_text, set_dropdown, start_run, wait_log, wait_status


def test_train_shows_live_log_curves_and_final_metrics(page, app_server, tiny_checkpoint):
    start_run(page, tiny_checkpoint, epochs=6)
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
    # the progress line says the precision the run used and why, as its started event recorded them
    started = next(e for e in read_events(run.path / "events.jsonl")[0] if e["type"] == "started")
    shown = page.locator("#run-precision").inner_text()
    assert shown == f"{started['precision']}: {started['precision_reason']}" and started["precision_reason"]


def test_stop_midway_gives_cancelled_run_with_usable_model(page, app_server, tiny_checkpoint):
    start_run(page, tiny_checkpoint, epochs=400)
    wait_log(page, r"step \d+/\d+")
    page.locator("#stop-btn").click()
    wait_status(page, "cancelled", timeout=120)
    run = latest_run(app_server)
    assert Run(run.path).status()["status"] == "cancelled"
    from finetune.predict.predictor import Predictor

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
    assert Run(run.path).status()["status"] == "running"
    page.locator("#stop-btn").click()
    wait_status(page, "cancelled", timeout=120)


def test_tokenizer_tab_shows_pair_table_and_highlights(page):
    page.get_by_role("tab", name="Tokenizer").click()
    page.locator("#tok-text textarea").fill("The cat sat on the mat.")
    page.locator("#tok-text-pair textarea").fill("A dog ran home.")
    page.wait_for_function(
        "() => { const d = document.querySelector('#tok-decoded textarea'); return d && d.value.includes('dog'); }"
    )
    table = page.locator("#tok-table").inner_text()
    assert "[CLS]" in table and "cat" in table and "token_type_id" in table
    page.wait_for_function("() => document.querySelector('#tok-highlight').innerText.includes('dog')")
    highlight = page.locator("#tok-highlight").inner_text()
    assert "cat" in highlight and "dog" in highlight
    raw = page.locator("#tok-raw").inner_text()
    assert "token_type_ids" in raw
    types = json.loads(raw[raw.index("{") : raw.rindex("}") + 1])["token_type_ids"]
    assert set(types) == {0, 1}


def test_predict_shows_every_label_probability(page, app_server, tiny_checkpoint):
    run = next((r for r in list_runs(app_server["runs"]) if r.status == "finished"), None)
    if run is None:  # run alone: train one the way the app would find it
        from finetune.runs.run import Run
        from finetune.train.training import run_training
        from tests.helpers import tiny_config

        config = tiny_config(tiny_checkpoint, app_server["runs"])
        run_dir = Run.create(app_server["runs"], config, "predict-run")
        assert run_training(config, run_dir)["status"] == "finished"
        run = next(r for r in list_runs(app_server["runs"]) if r.run_id == "predict-run")
    page.get_by_role("tab", name="Predict").click()
    set_dropdown(page, "pred-model", run.run_id)
    page.locator("#pred-text textarea").fill("The bakery downtown tastes fresh.")
    page.locator("#pred-btn").click()
    page.wait_for_function(
        "() => { const t = document.querySelector('#pred-label').innerText;"
        " return t.includes('negative') && t.includes('positive'); }"
    )
    text = page.locator("#pred-label").inner_text()
    assert re.search(r"\d+%", text)
