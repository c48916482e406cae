"""Comparing runs in the browser: finished runs, a curve per run in each chart, the config diff; a run that
logged a single point still shows, and at 800 px every run is named in the legend."""

from __future__ import annotations

import json
import re
import shutil

from tests.browser.helpers import chart, numeric, open_page, pick_and_compare


def copy_run(finished_tiny_run, runs, name: str, learning_rate: float):
    target = shutil.copytree(finished_tiny_run, runs / name)
    config = json.loads((target / "config.json").read_text())
    config["train"]["learning_rate"] = learning_rate
    (target / "config.json").write_text(json.dumps(config))
    return target


def keep_one_point(run_dir) -> None:
    """A run that logged its training loss and its validation metrics once (a very short run)."""
    path = run_dir / "events.jsonl"
    events = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    first_loss = next(i for i, e in enumerate(events) if e["type"] == "progress" and e.get("loss") is not None)
    first_eval = next(i for i, e in enumerate(events) if e["type"] == "evaluation" and e.get("step") is not None)
    kept = [
        e for i, e in enumerate(events) if e["type"] not in ("progress", "evaluation") or i in (first_loss, first_eval)
    ]
    path.write_text("".join(json.dumps(e) + "\n" for e in kept))


def test_compare_two_finished_runs(page, app_server, finished_tiny_run):
    for name, lr in (("run-a", 0.001), ("run-b", 0.0005)):
        copy_run(finished_tiny_run, app_server["runs"], name, lr)
    pick_and_compare(page, ("run-a", "run-b"))
    page.wait_for_function(
        "() => document.querySelectorAll('#runs-loss-plot g.mark-line path').length >= 2", timeout=60_000
    )
    for elem_id in ("runs-loss-plot", "runs-val-loss-plot", "runs-metric-plot"):
        drawn = chart(page, elem_id)
        # one curve per run; a run evaluated once (these copies: one epoch) has one point per run instead
        assert len(drawn["lines"]) == 2 or drawn["points"] == 2, (elem_id, drawn)
        assert all(numeric(t) for t in drawn["axisLabels"]), drawn["axisLabels"]
    assert len(chart(page, "runs-loss-plot")["lines"]) == 2
    legend = page.locator("#runs-legend").inner_text()
    assert "run-a" in legend and "run-b" in legend
    diff = page.locator("#runs-diff").inner_text()
    assert "learning_rate" in diff and "0.001" in diff and "0.0005" in diff
    assert "accuracy" in page.locator("#runs-metrics").inner_text()


def test_a_one_point_run_is_drawn_and_every_run_is_in_the_legend_at_800_px(browser, app_server, finished_tiny_run):
    names = ("a-run-with-a-rather-long-name-lr-0.001", "another-run-with-a-long-name-lr-0.0005", "short")
    for name, lr in zip(names, (0.001, 0.0005, 0.002)):
        copy_run(finished_tiny_run, app_server["runs"], name, lr)
    keep_one_point(app_server["runs"] / "short")
    context, page = open_page(browser, app_server["url"], width=800)
    try:
        pick_and_compare(page, names)
        page.wait_for_function("() => document.querySelectorAll('#runs-loss-plot g.mark-symbol path').length > 0")
        for elem_id in ("runs-loss-plot", "runs-val-loss-plot", "runs-metric-plot"):
            drawn = chart(page, elem_id)
            # the one-point run makes the chart draw points: every run visible, the short one as one mark
            assert drawn["points"] >= 3, (elem_id, drawn)
            assert drawn["axisLabels"] and all(numeric(t) for t in drawn["axisLabels"]), drawn["axisLabels"]
            assert not any(re.search(r"\.\d{5,}", t) for t in drawn["axisLabels"]), drawn["axisLabels"]
        legend = page.locator("#runs-legend")
        shown = legend.inner_text()
        assert all(name in shown for name in names), shown  # whole names, none cut short
        box = legend.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 800, box
        assert page.locator("#runs-legend .legend-item").count() == 3
    finally:
        context.close()
