"""The columnar preparation gives the same labels, drops, split and counts as the per-row code it replaced.

The reference below is the previous row-by-row implementation (Python loops over every row),
kept here only to compare against on small data.
"""

import math

import datasets
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from finetune.config.run_config import DataConfig
from finetune.data import preparation as data
from finetune.data.arrow_columns import distinct_keys, encode_labels, label_counts, text_ok


# ----------------------------------------------------------------------------- the previous per-row code
def old_is_missing(value, minus_one=False):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    return minus_one and isinstance(value, int) and not isinstance(value, bool) and value == -1


def old_minus_one(split, label_column, name):
    """-1 marks unlabelled rows of a ClassLabel column, or of a test split that is -1 throughout."""
    if isinstance(split.features[label_column], datasets.ClassLabel):
        return True
    values = split[label_column]
    return name == "test" and bool(values) and all(type(v) is int and v == -1 for v in values)


def old_label_key(value):
    if isinstance(value, str):
        return value.strip()
    return int(value) if isinstance(value, float) and value.is_integer() else value


def old_infer_label_names(splits, label_column, source=""):
    feature = splits["train"].features[label_column]
    if isinstance(feature, datasets.ClassLabel):
        return list(feature.names), None
    values = set()
    for name, split in splits.items():
        if label_column in split.column_names:
            minus_one = old_minus_one(split, label_column, name)
            values.update(old_label_key(v) for v in split[label_column] if not old_is_missing(v, minus_one))
    return data.label_names_of(values, label_column)


def old_canonical(split, mapping, label_names, value_to_id, report, name):
    keep = [c for c in (mapping.text, mapping.text_pair, mapping.label) if c]
    split = split.select_columns(keep)
    minus_one = old_minus_one(split, mapping.label, name)
    text_cols = [mapping.text] + ([mapping.text_pair] if mapping.text_pair else [])
    before = len(split)
    split = split.filter(
        lambda b: [
            all(isinstance(b[c][i], str) and b[c][i].strip() for c in text_cols) for i in range(len(b[mapping.label]))
        ],
        batched=True,
    )
    empty_text = before - len(split)
    before_labels = len(split)
    split = split.filter(lambda b: [not old_is_missing(v, minus_one) for v in b[mapping.label]], batched=True)
    missing_labels = before_labels - len(split)
    if not isinstance(split.features[mapping.label], datasets.ClassLabel):

        def encode(batch):
            values = [old_label_key(v) for v in batch[mapping.label]]
            return {mapping.label: [int(v) if value_to_id is None else value_to_id[v] for v in values]}

        split = split.map(encode, batched=True)
    renames = {mapping.text: "text", mapping.label: "label", mapping.text_pair: "text_pair"}
    split = split.rename_columns({k: v for k, v in renames.items() if k and k != v})
    split = split.cast_column("label", datasets.ClassLabel(names=label_names))
    report.dropped[name] = {"empty_text": empty_text, "missing_label": missing_labels}
    if empty_text or missing_labels:
        report.notes.append(
            f"{name}: dropped {empty_text} rows with empty text and {missing_labels} rows with "
            f"missing labels ({len(split)} of {before} kept)." + (data.MISSING_WORDS_NOTE if missing_labels else "")
        )
    return split


def old_counts(split, label_names):
    counts = {name: 0 for name in label_names}
    for value in split["label"]:
        counts[label_names[value]] += 1
    return counts


def old_hold_out(train, config, report):
    counts = old_counts(train, report.label_names)
    n_val = max(1, int(round(len(train) * config.validation_size)))
    stratify = all(c >= 2 for c in counts.values() if c > 0) and n_val >= sum(1 for c in counts.values() if c)
    kwargs = {"test_size": config.validation_size, "seed": config.split_seed}
    try:
        parts = train.train_test_split(**kwargs, **({"stratify_by_column": "label"} if stratify else {}))
    except ValueError:
        stratify = False
        parts = train.train_test_split(**kwargs)
    how = "stratified by label" if stratify else "not stratified (some class has too few rows)"
    report.validation_source = f"{config.validation_size:.0%} of train held out ({how}, seed {config.split_seed})"
    return parts["train"], parts["test"]


