"""Vocabulary coverage: how much of the data a checkpoint's tokenizer maps to ``[UNK]``, and a way out.

The bundled checkpoint has an uncased English vocabulary: most Chinese characters become
``[UNK]``, and a model that sees ``[UNK] [UNK] [UNK]`` for every comment learns the majority class.
:func:`measure_coverage` counts the share of unknown tokens in a sample of the rows and names
the unknown pieces (characters or words, from the tokenizer's offsets); above
:data:`UNK_WARN_SHARE` its ``warning`` names a checkpoint that fits the language.

The offline way out (``add_unknown_tokens: N``): :func:`extend_tokenizer` adds the data's N most
frequent unknown pieces to a copy of the tokenizer (``add_tokens``), and :func:`resize_embeddings`
gives the model one new embedding row per added token. The new rows start random (normal, the
model's ``initializer_range``, not the mean of the old rows) and train with the rest.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

import numpy as np

from finetune.data.arrow_columns import take

UNK_WARN_SHARE = 0.05
SAMPLE_ROWS = 500
EXTEND_SAMPLE_ROWS = 20000


@dataclass
class Coverage:
    """Unknown-token share of a sample of texts, for one tokenizer."""

    checkpoint: str
    rows: int
    tokens: int
    unknown: int
    top_unknown: list[tuple[str, int]] = field(default_factory=list)
    suggestion: Optional[str] = None

    @property
    def share(self) -> float:
        return self.unknown / self.tokens if self.tokens else 0.0

    @property
    def warning(self) -> Optional[str]:
        """A warning above :data:`UNK_WARN_SHARE`, naming a fitting checkpoint and the offline option."""
        if self.share <= UNK_WARN_SHARE:
            return None
        examples = " ".join(piece for piece, _ in self.top_unknown[:10])
        fit = (
            f" Use a checkpoint that fits the language, e.g. {self.suggestion},"
            if self.suggestion
            else " Use a checkpoint whose vocabulary covers this text,"
        )
        return (
            f"{self.share:.0%} of the tokens in a sample of {self.rows} rows are [UNK] for '{self.checkpoint}' "
            f"(expected at most {UNK_WARN_SHARE:.0%}; most frequent unknown: {examples}). The model cannot "
            f"tell these apart.{fit} or set add_unknown_tokens (e.g. 2000) to add the data's most frequent "
            "unknown pieces to the tokenizer and train their embeddings from scratch."
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "share": self.share, "warning": self.warning}


def sample_texts(texts: Sequence[str], limit: int) -> list[str]:
    """Up to ``limit`` texts spread evenly over the sequence (deterministic)."""
    step = max(1, len(texts) // limit) if limit else 1
    return [t for t in list(texts)[::step][:limit] if isinstance(t, str) and t]


def unknown_pieces(tokenizer: Any, texts: Iterable[str]) -> tuple[Counter, int]:
    """(Counter of the text pieces that became [UNK], total number of tokens) without special tokens."""
    texts = list(texts)
    unk_id = tokenizer.unk_token_id
    pieces: Counter = Counter()
    total = 0
    if not texts or unk_id is None:
        return pieces, total
    encoded = tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True, truncation=False)
    for text, ids, offsets in zip(texts, encoded["input_ids"], encoded["offset_mapping"]):
        total += len(ids)
        for token_id, (start, end) in zip(ids, offsets):
            if token_id == unk_id:
                pieces[text[start:end]] += 1
    return pieces, total


def suggest_checkpoint(texts: Iterable[str]) -> Optional[str]:
    """A checkpoint whose vocabulary fits the texts' script: Chinese -> bert-base-chinese, else multilingual."""
    counts = Counter()
    for text in texts:
        for ch in text:
            if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf":
                counts["cjk"] += 1
            elif ch.isalpha():
                counts["latin" if ch.isascii() else "other"] += 1
    if not counts:
        return None
    script = counts.most_common(1)[0][0]
    return {"cjk": "bert-base-chinese", "other": "bert-base-multilingual-cased"}.get(script)


