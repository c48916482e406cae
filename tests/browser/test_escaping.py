"""Data-controlled strings are shown, never rendered: labels and paths holding HTML, in every place they appear."""

from __future__ import annotations

import csv

BEACON = "<img src=http://127.0.0.1:9/beacon>"


def test_html_in_labels_and_paths_is_shown_as_text(page, tmp_path):
    data = tmp_path / "html_labels.csv"
    rows = [("A calm and lovely film.", "<b>bold</b>"), ("A dull and noisy film.", BEACON)] * 10
    with open(data, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.wait_for_function("() => document.querySelector('#data-summary').innerText.includes('Labels (2)')")  # on load
    box = page.locator("#cfg-dataset textarea, #cfg-dataset input").first
    box.fill(str(data))
    page.locator("#preview-btn").click()
    page.wait_for_function("() => document.querySelector('#data-summary').innerText.includes('html_labels')")
    summary = page.locator("#data-summary")
    assert "<b>bold</b>" in summary.inner_text() and BEACON in summary.inner_text()
    assert summary.locator("b:text-is('bold'), img").count() == 0  # nothing was rendered as HTML
    # an error toast that repeats a path holding HTML shows it as text too
    box.fill(str(tmp_path / "<b>missing</b>.csv"))
    page.locator("#preview-btn").click()
    toast = page.locator("[data-testid='toast-body']").first
    toast.wait_for()
    assert "<b>missing</b>" in toast.inner_text()
    assert toast.locator("b").count() == 0
    assert not any("beacon" in url for url in requests)