def prepared_both_ways(monkeypatch, config, raw):
    new = data.prepare_data(config, raw)
    found = {}

    def infer(*args):  # the old rules, and their value->id map for the old row-by-row encoding
        names, found["value_to_id"] = old_infer_label_names(*args)
        return names, found["value_to_id"]

    def canonical(split, mapping, targets, report, name):  # today's signature, the old row-by-row body
        return old_canonical(split, mapping, list(targets.feature.names), found["value_to_id"], report, name)

    with monkeypatch.context() as patch:
        patch.setattr(data, "_canonical", canonical)
        patch.setattr(data, "infer_label_names", infer)
        patch.setattr(data, "_counts", old_counts)
        patch.setattr(data, "_hold_out", old_hold_out)
        old = data.prepare_data(config, raw)
    return new, old


def assert_same(new, old):
    assert new.label_names == old.label_names
    assert new.report.to_dict() == old.report.to_dict()
    assert set(new.splits) == set(old.splits)
    for name in old.splits:
        assert new.splits[name].column_names == old.splits[name].column_names
        assert new.splits[name].features == old.splits[name].features
        assert new.splits[name].to_dict() == old.splits[name].to_dict()


# ----------------------------------------------------------------------------- same results as before
WS = ["", "  ", "\u3000", "\x1c", "\t\n"]


def _rows(n, labels, seed=0):
    rng = np.random.default_rng(seed)
    texts = [f"row {i} " + "word " * int(rng.integers(1, 5)) for i in range(n)]
    for i in rng.choice(n, size=n // 10, replace=False):
        texts[i] = [None, *WS][int(rng.integers(0, len(WS) + 1))]
    return {"text": texts, "label": [labels[int(rng.integers(0, len(labels)))] for _ in range(n)]}


@pytest.mark.parametrize(
    "labels",
    [
        [" pos", "neg ", "meh", "", "  ", None],  # strings with spaces, blanks and nulls
        [1, 3, 5, 7, -1],  # non-contiguous ints, GLUE's -1
        [0, 1, 2, 3],  # ids already
        [1.0, 2.0, 4.0, float("nan")],  # whole floats and NaN
        [True, False],  # booleans
        [-1.0, 1.0, 2.0],  # a float -1.0 is a label, not "missing"
    ],
)
def test_held_out_split_labels_and_counts_match_the_row_code(monkeypatch, labels):
    raw = pd.DataFrame(_rows(300, labels))
    config = DataConfig(dataset="in-memory", validation_size=0.2, split_seed=7)
    assert_same(*prepared_both_ways(monkeypatch, config, raw))


def test_given_splits_pairs_class_labels_and_subsampling_match(monkeypatch):
    features = datasets.Features(
        {
            "s1": datasets.Value("string"),
            "s2": datasets.Value("string"),
            "label": datasets.ClassLabel(names=["no", "yes"]),
        }
    )

    def split(n, seed):
        rows = _rows(n, [0, 1, -1], seed)
        pair = _rows(n, [0], seed + 1)["text"]
        return datasets.Dataset.from_dict({"s1": rows["text"], "s2": pair, "label": rows["label"]}, features=features)

    raw = datasets.DatasetDict({"train": split(200, 1), "validation": split(60, 2), "test": split(40, 3)})
    config = DataConfig(
        dataset="in-memory",
        text_column="s1",
        text_pair_column="s2",
        max_train_samples=50,
        max_eval_samples=20,
        label_names=("negative", "positive"),
    )
    new, old = prepared_both_ways(monkeypatch, config, raw)
    assert_same(new, old)
    assert new.is_pair and new.report.split_sizes == {"train": 50, "validation": 20, "test": 20}


def test_unstratified_hold_out_matches_when_a_class_has_one_row(monkeypatch):
    raw = {"text": [f"row {i}" for i in range(50)], "label": ["a"] * 30 + ["b"] * 19 + ["c"]}
    new, old = prepared_both_ways(monkeypatch, DataConfig(dataset="in-memory", split_seed=3), raw)
    assert_same(new, old)
    assert "not stratified" in new.report.validation_source


def test_csv_file_with_string_labels_matches(monkeypatch, tmp_path):
    path = tmp_path / "reviews.csv"
    pd.DataFrame(_rows(500, ["1 star", "2 stars", "3 stars", " 4 stars", "5 stars", None], seed=5)).to_csv(
        path, index=False
    )
    assert_same(*prepared_both_ways(monkeypatch, DataConfig(dataset=str(path), validation_size=0.1), None))


# ----------------------------------------------------------------------------- the columnar pieces
def test_whitespace_is_every_character_python_strips():
    import sys

    from finetune.data.arrow_columns import WHITESPACE

    assert sorted(WHITESPACE) == [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]


def test_text_ok_strips_what_python_strips():
    values = pa.chunked_array([["a", " b ", None, *WS, "\u3000x"]])
    assert text_ok(values).tolist() == [True, True, False, False, False, False, False, False, True]
    assert text_ok(pa.chunked_array([pa.array([1, 2])])).tolist() == [False, False]


def test_labels_encode_to_sorted_ids_and_count():
    values = pa.chunked_array([[" b", "a", None, "c ", "", "a"]])
    assert distinct_keys(values) == {"a", "b", "c"}
    ids, missing = encode_labels(values, {"a": 0, "b": 1, "c": 2})
    assert ids[~missing].tolist() == [1, 0, 2, 0] and missing.tolist() == [False, False, True, False, True, False]
    assert label_counts(ids[~missing], ["a", "b", "c", "d"]) == {"a": 2, "b": 1, "c": 1, "d": 0}


def test_take_reads_rows_through_the_indices_mapping():
    from finetune.data.arrow_columns import column, take

    ds = datasets.Dataset.from_dict({"text": [f"t{i}" for i in range(50)]}).shuffle(seed=1).select(range(5, 30))
    assert take(ds, "text", [0, 3, 24]).to_pylist() == [ds[0]["text"], ds[3]["text"], ds[24]["text"]]
    assert column(ds, "text").to_pylist() == list(ds["text"])


def test_take_rows_of_many_chunks_keeps_the_order_asked_for():
    from finetune.data.arrow_columns import take_rows

    values = pa.chunked_array([[f"c{c}r{r}" for r in range(7)] for c in range(5)])
    positions = [34, 0, 7, 7, 13, 2, 29]
    assert take_rows(values, pa.array(positions)).to_pylist() == [values[p].as_py() for p in positions]
    assert take_rows(values, pa.array([], type=pa.int64())).to_pylist() == []


@pytest.fixture
def loaded_csv(tmp_path, monkeypatch):
    """A CSV loaded by datasets (one Arrow file, read in several batches), cleaned and held out as a run does."""
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path / "hf"))
    rows = _rows(3000, ["a", "b", "c"], seed=2)
    rows["text"] = [t if i % 97 else "   " for i, t in enumerate(rows["text"])]
    pd.DataFrame(rows).to_csv(tmp_path / "rows.csv", index=False)
    return data.prepare_data(DataConfig(dataset=str(tmp_path / "rows.csv"), validation_size=0.1))


