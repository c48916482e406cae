"""Does ``add_unknown_tokens`` rescue Chinese text on the bundled English checkpoint? Measured.

Composes a Chinese 4-topic set of our own (``examples/make_examples.py``'s Weibo-style topic
phrases, ``--per-class`` posts per topic, generated here, not committed), splits it so that no
(subject, predicate) combination of a validation post occurs in training (the model must
generalise to new combinations of seen words), and trains the bundled MiniLM-L6 twice with the
same settings: without and with ``add_unknown_tokens``. Reports the majority rate, accuracy and
MCC of each, and the [UNK] share before and after.

    python benchmarks/vocab_extension.py --per-class 750 --add 1000
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "examples"))

from make_examples import TOPIC_OPENERS, TOPIC_TAILS, ZH_CLASSES, ZH_SUBJECTS, ZH_TOPICS  # noqa: E402
from results_io import write_result  # noqa: E402  (benchmarks/ is the script's own folder)

# topics: 4 Weibo-style topics (each topic has its own subjects and predicates);
# emotions: 4 emotions about the same variety-show subjects (only the emotion phrase tells them apart)
SETS = {"topics": ZH_TOPICS, "emotions": {label: (ZH_SUBJECTS, phrases) for label, phrases in ZH_CLASSES.items()}}


def compose(per_class: int, seed: int, validation_share: float, which: str = "topics") -> tuple[list[dict], list[dict]]:
    """Train and validation rows; validation holds whole (subject, predicate) combinations."""
    rng = random.Random(seed)
    train, validation = [], []
    for label, (subjects, predicates) in SETS[which].items():
        combos = [(s, p) for s in subjects for p in predicates]
        rng.shuffle(combos)
        cut = int(len(combos) * validation_share)
        for part, pool, n in (
            (validation, combos[:cut], int(per_class * validation_share)),
            (train, combos[cut:], per_class - int(per_class * validation_share)),
        ):
            seen: set[str] = set()
            while len(seen) < n:
                subject, predicate = rng.choice(pool)
                seen.add(f"{rng.choice(TOPIC_OPENERS)}{subject}{predicate}{rng.choice(TOPIC_TAILS)}")
            part += [{"review": text, "label": label} for text in sorted(seen)]
    rng.shuffle(train)
    rng.shuffle(validation)
    return train, validation


def train_once(folder: Path, add: int, args: argparse.Namespace) -> dict:
    from finetune.config.run_config import config_from_flat
    from finetune.jsonfiles import read_json
    from finetune.train.training import run_training

    run_dir = folder / f"run-add{add}"
    run_dir.mkdir()
    config = config_from_flat(
        {
            "checkpoint": "bundled-minilm",
            "dataset": str(folder / "data"),
            "add_unknown_tokens": add,
            "max_length": 64,
            "num_train_epochs": args.epochs,
            "learning_rate": args.lr,
            "per_device_train_batch_size": 16,
            "save_strategy": "no",
            "logging_steps": 50,
            "runs_dir": str(folder / "runs"),
            "seed": 42,
        }
    )
    started = time.monotonic()
    status = run_training(config, run_dir)
    metrics = read_json(run_dir / "metrics.json")["validation"]["metrics"]
    events = (run_dir / "events.jsonl").read_text(encoding="utf-8").splitlines()
    coverage = [line for line in events if "vocabulary coverage" in line or "[UNK] share now" in line]
    return {
        "add_unknown_tokens": add,
        "status": status["status"],
        "seconds": round(time.monotonic() - started, 1),
        "accuracy": metrics["accuracy"],
        "matthews_correlation": metrics["matthews_correlation"],
        "f1_macro": metrics["f1"],
        "coverage_log": coverage,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=750)
    parser.add_argument("--add", type=int, default=1000)
    parser.add_argument("--epochs", type=float, default=2)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--set", choices=sorted(SETS), default="topics")
    args = parser.parse_args()
    import pandas as pd

    train, validation = compose(args.per_class, 20261124, 0.2, args.set)
    result = {"rows": {"train": len(train), "validation": len(validation)}, "settings": vars(args)}
    counts = pd.Series([r["label"] for r in validation]).value_counts()
    result["majority_rate"] = float(counts.max() / counts.sum())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "data").mkdir()
        pd.DataFrame(train).to_csv(folder / "data" / "train.csv", index=False)
        pd.DataFrame(validation).to_csv(folder / "data" / "validation.csv", index=False)
        result["runs"] = [train_once(folder, add, args) for add in (0, args.add)]
    print(write_result(f"vocab_extension_{args.set}.json", result))
    for run in result["runs"]:
        print(run["add_unknown_tokens"], run["accuracy"], run["matthews_correlation"], run["seconds"])
    print("majority", result["majority_rate"])


if __name__ == "__main__":
    main()
