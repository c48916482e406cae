"""GPU throughput and model FLOPs utilisation (run on a CUDA machine; this project's CI has none).

    python benchmarks/gpu_throughput.py --peak-tflops 989     # H100 SXM dense bf16
    python benchmarks/gpu_throughput.py --mrpc                 # also: bundled MiniLM, MRPC, 3 epochs
    python benchmarks/gpu_throughput.py --smoke --mrpc         # CI: the same code on CPU, tiny sizes

``--smoke`` runs every part on the CPU with a tiny model and a few steps (no torch.compile,
results printed, not written), so the harness cannot rot before a GPU session runs it
(tests/test_benchmarks.py runs it as a subprocess). Its numbers mean nothing.

1. BERT-base-sized model (random BertConfig(): same cost as bert-base-uncased, no Hub needed),
   sequence length 128, bf16 autocast (fp16 where bf16 is missing), TF32, fused AdamW, optional
   torch.compile: samples/s, tokens/s and MFU = 6 * params * tokens/s / peak FLOP/s
   (the usual training estimate; attention FLOPs add ~ 12 * layers * hidden * seq per token).
2. With --mrpc: the engine itself (finetune.train.training.run_training) on ../shared/data/mrpc with the
   bundled checkpoint, 3 epochs, reporting training seconds and validation accuracy / F1.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from results_io import write_result  # noqa: E402  (benchmarks/ is the script's own folder)

os.environ.setdefault("HF_HUB_OFFLINE", "1")


TINY_BERT = dict(vocab_size=1000, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64)


def bert_base_throughput(
    batch: int, seq: int, steps: int, compile_model: bool, peak_tflops: float, *, smoke: bool = False
) -> dict:
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    device = "cpu" if smoke else "cuda"
    assert smoke or torch.cuda.is_available(), "needs a CUDA GPU (or --smoke)"
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    dtype = torch.bfloat16 if smoke or torch.cuda.is_bf16_supported() else torch.float16
    config = BertConfig(num_labels=2, **(TINY_BERT if smoke else {}))
    model = BertForSequenceClassification(config).to(device)
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=2e-5, fused=device == "cuda")
    scaler = torch.amp.GradScaler(enabled=dtype == torch.float16)
    step_model = torch.compile(model) if compile_model else model
    ids = torch.randint(min(1000, config.vocab_size // 2), config.vocab_size, (batch, seq), device=device)
    mask = torch.ones_like(ids)
    labels = torch.randint(0, 2, (batch,), device=device)

    def step() -> None:
        with torch.autocast(device, dtype=dtype):
            loss = step_model(input_ids=ids, attention_mask=mask, labels=labels).loss
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        opt.zero_grad(set_to_none=True)

    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    for _ in range(1 if smoke else 10):
        step()
    sync()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    sync()
    seconds = time.perf_counter() - start
    tokens_per_s = batch * seq * steps / seconds
    mfu = 6 * params * tokens_per_s / (peak_tflops * 1e12)
    return {
        "gpu": torch.cuda.get_device_name() if device == "cuda" else "cpu (smoke)",
        "dtype": str(dtype),
        "compile": compile_model,
        "batch": batch,
        "seq": seq,
        "params": params,
        "samples_per_second": batch * steps / seconds,
        "tokens_per_second": tokens_per_s,
        "mfu": mfu,
    }


def mrpc_engine(smoke: bool = False) -> dict:
    from finetune.config.run_config import config_from_flat
    from finetune.runs.run import Run
    from finetune.train.training import run_training

    runs = tempfile.mkdtemp()
    values = {
        "checkpoint": "bundled-minilm",
        "dataset": str(ROOT.parent / "shared/data/mrpc"),
        "test_split": "none",
        "num_train_epochs": 3,
        "learning_rate": 5e-5,
        "per_device_train_batch_size": 32,
        "max_length": 128,
        "dataloader_num_workers": 2,
        "runs_dir": runs,
        "run_name": "mrpc",
    }
    if smoke:  # the repository's own pair example, a few steps: exercises the same path in seconds
        values.update(
            dataset=str(ROOT / "examples/data/paraphrase_en"),
            max_train_samples=32,
            max_steps=2,
            per_device_train_batch_size=8,
            max_length=32,
            dataloader_num_workers=0,
            eval_strategy="no",
            save_strategy="no",
        )
    config = config_from_flat(values)
    run = Run.create(runs, config)
    status = run_training(config, run)
    metrics = run.metrics()
    assert status["status"] == "finished", status
    return {"status": str(status["status"]), "train": metrics["train"], "validation": metrics["validation"]["metrics"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seq", type=int, default=128)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--peak-tflops", type=float, default=989.0, help="dense bf16 peak of the GPU")
    parser.add_argument("--mrpc", action="store_true")
    parser.add_argument("--smoke", action="store_true", help="CPU, tiny model, 2 steps: checks the harness runs")
    args = parser.parse_args()
    if args.smoke:
        args.batch, args.seq, args.steps = 4, 16, 2
    results = {
        "eager": bert_base_throughput(args.batch, args.seq, args.steps, False, args.peak_tflops, smoke=args.smoke)
    }
    if not args.smoke:  # torch.compile on the CPU needs a compiler toolchain and minutes: GPU runs only
        results["compiled"] = bert_base_throughput(args.batch, args.seq, args.steps, True, args.peak_tflops)
    if args.mrpc:
        results["mrpc"] = mrpc_engine(smoke=args.smoke)
    print(json.dumps(results, indent=2))
    if not args.smoke:
        write_result("gpu_throughput.json", results)


if __name__ == "__main__":
    main()
