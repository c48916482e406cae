"""Vocabulary coverage and the add_unknown_tokens extension (finetune/vocab.py)."""

import json

import pytest

from finetune.config.run_config import DataConfig
from finetune.data.preparation import prepare_data
from finetune.explore.data_preview import preview
from finetune.model.vocab import UNK_WARN_SHARE, extend_tokenizer, measure_coverage, resize_embeddings
from tests.helpers import tiny_config

TOPICS = "examples/data/weibo_topics_zh/weibo_topics.xlsx"
CHINESE = ["主持人说好的直播又延期，受够了", "外婆做的红烧肉甜而不腻", "国产操作系统修复了耗电问题"] * 4


def test_chinese_on_the_english_vocabulary_warns_and_names_a_chinese_checkpoint():
    from finetune.model.tokenization import get_tokenizer

    tokenizer = get_tokenizer("bundled-minilm")
    coverage = measure_coverage(tokenizer, CHINESE, checkpoint="bundled-minilm")
    assert coverage.share > UNK_WARN_SHARE
    assert coverage.suggestion == "bert-base-chinese" and "bert-base-chinese" in coverage.warning
    assert "add_unknown_tokens" in coverage.warning
    assert all(len(piece) == 1 for piece, _ in coverage.top_unknown)  # characters, read from the offsets
    english = measure_coverage(tokenizer, ["What a lovely film", "The plot drags"], checkpoint="bundled-minilm")
    assert english.share == 0.0 and english.warning is None


def test_extension_adds_the_most_frequent_unknown_pieces_to_a_copy():
    from finetune.model.tokenization import get_tokenizer

    tokenizer = get_tokenizer("bundled-minilm")
    size = len(tokenizer)
    extended, added = extend_tokenizer(tokenizer, CHINESE, 5)
    assert len(added) == 5 and len(extended) == size + 5 and len(tokenizer) == size
    before = measure_coverage(tokenizer, CHINESE).share
    assert measure_coverage(extended, CHINESE).share < before
    assert extended.convert_tokens_to_ids(added[0]) >= size


def test_resize_gives_new_random_rows_and_keeps_the_old(tiny_checkpoint):
    import torch
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tiny_checkpoint))
    model = AutoModel.from_pretrained(str(tiny_checkpoint))
    old = model.get_input_embeddings().weight.detach().clone()
    spare_rows = old.shape[0] - len(tokenizer)  # rows the tokenizer never uses (ids fit without resizing)
    rare = "".join(chr(0x9000 + i) for i in range(spare_rows + 40))
    extended, added = extend_tokenizer(tokenizer, [rare], spare_rows + 3)
    resize_embeddings(model, extended, added)
    new = model.get_input_embeddings().weight.detach()
    assert new.shape[0] == len(extended) == old.shape[0] + 3 and torch.equal(new[: old.shape[0]], old)
    mean = old.mean(dim=0)
    assert not any(torch.allclose(row, mean, atol=1e-3) for row in new[old.shape[0] :])
    resize_embeddings(model, tokenizer, [])
    assert model.get_input_embeddings().weight.shape[0] == len(extended)  # nothing added: never shrinks


def test_preview_reports_the_unknown_share_for_a_checkpoint():
    out = preview(DataConfig(dataset=TOPICS), checkpoint="bundled-minilm")
    assert out["vocabulary"]["share"] > UNK_WARN_SHARE and out["vocabulary"]["warning"]


def test_a_run_reports_coverage_and_trains_the_added_tokens(tiny_checkpoint, runs_dir, tmp_path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from finetune.train.training import run_training

    config = tiny_config(tiny_checkpoint, runs_dir, dataset=TOPICS, add_unknown_tokens=50, max_steps=3)
    from finetune.runs.run import Run

    run_dir = Run.create(tmp_path, config, "run").path
    assert run_training(config, run_dir)["status"] == "finished"
    messages = [e.get("message", "") for e in map(json.loads, (run_dir / "events.jsonl").read_text().splitlines())]
    assert any(m.startswith("vocabulary coverage:") for m in messages)
    assert any(m.startswith("added 50 tokens") for m in messages)
    tokenizer = AutoTokenizer.from_pretrained(str(run_dir / "model"))
    model = AutoModelForSequenceClassification.from_pretrained(str(run_dir / "model"))
    assert model.get_input_embeddings().weight.shape[0] >= len(tokenizer)
    base = AutoTokenizer.from_pretrained(str(tiny_checkpoint))
    assert len(tokenizer) == len(base) + 50
    rows = prepare_data(DataConfig(dataset=TOPICS)).splits["train"]["text"][:50]
    assert measure_coverage(tokenizer, rows).share < measure_coverage(base, rows).share


@pytest.mark.parametrize("dataset", ["examples/data/paraphrase_en", "examples/data/sentiment_en"])
def test_sampled_texts_are_those_sample_texts_picks_from_every_text(dataset):
    from finetune.model.vocab import data_texts, sample_texts

    splits = prepare_data(DataConfig(dataset=dataset)).splits
    everything = data_texts(splits)
    assert len(everything) == len(splits["train"]) * (2 if "text_pair" in splits["train"].column_names else 1)
    for limit in (7, 50, 10**6):
        assert sample_texts(data_texts(splits, limit=limit), limit) == sample_texts(everything, limit)
