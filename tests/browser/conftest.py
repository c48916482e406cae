"""Browser tests: the real app in a child process, driven by Playwright in Debian's headless chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.browser.helpers import open_page
from tests.helpers import PROJECT_ROOT, cli_env


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder drives a browser: ``-m browser`` selects them, ``-m "not browser"`` skips them."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")


def chromium_path() -> str:
    found = os.environ.get("CHROMIUM_PATH") or next((p for p in CHROMIUM_CANDIDATES if Path(p).exists()), None)
    found = found or shutil.which("chromium")
    if not found:
        message = "chromium is not installed (scripts/setup.sh --dev installs Debian's chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_app(runs: Path, *extra: str):
    """``python app.py`` on a free port with ``runs`` as its runs folder (plus ``extra`` flags), until closed."""
    port = free_port()
    log = open(runs / "app.log", "wb")
    env = cli_env()
    env["GRADIO_ANALYTICS_ENABLED"] = "False"
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port), "--runs-dir", str(runs), *extra],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError((runs / "app.log").read_text()) from None
            time.sleep(0.3)
    yield {"url": url, "runs": runs, "pid": proc.pid}
    stop_trainings(runs)
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    yield from serve_app(tmp_path_factory.mktemp("app-runs"))


@pytest.fixture(scope="module")
def public_app_server(tmp_path_factory):
    """The app in public mode (as on a Space)."""
    yield from serve_app(tmp_path_factory.mktemp("public-runs"), "--public")


def stop_trainings(runs: Path) -> None:
    """Trainings run in process sessions of their own and outlive the app: end the ones a test left running."""
    import signal

    from finetune.runs.run import Run, active_runs

    for run in active_runs(runs):
        pid = Run(run.path).status().get("pid")
        if pid:
            try:
                os.killpg(int(pid), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, app_server):
    context, pg = open_page(browser, app_server["url"])
    yield pg
    context.close()
