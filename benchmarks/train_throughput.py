"""Engine vs. tutorial-style Trainer scripts, side by side in one process run.

    python benchmarks/train_throughput.py [--rows 3000] [--dataset ../shared/data/rotten_tomatoes]

Runs, on the same data, checkpoint (bundled MiniLM) and hyperparameters (batch 16, lr 5e-5,
max_length 128, 1 epoch, seed 42):

1. plain:      the tutorial script: Trainer + DataCollatorWithPadding (dynamic padding)
2. max_length: the tutorial script that pads every row to max_length
3. engine:     finetune.train.training.run_training (events, grouped batches, cached tokens)
4. engine, event stream off (to measure what the event logging costs)

Samples/s and tokens/s count training only (real, non-padding tokens); accuracy is on the full
validation split. Prints a table and writes benchmarks/results/train_throughput.json.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from results_io import write_result  # noqa: E402  (benchmarks/ is the script's own folder)

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def tutorial_script(folder: Path, rows: int, pad_to_max: bool, out_dir: str) -> dict:
    """What the course's fine-tuning chapter does, with Trainer and evaluate-style metrics."""
    import numpy as np
    from datasets import load_dataset
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        DataCollatorWithPadding,
        Trainer,
        TrainingArguments,
        set_seed,
    )

    from finetune.model.checkpoints import bundled_checkpoint_dir

    ckpt = str(bundled_checkpoint_dir())
    raw = load_dataset(
        "csv", data_files={"train": str(folder / "train.csv"), "validation": str(folder / "validation.csv")}
    )
    raw["train"] = raw["train"].shuffle(seed=42).select(range(rows))
    tok = AutoTokenizer.from_pretrained(ckpt)
    padding = "max_length" if pad_to_max else False
    enc = raw.map(lambda b: tok(b["text"], truncation=True, max_length=128, padding=padding), batched=True)
    set_seed(42)
    model = AutoModelForSequenceClassification.from_pretrained(ckpt, num_labels=2)
    args = TrainingArguments(
        out_dir,
        per_device_train_batch_size=16,
        per_device_eval_batch_size=64,
        learning_rate=5e-5,
        num_train_epochs=1,
        weight_decay=0.01,
        save_strategy="no",
        eval_strategy="no",
        logging_steps=50,
        seed=42,
        report_to=[],
        disable_tqdm=True,
    )
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=enc["train"],
        eval_dataset=enc["validation"],
        processing_class=tok,
        data_collator=DataCollatorWithPadding(tok),
        compute_metrics=lambda p: {"accuracy": float((np.argmax(p.predictions, -1) == p.label_ids).mean())},
    )
    start = time.perf_counter()
    trainer.train()
    seconds = time.perf_counter() - start
    accuracy = trainer.evaluate()["eval_accuracy"]
    tokens = sum(len(t) for t in tok(list(enc["train"]["text"]), truncation=True, max_length=128)["input_ids"])
    return {
        "seconds": seconds,
        "samples_per_second": rows / seconds,
        "tokens_per_second": tokens / seconds,
        "accuracy": accuracy,
    }


def engine(folder: Path, rows: int, runs_dir: str, events: bool) -> dict:
    from finetune.config.run_config import config_from_flat
    from finetune.runs import events as events_module
    from finetune.runs.run import Run
    from finetune.train.training import run_training

    config = config_from_flat(
        {
            "checkpoint": "bundled-minilm",
            "dataset": str(folder),
            "test_split": "none",
            "max_train_samples": rows,
            "num_train_epochs": 1,
            "learning_rate": 5e-5,
            "per_device_train_batch_size": 16,
            "max_length": 128,
            "logging_steps": 50,
            "eval_strategy": "no",
            "save_strategy": "no",
            "runs_dir": runs_dir,
        }
    )
    run = Run.create(runs_dir, config, "engine" if events else "engine-no-events")
    original = events_module.EventWriter.emit
    if not events:
        events_module.EventWriter.emit = lambda self, type, **f: {"type": type, **f}  # type: ignore[assignment]
    try:
        status = run_training(config, run)
    finally:
        events_module.EventWriter.emit = original  # type: ignore[assignment]
    assert status["status"] == "finished", status
    metrics = run.metrics()
    train = metrics["train"]
    return {
        "seconds": train["seconds"],
        "samples_per_second": train["samples_per_second"],
        "tokens_per_second": train["tokens_per_second"],
        "accuracy": metrics["validation"]["metrics"]["accuracy"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--dataset", default=str(ROOT.parent / "shared" / "data" / "rotten_tomatoes"))
    parser.add_argument("--skip-max-length", action="store_true")
    args = parser.parse_args()
    folder = Path(args.dataset)
    import torch

    tmp = tempfile.mkdtemp(prefix="bench-")
    results = {}
    results["plain"] = tutorial_script(folder, args.rows, False, tmp + "/plain")
    if not args.skip_max_length:
        results["max_length"] = tutorial_script(folder, args.rows, True, tmp + "/maxlen")
    results["engine"] = engine(folder, args.rows, tmp, events=True)
    results["engine_no_events"] = engine(folder, args.rows, tmp, events=False)
    base = results["plain"]
    print(
        f"\n{args.rows} train rows of {folder.name}, bundled MiniLM, batch 16, 1 epoch, "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    )
    print(f"{'variant':<18}{'samples/s':>10}{'tokens/s':>10}{'accuracy':>10}{'vs plain':>10}")
    for name, r in results.items():
        print(
            f"{name:<18}{r['samples_per_second']:>10.1f}{r['tokens_per_second']:>10.0f}{r['accuracy']:>10.4f}"
            f"{r['samples_per_second'] / base['samples_per_second']:>9.2f}x"
        )
    if "max_length" in results:
        ratio = results["engine"]["samples_per_second"] / results["max_length"]["samples_per_second"]
        print(f"engine vs max_length script: {ratio:.2f}x")
    cost = 1 - results["engine"]["samples_per_second"] / results["engine_no_events"]["samples_per_second"]
    print(f"event logging cost: {cost:+.1%} of throughput")
    write_result("train_throughput.json", {"rows": args.rows, "results": results, "event_cost": cost})


if __name__ == "__main__":
    main()
