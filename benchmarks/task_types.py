"""Multi-label and regression with the bundled MiniLM on the project's own example sets.

Trains the bundled checkpoint through the engine (``run_training``, as the CLI does) on
``examples/data/support_tickets_en`` (multi-label: six tags, 1-3 per ticket, the threshold tuned on
validation) and ``examples/data/sts_pairs_en`` (regression: sentence pairs scored 0-5, scored on its
test split too), and writes each run's validation (and test) metrics, the threshold, the constant
baselines and the training time to ``results/task_types.json``.

    python benchmarks/task_types.py [--epochs 3] [--learning-rate 5e-5] [--only regression]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from results_io import write_result

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "multi_label": {
        "dataset": str(ROOT / "examples" / "data" / "support_tickets_en"),
        "tune_threshold": True,
    },
    "regression": {
        "dataset": str(ROOT / "examples" / "data" / "sts_pairs_en"),
        "metric_for_best_model": "pearson",
    },
}


def train(name: str, values: dict, epochs: float, learning_rate: float, runs_dir: Path) -> dict:
    """One run of the bundled MiniLM on one example set; its metrics and seconds."""
    from finetune.config.run_config import config_from_flat
    from finetune.runs.run import Run
    from finetune.train.training import run_training

    config = config_from_flat(
        {
            "checkpoint": "bundled-minilm",
            "num_train_epochs": epochs,
            "learning_rate": learning_rate,
            "per_device_train_batch_size": 16,
            "max_length": 128,
            "logging_steps": 20,
            "save_strategy": "no",
            "save_total_limit": 0,
            "runs_dir": str(runs_dir),
            **values,
        }
    )
    run = Run.create(runs_dir, config, name)
    started = time.monotonic()
    status = run_training(config, run)
    seconds = time.monotonic() - started
    if status["status"] != "finished":
        raise SystemExit(f"{name}: {status}")
    metrics = run.metrics()
    out = {"seconds": round(seconds, 1), "steps": metrics["train"]["steps"]}
    for split in ("validation", "test"):
        if split in metrics:
            report = metrics[split]
            out[split] = {
                "metrics": {k: round(v, 4) for k, v in report["metrics"].items()},
                "baseline": report["baseline"],
                "threshold": report.get("threshold"),
                "rows": report["num_examples"],
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=float, default=3.0)
    parser.add_argument("--learning-rate", type=float, default=5e-5)
    parser.add_argument("--only", choices=sorted(SETS), help="run one task only")
    parser.add_argument("--output", default="task_types.json", help="file name under results/")
    args = parser.parse_args()
    results = {"epochs": args.epochs, "learning_rate": args.learning_rate}
    with tempfile.TemporaryDirectory() as folder:
        for name, values in SETS.items():
            if args.only in (None, name):
                results[name] = train(name, values, args.epochs, args.learning_rate, Path(folder))
                print(name, results[name])
    print(write_result(args.output, results))


if __name__ == "__main__":
    main()
