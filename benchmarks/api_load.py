"""App memory under API load: RSS of ``python app.py`` after bursts of API calls, each call a fresh session.

Every ``POST /gradio_api/call/predict`` is a session of its own for gradio (a script, or many clients); the
server keeps state per session. The app should hold its memory flat across bursts (ui/limits.py
SESSIONS_KEPT), not grow with every call.

    python benchmarks/api_load.py [--bursts 5] [--calls 200] [--workers 4] [--public]

Prints one JSON line and writes results/api_load.json.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from results_io import write_result  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def call_predict(url: str, text: str) -> None:
    """One API call as a script makes it: POST the inputs, then read the result's event stream."""
    body = json.dumps({"data": ["bundled-minilm", text, ""]}).encode()
    request = urllib.request.Request(f"{url}gradio_api/call/predict", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        event = json.loads(response.read())["event_id"]
    with urllib.request.urlopen(f"{url}gradio_api/call/predict/{event}", timeout=120) as stream:
        text = stream.read().decode()
    if "event: complete" not in text:
        raise RuntimeError(f"the call failed: {text[-500:]}")


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the app exited")
        try:
            with urllib.request.urlopen(f"{url}config", timeout=5):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("the app did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bursts", type=int, default=5)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--public", action="store_true", help="run the app in public mode")
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    runs = Path(tempfile.mkdtemp(prefix="api-load-"))
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "app.py", "--port", str(port), "--runs-dir", str(runs)] + (["--public"] * args.public)
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_ready(url, proc)
        call_predict(url, "warm-up")  # the model is loaded before the first measurement
        time.sleep(2)
        start_rss = rss_mb(proc.pid)
        bursts = []
        for burst in range(args.bursts):
            began = time.monotonic()
            with ThreadPoolExecutor(args.workers) as pool:
                texts = [f"call {burst}-{i}: a fine film" for i in range(args.calls)]
                list(pool.map(lambda text: call_predict(url, text), texts))
            seconds = time.monotonic() - began
            time.sleep(2)
            bursts.append({"burst": burst + 1, "rss_mb": round(rss_mb(proc.pid), 1), "seconds": round(seconds, 1)})
            print(json.dumps(bursts[-1]), file=sys.stderr, flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    first, last = bursts[0]["rss_mb"], bursts[-1]["rss_mb"]
    result = {
        "calls_per_burst": args.calls,
        "public": args.public,
        "rss_after_warm_up_mb": round(start_rss, 1),
        "bursts": bursts,
        "growth_first_to_last": round((last - first) / first, 4),
        "flat_within_10_percent": abs(last - first) / first <= 0.10,
        "load": os.getloadavg(),
    }
    write_result("api_load.json", result)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
