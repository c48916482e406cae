"""Engine vs. the tutorial-style Trainer script, side by side in one process run, on short and long reviews.

    python benchmarks/train_throughput.py [--rows 3000] [--long-rows 320] [--long-eval-rows 320]
                                          [--sets short,long] [--compile] [--max-length-script]
                                          [--events-off] [--quick]

Two data sets, the same checkpoint (bundled MiniLM) and hyperparameters (batch 16, lr 5e-5, 1 epoch, seed 42):

- short: ``../shared/data/rotten_tomatoes``, the first ``--rows`` shuffled train rows, max_length 128,
  all 1066 validation rows;
- long: reviews of 200-400 tokens generated from the same data (like ``data_scale.py``): each review
  strings together sentences of one polarity (train reviews from train sentences, validation reviews from
  validation sentences), so its label is the sentences' label; max_length 512 (no review is truncated).

Variants on each set:

1. plain:        the tutorial script: Trainer + DataCollatorWithPadding, fp32, as the tutorials write it
2. engine:       finetune.train.training.run_training, precision ``auto`` (bf16 autocast on a CPU with bf16
                 instructions, see finetune.model.precision)
3. engine_fp32:  the same with precision fp32 (the accuracy guard: bf16 must agree within 0.5 points)
4. --compile:    engine with ``torch_compile`` (short set; compile time counts: the run's training seconds)
5. --max-length-script: the tutorial script padding every row to max_length (short set)
6. --events-off: engine with the event stream switched off (what the event logging costs)

Samples/s and tokens/s count training only (real, non-padding tokens); accuracy is on the validation set.
FLOP/s is the useful training work, 6 x (non-embedding parameters) per token plus attention's
12 x layers x hidden x length per token, over the training seconds, next to this CPU's fp32 and bf16
matmul peaks (``matmul_peaks``). Prints a table and writes benchmarks/results/train_throughput.json
(``--quick``: tiny sizes for the smoke test; prints the JSON, writes nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

from results_io import write_result  # noqa: E402  (benchmarks/ is the script's own folder)

os.environ.setdefault("HF_HUB_OFFLINE", "1")

RT = ROOT.parent / "shared" / "data" / "rotten_tomatoes"
LONG_TOKENS = (200, 400)  # a long review's length in tokens, special tokens included
SET_MAX_LENGTH = {"short": 128, "long": 512}


def checkpoint() -> str:
    from finetune.model.checkpoints import bundled_checkpoint_dir

    return str(bundled_checkpoint_dir())


def long_reviews(source: Path, rows: int, tokenizer: Any, seed: int) -> Any:
    """``rows`` reviews of LONG_TOKENS tokens, each from sentences of one label of ``source`` (a CSV with
    text and label); balanced labels. A DataFrame with text and label."""
    import numpy as np
    import pandas as pd

    frame = pd.read_csv(source)
    low, high = LONG_TOKENS
    rng = np.random.default_rng(seed)
    by_label = {}
    for label, group in frame.groupby("label"):
        texts = group["text"].astype(str).tolist()
        lengths = [len(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]
        by_label[int(label)] = (texts, lengths)
    out_texts, out_labels = [], []
    for row in range(rows):
        label = sorted(by_label)[row % len(by_label)]
        texts, lengths = by_label[label]
        target, total, parts = int(rng.integers(low, high + 1)), 2, []  # [CLS] and [SEP]
        while total < target:
            j = int(rng.integers(len(texts)))
            if total + lengths[j] > high:  # too long to fit: long enough already, else pick another sentence
                if total >= low:
                    break
                continue
            parts.append(texts[j])
            total += lengths[j]
        out_texts.append(" ".join(parts))
        out_labels.append(label)
    order = rng.permutation(rows)
    return pd.DataFrame({"text": [out_texts[i] for i in order], "label": [out_labels[i] for i in order]})


def make_long_set(folder: Path, rows: int, eval_rows: int) -> Path:
    """Write the long-review set (train.csv, validation.csv) into ``folder``; return it."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(checkpoint())
    folder.mkdir(parents=True, exist_ok=True)
    long_reviews(RT / "train.csv", rows, tokenizer, seed=1).to_csv(folder / "train.csv", index=False)
    long_reviews(RT / "validation.csv", eval_rows, tokenizer, seed=2).to_csv(folder / "validation.csv", index=False)
    return folder


def train_rows(folder: Path, rows: int) -> Any:
    """The training rows both sides use: the first ``rows`` of the train split shuffled with seed 42."""
    from datasets import load_dataset

    train = load_dataset("csv", data_files={"train": str(folder / "train.csv")})["train"]
    return train.shuffle(seed=42).select(range(min(rows, len(train))))


