"""Batch prediction's memory and speed: peak RSS of ``python -m finetune predict --file`` by file size.

    python benchmarks/predict_rss.py                  # 20,000 and 1,000,000 rows (the 1M file: minutes)
    python benchmarks/predict_rss.py --quick          # 1,000 and 5,000 rows, seconds; writes no result file
    python benchmarks/predict_rss.py --sizes 20000 100000 --model bundled-minilm

Each size: a seeded CSV of short texts (English and Chinese) in a temp folder; the CLI predicts it
in a child process, writing the output CSV as it goes; ``os.wait4`` gives that child's own peak RSS
(``ru_maxrss``). Target (issue 14): peak RSS grows < 10% from 20k to 1M rows. ``rows_per_second``
counts the child's whole run (start, model load, prediction), so small sizes understate the speed.

Default model: a tiny random 2-layer BERT with the bundled MiniLM's tokenizer (memory is about the
rows, not the model, and a tiny model makes 1M rows take minutes, not an hour); ``--model
bundled-minilm`` (or any run/folder) for the real model's speed. :func:`measure` is what other
harnesses (data_scale.py) import.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parent.parent

from results_io import write_result  # noqa: E402  (benchmarks/ is the script's own folder)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
FULL_SIZES = (20_000, 1_000_000)
QUICK_SIZES = (1_000, 5_000)
TARGET_GROWTH = 0.10
WORDS = (
    "good bad great terrible movie film plot actors story boring funny slow wonderful awful the a was is "
    "not very quite really hello world"
).split()
CHINESE = ("这部电影很好看", "剧情无聊", "演员很棒", "不推荐", "还可以")


def make_csv(path: Path, rows: int, seed: int = 0) -> Path:
    """A CSV of ``rows`` short texts (id, text), the same for the same seed."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text"])
        for i in range(rows):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 16)))
            writer.writerow([i, text + (" " + rng.choice(CHINESE) if i % 7 == 0 else "")])
    return path


def tiny_model(folder: Path) -> Path:
    """A 2-layer, 32-wide random BERT classifier (2 labels) with the bundled MiniLM's tokenizer."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from finetune.model.checkpoints import bundled_checkpoint_dir

    tokenizer = AutoTokenizer.from_pretrained(str(bundled_checkpoint_dir()))
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
        num_labels=2,
    )
    model = BertForSequenceClassification(config)
    model.config.architectures = ["BertForSequenceClassification"]
    model.save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder


def run_once(model: str, source: Path, output: Path, batch_size: int = 64) -> dict[str, Any]:
    """One ``predict --file`` child process: its peak RSS (MB), wall seconds, rows/s and rows written."""
    cmd = [
        sys.executable,
        "-m",
        "finetune",
        "predict",
        "--model",
        model,
        "--file",
        str(source),
        "--output",
        str(output),
        "--batch-size",
        str(batch_size),
    ]
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false"}
    log = output.with_suffix(".log")
    started = time.perf_counter()
    with open(log, "w") as handle:
        child = subprocess.Popen(cmd, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"predict --file exited {code}: {log.read_text()[-2000:]}")
    with open(output, "rb") as handle:
        written = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b"")) - 1
    return {
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "seconds": round(seconds, 2),
        "rows_per_second": round(written / seconds, 1),
        "rows_written": written,
    }


def measure(
    sizes: Sequence[int] = FULL_SIZES, model: Optional[str] = None, workdir: Optional[Path] = None, batch_size: int = 64
) -> dict[str, Any]:
    """Peak RSS and rows/s of ``predict --file`` for each size; ``rss_growth`` from the smallest to the largest.

    ``model``: a run, folder or preset (default: a tiny random BERT built in the temp folder).
    """
    name = model or "tiny random BERT (bundled tokenizer)"
    with tempfile.TemporaryDirectory(prefix="predict-rss-", dir=workdir) as temp:
        folder = Path(temp)
        model = model or str(tiny_model(folder / "tiny-model"))
        results: dict[str, Any] = {}
        for rows in sizes:
            source = make_csv(folder / f"rows-{rows}.csv", rows)
            results[str(rows)] = {
                "rows": rows,
                "file_mb": round(source.stat().st_size / 2**20, 1),
                **run_once(model, source, folder / f"out-{rows}.csv", batch_size),
            }
            source.unlink()
    small, large = results[str(min(sizes))], results[str(max(sizes))]
    growth = (large["peak_rss_mb"] - small["peak_rss_mb"]) / small["peak_rss_mb"]
    return {
        "model": name,
        "batch_size": batch_size,
        "sizes": results,
        "rss_growth": round(growth, 4),
        "target_growth": TARGET_GROWTH,
        "meets_target": growth < TARGET_GROWTH,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK_SIZES}; no result file")
    parser.add_argument("--sizes", type=int, nargs="+", default=None, help=f"rows per file (default {FULL_SIZES})")
    parser.add_argument("--model", default=None, help="a run, model folder or preset (default: tiny random BERT)")
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    sizes = args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)
    result = measure(sizes, args.model, batch_size=args.batch_size)
    print(json.dumps(result, indent=2))
    if not args.quick:
        write_result("predict_rss.json", result)


if __name__ == "__main__":
    main()
