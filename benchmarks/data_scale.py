"""Yelp-sized data: the engine's data preparation vs a plain ``datasets`` script, side by side.

    python benchmarks/data_scale.py [--sizes 50000,200000,650000] [--max-eval-samples N] [--quick]
                                    [--repeats N] [--start-only]

For each size it generates a seeded, Yelp-like CSV (5 classes, ~130-word reviews built from the
sentences of ``../shared/data/rotten_tomatoes``) in a temporary folder (never committed), then
runs, each in a fresh process with its own empty caches:

1. plain, cold and cached: ``load_dataset("csv")`` + ``AutoTokenizer`` (bundled MiniLM) +
   ``ds.map(batched=True)`` (truncation at 128), as the tutorials do;
2. engine, cold and cached: ``python -m finetune train --max_steps 1 --eval_strategy no``, so
   nearly all of its time is data preparation; from its events: seconds until the ``started``
   event (data ready, model loaded) and the final evaluation's seconds;
3. preview: :func:`finetune.data.preparation.preview` on the file (in-process seconds, imports excluded).

Every measurement reports wall seconds and peak RSS (the process tree's largest resident set,
from ``getrusage(RUSAGE_CHILDREN)`` in a wrapper process of its own). Disk use: the datasets
cache and the engine's tokenized cache per size. Writes ``benchmarks/results/data_scale.json``
(``--quick``: one tiny size, for the smoke test; prints only, writes nothing). ``--repeats N`` runs each
cached measurement N times and reports the median (start-up times vary by a second or two here);
``--start-only`` stops each engine run at its ``started`` event (the start and memory figures without
the final evaluation's minutes) and writes ``results/data_scale_start.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parent.parent

from results_io import write_result  # noqa: E402  (benchmarks/ is the script's own folder)

SENTENCES = ROOT.parent / "shared" / "data" / "rotten_tomatoes" / "train.csv"
CLASSES = 5
WORDS_PER_REVIEW = 130
MAX_LENGTH = 128
# Runs in a process of its own, so RUSAGE_CHILDREN is exactly the measured command's process tree.
# With STOP_AT_STARTED=<events.jsonl> it kills the command once that file has a ``started`` event (--start-only).
WRAPPER = (
    "import json, os, resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)\n"
    "samples, stopped, events = [], False, os.environ.get('STOP_AT_STARTED')\n"
    "def started():\n"
    "    try:\n"
    "        return any('\"started\"' in line and json.loads(line).get('type') == 'started'\n"
    "                   for line in open(events).read().splitlines() if line.endswith('}'))\n"
    "    except (OSError, ValueError):\n"
    "        return False\n"
    "while proc.poll() is None:\n"
    "    try:\n"
    "        status = open(f'/proc/{proc.pid}/status').read().split('VmHWM:')[1].split()[0]\n"
    "        samples.append((time.time(), int(status) * 1024))\n"
    "    except (OSError, IndexError, ValueError):\n"
    "        pass\n"
    "    if events and started():\n"
    "        proc.kill(); proc.wait(); stopped = True\n"
    "        break\n"
    "    time.sleep(0.2)\n"
    "stderr = proc.stderr.read()\n"
    "seconds = time.perf_counter() - start\n"
    "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024\n"
    "print(json.dumps({'seconds': seconds, 'peak_rss': rss, 'returncode': 0 if stopped else proc.returncode,\n"
    "                  'stderr': stderr[-2000:], 'samples': samples}))\n"
)
PLAIN = """
import sys, time
from datasets import load_dataset
from transformers import AutoTokenizer
from finetune.model.checkpoints import bundled_checkpoint_dir
raw = load_dataset("csv", data_files={"train": sys.argv[1]})
tok = AutoTokenizer.from_pretrained(str(bundled_checkpoint_dir()))
enc = raw.map(lambda b: tok(b["text"], truncation=True, max_length=MAX_LENGTH), batched=True)
print(len(enc["train"]))
""".replace("MAX_LENGTH", str(MAX_LENGTH))
PREVIEW = """
import json, sys, time
from finetune.config.run_config import DataConfig
from finetune.explore.data_preview import list_columns, preview
start = time.perf_counter()
list_columns(DataConfig(dataset=sys.argv[1]))
out = preview(DataConfig(dataset=sys.argv[1]))
sys.stderr.write(json.dumps({"in_process_seconds": time.perf_counter() - start,
                             "rows": sum(out["report"]["split_sizes"].values())}))
