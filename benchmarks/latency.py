"""Interactive latencies: tokenizer explorer and prediction (bundled MiniLM, this machine's CPU).

    python benchmarks/latency.py

- tokenizer: inspect_text on a 1000-character input, warm (tokenizer cached); target <= 50 ms
- single prediction: Predictor.predict on one sentence, warm; target p50 <= 15 ms
- batch prediction: Predictor.predict over 1066 rotten_tomatoes validation sentences vs. a raw
  batched forward pass of the same model on the same pre-sorted, pre-tokenized batches; target >= 90%
- batch prediction rows/s by precision: fp32, and bf16 autocast where this CPU has bf16 instructions
  (``auto`` picks it there), on the same sentences
"""

from __future__ import annotations

import csv
import json
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from results_io import write_result  # noqa: E402  (benchmarks/ is the script's own folder)

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    import torch

    from finetune.model.precision import autocast, cpu_bf16_supported
    from finetune.model.tokenization import get_tokenizer, inspect_text
    from finetune.predict.predictor import Predictor

    text = ("The studio shows exactly what the tokenizer produces for every input, special tokens included. " * 12)[
        :1000
    ]
    tok = get_tokenizer("bundled-minilm")
    inspect_text(tok, text)
    tok_ms = timed(lambda: inspect_text(tok, text, "a second segment for pairs", max_length=512), 50)

    predictor = Predictor("bundled-minilm")
    sentence = "A gorgeous, witty, seductive movie."
    predictor.predict(sentence)
    one_ms = timed(lambda: predictor.predict(sentence), 100)

    rows = list(csv.DictReader(open(ROOT.parent / "shared" / "data" / "rotten_tomatoes" / "validation.csv")))
    texts = [r["text"] for r in rows]
    batch = 64
    predictor.predict(texts[:64], batch_size=batch)
    ours = min(timed(lambda: predictor.predict(texts, batch_size=batch), 3))

    enc = predictor.tokenizer(texts, truncation=True, max_length=512)
    order = sorted(range(len(texts)), key=lambda i: len(enc["input_ids"][i]), reverse=True)
    batches = [
        predictor.tokenizer.pad({k: [enc[k][i] for i in order[s : s + batch]] for k in enc}, return_tensors="pt")
        for s in range(0, len(order), batch)
    ]

    def raw() -> None:
        with torch.inference_mode(), autocast(predictor.precision.name, "cpu"):  # the predictor's precision
            for b in batches:
                _ = predictor.model(**b).logits

    raw_ms = min(timed(raw, 3))
    by_precision = {}
    for name in ("fp32", "bf16") if cpu_bf16_supported() else ("fp32",):
        other = Predictor("bundled-minilm", precision=name)
        other.predict(texts[:64], batch_size=batch)
        by_precision[name] = len(texts) / min(timed(lambda p=other: p.predict(texts, batch_size=batch), 3)) * 1000
    result = {
        "tokenizer_1000_chars_ms": {"p50": statistics.median(tok_ms), "p95": sorted(tok_ms)[int(0.95 * len(tok_ms))]},
        "single_prediction_ms": {"p50": statistics.median(one_ms), "p95": sorted(one_ms)[int(0.95 * len(one_ms))]},
        "batch_prediction": {
            "rows": len(texts),
            "ours_ms": ours,
            "raw_forward_ms": raw_ms,
            "ours_rows_per_s": len(texts) / ours * 1000,
            "share_of_raw": raw_ms / ours,
            "precision": predictor.precision.name,
            "rows_per_s_by_precision": by_precision,
        },
        "threads": torch.get_num_threads(),
    }
    print(json.dumps(result, indent=2))
    write_result("latency.json", result)


if __name__ == "__main__":
    main()
