"""A k-fold run in the browser: every fold's curves stay on the charts, one progress bar runs over all folds, and
the summary, the run history and Compare show the same mean ± std (the sample std, ddof=1)."""

from __future__ import annotations

import json
import re
import shutil
import statistics

from tests.browser.helpers import chart, latest_run, pick_and_compare, set_dropdown, set_number, wait_status


def test_fold_curves_stay_and_one_std_convention_everywhere(page, app_server, tiny_checkpoint, finished_tiny_run):
    page.get_by_role("tab", name="Model & Data").click()
    set_dropdown(page, "cfg-checkpoint", str(tiny_checkpoint))
    page.get_by_role("tab", name="Train", exact=True).click()
    set_number(page, "cfg-cv_folds", 3)
    set_number(page, "cfg-num_train_epochs", 1)
    set_number(page, "cfg-per_device_train_batch_size", 8)
    set_number(page, "cfg-learning_rate", 0.001)
    page.get_by_text("Advanced hyperparameters").click()
    set_number(page, "cfg-logging_steps", 2)  # several loss points per fold
    page.locator("#start-btn").click()
    page.wait_for_function("() => document.querySelector('#run-status') !== null")
    shares = []
    for _ in range(600):  # while it runs: the bar never goes back (folds and evaluations included)
        share = page.locator("#run-bar").get_attribute("data-share") if page.locator("#run-bar").count() else None
        if share is not None:
            shares.append(float(share))
        if page.locator("#run-status").text_content() == "finished":
            break
        page.wait_for_timeout(250)
    wait_status(page, "finished", timeout=300)
    assert shares and all(b >= a for a, b in zip(shares, shares[1:])), shares
    page.wait_for_function("() => document.querySelector('#run-bar').dataset.share === '100.0'", timeout=15_000)
    assert not page.locator("#run-progress").inner_text().strip().endswith("per fold")
    # every fold's training loss is still drawn, one line each, named in the legend
    # (a fold that logged its loss once is drawn as points: the chart then draws every fold as points)
    page.wait_for_function(
        "() => document.querySelectorAll('#loss-plot g.mark-line path').length >= 3 || "
        "document.querySelectorAll('#loss-plot g.mark-symbol path').length >= 3"
    )
    drawn = chart(page, "loss-plot")
    assert len(drawn["lines"]) == 3 or drawn["points"] >= 3, drawn
    legend = page.locator("#live-legend").inner_text()
    assert all(f"fold {i}" in legend for i in (1, 2, 3)), legend

    run = latest_run(app_server)
    per_fold = json.loads((run.path / "metrics.json").read_text())
    folds = per_fold["cross_validation"]["metrics"]["accuracy"]["per_fold"]
    expected = f"{statistics.fmean(folds):.4f} ± {statistics.stdev(folds):.4f}"  # sample std, ddof=1
    page.wait_for_function("(e) => document.querySelector('#run-summary').innerText.includes(e)", arg=expected)
    assert "sample std" in page.locator("#run-summary").inner_text()  # the page says which std
    page.wait_for_function(
        "(e) => document.querySelector('#run-history').innerText.includes(e)", arg=expected, timeout=15_000
    )
    f1 = per_fold["cross_validation"]["metrics"]["f1"]
    shown_f1 = f"{f1['mean']:.4f} ± {f1['std']:.4f}"
    assert shown_f1 in page.locator("#run-summary").inner_text()
    assert shown_f1 in page.locator("#run-history").inner_text()  # the folds' mean, not the pooled F1
    # Compare: the same numbers
    shutil.copytree(finished_tiny_run, app_server["runs"] / "plain")
    pick_and_compare(page, (run.run_id, "plain"))
    page.wait_for_function("() => (document.querySelector('#runs-metrics') || {innerText: ''}).innerText.includes('±')")
    metrics = page.locator("#runs-metrics").inner_text()
    assert expected in metrics and shown_f1 in metrics, metrics
    assert not re.search(r"± 0\.\d{5,}", metrics)
