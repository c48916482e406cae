"""A hyperparameter search vs. the same trials as sequential CLI runs, and the best trial vs. the defaults.

    python benchmarks/search_vs_sequential.py [--rows 1000] [--trials 4] [--dataset ../shared/data/rotten_tomatoes]

Run it alone on the machine (it measures wall time). Steps, all through ``python -m finetune``:

1. warm-up: a 1-step run, so the tokenized data and the file cache are warm for everything after;
2. search: ``train --search_trials N --search_space space.json`` (Trainer.hyperparameter_search, optuna);
3. sequential: each trial's own config.json, as ``train --config trials/trial-<i>/config.json``, one
   after another (what a person starting each trial by hand would run);
4. default: the base config with the engine's default hyperparameters.

Reports the search's wall time against the sum of the sequential runs' (target: within 10%), that
each sequential run reached the same validation metric as its trial (the trials train exactly
like plain runs), and the best trial's gain over the default config. Writes
benchmarks/results/search_vs_sequential.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from results_io import write_result  # noqa: E402  (benchmarks/ is the script's own folder)

SPACE = {
    "learning_rate": [1e-5, 1e-4],
    "batch_sizes": [16, 32],
    "epochs": [1, 2],
    "warmup_ratio": [0.0, 0.1],
    "weight_decay": [0.0, 0.1],
}


def cli(*args: str) -> float:
    """Run ``python -m finetune ARGS`` (quiet); return its wall time in seconds; stop on failure."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "finetune", *args, "--quiet"], capture_output=True, text=True, env=env, cwd=ROOT
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return seconds


def validation(run_dir: Path, metric: str) -> float:
    return json.loads((run_dir / "metrics.json").read_text())["validation"]["metrics"][metric]


def train_speed(run_dir: Path) -> float:
    """The training loop's samples/s (tells a slower run from a machine that was busy at the time)."""
    return json.loads((run_dir / "metrics.json").read_text())["train"]["samples_per_second"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--dataset", default=str(ROOT.parent / "shared" / "data" / "rotten_tomatoes"))
    parser.add_argument("--checkpoint", default="bundled-minilm")
    parser.add_argument("--metric", default="accuracy")
    parser.add_argument(
        "--default-run",
        default=None,
        help="a finished run of the default config (same rows and "
        "seed) to reuse instead of training it again (its timing is not part of the comparison)",
    )
    args = parser.parse_args()
    runs = Path(tempfile.mkdtemp(prefix="search-bench-"))
    base = {
        "model": {"checkpoint": args.checkpoint},
        "data": {"dataset": args.dataset, "max_train_samples": args.rows, "max_length": 128},
        "train": {"seed": 42},
        "run": {"runs_dir": str(runs)},
    }
    (runs / "base.json").write_text(json.dumps(base))
    (runs / "space.json").write_text(json.dumps({**SPACE, "metric": args.metric}))

    cli(
        "train",
        "--config",
        str(runs / "base.json"),
        "--max_steps",
        "1",
        "--eval_strategy",
        "no",
        "--save_strategy",
        "no",
        "--run_name",
        "warm-up",
    )
    search_seconds = cli(
        "train",
        "--config",
        str(runs / "base.json"),
        "--run_name",
        "search",
        "--search_trials",
        str(args.trials),
        "--search_space",
        str(runs / "space.json"),
    )
    trials = sorted((runs / "search" / "trials").iterdir(), key=lambda p: int(p.name.split("-")[-1]))
    rows = []
    for trial in trials:
        seconds = cli("train", "--config", str(trial / "config.json"), "--run_name", f"sequential-{trial.name}")
        config = json.loads((trial / "config.json").read_text())["train"]
        rows.append(
            {
                "trial": trial.name,
                "sequential_seconds": round(seconds, 1),
                "trial_metric": validation(trial, args.metric),
                "sequential_metric": validation(runs / f"sequential-{trial.name}", args.metric),
                "trial_speed": train_speed(trial),
                "sequential_speed": train_speed(runs / f"sequential-{trial.name}"),
                **{
                    k: config[k]
                    for k in (
                        "learning_rate",
                        "per_device_train_batch_size",
                        "num_train_epochs",
                        "warmup_ratio",
                        "weight_decay",
                    )
                },
            }
        )
    default = Path(args.default_run) if args.default_run else runs / "default"
    default_seconds = (
        None if args.default_run else cli("train", "--config", str(runs / "base.json"), "--run_name", "default")
    )
    report(args, runs, search_seconds, rows, default, default_seconds)


def report(
    args: argparse.Namespace,
    runs: Path,
    search_seconds: float,
    rows: list,
    default: Path,
    default_seconds: float | None,
) -> None:
    search = json.loads((runs / "search" / "metrics.json").read_text())["search"]
    sequential = sum(r["sequential_seconds"] for r in rows)
    default_metric = validation(default, args.metric)
    result = {
        "rows": args.rows,
        "trials": args.trials,
        "metric": args.metric,
        "space": SPACE,
        "search_seconds": round(search_seconds, 1),
        "sequential_seconds": round(sequential, 1),
        "search_over_sequential": round(search_seconds / sequential, 3),
        "max_metric_difference_trial_vs_sequential": max(abs(r["trial_metric"] - r["sequential_metric"]) for r in rows),
        "best_trial": search["best_trial"],
        "best_value": search["best_value"],
        "default_value": default_metric,
        "default_seconds": default_seconds and round(default_seconds, 1),
        "gain_over_default": round(search["best_value"] - default_metric, 4),
        "per_trial": rows,
        "machine": f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f} at the end",
        "train_loop_samples_per_second": {r["trial"]: (r["trial_speed"], r["sequential_speed"]) for r in rows},
    }
    for row in rows:
        print(
            f"{row['trial']}: lr {row['learning_rate']:.2e} batch {row['per_device_train_batch_size']} epochs "
            f"{row['num_train_epochs']} -> {args.metric} {row['trial_metric']:.4f} (sequential run "
            f"{row['sequential_metric']:.4f}, {row['sequential_seconds']} s)"
        )
    print(f"search {search_seconds:.1f} s vs sequential {sequential:.1f} s: {search_seconds / sequential:.3f}x")
    print(
        f"best {search['best_trial']} {args.metric} {search['best_value']:.4f} vs default config "
        f"{default_metric:.4f} ({result['gain_over_default']:+.4f})"
    )
    print(f"wrote {write_result('search_vs_sequential.json', result)}")


if __name__ == "__main__":
    main()