def test_text_of_a_file_is_checked_as_a_stream_with_the_same_answer(loaded_csv, tmp_path):
    from finetune.data.arrow_columns import _streamed_mask, column

    raw = datasets.load_dataset("csv", data_files=str(tmp_path / "rows.csv"), split="train")
    streamed = _streamed_mask(raw, "text")
    assert streamed is not None and streamed.tolist() == text_ok(column(raw, "text")).tolist()
    assert (~streamed).sum() == loaded_csv.report.dropped["train"]["empty_text"] > 31  # _rows blanks some too
    in_memory = datasets.Dataset.from_dict({"text": ["a", " "]})
    assert _streamed_mask(in_memory, "text") is None  # not a file: read from memory instead


def test_gather_and_take_read_the_file_rows_of_a_held_out_split(loaded_csv):
    from finetune.data.arrow_columns import _single_file, gather, take

    validation = loaded_csv.splits["validation"].shuffle(seed=4).select(range(200))
    assert _single_file(validation, "text") is not None  # the streamed path, not the fallback
    gathered = gather(validation)
    assert gathered is not validation and not gathered.cache_files
    assert gathered.to_dict() == validation.to_dict() and gathered.features == validation.features
    assert gathered._fingerprint == validation._fingerprint
    assert take(validation, "text", [5, 0, 199]).to_pylist() == [validation[i]["text"] for i in (5, 0, 199)]
