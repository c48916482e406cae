"""Token-length statistics: what max_length truncates, and a max_length that fits the data.

:func:`dataset_length_stats` tokenizes a bounded, seeded random sample of a prepared split
(:data:`LENGTH_SAMPLE_ROWS` rows, read by position: the rest is never loaded) and says how many
rows it was drawn from; :func:`length_stats` measures the texts it is given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np

from finetune.data.arrow_columns import take
from finetune.errors import DataError, expected_found
from finetune.model.tokenization import model_max_length

LENGTH_SAMPLE_ROWS = 2000  # rows the statistics of a dataset tokenize


@dataclass
class LengthStats:
    """Token lengths of a dataset sample, and what a given max_length truncates."""

    lengths: list[int]
    n: int
    mean: float
    p50: int
    p95: int
    p99: int
    max: int
    max_length: int
    truncated_share: float
    suggested_max_length: int
    suggestion_basis: str = "99th percentile rounded up to a multiple of 8"
    histogram: list[tuple[int, int]] = field(default_factory=list)
    total_rows: Optional[int] = None  # rows the sample was drawn from (None: the texts given were all of them)


def _percentile(sorted_values: list[int], q: float) -> int:
    """Nearest-rank percentile (no interpolation: a length that actually occurs)."""
    if not sorted_values:
        return 0
    rank = max(1, math.ceil(q / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def round_up(value: int, multiple: int = 8) -> int:
    return int(math.ceil(value / multiple) * multiple)


def dataset_length_stats(
    tokenizer: Any, split: Any, *, max_length: int = 128, sample: int = LENGTH_SAMPLE_ROWS, seed: int = 0
) -> LengthStats:
    """:func:`length_stats` of at most ``sample`` rows of a prepared split, drawn at random (seeded) and
    read by position (the other rows are never loaded); ``total_rows`` says how many rows it had."""
    rows = len(split)
    picked = (
        np.arange(rows) if rows <= sample else np.sort(np.random.default_rng(seed).choice(rows, sample, replace=False))
    )
    texts = take(split, "text", picked).to_pylist()
    pairs = take(split, "text_pair", picked).to_pylist() if "text_pair" in split.column_names else None
    stats = length_stats(tokenizer, texts, pairs, max_length=max_length)
    stats.total_rows = rows
    return stats


def length_stats(
    tokenizer: Any,
    texts: Sequence[str],
    pairs: Optional[Sequence[Optional[str]]] = None,
    *,
    max_length: int = 128,
    limit: Optional[int] = None,
    bins: int = 20,
) -> LengthStats:
    """Token lengths (special tokens included, untruncated) and a suggested max_length, of every text given
    (:func:`dataset_length_stats` samples a dataset first)."""
    if not texts:
        raise DataError(expected_found("texts", "at least one text", "none"))
    if pairs is not None and any(p is not None for p in pairs):
        enc = tokenizer(list(texts), [p or "" for p in pairs], truncation=False)
    else:
        enc = tokenizer(list(texts), truncation=False)
    lengths = [len(ids) for ids in enc["input_ids"]]
    ordered = sorted(lengths)
    p99 = _percentile(ordered, 99)
    model_limit = limit or model_max_length(tokenizer)
    suggested = min(round_up(p99), model_limit)
    width = max(1, math.ceil((ordered[-1] + 1) / bins))
    hist: dict[int, int] = {}
    for value in lengths:
        start = (value // width) * width
        hist[start] = hist.get(start, 0) + 1
    return LengthStats(
        lengths=lengths,
        n=len(lengths),
        mean=sum(lengths) / len(lengths),
        p50=_percentile(ordered, 50),
        p95=_percentile(ordered, 95),
        p99=p99,
        max=ordered[-1],
        max_length=max_length,
        truncated_share=sum(1 for v in lengths if v > max_length) / len(lengths),
        suggested_max_length=suggested,
        histogram=sorted(hist.items()),
    )