"""


def generate(path: Path, rows: int, seed: int = 0) -> int:
    """A Yelp-like CSV (label 0-4, text of real sentences, ~WORDS_PER_REVIEW words); returns its bytes."""
    import numpy as np
    import pandas as pd

    sentences = pd.read_csv(SENTENCES)["text"].astype(str).tolist()
    words = np.array([len(s.split()) for s in sentences])
    per_review = max(1, round(WORDS_PER_REVIEW / words.mean()))
    rng = np.random.default_rng(seed)
    counts = rng.integers(max(1, per_review // 2), per_review * 3 // 2 + 1, size=rows)
    picks = rng.integers(0, len(sentences), size=int(counts.sum()))
    ends = np.cumsum(counts)
    texts = [" ".join(sentences[j] for j in picks[end - n : end]) for n, end in zip(counts, ends)]
    pd.DataFrame({"label": rng.integers(0, CLASSES, size=rows), "text": texts}).to_csv(path, index=False)
    return path.stat().st_size


def measure(cmd: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Wall seconds and peak RSS (bytes) of one command, run under its own wrapper process."""
    out = subprocess.run([sys.executable, "-c", WRAPPER, *cmd], capture_output=True, text=True, env=env, cwd=ROOT)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["returncode"] != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} failed: {result['stderr']}")
    return result


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def plain(csv: Path, work: Path, env: dict[str, str], repeats: int = 1) -> dict[str, Any]:
    """The tutorial script, cold (empty datasets cache) then cached (``repeats`` times: the median)."""
    env = {**env, "HF_DATASETS_CACHE": str(work / "plain-cache")}
    cold = measure([sys.executable, "-c", PLAIN, str(csv)], env)
    cached = [_slim(measure([sys.executable, "-c", PLAIN, str(csv)], env)) for _ in range(repeats)]
    return {"cold": _slim(cold), "cached": _median(cached), "disk": folder_bytes(work / "plain-cache")}


