"""Token-length statistics: of the texts given, and of a bounded sample of a dataset."""

import pytest

from finetune.config.run_config import DataConfig
from finetune.data.preparation import prepare_data
from finetune.model.token_lengths import dataset_length_stats, length_stats
from finetune.model.tokenization import get_tokenizer


def test_length_stats_on_known_data(tiny_checkpoint):
    tok = get_tokenizer(str(tiny_checkpoint))
    texts = ["good"] * 50 + ["good good good"] * 45 + ["good " * 20] * 5  # lengths 3, 5, 22 with [CLS]/[SEP]
    stats = length_stats(tok, texts, max_length=8)
    assert (stats.p50, stats.p95, stats.p99, stats.max) == (3, 5, 22, 22)
    assert stats.truncated_share == pytest.approx(0.05)
    assert stats.suggested_max_length == 24
    assert sum(count for _, count in stats.histogram) == 100


def test_dataset_stats_sample_a_bounded_seeded_number_of_rows_and_say_of_how_many(tiny_checkpoint):
    tok = get_tokenizer(str(tiny_checkpoint))
    train = prepare_data(DataConfig(dataset="examples/data/paraphrase_en")).splits["train"]
    stats = dataset_length_stats(tok, train, max_length=16, sample=10, seed=1)
    assert (stats.n, stats.total_rows) == (10, len(train)) and len(train) > 10
    assert dataset_length_stats(tok, train, max_length=16, sample=10, seed=1).lengths == stats.lengths
    everything = dataset_length_stats(tok, train, max_length=16, sample=10**6)
    assert everything.n == everything.total_rows == len(train)
    pairs = tok(list(train["text"]), list(train["text_pair"]))["input_ids"]
    assert sorted(everything.lengths) == sorted(len(ids) for ids in pairs)  # pairs measured as pairs
