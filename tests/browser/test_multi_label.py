"""A multi-label run in the browser, from the preview to Predict: the preview names the task and counts the rows
having each label, the Train form offers the task's metrics and the threshold, the finished run's report has the
per-label table and the threshold it used, and Predict draws every label's probability against a threshold slider
that starts at the model's threshold and decides the label set again as it moves."""

from __future__ import annotations

import json

from tests.browser.helpers import latest_run, numeric, set_dropdown, set_number, wait_status

TICKETS = "Example: English support tickets (multi-label)"
LABELS = ["billing", "bug", "feature_request", "login", "refund", "shipping"]

# what vega drew in a gr.Plot (a vega-lite spec drawn as SVG): bars, their fill, rules, axis labels and titles
PLOT_GEOMETRY = """(id) => {
  const svg = document.querySelector('#' + id + ' svg.marks');
  if (!svg) return null;
  const box = (el) => { const r = el.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; };
  const texts = (role) => [...svg.querySelectorAll('g.' + role + ' text')].map(t => t.textContent);
  const marks = (name) => [...svg.querySelectorAll('g.' + name)];
  return {
    svg: box(svg),
    bars: marks('mark-rect').flatMap(g => [...g.querySelectorAll('path')]).map(p => ({...box(p),
      fill: p.getAttribute('fill')})),
    rules: marks('mark-rule').filter(g => !g.closest('g.role-axis'))
      .flatMap(g => [...g.querySelectorAll('line')]).map(box),
    axisLabels: texts('role-axis-label'), axisTitles: texts('role-axis-title'), title: texts('role-title'),
  };
}"""


def plot(page, elem_id: str):
    return page.evaluate(PLOT_GEOMETRY, elem_id)


def set_slider(page, elem_id: str, value: float) -> None:
    box = page.locator(f"#{elem_id} input[type=number]")
    box.fill(str(value))
    box.press("Enter")


def fill(page, elem_id: str, value: object) -> None:
    """A config box that may be empty (a text box) or a number."""
    box = page.locator(f"#{elem_id} input, #{elem_id} textarea").first
    box.fill(str(value))
    box.press("Tab")


def shown_set(page) -> str:
    return page.locator("#pred-set").inner_text()


