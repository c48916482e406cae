"""What the browser tests share: filling widgets, waiting for the log and status, reading what charts draw."""

from __future__ import annotations

import re
import time
from typing import Any, Optional

from finetune.runs.run import list_runs


def open_page(browser, url: str, *, width: int = 1400, locale: Optional[str] = None) -> tuple[Any, Any]:
    """(context, page): a fresh browser context on the app at ``url``, its page loaded (Preview is there)."""
    options: dict[str, Any] = {"viewport": {"width": width, "height": 1000}}
    if locale:
        options["locale"] = locale
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    page.wait_for_selector("#preview-btn")
    return context, page


def set_dropdown(page, elem_id: str, value: str) -> None:
    box = page.locator(f"#{elem_id} input")
    box.click()
    box.fill(value)
    box.press("Enter")
    page.locator("body").click(position={"x": 5, "y": 5})


def set_number(page, elem_id: str, value) -> None:
    box = page.locator(f"#{elem_id} input").first
    box.fill(str(value))
    box.press("Tab")


def log_text(page) -> str:
    return page.locator("#run-log textarea").input_value()


def start_run(page, tiny_checkpoint, epochs: int, batch: int = 4) -> None:
    """Start a training of the tiny checkpoint on the preselected example, from the form."""
    page.get_by_role("tab", name="Model & Data").click()
    set_dropdown(page, "cfg-checkpoint", str(tiny_checkpoint))
    page.get_by_role("tab", name="Train").click()
    set_number(page, "cfg-num_train_epochs", epochs)
    set_number(page, "cfg-per_device_train_batch_size", batch)
    set_number(page, "cfg-learning_rate", 0.001)
    page.locator("#start-btn").click()
    page.wait_for_function("() => document.querySelector('#run-status') !== null")


def wait_log(page, pattern: str, timeout: float = 120) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log_text(page)
        if re.search(pattern, text):
            return text
        time.sleep(0.5)
    raise AssertionError(f"log never matched {pattern!r}: {log_text(page)[-1500:]}")


def wait_status(page, wanted: str, timeout: float = 240) -> None:
    page.wait_for_function(
        f"() => (document.querySelector('#run-status') || {{}}).textContent === '{wanted}'", timeout=timeout * 1000
    )


def max_step(page) -> int:
    return max((int(s) for s in re.findall(r"step (\d+)/", log_text(page))), default=0)


def assert_advances(page, timeout: float = 60) -> None:
    """The page's log shows a later step than it shows now, within ``timeout`` seconds."""
    before = max_step(page)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if max_step(page) > before:
            return
        time.sleep(0.5)
    raise AssertionError(f"the page's log stayed at step {before}")


def pick_and_compare(page, names) -> None:
    """Pick the runs once the lists show them all (they follow the runs folder), then press Compare."""
    page.get_by_role("tab", name="Runs").click()
    page.wait_for_function(
        "(names) => names.every(n => document.querySelector('#runs-disk').innerText.includes(n))", arg=list(names)
    )
    page.wait_for_timeout(2500)  # the list's refresh has landed
    box = page.locator("#runs-pick input")
    for name in names:
        box.click()
        box.fill(name)
        box.press("Enter")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.wait_for_function(
        "(n) => document.querySelectorAll('#runs-pick .token').length >= n || "
        "document.querySelector('#runs-pick').innerText.split('\\n').length >= n",
        arg=len(names),
    )
    page.locator("#runs-compare").click()


def latest_run(app_server):
    runs = list_runs(app_server["runs"])
    assert runs, "no run was created"
    return runs[0]


# What vega (gradio's native plots, rendered as SVG) drew inside a chart, measured in the page.
CHART_GEOMETRY = """(id) => {
  const root = document.querySelector('#' + id);
  const svg = root && root.querySelector('svg');
  if (!svg) return null;
  const box = (el) => { const r = el.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; };
  const lines = [...svg.querySelectorAll('g.mark-line path')].map(p => ({d: p.getAttribute('d') || '', box: box(p)}));
  const labels = (role) => [...svg.querySelectorAll('g.' + role + ' text')].map(t => t.textContent);
  return {
    chart: box(root), svg: box(svg), lines: lines,
    points: svg.querySelectorAll('g.mark-symbol path').length,
    axisLabels: labels('role-axis-label'), axisTitles: labels('role-axis-title'), title: labels('role-title'),
    legend: [...svg.querySelectorAll('g.role-legend')].map(box),
    legendLabels: labels('role-legend-label'),
  };
}"""


def chart(page, elem_id: str) -> dict[str, Any]:
    return page.evaluate(CHART_GEOMETRY, elem_id)


def numeric(label: str) -> bool:
    try:
        float(label.replace(",", "").replace("\u2212", "-"))
        return True
    except ValueError:
        return False


def inside(inner: dict[str, float], outer: dict[str, float], slack: float = 1.0) -> bool:
    return (
        inner["x"] >= outer["x"] - slack
        and inner["y"] >= outer["y"] - slack
        and inner["x"] + inner["w"] <= outer["x"] + outer["w"] + slack
        and inner["y"] + inner["h"] <= outer["y"] + outer["h"] + slack
    )


def app_config(url: str) -> dict[str, Any]:
    """The page's gradio config (components and dependencies), as a browser fetches it."""
    import json
    import urllib.request

    with urllib.request.urlopen(f"{url}config", timeout=30) as response:
        return json.loads(response.read())


def fn_index_of(config: dict[str, Any], elem_id: str, event: str = "click") -> tuple[int, int]:
    """(fn_index, component id) of the listener bound to ``event`` of the component with ``elem_id``."""
    ids = [c["id"] for c in config["components"] if c.get("props", {}).get("elem_id") == elem_id]
    for dependency in config["dependencies"]:
        if any(target == [ids[0], event] for target in dependency["targets"]):
            return dependency["id"], ids[0]
    raise AssertionError(f"no {event} listener on #{elem_id}")


def raw_call(url: str, config: dict[str, Any], fn_index: int, trigger: int, session: str) -> dict[str, Any]:
    """A listener called as a script would: POST /gradio_api/queue/join with its fn_index, each input at its
    default value, then the queue's event stream read up to the result (the final message, as a dict)."""
    import json
    import urllib.request

    dependency = next(d for d in config["dependencies"] if d["id"] == fn_index)
    defaults = {c["id"]: c.get("props", {}).get("value") for c in config["components"]}
    body = {
        "data": [defaults.get(i) for i in dependency["inputs"]],
        "fn_index": fn_index,
        "trigger_id": trigger,
        "session_hash": session,
        "event_data": None,
    }
    request = urllib.request.Request(
        f"{url}gradio_api/queue/join", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        json.loads(response.read())
    with urllib.request.urlopen(f"{url}gradio_api/queue/data?session_hash={session}", timeout=120) as stream:
        for line in stream:
            if line.startswith(b"data:"):
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    return message
    raise AssertionError("the queue's stream ended without a result")
