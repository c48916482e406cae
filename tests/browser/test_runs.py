"""Comparing runs in the browser: two finished runs, two curves per chart, the config diff."""

from __future__ import annotations

import json
import shutil

from tests.browser.helpers import chart, numeric


def test_compare_two_finished_runs(page, app_server, finished_tiny_run):
    for name, lr in (("run-a", 0.001), ("run-b", 0.0005)):
        target = shutil.copytree(finished_tiny_run, app_server["runs"] / name)
        config = json.loads((target / "config.json").read_text())
        config["train"]["learning_rate"] = lr
        (target / "config.json").write_text(json.dumps(config))
    page.get_by_role("tab", name="Runs").click()
    box = page.locator("#runs-pick input")
    for name in ("run-a", "run-b"):
        page.wait_for_timeout(2500)  # the list follows the runs folder (the page's stream polls every 2 s)
        box.click()
        box.fill(name)
        box.press("Enter")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.locator("#runs-compare").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#runs-loss-plot g.mark-line path').length >= 2", timeout=60_000
    )
    for elem_id in ("runs-loss-plot", "runs-val-loss-plot", "runs-metric-plot"):
        drawn = chart(page, elem_id)
        assert len(drawn["lines"]) == 2, (elem_id, drawn["lines"])  # one curve per run
        assert set(drawn["legendLabels"]) == {"run-a", "run-b"}
        assert all(numeric(t) for t in drawn["axisLabels"]), drawn["axisLabels"]
    diff = page.locator("#runs-diff").inner_text()
    assert "learning_rate" in diff and "0.001" in diff and "0.0005" in diff
    assert "accuracy" in page.locator("#runs-metrics").inner_text()
