"""Screenshot tour of the studio: a newcomer's first hour, as full-page PNGs to look at.

    .venv/bin/python scripts/tour.py OUTDIR [--port 7990] [--width 1400] [--lang en|zh] [--only all|tasks]

Starts ``app.py`` on a temporary runs folder, then in headless chromium (never reloading the page):
landing, each tab on open, Train mid-run and finished (the preselected example, default settings),
Inspect on open, Predict with a result and with the evaluation report open, Tokenizer with a pair and with the batch
view, Hub with the model card preview, the tutorials' printouts, the run exported as a plain loop; then a
3-fold run (mid-run and finished), Runs → Compare of both runs, and Compare, Train and Inspect again at
800 px; then a multi-label run (support tickets: preview, Train finished, Predict with the threshold, the
report's per-label table) and a regression run (sentence-pair scores: preview, Train finished, Predict and the
report's predicted-against-true scatter), at the tour's width. Look at every picture: the tests cannot see a
clipped legend.
``--lang zh`` opens the page with a Chinese browser (the page follows it), so the same tour shows the
Chinese page; run it at ``--width 1400`` and ``--width 800`` to see long Chinese labels wrap, not clip.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


LOCALES = {"en": "en-US", "zh": "zh-CN"}


class Tour:
    def __init__(self, page, out: Path, lang: str = "en", runs: Path = Path("runs"), width: int = 1400) -> None:
        self.page, self.out, self.t0, self.runs, self.width = page, out, time.monotonic(), runs, width
        catalogue = json.loads((ROOT / "ui" / "locales" / "zh.json").read_text(encoding="utf-8"))["text"]
        self.words = catalogue if lang == "zh" else {}

    def w(self, text: str) -> str:
        """What the page shows for ``text`` in the tour's language."""
        return self.words.get(text, text)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.out / f"{name}.png"), full_page=True)
        print(f"{time.monotonic() - self.t0:6.1f}s  {name}.png", flush=True)

    def tab(self, name: str, exact: bool = False) -> None:
        self.page.get_by_role("tab", name=self.w(name), exact=exact).click()
        self.page.wait_for_timeout(600)

    def wait(self, script: str, timeout_s: float = 240) -> None:
        self.page.wait_for_function(script, timeout=timeout_s * 1000)