def test_multi_label_from_the_preview_to_the_threshold_slider(page, app_server, tiny_checkpoint):
    # -- Model & Data: the preview says multi-label, why, and counts the rows having each label
    page.wait_for_function("() => document.querySelector('#data-summary').innerText.includes('Labels (2)')")
    set_dropdown(page, "dataset-preset", TICKETS)  # after the page's own preview, which would replace this one
    set_dropdown(page, "cfg-checkpoint", str(tiny_checkpoint))
    page.locator("#preview-btn").click()
    page.wait_for_function(
        "() => document.querySelector('#data-task') && "
        "document.querySelector('#data-task').innerText.includes('multi-label')",
        timeout=60_000,
    )
    assert "the label column holds lists of labels" in page.locator("#data-task").inner_text()
    assert "feature_request, refund" in page.locator("#data-rows").inner_text()  # rows show their label sets
    page.wait_for_function("() => document.querySelectorAll('#label-dist g.mark-rect path').length === 12")
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('#label-dist svg g.role-axis-label text')].map(t => t.textContent)"
    )
    assert all(name in drawn for name in LABELS), drawn  # the tickets' labels, not the previous data's
    assert "rows having each label" in page.locator("#label-dist").inner_text()
    fill(page, "cfg-max_train_samples", 160)
    fill(page, "cfg-max_eval_samples", 80)
    # -- Train: the task's metrics, the threshold fields
    page.get_by_role("tab", name="Train", exact=True).click()
    page.wait_for_function("() => document.querySelector('#train-task-note').innerText.includes('multi-label')")
    assert page.locator("#cfg-metric_for_best_model input").input_value() == "f1_micro"
    assert page.locator("#threshold-box").is_visible()
    page.locator("#cfg-tune_threshold input").check()
    set_number(page, "cfg-num_train_epochs", 3)
    set_number(page, "cfg-per_device_train_batch_size", 8)
    set_number(page, "cfg-learning_rate", 0.003)
    page.locator("#start-btn").click()
    page.wait_for_function("() => document.querySelector('#run-status') !== null")
    wait_status(page, "finished", timeout=300)
    run = latest_run(app_server)
    assert json.loads((run.path / "config.json").read_text())["data"]["task"] == "auto"
    tuned = json.loads((run.path / "model" / "config.json").read_text())["decision_threshold"]
    legend = page.locator("#live-legend").inner_text()
    assert legend.split("\n")[1:] == ["micro F1", "macro F1", "subset accuracy", "Hamming loss ↓"], legend
    page.wait_for_function("() => document.querySelectorAll('#metric-plot g.mark-symbol path').length >= 4")
    summary = page.locator("#run-summary").inner_text()
    assert "f1_micro" in summary and "decision threshold" in summary and "tuned on validation" in summary
    # -- Predict: the model's threshold, every label's probability, the set
    page.get_by_role("tab", name="Predict").click()
    page.wait_for_function(
        "(id) => document.querySelector('#pred-model input').value === id", arg=run.run_id, timeout=30_000
    )
    page.wait_for_function(
        "() => document.querySelector('#pred-threshold') && "
        "document.querySelector('#pred-threshold').offsetParent !== null"
    )
    slider = page.locator("#pred-threshold input[type=number]")
    page.wait_for_function(
        "(t) => Number(document.querySelector('#pred-threshold input[type=number]').value) === t", arg=tuned
    )
    assert not page.locator("#pred-label").is_visible()  # the softmax view is for single-label models
    page.locator("#pred-text textarea").fill("I was charged twice and now I cannot log in to my account.")
    page.locator("#pred-text-pair textarea").fill("")
    page.locator("#pred-btn").click()
    page.wait_for_function("() => document.querySelector('#pred-chart svg.marks g.mark-rect') !== null")
    drawn = plot(page, "pred-chart")
    assert len(drawn["bars"]) == 6 and all(bar["w"] > 0 for bar in drawn["bars"]), drawn
    assert [t for t in drawn["axisLabels"] if t in LABELS] == LABELS  # one bar per label, in the model's order
    assert drawn["axisTitles"] == ["probability"] and drawn["title"] == [
        "probability of every label (sigmoid), and the threshold"
    ]
    numbers = [t for t in drawn["axisLabels"] if t not in LABELS]
    assert numbers and all(numeric(t) for t in numbers) and "1.0" in numbers  # a probability axis, 0 to 1
    assert len(drawn["rules"]) == 1  # the threshold
    assert f"{tuned:g}" in page.locator("#pred-result").inner_text()

    def rule_x() -> float:
        return plot(page, "pred-chart")["rules"][0]["x"]

    def green_bars() -> int:
        return sum(bar["fill"] == "#16a34a" for bar in plot(page, "pred-chart")["bars"])

    # -- the slider decides again: all labels at 0.01, none at 0.99, and the line moves
    set_slider(page, "pred-threshold", 0.01)
    page.wait_for_function("() => document.querySelector('#pred-set').innerText.split(',').length === 6")
    low = rule_x()
    assert green_bars() == 6 and all(name in shown_set(page) for name in LABELS)
    set_slider(page, "pred-threshold", 0.99)
    page.wait_for_function("() => document.querySelector('#pred-set').innerText.includes('none of the labels')")
    assert rule_x() > low + 100 and green_bars() == 0
    assert slider.input_value() == "0.99"
    # -- the evaluation report: per-label precision, recall, F1 and support, and the threshold it used
    page.get_by_text("Evaluation report").click()
    page.locator("#eval-btn").click()
    page.wait_for_function(
        "() => (document.querySelector('#eval-per-class') || {innerText: ''}).innerText.includes('support')"
    )
    table = page.locator("#eval-per-class").inner_text()
    assert all(word in table for word in ("precision", "recall", "f1", "support", *LABELS)), table
    note = page.locator("#eval-note").inner_text()
    assert f"decision threshold: {tuned:g} (tuned on validation; configured 0.5)" in note, note
    assert page.locator("#confusion-matrix").count() == 0  # a single-label view