def model_shape() -> dict[str, int]:
    """Layers, hidden size and non-embedding parameters of the checkpoint (with a 2-label head)."""
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(checkpoint(), num_labels=2)
    embedding = sum(p.numel() for n, p in model.named_parameters() if ".embeddings." in n)
    total = sum(p.numel() for p in model.parameters())
    return {
        "layers": model.config.num_hidden_layers,
        "hidden": model.config.hidden_size,
        "non_embedding_parameters": total - embedding,
    }


def training_flops(lengths: list[int], shape: dict[str, int]) -> float:
    """The useful FLOPs of one epoch over rows of these token lengths (padding excluded).

    Forward: 2 FLOPs per parameter per token for the matrix multiplies (embeddings are lookups), plus
    attention's two length x length products (scores and weighted values), 2 x 2 x length x hidden per token
    per layer. Backward costs twice the forward, so a training step is 3x: 6 N t + 12 L d t^2 per row.
    """
    n, layers, hidden = shape["non_embedding_parameters"], shape["layers"], shape["hidden"]
    return float(sum(6 * n * t + 12 * layers * hidden * t * t for t in lengths))


def matmul_peaks(size: int = 2048, repeats: int = 5) -> dict[str, float]:
    """This CPU's matmul GFLOP/s in fp32 and bf16 (best of ``repeats``), with torch's threads."""
    import torch

    peaks = {}
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        a, b = torch.randn(size, size, dtype=dtype), torch.randn(size, size, dtype=dtype)
        for _ in range(2):
            a @ b
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            a @ b
            best = min(best, time.perf_counter() - start)
        peaks[name] = 2 * size**3 / best / 1e9
    return peaks


def tutorial_script(folder: Path, rows: int, max_length: int, pad_to_max: bool, out_dir: str) -> dict:
    """What the course's fine-tuning chapter does, with Trainer and evaluate-style metrics, in fp32."""
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

    ckpt = checkpoint()
    raw = load_dataset(
        "csv", data_files={"train": str(folder / "train.csv"), "validation": str(folder / "validation.csv")}
    )
    raw["train"] = raw["train"].shuffle(seed=42).select(range(min(rows, len(raw["train"]))))
    tok = AutoTokenizer.from_pretrained(ckpt)
    padding = "max_length" if pad_to_max else False
    enc = raw.map(lambda b: tok(b["text"], truncation=True, max_length=max_length, padding=padding), batched=True)
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
    lengths = [len(t) for t in tok(list(enc["train"]["text"]), truncation=True, max_length=max_length)["input_ids"]]
    return {
        "seconds": seconds,
        "samples_per_second": len(lengths) / seconds,
        "tokens_per_second": sum(lengths) / seconds,
        "accuracy": accuracy,
        "precision": "fp32",
    }


def engine(folder: Path, rows: int, max_length: int, runs_dir: str, name: str, **train: Any) -> dict:
    """One ``run_training`` with the benchmark's settings (``train``: precision, torch_compile, events)."""
    from finetune.config.run_config import config_from_flat
    from finetune.runs import events as events_module
    from finetune.runs.run import Run
    from finetune.train.training import run_training

    events = train.pop("events", True)
    config = config_from_flat(
        {
            "checkpoint": "bundled-minilm",
            "dataset": str(folder),
            "test_split": "none",
            "max_train_samples": rows,
            "num_train_epochs": 1,
            "learning_rate": 5e-5,
            "per_device_train_batch_size": 16,
            "max_length": max_length,
            "logging_steps": 50,
            "eval_strategy": "no",
            "save_strategy": "no",
            "runs_dir": runs_dir,
            **train,
        }
    )
    run = Run.create(runs_dir, config, name)
    original = events_module.EventWriter.emit
    if not events:
        events_module.EventWriter.emit = lambda self, type, **f: {"type": type, **f}  # type: ignore[assignment]
    try:
        status = run_training(config, run)
    finally:
        events_module.EventWriter.emit = original  # type: ignore[assignment]
    assert status["status"] == "finished", status
    metrics = run.metrics()
    summary = metrics["train"]
    return {
        "seconds": summary["seconds"],
        "samples_per_second": summary["samples_per_second"],
        "tokens_per_second": summary["tokens_per_second"],
        "accuracy": metrics["validation"]["metrics"]["accuracy"],
        "precision": summary["precision"],
    }