def engine(
    csv: Path, work: Path, env: dict[str, str], max_eval: Optional[int], repeats: int = 1, start_only: bool = False
) -> dict[str, Any]:
    """``finetune train --max_steps 1``, cold then cached (``repeats`` times: the median); start and
    final-evaluation seconds from its events. ``start_only``: each run is stopped at its ``started`` event."""
    env = {**env, "HF_DATASETS_CACHE": str(work / "engine-cache")}
    runs_dir = work / "runs"
    out: dict[str, Any] = {}
    for name in ["cold"] + [f"cached-{i}" for i in range(repeats)]:
        cmd = [
            sys.executable,
            "-m",
            "finetune",
            "train",
            "--dataset",
            str(csv),
            "--checkpoint",
            "bundled-minilm",
            "--max_steps",
            "1",
            "--eval_strategy",
            "no",
            "--save_strategy",
            "no",
            "--runs_dir",
            str(runs_dir),
            "--run_name",
            f"engine-{name}",
            "--max_length",
            str(MAX_LENGTH),
            "--quiet",
        ]
        if max_eval:
            cmd += ["--max_eval_samples", str(max_eval)]
        events = runs_dir / f"engine-{name}" / "events.jsonl"
        started = time.time()
        measured = measure(cmd, {**env, "STOP_AT_STARTED": str(events)} if start_only else env)
        result = _slim(measured)
        result.update(_event_times(events, started, measured["samples"]))
        out[name] = result
    out["cached"] = _median([out.pop(f"cached-{i}") for i in range(repeats)])
    out["disk"] = folder_bytes(work / "engine-cache")
    out["disk_tokenized"] = folder_bytes(runs_dir / ".cache")
    return out


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One run's measurements, or the median of each number over several runs (with every run's values)."""
    if len(runs) == 1:
        return runs[0]
    median = {
        key: (
            statistics.median(run[key] for run in runs)
            if isinstance(runs[0][key], (int, float))
            else runs[len(runs) // 2][key]
        )
        for key in runs[0]
    }
    median["runs"] = runs
    return median


def _event_times(events: Path, started: float, samples: list) -> dict[str, Optional[float]]:
    """From the run's events: seconds from launch to ``started`` (data prepared and tokenized, model
    loaded), the main process's peak RSS until then (the data's share; training a batch adds the
    model's activations), and the final evaluation's seconds and rows (the ``finished`` event's, else
    last training step to last evaluation)."""
    rows = [json.loads(line) for line in events.read_text().splitlines() if line.strip()]
    first = next((e["time"] for e in rows if e["type"] == "started"), None)
    last_step = max((e["time"] for e in rows if e["type"] == "progress"), default=None)
    last_eval = max((e["time"] for e in rows if e["type"] == "evaluation"), default=None)
    finished = next((e for e in rows if e["type"] == "finished"), {})
    before = [rss for at, rss in samples if first is not None and at <= first]
    measured = None if last_eval is None or last_step is None else round(last_eval - last_step, 2)
    return {
        "start_seconds": None if first is None else round(first - started, 2),
        "peak_rss_mb_until_started": round(max(before) / 2**20, 1) if before else None,
        "final_eval_seconds": finished.get("final_evaluation_seconds", measured),
        "final_eval_rows": finished.get("final_evaluation_rows"),
    }


def preview(csv: Path, work: Path, env: dict[str, str]) -> dict[str, Any]:
    env = {**env, "HF_DATASETS_CACHE": str(work / "preview-cache")}
    out = subprocess.run([sys.executable, "-c", PREVIEW, str(csv)], capture_output=True, text=True, env=env, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"preview failed: {out.stderr[-2000:]}")
    return json.loads(out.stderr.strip().splitlines()[-1])


def _slim(result: dict[str, Any]) -> dict[str, Any]:
    return {"seconds": round(result["seconds"], 2), "peak_rss_mb": round(result["peak_rss"] / 2**20, 1)}


def run_size(
    rows: int, env: dict[str, str], max_eval: Optional[int], repeats: int = 1, start_only: bool = False
) -> dict[str, Any]:
    """Every measurement for one size, in a temporary folder removed afterwards."""
    work = Path(tempfile.mkdtemp(prefix=f"data-scale-{rows}-"))
    try:
        csv = work / "reviews.csv"
        result: dict[str, Any] = {"rows": rows, "csv_bytes": generate(csv, rows)}
        for name, measure_part in (
            ("preview", lambda: preview(csv, work, env)),
            ("plain", lambda: plain(csv, work, env, repeats)),
            ("engine", lambda: engine(csv, work, env, max_eval, repeats, start_only)),
        ):
            result[name] = measure_part()
            print(f"{rows} rows, {name}: {json.dumps(result[name])}", file=sys.stderr, flush=True)
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def ratios(result: dict[str, Any]) -> dict[str, Optional[float]]:
    """The issue's targets as ratios (engine / plain): the whole ``train --max_steps 1`` and its start
    (until the ``started`` event) against the plain script; peak RSS over the whole run and until started."""
    plain_, engine_ = result["plain"], result["engine"]
    cold, cached = engine_["cold"], engine_["cached"]

    def ratio(value: Optional[float], base: float) -> Optional[float]:
        return None if value is None else round(value / base, 2)

    return {
        "cold": ratio(cold["seconds"], plain_["cold"]["seconds"]),
        "cold_start": ratio(cold["start_seconds"], plain_["cold"]["seconds"]),
        "cached_start": ratio(cached["start_seconds"], plain_["cached"]["seconds"]),
        "peak_rss": ratio(cold["peak_rss_mb"], plain_["cold"]["peak_rss_mb"]),
        "peak_rss_until_started": ratio(cold["peak_rss_mb_until_started"], plain_["cold"]["peak_rss_mb"]),
    }


def main(argv: Optional[list[str]] = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50000,200000,650000", help="row counts, comma-separated")
    parser.add_argument(
        "--max-eval-samples",
        type=int,
        default=None,
        help="cap the engine's validation rows (the final evaluation's cost)",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes (the smoke test)")
    parser.add_argument("--repeats", type=int, default=1, help="cached runs per side: the median is reported")
    parser.add_argument(
        "--start-only",
        action="store_true",
        help="stop each engine run at its started event (no final evaluation); writes data_scale_start.json",
    )
    args = parser.parse_args(argv)
    sizes = [300] if args.quick else [int(s) for s in args.sizes.split(",")]
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "true",
    }
    load = os.getloadavg()
    results = []
    for rows in sizes:
        result = run_size(rows, env, args.max_eval_samples, args.repeats, args.start_only)
        result["ratios"] = ratios(result)
        results.append(result)
        print(json.dumps(result), flush=True)
    summary = {
        "sizes": sizes,
        "cpus": os.cpu_count(),
        "load_before": load,
        "load_after": os.getloadavg(),
        "repeats": args.repeats,
        "start_only": args.start_only,
        "results": results,
    }
    if not args.quick:
        write_result("data_scale_start.json" if args.start_only else "data_scale.json", summary)
    return summary


if __name__ == "__main__":
    main()
