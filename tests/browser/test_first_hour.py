"""A newcomer's first hour, in one page that is never reloaded: every tab on open, then a first training.

What is asserted is what the page draws: chart geometry, numeric axes, legends inside their chart,
lists that follow a run that just finished. Its app starts on an empty runs folder.
"""

from __future__ import annotations

import json
import time

from tests.browser.helpers import chart, inside, latest_run, numeric, set_dropdown, start_run, wait_status


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    page.wait_for_timeout(300)


def test_every_tab_shows_a_useful_state_on_open(page):
    # Model & Data: the preview of the preselected example, with label names (not ids) in its rows
    page.wait_for_function("() => document.querySelector('#data-summary').innerText.includes('Labels (2)')")
    rows = page.locator("#data-rows").inner_text()
    assert "positive" in rows and "negative" in rows
    assert "label id" in rows
    # Train: says what to do, nothing half-drawn
    open_tab(page, "Train")
    assert "No run yet" in page.locator("#run-header").inner_text()
    # the command-line box is hidden until asked for (empty, it was a large blank area), then shows the command
    page.get_by_text("Configuration file and command line").click()
    assert page.locator("#cli-command").count() == 0 or not page.locator("#cli-command").is_visible()
    page.get_by_role("button", name="Show CLI command").click()
    page.wait_for_function(
        "() => (document.querySelector('#cli-command') || {innerText: ''}).innerText.includes('python -m finetune')"
    )
    # Tokenizer: the prefilled text is already tokenized
    open_tab(page, "Tokenizer")
    page.wait_for_function(
        "() => (document.querySelector('#tok-decoded textarea') || {}).value.includes('transformer network')"
    )
    assert "##er" in page.locator("#tok-table").inner_text()
    assert "10" in page.locator("#tok-counts").inner_text()
    # Predict: no run yet, so the base checkpoint, with a plain warning before anything is predicted
    open_tab(page, "Predict")
    assert page.locator("#pred-model input").input_value() == "bundled-minilm"
    page.wait_for_function("() => document.querySelector('#pred-warning').innerText.includes('base checkpoint')")
    # Hub: nothing to push yet
    open_tab(page, "Hub")
    assert page.locator("#hub-run input").input_value() == ""


def test_first_training_draws_right_and_every_tab_follows_it(page, app_server, tiny_checkpoint):
    start_run(page, tiny_checkpoint, epochs=6)  # 288 steps: several loss points and evaluations
    # -- while it runs, without a reload: the charts are drawn on numeric axes from the first points
    page.wait_for_function(
        "() => document.querySelectorAll('#loss-plot g.mark-line path').length > 0 && "
        "(document.querySelector('#loss-plot g.mark-line path').getAttribute('d') || '')"
        ".split(/[LM]/).length > 3",
        timeout=120_000,
    )
    page.wait_for_function(
        "() => document.querySelectorAll('#metric-plot g.mark-symbol path').length > 0", timeout=120_000
    )
    assert page.locator("#run-status").text_content() == "running"
    loss = chart(page, "loss-plot")
    line = loss["lines"][0]
    vertices = line["d"].count("L") + 1
    assert vertices >= 3 and line["box"]["w"] > 1 and line["box"]["h"] > 1, f"no drawn training-loss line: {line}"
    assert inside(line["box"], loss["chart"]), (line, loss["chart"])
    assert loss["axisLabels"] and all(numeric(t) for t in loss["axisLabels"]), loss["axisLabels"]
    assert "Training loss" in loss["title"]
    metrics = chart(page, "metric-plot")
    assert metrics["points"] >= 3  # accuracy, f1 and MCC of the first evaluation
    assert all(numeric(t) for t in metrics["axisLabels"]), metrics["axisLabels"]
    legend = page.locator("#live-legend").inner_text()  # one legend above the charts, never cut short
    assert all(name in legend for name in ("accuracy", "F1", "MCC")), legend
    assert not metrics["legend"], metrics  # the charts' own (truncating) legends are off
    val = chart(page, "val-loss-plot")
    assert val["points"] >= 1 and all(numeric(t) for t in val["axisLabels"]), val
    # -- when it ends: history, Predict and Hub follow it, in this same page
    wait_status(page, "finished", timeout=300)
    run = latest_run(app_server)
    # every evaluation is drawn, the last one too (gradio's plot drew an update's previous value in a stream)
    evaluations = [e for e in map(json.loads, open(run.path / "events.jsonl")) if e["type"] == "evaluation"]
    assert len(evaluations) >= 2
    page.wait_for_function(
        "(n) => { const count = (id) => document.querySelectorAll('#' + id + ' svg g.mark-symbol path').length; "
        "return count('val-loss-plot') === n && count('metric-plot') === 3 * n; }",
        arg=len(evaluations),
        timeout=15_000,
    )
    page.wait_for_function(
        "(id) => document.querySelector('#run-history').innerText.includes('finished')", arg=run.run_id, timeout=30_000
    )
    history = page.locator("#run-history").inner_text()
    assert run.run_id in history and "starting" not in history and "running" not in history
    # the log shows its last line: scrolled to the end, with more lines than the box holds
    page.wait_for_function(
        "() => { const box = document.querySelector('#run-log textarea'); return box.scrollHeight > "
        "box.clientHeight && box.scrollTop + box.clientHeight >= box.scrollHeight - 2; }",
        timeout=10_000,
    )
    assert page.locator("#run-log textarea").evaluate("b => b.scrollTop") > 0
    open_tab(page, "Predict")
    page.wait_for_function(
        "(id) => document.querySelector('#pred-model input').value === id", arg=run.run_id, timeout=30_000
    )
    page.wait_for_function("() => document.querySelector('#pred-text textarea').value.length > 0")  # an example
    page.locator("#pred-btn").click()
    page.wait_for_function(
        "() => { const t = document.querySelector('#pred-label').innerText;"
        " return t.includes('negative') && t.includes('positive') && t.includes('%'); }"
    )
    assert "Untrained" not in page.locator("#pred-warning").inner_text()
    # the evaluation report names its run; another model clears the report and the prediction
    page.get_by_text("Evaluation report").click()
    page.locator("#eval-btn").click()
    page.wait_for_function("() => document.querySelector('#confusion-matrix') !== null")
    assert run.run_id in page.locator("#eval-title").inner_text()
    set_dropdown(page, "pred-model", "bundled-minilm")
    page.wait_for_function(
        "() => document.querySelector('#confusion-matrix') === null && "
        "!document.querySelector('#pred-label').innerText.includes('%')",
        timeout=15_000,
    )
    assert page.locator("#eval-title").inner_text().strip() == ""
    assert not page.locator("#eval-overall").is_visible()  # hidden until a report fills it (no '1 2 3' headers)
    open_tab(page, "Hub")
    page.wait_for_function("(id) => document.querySelector('#hub-run input').value === id", arg=run.run_id)


def test_predicting_with_a_base_checkpoint_warns_next_to_the_result(page):
    open_tab(page, "Predict")
    box = page.locator("#pred-model input")
    box.click()
    box.fill("bundled-minilm")
    box.press("Enter")
    page.locator("#pred-text textarea").fill("A quiet, lovely film.")
    page.locator("#pred-btn").click()
    page.wait_for_function("() => document.querySelector('#pred-warning').innerText.includes('Untrained head')")
    assert "%" in page.locator("#pred-label").inner_text()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:  # the stream's list refresh does not take the person's pick back
        assert page.locator("#pred-model input").input_value() == "bundled-minilm"
        time.sleep(0.5)
