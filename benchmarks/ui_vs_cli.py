"""Training started from the UI vs. from the CLI, app start-up time, and memory.

    python benchmarks/ui_vs_cli.py [--rows 3000] [--repeat 3] [--close-page]

1. runs the config with `python -m finetune train` (rotten_tomatoes, bundled MiniLM, N rows,
   1 epoch) and samples its memory (RSS) every 0.5 s;
2. starts the app (`python app.py`) and measures the time until it serves; in headless chromium,
   fills the Model & Data and Train tabs and presses Start, follows the run to the end with the
   page open (or closes the browser at once with --close-page: the server-side cost alone, as when
   the visitor's browser runs on another machine), and samples the UI process's and the training
   process's memory the same way;
3. repeats: CLI, UI, CLI, UI, ..., CLI. Each UI run is compared with the mean of the two CLI runs
   around it, which cancels slow drift of the machine; the CLI runs' own spread is reported too;
4. prints samples/s (training loop only, from metrics.json), the ratios, start-up time, memory.

Both training processes start in a session of their own, as a CLI run from a terminal does and
as the app starts its child, so the only difference between them is the app beside the UI run.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from results_io import write_result  # noqa: E402  (benchmarks/ is the script's own folder)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "rotten_tomatoes"


class PeakRss(threading.Thread):
    """Samples the RSS of a process (and, optionally, of processes found by a callable)."""

    def __init__(self, find, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.find, self.interval, self.running = find, interval, True
        self.peaks: dict[int, int] = {}

    def run(self) -> None:
        while self.running:
            for pid in self.find():
                try:
                    self.peaks[pid] = max(self.peaks.get(pid, 0), psutil.Process(pid).memory_info().rss)
                except psutil.Error:
                    pass
            time.sleep(self.interval)

    def stop(self) -> dict[int, int]:
        self.running = False
        self.join()
        return self.peaks


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pids) -> float:
    """CPU time of these processes and their descendants, each process counted once."""
    procs: dict[int, psutil.Process] = {}
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            procs.update({p.pid: p for p in [proc] + proc.children(recursive=True)})
        except psutil.Error:
            pass
    total = 0.0
    for proc in procs.values():
        try:
            t = proc.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def ui_run(rows: int, runs: Path, close_page: bool = False) -> dict:
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    t0 = time.perf_counter()
    app = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port), "--runs-dir", str(runs)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    startup = time.perf_counter() - t0
    ui_idle = psutil.Process(app.pid).memory_info().rss

    child: list[int] = []

    def pids() -> list[int]:  # the app, and the training child once it exists (one sampler, as for the CLI)
        if not child:
            for run in runs.glob("*/status.json"):
                pid = (json.loads(run.read_text() or "{}") or {}).get("pid")
                if pid:
                    child.append(pid)
        return [app.pid, *child]

    mem = PeakRss(pids)
    mem.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector("#preview-btn")
            # as a person would: the page-load preview shows first (the app's one-time heavy imports are done)
            page.wait_for_function("() => document.querySelector('#data-summary').innerText.includes('Labels')")
            for elem, value in (
                ("cfg-dataset", str(DATA)),
                ("cfg-test_split", "none"),
                ("cfg-max_train_samples", str(rows)),
            ):
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
                # checked once a second (Playwright's default checks on every animation frame)
                page.wait_for_function(
                    "() => ['finished', 'failed'].includes((document.querySelector('#run-status') || {}).textContent)",
                    polling=1000,
                    timeout=900_000,
                )
                browser_cpu = cpu_seconds(browser_pids) - browser_cpu0
                browser.close()
        if close_page:  # nothing of the browser or its driver shares the cores now
            browser_cpu = 0.0
            while not list(runs.glob("*/metrics.json")) and any(
                json.loads(r.read_text()).get("status") in ("starting", "running") for r in runs.glob("*/status.json")
            ):
                time.sleep(0.5)
        app_cpu1 = psutil.Process(app.pid).cpu_times()
    finally:
        peaks = mem.stop()
        ui_peak, train_peak = peaks.get(app.pid, 0), max((peaks.get(pid, 0) for pid in child), default=0)
        app.terminate()
        app.wait()
    run_dir = next(runs.glob("*/metrics.json")).parent
    config = json.loads((run_dir / "config.json").read_text())
    metrics = json.loads((run_dir / "metrics.json").read_text())
    app_cpu = (app_cpu1.user + app_cpu1.system) - (app_cpu0.user + app_cpu0.system)
    return {
        "app_cpu_seconds_during_training": app_cpu,
        "browser_cpu_seconds_during_training": browser_cpu,
        "page_open": not close_page,
        "startup_seconds": startup,
        "ui_idle_rss_mb": ui_idle / 2**20,
        "ui_peak_rss_mb": ui_peak / 2**20,
        "train_peak_rss_mb": train_peak / 2**20,
        "samples_per_second": metrics["train"]["samples_per_second"],
        "accuracy": metrics["validation"]["metrics"]["accuracy"],
        "config": config,
    }


def cli_run(config: dict, runs: Path) -> dict:
    cfg_path = runs / "cli-config.json"
    config["run"] = {"runs_dir": str(runs), "run_name": "cli"}
    cfg_path.write_text(json.dumps(config))
    proc = subprocess.Popen(
        [sys.executable, "-m", "finetune", "train", "--config", str(cfg_path), "--quiet"],
        cwd=ROOT,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    mem = PeakRss(lambda: [proc.pid])
    mem.start()
    proc.wait()
    peak = mem.stop().get(proc.pid, 0)
    metrics = json.loads((runs / "cli" / "metrics.json").read_text())
    return {
        "train_peak_rss_mb": peak / 2**20,
        "samples_per_second": metrics["train"]["samples_per_second"],
        "accuracy": metrics["validation"]["metrics"]["accuracy"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3, help="UI runs (each between two CLI runs)")
    parser.add_argument(
        "--close-page", action="store_true", help="close the browser after Start (the server-side cost only)"
    )
    args = parser.parse_args()
    from finetune.config.run_config import config_from_flat

    config = config_from_flat(
        {"dataset": str(DATA), "test_split": "none", "max_train_samples": args.rows, "num_train_epochs": 1}
    ).to_dict()
    cli_runs = [cli_run(dict(config), Path(tempfile.mkdtemp(prefix="cli-runs-")))]
    ui_runs = []
    for _ in range(args.repeat):
        ui = ui_run(args.rows, Path(tempfile.mkdtemp(prefix="ui-runs-")), args.close_page)
        assert {k: v for k, v in ui.pop("config").items() if k != "run"} == {
            k: v for k, v in config.items() if k != "run"
        }
        ui_runs.append(ui)
        cli_runs.append(cli_run(dict(config), Path(tempfile.mkdtemp(prefix="cli-runs-"))))
    cli_speed = [r["samples_per_second"] for r in cli_runs]
    ui_speed = [r["samples_per_second"] for r in ui_runs]
    ratios = [ui_speed[i] / ((cli_speed[i] + cli_speed[i + 1]) / 2) for i in range(args.repeat)]
    ratio = statistics.mean(ratios)
    cli_spread = (max(cli_speed) - min(cli_speed)) / statistics.mean(cli_speed)
    print(
        f"app serves after {statistics.median(r['startup_seconds'] for r in ui_runs):.2f} s (median); UI process RSS "
        f"{max(r['ui_idle_rss_mb'] for r in ui_runs):.0f} MB idle, {max(r['ui_peak_rss_mb'] for r in ui_runs):.0f} MB "
        "peak while training"
    )
    print(
        "training from the CLI, samples/s: "
        + ", ".join(f"{v:.1f}" for v in cli_speed)
        + f" (spread {cli_spread:.1%}); peak RSS {max(r['train_peak_rss_mb'] for r in cli_runs):.0f} MB"
    )
    print(
        "training from the UI, samples/s:  "
        + ", ".join(f"{v:.1f}" for v in ui_speed)
        + f"; peak RSS {max(r['train_peak_rss_mb'] for r in ui_runs):.0f} MB; page "
        + ("closed after Start" if args.close_page else "open")
    )
    print(
        "accuracy: CLI "
        + ", ".join(f"{r['accuracy']:.4f}" for r in cli_runs)
        + "; UI "
        + ", ".join(f"{r['accuracy']:.4f}" for r in ui_runs)
    )
    print(
        "CPU seconds used while training: app server "
        + ", ".join(f"{r['app_cpu_seconds_during_training']:.1f}" for r in ui_runs)
        + "; browser "
        + ", ".join(f"{r['browser_cpu_seconds_during_training']:.1f}" for r in ui_runs)
    )
    print(
        "UI / CLI (each UI run against the CLI runs around it): "
        + ", ".join(f"{r:.3f}" for r in ratios)
        + f"; mean {ratio:.3f} ({ratio - 1:+.1%})"
    )
    name = "ui_vs_cli_page_closed.json" if args.close_page else "ui_vs_cli.json"
    write_result(
        name,
        {
            "rows": args.rows,
            "repeat": args.repeat,
            "page_open": not args.close_page,
            "ratio_mean": ratio,
            "ratios": ratios,
            "cli_spread": cli_spread,
            "ui_runs": ui_runs,
            "cli_runs": cli_runs,
        },
    )


if __name__ == "__main__":
    main()