def measure_coverage(
    tokenizer: Any, texts: Sequence[str], *, checkpoint: str = "", sample: int = SAMPLE_ROWS
) -> Coverage:
    """The [UNK] share over a sample of ``texts`` (pairs: pass both sides' texts)."""
    chosen = sample_texts(texts, sample)
    pieces, total = unknown_pieces(tokenizer, chosen)
    coverage = Coverage(
        checkpoint=checkpoint,
        rows=len(chosen),
        tokens=total,
        unknown=sum(pieces.values()),
        top_unknown=pieces.most_common(20),
    )
    if coverage.share > UNK_WARN_SHARE:
        coverage.suggestion = suggest_checkpoint(chosen)
    return coverage


def data_texts(splits: Any, split: str = "train", limit: Optional[int] = None) -> list[str]:
    """The texts of a prepared split (``text``, then ``text_pair`` for pairs); with ``limit``, only the
    ones :func:`sample_texts` would pick from that list, read without loading the other rows."""
    data = splits[split]
    names = ["text"] + (["text_pair"] if "text_pair" in data.column_names else [])
    rows, total = len(data), len(data) * len(names)
    step = max(1, total // limit) if limit else 1
    picked = np.arange(0, total, step)[:limit] if limit else np.arange(total)
    texts: list[str] = []
    for number, name in enumerate(names):
        positions = picked[(picked >= number * rows) & (picked < (number + 1) * rows)] - number * rows
        texts += take(data, name, positions).to_pylist()
    return texts


def extend_tokenizer(tokenizer: Any, texts: Sequence[str], n: int) -> tuple[Any, list[str]]:
    """A copy of ``tokenizer`` with the ``n`` most frequent unknown pieces of ``texts`` added (the
    cached original is never changed); returns (tokenizer, added pieces)."""
    pieces, _ = unknown_pieces(tokenizer, sample_texts(texts, EXTEND_SAMPLE_ROWS))
    wanted = [piece for piece, _ in pieces.most_common(n) if piece.strip()]
    if not wanted:
        return tokenizer, []
    extended = copy.deepcopy(tokenizer)
    extended.add_tokens(wanted)
    return extended, wanted


def resize_embeddings(model: Any, tokenizer: Any, added: Sequence[str]) -> None:
    """After :func:`extend_tokenizer` added tokens: one embedding row per token of ``tokenizer``, the new
    rows random (not the old rows' mean). Nothing when nothing was added."""
    if added and model.get_input_embeddings().weight.shape[0] < len(tokenizer):
        model.resize_token_embeddings(len(tokenizer), mean_resizing=False)


def coverage_for_checkpoint(checkpoint: str, splits: Any, split: str = "train") -> Coverage:
    """The [UNK] share of a prepared split for a checkpoint's tokenizer (the data preview's figure)."""
    from finetune.model.tokenization import get_tokenizer

    return measure_coverage(get_tokenizer(checkpoint), data_texts(splits, split, SAMPLE_ROWS), checkpoint=checkpoint)


def coverage_report(
    tokenizer: Any, splits: Any, checkpoint: str, add_unknown: int
) -> tuple[Any, list[str], list[tuple[str, str]]]:
    """What a run does at its start: measure the [UNK] share (a warning above the threshold) and, with
    ``add_unknown > 0``, extend the tokenizer and measure again. Returns (tokenizer, added pieces,
    log lines as (message, level))."""
    texts = data_texts(splits, limit=SAMPLE_ROWS)
    before = measure_coverage(tokenizer, texts, checkpoint=checkpoint)
    notes = [
        (
            f"vocabulary coverage: {before.share:.1%} of {before.tokens} tokens in a sample of {before.rows} "
            f"training rows are [UNK] for '{checkpoint}'",
            "info",
        )
    ]
    if before.warning and not add_unknown:
        notes.append((before.warning, "warning"))
    if not add_unknown:
        return tokenizer, [], notes
    extended, added = extend_tokenizer(tokenizer, data_texts(splits, limit=EXTEND_SAMPLE_ROWS), add_unknown)
    after = measure_coverage(extended, texts, checkpoint=checkpoint)
    if not added:  # nothing to add: say so, rather than "added 0 tokens (most frequent unknown pieces: )"
        notes.append(
            (
                f"no token added to the tokenizer: the sampled rows have no unknown pieces ([UNK] share "
                f"{after.share:.1%})",
                "info",
            )
        )
        return extended, added, notes
    notes.append(
        (
            f"added {len(added)} tokens to the tokenizer (most frequent unknown pieces: {' '.join(added[:20])}); "
            f"[UNK] share now {after.share:.1%}. Their embeddings start random and train with the model.",
            "info",
        )
    )
    return extended, added, notes
