"""Helpers the tests share: tiny random BERT checkpoints built offline, fast configs, the shared data.

No test reaches the network: the tiny models are built here from a BertConfig and a WordPiece
vocabulary made from the example data.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"
EXAMPLES = PROJECT_ROOT / "examples" / "data"


def shared_data_or_skip(name: str) -> Path:
    """../shared/data/<name>; skipped with a reason where absent, a failure under CI=true."""
    folder = SHARED_DATA / name
    if not folder.is_dir():
        message = f"{folder} is absent (the shared benchmark data lives beside the project root)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + "; under CI=true it must be present")
        pytest.skip(message)
    return folder


def _vocab_words() -> list[str]:
    words: set[str] = set()
    for path in EXAMPLES.rglob("*"):
        if path.is_file() and path.suffix in {".csv", ".tsv", ".json", ".jsonl"}:
            text = path.read_text(encoding="utf-8").lower()
            words.update(re.findall(r"[a-z]+", text))
            words.update(ch for ch in text if "\u4e00" <= ch <= "\u9fff")
    words.update("abcdefghijklmnopqrstuvwxyz0123456789.,!?'\"-:;()")
    words.update(["good", "bad", "great", "terrible", "hello", "world", "the", "movie"])
    return sorted(words)


def build_tiny_checkpoint(folder: Path, *, num_labels: int | None = None) -> Path:
    """A 2-layer, 32-wide random BERT with a real WordPiece tokenizer, saved with save_pretrained."""
    from transformers import BertConfig, BertForSequenceClassification, BertModel, BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + _vocab_words()
    vocab += [f"##{c}" for c in "abcdefghijklmnopqrstuvwxyz"]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(folder / "vocab.txt"), do_lower_case=True, model_max_length=128)
    tokenizer.save_pretrained(str(folder))
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        type_vocab_size=2,
    )
    import torch

    torch.manual_seed(0)
    if num_labels is None:
        model = BertModel(config)
        model.config.architectures = ["BertModel"]
    else:
        config.num_labels = num_labels
        model = BertForSequenceClassification(config)
        model.config.architectures = ["BertForSequenceClassification"]
    model.save_pretrained(str(folder))
    return folder


def tiny_config(checkpoint: Path, runs_dir: Path, dataset: str = "examples/data/sentiment_en", **train):
    """A fast RunConfig for the tiny model (flat train/data overrides allowed)."""
    from finetune.config.run_config import config_from_flat

    values = {
        "checkpoint": str(checkpoint),
        "dataset": dataset,
        "runs_dir": str(runs_dir),
        "num_train_epochs": 1,
        "per_device_train_batch_size": 16,
        "logging_steps": 2,
        "max_length": 64,
        "learning_rate": 1e-3,
    }
    values.update(train)
    return config_from_flat(values)


def cli_env() -> dict[str, str]:
    """The environment of a child ``python -m finetune`` (this project is installed in the interpreter)."""
    return dict(os.environ)


def fake_cpu_flags(monkeypatch: Any, **flags: bool) -> None:
    """Make ``torch.cpu.get_capabilities`` report only these CPU flags (e.g. ``avx512_bf16=False`` for a CPU
    without bf16 instructions), so both sides of the precision choice run on any machine."""
    import torch

    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: {"architecture": "x86_64", **flags})


def first_linear_dtypes(model: Any) -> list[Any]:
    """A list that fills with the output dtype of the model's first Linear layer at every forward pass."""
    import torch

    seen: list[Any] = []
    first = next(m for m in model.modules() if isinstance(m, torch.nn.Linear))
    first.register_forward_hook(lambda _module, _inputs, out: seen.append(out.dtype))
    return seen