def wait_for_server(url: str, app: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if app.poll() is not None:
            raise SystemExit("the app exited before serving; see app.log")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the app did not answer at {url} within {timeout_s:.0f}s")


def run_tour(t: Tour) -> None:
    page = t.page
    t.wait(
        "() => document.querySelector('#data-summary') && "
        f"document.querySelector('#data-summary').innerText.includes('{t.w('label')}')",
        90,
    )
    t.shot("01-landing")
    t.shot("02-model-data-on-open")
    for name, shot in (
        ("Train", "03-train-on-open"),
        ("Tokenizer", "04-tokenizer-on-open"),
        ("Inspect", "05-inspect-on-open"),
        ("Predict", "06-predict-on-open"),
        ("Hub", "07-hub-on-open"),
    ):
        t.tab(name, exact=name in ("Inspect", "Train"))
        if name == "Tokenizer":
            t.wait("() => (document.querySelector('#tok-decoded textarea') || {}).value", 60)
        t.shot(shot)
    t.tab("Train", exact=True)
    page.locator("#start-btn").click()
    evaluated = t.w("eval ({split}) step {step}: {metrics}").split(" ")[0].split("（")[0]  # a log line's first word
    t.wait(
        "() => document.querySelectorAll('#loss-plot svg path').length > 0 && "
        f"(document.querySelector('#run-log textarea') || {{}}).value.includes('{evaluated}')",
        180,
    )
    page.wait_for_timeout(1500)
    t.shot("08-train-running")
    t.wait(f"() => (document.querySelector('#run-status') || {{}}).textContent === '{t.w('finished')}'", 900)
    page.wait_for_timeout(2500)
    t.shot("09-train-finished")
    t.tab("Predict")
    page.locator("#pred-text textarea").fill("A warm, funny and beautifully acted film.")
    page.locator("#pred-btn").click()
    t.wait("() => document.querySelector('#pred-label').innerText.includes('%')", 60)
    page.get_by_text(t.w("Behind the pipeline"), exact=True).click()
    page.wait_for_timeout(800)
    t.shot("10-predict-result")
    page.get_by_text(t.w("Evaluation report")).click()
    page.locator("#eval-btn").click()
    t.wait("() => document.querySelector('#confusion-matrix') !== null", 60)
    page.wait_for_timeout(800)
    t.shot("11-predict-evaluation-report")
    t.tab("Tokenizer")
    page.locator("#tok-text textarea").fill("The cat sat on the mat.")
    page.locator("#tok-text-pair textarea").fill("A dog slept by the door.")
    t.wait("() => (document.querySelector('#tok-decoded textarea') || {}).value.includes('dog')", 60)
    t.shot("12-tokenizer-pair")
    page.get_by_text(t.w("Batch: several lines padded together")).click()
    page.locator("#tok-batch-btn").click()
    t.wait("() => document.querySelector('#tok-batch').innerText.includes('[PAD]')", 60)
    t.shot("13-tokenizer-batch")
    t.tab("Hub")
    page.locator("#hub-card-btn").click()
    t.wait("() => (document.querySelector('#hub-card') || {innerText: ''}).innerText.includes('accuracy')", 60)
    page.wait_for_timeout(500)
    t.shot("14-hub-model-card")
    t.tab("Runs", exact=True)
    t.shot("15-runs-on-open")
    t.tab("Model & Data")
    page.get_by_text(t.w("The tutorials' printouts")).click()
    page.locator("#data-printouts-btn").click()
    page.locator("#data-metric-btn").click()
    t.wait(
        "() => ['#data-print-predict', '#data-print-metric'].every(id => "
        "(document.querySelector(id + ' .cm-content') || {innerText: ''}).innerText.includes(')'))",
        120,
    )
    page.wait_for_timeout(800)
    t.shot("16-model-data-printouts")
    t.tab("Train", exact=True)
    page.get_by_text(t.w("Configuration file and command line")).click()
    page.locator("#train-script-style").get_by_text("loop", exact=True).click()
    page.locator("#train-export").click()
    t.wait(
        "() => (document.querySelector('#train-script .cm-content') || {innerText: ''}).innerText"
        ".includes('DataLoader')",
        60,
    )
    page.wait_for_timeout(800)
    t.shot("17-train-script-loop")
    kfold_and_compare(t)


def fill(page, elem_id: str, value: object) -> None:
    box = page.locator(f"#{elem_id} input, #{elem_id} textarea").first
    box.fill(str(value))
    box.press("Tab")


def kfold_and_compare(t: Tour) -> None:
    """A short 3-fold run (every fold's curves kept), then Runs → Compare of it and the first run, then the same
    pages at 800 px (legends must wrap, not clip)."""
    page = t.page
    t.tab("Model & Data", exact=True)
    fill(page, "cfg-max_train_samples", 120)
    t.tab("Train", exact=True)
    fill(page, "cfg-cv_folds", 3)
    fill(page, "cfg-num_train_epochs", 1)
    page.locator("#start-btn").click()
    t.wait("() => /2\\/3/.test((document.querySelector('#run-progress') || {innerText: ''}).innerText)", 600)
    page.wait_for_timeout(1500)
    t.shot("16-train-kfold-running")
    t.wait(f"() => (document.querySelector('#run-status') || {{}}).textContent === '{t.w('finished')}'", 900)
    page.wait_for_timeout(2500)
    t.shot("17-train-kfold-finished")
    t.tab("Runs", exact=True)
    page.wait_for_timeout(2500)
    box = page.locator("#runs-pick input")
    for run_id in sorted(p.name for p in t.runs.iterdir() if (p / "config.json").exists()):
        box.click()
        box.fill(run_id)
        box.press("Enter")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.locator("#runs-compare").click()
    t.wait("() => document.querySelector('#runs-metrics') && document.querySelector('#runs-metrics').offsetParent", 60)
    page.wait_for_timeout(2000)
    t.shot("18-runs-compare")
    page.set_viewport_size({"width": 800, "height": 1000})
    page.wait_for_timeout(1500)
    t.shot("19-runs-compare-800px")
    t.tab("Train", exact=True)
    page.wait_for_timeout(1500)
    t.shot("20-train-kfold-800px")
    t.tab("Inspect", exact=True)
    t.shot("21-inspect-800px")
    page.set_viewport_size({"width": t.width, "height": 1000})
    multi_label_stops(t)
    regression_stops(t)


def task_tour(t: Tour) -> None:
    """The landing, then only the multi-label and regression stops."""
    t.wait("() => document.querySelector('#data-summary') && document.querySelector('#data-summary').innerText", 90)
    t.shot("01-landing")
    multi_label_stops(t)
    regression_stops(t)


def pick_preset(t: Tour, name: str, task_word: str) -> None:
    """The Model & Data tab on an example preset, previewed (without the k-fold stop's row cap)."""
    page = t.page
    t.tab("Model & Data", exact=True)
    box = page.locator("#dataset-preset input")
    box.click()
    box.fill(t.w(name))
    box.press("Enter")
    page.locator("body").click(position={"x": 5, "y": 5})
    fill(page, "cfg-max_train_samples", 300)
    fill(page, "cfg-max_eval_samples", 150)
    page.locator("#preview-btn").click()
    t.wait(
        f"() => (document.querySelector('#data-task') || {{innerText: ''}}).innerText.includes('{t.w(task_word)}')", 90
    )
    page.wait_for_timeout(1500)


def train_finished(t: Tour, shot: str, dataset: str, tune: bool = False) -> None:
    """Train the previewed data (1 fold, 3 epochs) and shoot the finished run (``dataset``: a word of its run's
    name, so the wait is for this run, not the one the page showed before)."""
    page = t.page
    t.tab("Train", exact=True)
    fill(page, "cfg-cv_folds", 0)
    fill(page, "cfg-num_train_epochs", 3)
    if tune:
        page.locator("#cfg-tune_threshold input").check()
    page.locator("#start-btn").click()
    t.wait(f"() => (document.querySelector('#run-header') || {{innerText: ''}}).innerText.includes('{dataset}')", 120)
    t.wait(f"() => (document.querySelector('#run-status') || {{}}).textContent === '{t.w('finished')}'", 900)
    page.wait_for_timeout(2500)
    t.shot(shot)


def show_report(t: Tour, ready: str, shot: str) -> None:
    """The Predict tab's evaluation report of the selected run (its accordion opened unless an earlier stop did)."""
    page = t.page
    if not page.locator("#eval-btn").is_visible():
        page.get_by_text(t.w("Evaluation report"), exact=True).click()
    page.locator("#eval-btn").click()
    t.wait(ready, 60)
    page.wait_for_timeout(1000)
    t.shot(shot)


def multi_label_stops(t: Tour) -> None:
    """Support tickets: the preview (task, per-label counts), the finished run, Predict with the threshold slider
    (at the tuned threshold, then lower), the report's per-label table."""
    page = t.page
    pick_preset(t, "Example: English support tickets (multi-label)", "multi-label")
    t.shot("22-model-data-multi-label")
    train_finished(t, "23-train-multi-label-finished", "support_tickets", tune=True)
    t.tab("Predict")
    page.wait_for_timeout(2500)  # the model list follows the finished run
    page.locator("#pred-text textarea").fill("I was charged twice this month and now the app will not let me log in.")
    page.locator("#pred-text-pair textarea").fill("")
    page.locator("#pred-btn").click()
    t.wait("() => document.querySelector('#pred-chart svg.marks g.mark-rect') !== null", 60)
    page.wait_for_timeout(1000)
    t.shot("24-predict-multi-label")
    box = page.locator("#pred-threshold input[type=number]")
    box.fill("0.2")
    box.press("Enter")
    page.wait_for_timeout(1500)
    t.shot("25-predict-multi-label-threshold-0.2")
    support = t.w("support")  # the per-label table's column
    ready = f"() => (document.querySelector('#eval-per-class') || {{innerText: ''}}).innerText.includes('{support}')"
    show_report(t, ready, "26-predict-multi-label-report")


def regression_stops(t: Tour) -> None:
    """Sentence-pair scores: the preview (the target's statistics), the finished run, Predict (the number, and what
    the model computes instead of a softmax), the report's scatter of predicted against true scores."""
    page = t.page
    pick_preset(t, "Example: English sentence pairs scored 0-5 (regression)", "regression")
    t.shot("27-model-data-regression")
    train_finished(t, "28-train-regression-finished", "sts_pairs")
    t.tab("Predict")
    page.wait_for_timeout(2500)
    page.locator("#pred-text textarea").fill("A man is playing a guitar on the stage.")
    page.locator("#pred-text-pair textarea").fill("On the stage, a man plays the guitar.")
    page.locator("#pred-btn").click()
    t.wait("() => document.querySelector('#pred-value') !== null", 60)
    if not page.locator("#pred-behind").is_visible():  # what the model computes instead of a softmax
        page.get_by_text(t.w("Behind the pipeline"), exact=True).click()
    page.wait_for_timeout(800)
    t.shot("29-predict-regression")
    show_report(t, "() => document.querySelector('#eval-scatter svg.marks') !== null", "30-predict-regression-report")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("outdir")
    parser.add_argument("--port", type=int, default=7990)
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument("--lang", choices=sorted(LOCALES), default="en", help="the browser's language")
    parser.add_argument(
        "--only",
        choices=("all", "tasks"),
        default="all",
        help="tasks: the landing, then the multi-label and regression stops",
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    out = Path(args.outdir)
    out.mkdir(parents=True, exist_ok=True)
    runs = tempfile.mkdtemp(prefix="tour-runs-")
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1")
    with open(out / "app.log", "w") as log:
        app = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(args.port), "--runs-dir", runs],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{args.port}/"
        wait_for_server(url, app)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": args.width, "height": args.height}, locale=LOCALES[args.lang])
            page.set_default_timeout(60_000)
            page.goto(url)
            tour = Tour(page, out, args.lang, Path(runs), args.width)
            run_tour(tour) if args.only == "all" else task_tour(tour)
            browser.close()
    finally:
        app.terminate()
        app.wait(timeout=20)
        shutil.rmtree(runs, ignore_errors=True)


if __name__ == "__main__":
    main()
