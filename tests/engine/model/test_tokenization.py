import pytest

from finetune.errors import ConfigError, DataError
from finetune.model.tokenization import encode_splits, get_tokenizer, inspect_batch, inspect_text


@pytest.fixture(scope="module")
def tok(bundled_checkpoint):
    return get_tokenizer("bundled-minilm")


def test_pairs_mark_two_segments(tok):
    report = inspect_text(tok, "The cat sat.", "A dog ran away.")
    types = report.token_type_ids
    first_sep = report.input_ids.index(tok.sep_token_id)
    assert set(types[: first_sep + 1]) == {0}
    assert set(types[first_sep + 1 :]) == {1}
    assert {r.segment for r in report.tokens if not r.special} == {0, 1}


def test_padding_masks_exactly_the_padded_positions(tok):
    report = inspect_text(tok, "short text", max_length=16, padding="max_length")
    pad_positions = [i for i, t in enumerate(report.input_ids) if t == tok.pad_token_id]
    zero_mask = [i for i, m in enumerate(report.attention_mask) if m == 0]
    assert len(report.input_ids) == 16
    assert pad_positions == zero_mask and pad_positions
    assert report.n_padding == len(pad_positions)
    batch = inspect_batch(tok, ["a much longer line of text here", "tiny"])
    lengths = [sum(m) for m in batch["attention_mask"]]
    assert len(batch["input_ids"][0]) == len(batch["input_ids"][1])
    assert batch["attention_mask"][1][lengths[1] :] == [0] * (len(batch["input_ids"][1]) - lengths[1])
    assert all(t == tok.pad_token_id for t in batch["input_ids"][1][lengths[1] :])


@pytest.mark.parametrize("text", ["Hugging Face's tokenizers are FAST!", "这期节目太好看了，笑死我了"])
def test_spans_map_back_to_the_original_text(tok, text):
    report = inspect_text(tok, text)
    for row in report.tokens:
        if row.special:
            continue
        piece = text[row.start : row.end].lower()
        token = row.token[2:] if row.token.startswith("##") else row.token
        assert piece == token or row.token == tok.unk_token
    rebuilt = "".join(piece for piece, _ in report.highlights())
    assert rebuilt == text


def test_truncation_is_reported(tok):
    report = inspect_text(tok, "one two three four five six seven eight", max_length=5)
    assert report.truncated and len(report.input_ids) == 5
    assert not inspect_text(tok, "one two").truncated


def test_bad_inputs(tok):
    with pytest.raises(DataError, match="empty"):
        inspect_text(tok, "   ")
    with pytest.raises(ConfigError, match="at most 512"):
        inspect_text(tok, "hello", max_length=4096)


def test_encoded_data_is_cached_and_reused(tmp_path, tiny_checkpoint):
    from finetune.config.run_config import DataConfig
    from finetune.data.preparation import prepare_data

    tok = get_tokenizer(str(tiny_checkpoint))
    prepared = prepare_data(DataConfig(dataset="examples/data/sentiment_en"))
    first, hit1 = encode_splits(
        prepared.splits, tok, is_pair=False, max_length=32, padding="dynamic", cache_dir=tmp_path
    )
    again = prepare_data(DataConfig(dataset="examples/data/sentiment_en"))
    second, hit2 = encode_splits(again.splits, tok, is_pair=False, max_length=32, padding="dynamic", cache_dir=tmp_path)
    assert (hit1, hit2) == (False, True)
    assert first["train"]["input_ids"] == second["train"]["input_ids"]
    _, hit3 = encode_splits(again.splits, tok, is_pair=False, max_length=16, padding="dynamic", cache_dir=tmp_path)
    assert hit3 is False


def test_cached_train_split_keeps_only_training_columns_in_compact_types(tmp_path, tiny_checkpoint):
    from finetune.config.run_config import DataConfig
    from finetune.data.preparation import prepare_data

    tok = get_tokenizer(str(tiny_checkpoint))
    prepared = prepare_data(DataConfig(dataset="examples/data/paraphrase_en"))
    encoded, _ = encode_splits(prepared.splits, tok, is_pair=True, max_length=32, padding="dynamic", cache_dir=tmp_path)
    assert set(encoded["train"].column_names) == {"label", "input_ids", "token_type_ids", "attention_mask", "length"}
    assert {"text", "text_pair"} <= set(encoded["validation"].column_names)  # the predictions file shows them
    assert encoded["train"].features["input_ids"].feature.dtype == "int32"
    assert encoded["train"].features["attention_mask"].feature.dtype == "int8"
    expected = tok(
        prepared.splits["train"]["text"][:3], prepared.splits["train"]["text_pair"][:3], truncation=True, max_length=32
    )["input_ids"]
    assert encoded["train"]["input_ids"][:3] == expected
    assert encoded["train"]["length"][:3] == [len(ids) for ids in expected]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no scratch left behind


def test_large_splits_tokenize_in_several_processes_on_several_cores(monkeypatch):
    from finetune.model import tokenization

    monkeypatch.setattr(tokenization.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert tokenization.tokenize_processes(100) is None
    assert tokenization.tokenize_processes(tokenization.NUM_PROC_MIN_ROWS) == 2
    monkeypatch.setattr(tokenization.os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert tokenization.tokenize_processes(10**6) is None


def test_a_broken_cache_entry_is_rebuilt(tmp_path, tiny_checkpoint):
    from finetune.config.run_config import DataConfig
    from finetune.data.preparation import prepare_data

    tok = get_tokenizer(str(tiny_checkpoint))
    splits = prepare_data(DataConfig(dataset="examples/data/sentiment_en")).splits
    first, _ = encode_splits(splits, tok, is_pair=False, max_length=32, padding="dynamic", cache_dir=tmp_path)
    expected = list(first["train"]["input_ids"])
    (entry,) = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
    for arrow in entry.glob("*.arrow"):
        arrow.write_bytes(b"broken")
    again, hit = encode_splits(splits, tok, is_pair=False, max_length=32, padding="dynamic", cache_dir=tmp_path)
    assert hit is False and list(again["train"]["input_ids"]) == expected
    assert encode_splits(splits, tok, is_pair=False, max_length=32, padding="dynamic", cache_dir=tmp_path)[1]