def run_set(name: str, folder: Path, rows: int, args: argparse.Namespace, tmp: str, shape: dict) -> dict:
    """Every variant on one data set, with the useful FLOP/s of each."""
    from transformers import AutoTokenizer

    max_length = SET_MAX_LENGTH[name]
    results: dict[str, dict] = {}
    results["plain"] = tutorial_script(folder, rows, max_length, False, f"{tmp}/{name}-plain")
    if args.max_length_script and name == "short":
        results["max_length"] = tutorial_script(folder, rows, max_length, True, f"{tmp}/{name}-maxlen")
    results["engine"] = engine(folder, rows, max_length, tmp, f"{name}-engine")
    results["engine_fp32"] = engine(folder, rows, max_length, tmp, f"{name}-fp32", precision="fp32")
    if args.compile and name == "short":
        results["engine_compile"] = engine(folder, rows, max_length, tmp, f"{name}-compile", torch_compile=True)
    if args.events_off:
        results["engine_no_events"] = engine(folder, rows, max_length, tmp, f"{name}-no-events", events=False)
    tok = AutoTokenizer.from_pretrained(checkpoint())
    texts = list(train_rows(folder, rows)["text"])
    lengths = [len(ids) for ids in tok(texts, truncation=True, max_length=max_length)["input_ids"]]
    flops = training_flops(lengths, shape)
    for result in results.values():
        result["gflop_per_second"] = flops / result["seconds"] / 1e9
    return {
        "rows": len(lengths),
        "max_length": max_length,
        "mean_tokens": sum(lengths) / len(lengths),
        "training_gflop": flops / 1e9,
        "results": results,
    }


def print_set(name: str, report: dict, peaks: dict[str, float]) -> None:
    results = report["results"]
    base = results["plain"]
    print(
        f"\n{name}: {report['rows']} train rows, {report['mean_tokens']:.0f} tokens each on average, "
        f"max_length {report['max_length']}"
    )
    header = f"{'variant':<18}{'precision':>10}{'samples/s':>10}{'tokens/s':>10}{'accuracy':>10}{'GFLOP/s':>9}"
    print(header + f"{'of peak':>9}{'vs plain':>10}")
    for variant, r in results.items():
        peak = peaks.get(r["precision"], peaks["fp32"])
        print(
            f"{variant:<18}{r['precision']:>10}{r['samples_per_second']:>10.1f}{r['tokens_per_second']:>10.0f}"
            f"{r['accuracy']:>10.4f}{r['gflop_per_second']:>9.1f}{r['gflop_per_second'] / peak:>9.0%}"
            f"{r['samples_per_second'] / base['samples_per_second']:>9.2f}x"
        )
    gap = abs(results["engine"]["accuracy"] - results["engine_fp32"]["accuracy"]) * 100
    print(f"engine ({results['engine']['precision']}) vs engine fp32 accuracy: {gap:.2f} points (guard: <= 0.5)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000, help="short set: training rows")
    parser.add_argument("--long-rows", type=int, default=320, help="long set: training reviews")
    parser.add_argument("--long-eval-rows", type=int, default=320, help="long set: validation reviews")
    parser.add_argument("--sets", default="short,long")
    parser.add_argument("--compile", action="store_true", help="also the engine with torch.compile (short set)")
    parser.add_argument("--max-length-script", action="store_true", help="also the script padding to max_length")
    parser.add_argument("--events-off", action="store_true", help="also the engine without its event stream")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for the smoke test; writes nothing")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.long_rows, args.long_eval_rows = 32, 16, 16
    import torch

    tmp = tempfile.mkdtemp(prefix="bench-")
    peaks = matmul_peaks(512 if args.quick else 2048)
    shape = model_shape()
    sets = [s for s in args.sets.split(",") if s]
    reports = {}
    for name in sets:
        if name == "short":
            folder, rows = RT, args.rows
            if args.quick:  # a small validation split too
                folder = Path(tmp) / "short-quick"
                folder.mkdir()
                import pandas as pd

                pd.read_csv(RT / "train.csv").head(200).to_csv(folder / "train.csv", index=False)
                pd.read_csv(RT / "validation.csv").head(32).to_csv(folder / "validation.csv", index=False)
        else:
            folder = make_long_set(Path(tmp) / "long-reviews", args.long_rows, args.long_eval_rows)
            rows = args.long_rows
        reports[name] = run_set(name, folder, rows, args, tmp, shape)
    print(
        f"\nbundled MiniLM, batch 16, lr 5e-5, 1 epoch, torch {torch.__version__}, {torch.get_num_threads()} threads; "
        f"matmul peak {peaks['fp32']:.0f} GFLOP/s fp32, {peaks['bf16']:.0f} GFLOP/s bf16"
    )
    for name, report in reports.items():
        print_set(name, report, peaks)
    result = {"peaks_gflop_per_second": peaks, "model": shape, "threads": torch.get_num_threads(), "sets": reports}
    if args.quick:
        print(json.dumps(result))
    else:
        write_result("train_throughput.json", result)


if __name__ == "__main__":
    main()
