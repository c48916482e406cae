"""Training started from the UI vs. from the CLI, app start-up time, and memory.

    python benchmarks/ui_vs_cli.py [--rows 1000]

1. starts the app (`python app.py`) and measures the time until it serves;
2. in headless chromium, fills the Model & Data and Train tabs and presses Start (rotten_tomatoes,
   bundled MiniLM, N rows, 1 epoch), follows the run to the end with the page open, and samples
   the UI process's and the training process's memory (RSS) every 0.2 s;
3. runs the same config with `python -m finetune train` and samples its memory the same way;
4. prints samples/s of both (training loop only, from metrics.json), their ratio, peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "rotten_tomatoes"


class PeakRss(threading.Thread):
    """Samples the RSS of a process (and, optionally, of processes found by a callable)."""

    def __init__(self, find) -> None:
        super().__init__(daemon=True)
        self.find, self.peak, self.running = find, 0, True

    def run(self) -> None:
        while self.running:
            for pid in self.find():
                try:
                    self.peak = max(self.peak, psutil.Process(pid).memory_info().rss)
                except psutil.Error:
                    pass
            time.sleep(0.2)

    def stop(self) -> int:
        self.running = False
        self.join()
        return self.peak


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pids) -> float:
    total = 0.0
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            for p in [proc] + proc.children(recursive=True):
                t = p.cpu_times()
                total += t.user + t.system
        except psutil.Error:
            pass
    return total


def ui_run(rows: int, runs: Path, close_page: bool = False) -> dict:
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    t0 = time.perf_counter()
    app = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--runs-dir", str(runs)], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    startup = time.perf_counter() - t0
    ui_idle = psutil.Process(app.pid).memory_info().rss

    def training_pids():
        out = []
        for run in runs.glob("*/status.json"):
            pid = json.loads(run.read_text()).get("pid")
            if pid and psutil.pid_exists(pid):
                out.append(pid)
        return out

    ui_mem, train_mem = PeakRss(lambda: [app.pid]), PeakRss(training_pids)
    ui_mem.start(), train_mem.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("#preview-btn")
            # as a person would: the page-load preview shows first (the app's one-time heavy imports are done)
            page.wait_for_function("() => document.querySelector('#data-summary').innerText.includes('Labels')")
            for elem, value in (("cfg-dataset", str(DATA)), ("cfg-test_split", "none"),
                                ("cfg-max_train_samples", str(rows))):
                box = page.locator(f"#{elem} textarea, #{elem} input").first
                box.fill(value)
                box.press("Tab")
            page.get_by_role("tab", name="Train").click()
            box = page.locator("#cfg-num_train_epochs input").first
            box.fill("1")
            box.press("Tab")
            page.locator("#start-btn").click()
            page.wait_for_function("() => (document.querySelector('#run-status') || {}).textContent === 'running'")
            app_cpu0 = psutil.Process(app.pid).cpu_times()
            browser_pids = [c.pid for c in psutil.Process().children(recursive=True) if "chrom" in c.name()]
            browser_cpu0 = cpu_seconds(browser_pids)
            if close_page:
                browser.close()  # leaving the block also ends Playwright's driver process
            else:
                page.wait_for_function("() => ['finished', 'failed'].includes("
                                       "(document.querySelector('#run-status') || {}).textContent)", timeout=900_000)
                browser_cpu = cpu_seconds(browser_pids) - browser_cpu0
                browser.close()
        if close_page:  # nothing of the browser or its driver shares the cores now
            browser_cpu = 0.0
            while not list(runs.glob("*/metrics.json")) and any(
                    json.loads(r.read_text()).get("status") in ("starting", "running") for r in runs.glob("*/status.json")):
                time.sleep(0.5)
        app_cpu1 = psutil.Process(app.pid).cpu_times()
    finally:
        ui_peak, train_peak = ui_mem.stop(), train_mem.stop()
        app.terminate()
        app.wait()
    run_dir = next(runs.glob("*/metrics.json")).parent
    config = json.loads((run_dir / "config.json").read_text())
    metrics = json.loads((run_dir / "metrics.json").read_text())
    app_cpu = (app_cpu1.user + app_cpu1.system) - (app_cpu0.user + app_cpu0.system)
    return {"app_cpu_seconds_during_training": app_cpu, "browser_cpu_seconds_during_training": browser_cpu,
            "page_open": not close_page, "startup_seconds": startup, "ui_idle_rss_mb": ui_idle / 2**20, "ui_peak_rss_mb": ui_peak / 2**20,
            "train_peak_rss_mb": train_peak / 2**20, "samples_per_second": metrics["train"]["samples_per_second"],
            "accuracy": metrics["validation"]["metrics"]["accuracy"], "config": config}


def cli_run(config: dict, runs: Path) -> dict:
    cfg_path = runs / "cli-config.json"
    config["run"] = {"runs_dir": str(runs), "run_name": "cli"}
    cfg_path.write_text(json.dumps(config))
    proc = subprocess.Popen([sys.executable, "-m", "finetune", "train", "--config", str(cfg_path), "--quiet"], cwd=ROOT,
                            env={**os.environ, "HF_HUB_OFFLINE": "1"}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    mem = PeakRss(lambda: [proc.pid])
    mem.start()
    proc.wait()
    peak = mem.stop()
    metrics = json.loads((runs / "cli" / "metrics.json").read_text())
    return {"train_peak_rss_mb": peak / 2**20, "samples_per_second": metrics["train"]["samples_per_second"],
            "accuracy": metrics["validation"]["metrics"]["accuracy"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--close-page", action="store_true",
                        help="close the browser after Start (the server-side cost only)")
    args = parser.parse_args()
    from finetune.config import config_from_flat

    config = config_from_flat({"dataset": str(DATA), "test_split": "none", "max_train_samples": args.rows,
                               "num_train_epochs": 1}).to_dict()
    # CLI, UI, CLI: the UI run is compared with the mean of the CLI runs around it (cancels drift)
    before = cli_run(dict(config), Path(tempfile.mkdtemp(prefix="cli-runs-")))
    ui = ui_run(args.rows, Path(tempfile.mkdtemp(prefix="ui-runs-")), args.close_page)
    assert {k: v for k, v in ui.pop("config").items() if k != "run"} == {k: v for k, v in config.items() if k != "run"}
    after = cli_run(dict(config), Path(tempfile.mkdtemp(prefix="cli-runs-")))
    cli = {"train_peak_rss_mb": max(before["train_peak_rss_mb"], after["train_peak_rss_mb"]),
           "samples_per_second": (before["samples_per_second"] + after["samples_per_second"]) / 2,
           "accuracy": after["accuracy"], "runs": [before, after]}
    ratio = ui["samples_per_second"] / cli["samples_per_second"]
    print(f"app serves after {ui['startup_seconds']:.2f} s; UI process RSS {ui['ui_idle_rss_mb']:.0f} MB idle, "
          f"{ui['ui_peak_rss_mb']:.0f} MB peak while training")
    print(f"training from the UI: {ui['samples_per_second']:.1f} samples/s (accuracy {ui['accuracy']:.4f}), "
          f"peak RSS {ui['train_peak_rss_mb']:.0f} MB")
    print(f"training from the CLI: {cli['samples_per_second']:.1f} samples/s (accuracy {cli['accuracy']:.4f}), "
          f"peak RSS {cli['train_peak_rss_mb']:.0f} MB")
    print(f"CPU seconds used while training: app server {ui['app_cpu_seconds_during_training']:.1f}, "
          f"browser {ui['browser_cpu_seconds_during_training']:.1f}")
    print(f"UI / CLI throughput: {ratio:.3f} ({(ratio - 1):+.1%})")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    name = "ui_vs_cli_page_closed.json" if args.close_page else "ui_vs_cli.json"
    (out / name).write_text(json.dumps({"rows": args.rows, "ui": ui, "cli": cli, "ratio": ratio},
                                                   indent=2))


if __name__ == "__main__":
    main()
