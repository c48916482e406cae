"""How well do label issues find wrong labels? Flip some labels on purpose, run k-fold, and count.

Takes ``--rows`` rows of ``../shared/data/rotten_tomatoes/train.csv`` (seeded), flips the label of
``--flip`` of them (5% by default, seeded), trains ``--folds``-fold cross-validation of the bundled
MiniLM on them (the out-of-fold probabilities cover every row), and compares the rows that
``runs label-issues`` flags with the rows that were flipped: precision (flagged rows that were
flipped) and recall (flipped rows that were flagged), overall and among the top ``len(flipped)``.

    python benchmarks/label_issues.py --rows 2000 --flip 0.05 --folds 5
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import tempfile
import time
from pathlib import Path

from results_io import write_result

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "rotten_tomatoes" / "train.csv"


def flipped_copy(rows: int, share: float, seed: int, folder: Path) -> tuple[Path, set[str]]:
    """A CSV of ``rows`` seeded rows with ``share`` of their labels flipped; the flipped texts."""
    with open(DATA, encoding="utf-8") as handle:
        data = list(csv.DictReader(handle))
    rng = random.Random(seed)
    data = rng.sample(data, rows)
    flipped = set(rng.sample(range(rows), round(rows * share)))
    for index in flipped:
        data[index]["label"] = str(1 - int(data[index]["label"]))
    path = folder / "train.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["text", "label"])
        writer.writeheader()
        writer.writerows({"text": row["text"], "label": row["label"]} for row in data)
    return path, {data[index]["text"] for index in flipped}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--flip", type=float, default=0.05)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()

    from finetune.config.run_config import config_from_flat
    from finetune.evaluation.label_issues import run_label_issues
    from finetune.runs.run import Run
    from finetune.train.cross_validation import run_cross_validation

    folder = Path(tempfile.mkdtemp(prefix="label-issues-"))
    data, flipped = flipped_copy(args.rows, args.flip, args.seed, folder)
    config = config_from_flat(
        {
            "checkpoint": "bundled-minilm",
            "dataset": str(data),
            "cv_folds": args.folds,
            "num_train_epochs": args.epochs,
            "learning_rate": 5e-5,
            "per_device_train_batch_size": 16,
            "max_length": 128,
            "save_strategy": "no",
            "eval_strategy": "no",
            "runs_dir": str(folder / "runs"),
        }
    )
    run = Run.create(folder / "runs", config, "kfold")
    started = time.perf_counter()
    outcome = run_cross_validation(config, run)
    seconds = time.perf_counter() - started
    issues = run_label_issues(run)
    flagged = [issue["text"] for issue in issues]
    hits = sum(text in flipped for text in flagged)
    top = flagged[: len(flipped)]
    result = {
        "rows": args.rows,
        "flipped": len(flipped),
        "folds": args.folds,
        "epochs": args.epochs,
        "status": outcome.get("status"),
        "oof_accuracy": run.metrics().get("validation", {}).get("metrics", {}).get("accuracy"),
        "flagged": len(flagged),
        "precision": hits / len(flagged) if flagged else None,
        "recall": hits / len(flipped) if flipped else None,
        "precision_at_flipped": sum(text in flipped for text in top) / len(top) if top else None,
        "seconds": round(seconds, 1),
    }
    write_result("label_issues.json", result)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
