import json
import time

import pandas as pd
import pytest

from finetune.config.run_config import DataConfig
from finetune.data.preparation import prepare_data
from finetune.errors import ColumnMappingError, DataError
from finetune.explore.data_preview import list_columns

ROWS = {
    "text": ["good film", "bad film", "great", "awful", "fine", "poor", "nice", "dull", "lovely", "boring"],
    "label": ["pos", "neg", "pos", "neg", "pos", "neg", "pos", "neg", "pos", "neg"],
}


def cfg(dataset="in-memory", **kw):
    return DataConfig(dataset=dataset, **kw)


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".json", ".jsonl", ".parquet", ".xlsx"])
def test_every_supported_file_type_loads(tmp_path, suffix):
    frame = pd.DataFrame(ROWS)
    path = tmp_path / f"data{suffix}"
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".tsv":
        frame.to_csv(path, sep="\t", index=False)
    elif suffix == ".json":
        path.write_text(json.dumps(frame.to_dict(orient="records")))
    elif suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    elif suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_excel(path, index=False)
    prepared = prepare_data(cfg(str(path), validation_size=0.2))
    assert prepared.label_names == ["neg", "pos"]
    assert sum(prepared.report.split_sizes.values()) == 10


def test_folder_with_splits_and_string_labels_sorted():
    prepared = prepare_data(cfg("examples/data/sentiment_en"))
    assert prepared.label_names == ["negative", "positive"]
    assert prepared.report.validation_source == "split 'validation'"
    assert set(prepared.splits) == {"train", "validation"}
    assert prepared.splits["train"].features["label"].names == ["negative", "positive"]


def test_pair_columns_detected():
    prepared = prepare_data(cfg("examples/data/paraphrase_en"))
    assert prepared.is_pair
    assert prepared.report.columns.text == "sentence1" and prepared.report.columns.text_pair == "sentence2"
    assert set(prepared.splits["train"].column_names) == {"text", "text_pair", "label"}


@pytest.mark.parametrize(
    "text, label",
    [
        ("评论", "标签"),
        ("文本", "类别"),
        ("句子", "标签"),
        ("内容", "类别"),
        ("微博内容", "情感"),
        ("Sentence", "Label"),
    ],
)
def test_chinese_and_capitalised_column_names_are_detected(text, label):
    """The Weibo tutorial's Sentence/Label, and the Chinese names such tables use, need no column settings."""
    import datasets

    raw = datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_dict(
                {"编号": [str(i) for i in range(10)], text: ROWS["text"], label: ROWS["label"]}
            )
        }
    )
    columns = prepare_data(cfg(validation_size=0.2), raw).report.columns
    assert (columns.text, columns.label) == (text, label)


def test_english_column_names_keep_precedence_over_chinese_ones():
    """A table with both kinds picks the English names, as it did before Chinese ones were known."""
    import datasets

    table = {"评论": ROWS["label"], "review": ROWS["text"], "标签": ROWS["text"], "label": ROWS["label"]}
    raw = datasets.DatasetDict({"train": datasets.Dataset.from_dict(table)})
    columns = prepare_data(cfg(validation_size=0.2), raw).report.columns
    assert (columns.text, columns.label) == ("review", "label")
    pairs = {"句子1": ROWS["text"], "句子2": ROWS["text"][::-1], "标签": ROWS["label"]}
    report = prepare_data(cfg(validation_size=0.2), datasets.DatasetDict({"train": datasets.Dataset.from_dict(pairs)}))
    assert (report.report.columns.text, report.report.columns.text_pair) == ("句子1", "句子2")


def test_int_labels_keep_ids_and_class_label_keeps_names():
    import datasets

    prepared = prepare_data(cfg(), raw={"sentence": ["a b", "c d", "e f", "g h"] * 3, "label": [0, 1, 2, 1] * 3})
    assert prepared.label_names == ["0", "1", "2"]
    features = datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=["sad", "happy"])}
    )
    ds = datasets.Dataset.from_dict({"text": ["x y", "z w"] * 5, "label": [1, 0] * 5}, features=features)
    prepared = prepare_data(cfg(), raw=ds)
    assert prepared.label_names == ["sad", "happy"]


def test_non_contiguous_int_labels_are_mapped_in_sorted_order():
    prepared = prepare_data(cfg(), raw={"text": [f"t{i}" for i in range(10)], "stars": [1, 5, 3, 1, 5, 3, 1, 5, 3, 1]})
    assert prepared.label_names == ["1", "3", "5"]
    train_labels = set(prepared.splits["train"]["label"]) | set(prepared.splits["validation"]["label"])
    assert train_labels == {0, 1, 2}


def test_missing_labels_and_empty_text_are_dropped_and_counted():
    raw = {
        "text": ["good", "", "bad", "   ", "fine", "poor", None, "ok", "meh", "nice"],
        "label": ["pos", "pos", "neg", "neg", None, "neg", "pos", "pos", float("nan"), "pos"],
    }
    prepared = prepare_data(cfg(validation_size=0.3), raw=pd.DataFrame(raw))
    dropped = prepared.report.dropped["train"]
    assert dropped == {"empty_text": 3, "missing_label": 2}
    assert sum(prepared.report.split_sizes.values()) == 5
    assert any("dropped 3 rows with empty text and 2 rows with missing labels" in n for n in prepared.report.notes)


def test_no_label_column_lists_the_columns():
    with pytest.raises(ColumnMappingError) as info:
        prepare_data(cfg(), raw={"text": ["a", "b"], "mood": ["x", "y"]})
    assert "label column" in str(info.value) and "text, mood" in str(info.value)


def test_explicit_column_that_does_not_exist():
    with pytest.raises(ColumnMappingError, match="one of the dataset's columns"):
        prepare_data(cfg(text_column="body"), raw=ROWS)


def test_only_one_class():
    with pytest.raises(DataError, match="at least two classes"):
        prepare_data(cfg(), raw={"text": ["a", "b", "c"], "label": ["x", "x", "x"]})


def test_non_text_column():
    with pytest.raises(ColumnMappingError, match="expected text"):
        prepare_data(cfg(text_column="n"), raw={"n": [1, 2, 3, 4], "label": [0, 1, 0, 1]})


def test_an_all_empty_text_column_says_it_is_empty_not_of_type_float(tmp_path):
    path = tmp_path / "no_text.csv"
    path.write_text("label,text\n" + "".join(f"{i % 2},\n" for i in range(6)))
    with pytest.raises(ColumnMappingError) as info:
        prepare_data(cfg(str(path)))
    message = str(info.value)
    assert "text column 'text': expected text (strings), found only empty cells (the column is empty on every row)" in (
        message
    )
    assert "float" not in message


def test_empty_after_cleaning():
    with pytest.raises(DataError, match="rows left after cleaning"):
        prepare_data(cfg(), raw={"text": ["", " ", ""], "label": [0, 1, 0]})


def test_unsupported_and_unreadable_files(tmp_path):
    bad = tmp_path / "data.docx"
    bad.write_text("hello")
    with pytest.raises(DataError, match="expected one of"):
        prepare_data(cfg(str(bad)))
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet at all")
    with pytest.raises(DataError, match="readable parquet"):
        prepare_data(cfg(str(broken)))
    with pytest.raises(DataError, match="existing file or folder"):
        prepare_data(cfg(str(tmp_path / "missing.csv")))


def test_hub_dataset_offline_fails_fast_with_local_options():
    start = time.monotonic()
    with pytest.raises(DataError, match="unreachable"):
        prepare_data(cfg("nyu-mll/glue", dataset_config="mrpc"))
    assert time.monotonic() - start < 10


@pytest.mark.parametrize(
    "dataset, config_name, recipe",
    [
        ("glue", "mrpc", "mrpc_bert"),
        ("mrpc", None, "mrpc_bert"),
        ("nyu-mll/glue", None, "mrpc_bert"),
        ("imdb", None, "imdb_distilbert"),
        ("stanfordnlp/imdb", None, "imdb_distilbert"),
        ("yelp_review_full", None, "yelp_bert_cased"),
        ("Yelp/yelp_review_full", None, "yelp_bert_cased"),
    ],
)
def test_a_tutorials_dataset_offline_names_its_recipes_offline_twin(dataset, config_name, recipe):
    with pytest.raises(DataError) as info:
        prepare_data(cfg(dataset, dataset_config=config_name))
    text = str(info.value)
    assert f"tutorial recipe {recipe}" in text and "Tutorial recipes" in text
    assert f"python -m finetune train --config examples/recipes/{recipe}.offline.json" in text


def test_another_hub_dataset_offline_gets_no_twin():
    with pytest.raises(DataError) as info:
        prepare_data(cfg("glue", dataset_config="sst2"))
    assert "tutorial recipe" not in str(info.value) and "examples/data/" in str(info.value)


def test_held_out_validation_is_stratified_and_seeded():
    raw = {"text": [f"row {i}" for i in range(100)], "label": ["a"] * 80 + ["b"] * 20}
    first = prepare_data(cfg(validation_size=0.2, split_seed=3), raw=raw)
    again = prepare_data(cfg(validation_size=0.2, split_seed=3), raw=raw)
    counts = first.report.label_counts["validation"]
    assert counts == {"a": 16, "b": 4}
    assert "stratified" in first.report.validation_source
    assert first.splits["validation"]["text"] == again.splits["validation"]["text"]


def test_subsampling_is_seeded():
    raw = {"text": [f"row {i}" for i in range(100)], "label": [i % 2 for i in range(100)]}
    a = prepare_data(cfg(max_train_samples=10, max_eval_samples=5), raw=raw)
    b = prepare_data(cfg(max_train_samples=10, max_eval_samples=5), raw=raw)
    assert a.report.split_sizes == {"train": 10, "validation": 5}
    assert a.splits["train"]["text"] == b.splits["train"]["text"]


def test_label_names_override_and_mismatch():
    prepared = prepare_data(cfg(label_names=("bad", "good")), raw={"text": ["a", "b"] * 5, "label": [0, 1] * 5})
    assert prepared.label_names == ["bad", "good"]
    with pytest.raises(DataError, match="label_names"):
        prepare_data(cfg(label_names=("a", "b", "c")), raw={"text": ["a", "b"] * 5, "label": [0, 1] * 5})


def test_chinese_jsonl_with_four_classes():
    prepared = prepare_data(cfg("examples/data/weibo_variety_zh/comments.jsonl", validation_size=0.2))
    assert len(prepared.label_names) == 4
    assert prepared.report.columns.text == "review"
    assert "held out" in prepared.report.validation_source


def test_list_columns():
    assert list_columns(cfg("examples/data/paraphrase_en")) == ["sentence1", "sentence2", "label"]


def test_two_rows_one_per_class_is_refused_with_the_numbers():
    with pytest.raises(DataError, match="2 rows with 2 different labels"):
        prepare_data(cfg(), raw={"text": ["good", "bad"], "label": ["pos", "neg"]})


def test_every_label_unique_is_refused():
    raw = {"text": [f"row {i}" for i in range(8)], "label": [f"id{i}" for i in range(8)]}
    with pytest.raises(DataError, match="every label unique"):
        prepare_data(cfg(), raw=raw)


def _folder(tmp_path, validation_labels):
    pd.DataFrame(ROWS).to_csv(tmp_path / "train.csv", index=False)
    pd.DataFrame({"text": [f"v {i}" for i in range(len(validation_labels))], "label": validation_labels}).to_csv(
        tmp_path / "validation.csv", index=False
    )
    return str(tmp_path)


def test_validation_class_that_train_lacks_is_noted_with_numbers(tmp_path):
    prepared = prepare_data(cfg(_folder(tmp_path, ["pos", "neg", "meh", "meh"])))
    assert any("2 of 4 rows are of classes the training split lacks (meh: 2)" in n for n in prepared.report.notes)
    assert any("at most 0.50" in n for n in prepared.report.notes)


def test_validation_of_only_unseen_classes_is_refused(tmp_path):
    with pytest.raises(DataError, match="all 2 rows of classes training never sees"):
        prepare_data(cfg(_folder(tmp_path, ["meh", "meh"])))


def _write_csv(tmp_path, rows, name="labels.csv"):
    path = tmp_path / name
    path.write_text("text,label\n" + "".join(f"{text},{label}\n" for text, label in rows), encoding="utf-8")
    return path


TRAIN_ROWS = {"text": [f"a {i}" for i in range(8)], "label": [0, 1] * 4}


def test_minus_one_is_a_class_unless_the_dataset_says_it_marks_unlabelled_rows(tmp_path):
    import datasets

    rows = [(f"text {i}", label) for i in range(4) for label in (-1, 0, 1)]
    prepared = prepare_data(cfg(str(_write_csv(tmp_path, rows))))
    assert prepared.label_names == ["-1", "0", "1"]
    assert sum(prepared.report.split_sizes.values()) == 12 and prepared.report.dropped["train"]["missing_label"] == 0
    two = prepare_data(cfg(), raw={"text": [f"t {i}" for i in range(8)], "label": [-1, 1] * 4})
    assert two.label_names == ["-1", "1"]
    features = datasets.Features({"text": datasets.Value("string"), "label": datasets.ClassLabel(names=["no", "yes"])})
    glue = datasets.DatasetDict(
        train=datasets.Dataset.from_dict(TRAIN_ROWS, features=features),
        test=datasets.Dataset.from_dict({"text": ["x", "y"], "label": [-1, -1]}, features=features),
    )
    prepared = prepare_data(cfg(), raw=glue)
    assert prepared.label_names == ["no", "yes"] and "test" not in prepared.splits
    unlabelled_test = datasets.DatasetDict(
        train=datasets.Dataset.from_dict({"text": [f"a {i}" for i in range(8)], "label": [3, 5] * 4}),
        test=datasets.Dataset.from_dict({"text": ["x", "y"], "label": [-1, -1]}),
    )
    prepared = prepare_data(cfg(), raw=unlabelled_test)
    assert prepared.label_names == ["3", "5"] and "test" not in prepared.splits


def test_one_class_left_after_dropping_unlabelled_rows_says_what_was_dropped(tmp_path):
    """Labels -1/1 in a ClassLabel column (-1: unlabelled), or a class written NA: 'only yes' alone did not say
    that the other rows were there and dropped, nor why."""
    import datasets

    features = datasets.Features({"text": datasets.Value("string"), "label": datasets.ClassLabel(names=["no", "yes"])})
    minus_one = datasets.Dataset.from_dict({"text": [f"t {i}" for i in range(8)], "label": [-1, 1] * 4}, features)
    with pytest.raises(DataError) as info:
        prepare_data(cfg(), raw=minus_one)
    assert "found only yes (4 rows without a label were dropped: -1 marks an unlabelled row" in str(info.value)
    rows = [(f"text {i}", label) for i in range(4) for label in ("pos", "NA")]
    with pytest.raises(DataError) as info:
        prepare_data(cfg(str(_write_csv(tmp_path, rows))))
    assert "found only pos (4 rows without a label were dropped: a label cell that is empty, or reads NA" in str(
        info.value
    )


def test_labels_with_leading_zeros_keep_them(tmp_path):
    rows = [(f"text {i}", label) for i in range(3) for label in ("01", "02", "10", "007", "07", "7")]
    prepared = prepare_data(cfg(str(_write_csv(tmp_path, rows))))
    assert prepared.label_names == ["007", "01", "02", "07", "10", "7"]
    plain = prepare_data(cfg(str(_write_csv(tmp_path, [(f"t {i}", i % 3) for i in range(9)], "plain.csv"))))
    assert plain.label_names == ["0", "1", "2"]


@pytest.mark.parametrize("short_row", [False, True])
def test_leading_zeros_first_written_late_in_a_large_file_keep_them(tmp_path, monkeypatch, short_row):
    """A large file is parsed without reading it whole as text first; its first MB did not decide alone, so a
    label '01' first written past it was read as 1 and merged with '1'. A row with a missing field (read by
    pandas, refused by the fast scan) falls back to a slower scan of the whole file."""
    from finetune.data import file_checks

    monkeypatch.setattr(file_checks, "FULL_CHECK_BYTES", 10)  # every file is "large"
    monkeypatch.setattr(file_checks, "HEAD_BYTES", 64)  # and its head holds only the first rows
    rows = [(f"text {i}", 1 + i % 2) for i in range(20)] + [(f"late {i}", f"0{1 + i % 2}") for i in range(6)]
    path = _write_csv(tmp_path, rows)
    if short_row:
        path.write_text(path.read_text() + "no label here\n")
    prepared = prepare_data(cfg(str(path)))
    assert prepared.label_names == ["01", "02", "1", "2"]


def test_case_variants_and_numbers_mixed_with_words_are_noted(tmp_path):
    rows = [(f"text {i}", label) for i in range(3) for label in ("positive", "Positive", "NEGATIVE", "negative")]
    notes = prepare_data(cfg(str(_write_csv(tmp_path, rows)))).report.notes
    assert any("differ only by case" in n and "'Positive' / 'positive'" in n for n in notes)
    mixed = [(f"text {i}", label) for i in range(3) for label in ("1", "pos", "0")]
    notes = prepare_data(cfg(str(_write_csv(tmp_path, mixed, "mixed.csv")))).report.notes
    assert any("mixes numbers (0, 1) and words (pos)" in n for n in notes)
    plain = prepare_data(cfg(), raw=ROWS).report.notes
    assert not any("differ only by case" in n or "mixes numbers" in n for n in plain)


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_list_valued_labels_are_multi_label_and_named_when_single_label_is_asked(tmp_path, suffix):
    frame = pd.DataFrame({"text": [f"text {i}" for i in range(6)], "label": [[0, 1], [1], [0]] * 2})
    path = tmp_path / f"multi{suffix}"
    if suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_parquet(path)
    found = prepare_data(cfg(str(path)))
    assert found.task == "multi_label" and found.label_names == ["0", "1"]
    single = DataConfig(dataset=str(path), task="single_label")
    with pytest.raises(DataError, match=r"one class per row .* found lists or records such as \[0, 1\] \(multi-label"):
        prepare_data(single)


def test_a_mix_of_numbers_and_text_labels_names_the_split_and_file(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps({"text": f"t {i}", "label": v}) + "\n" for i, v in enumerate([1, "pos", 0] * 3)))
    with pytest.raises(DataError, match=r"label column 'label' \(train of mixed.jsonl\).*int \(e\.g\. 0\), str"):
        prepare_data(cfg(str(path)))


def test_na_and_none_labels_are_said_to_be_read_as_missing(tmp_path):
    rows = [(f"text {i}", label) for i in range(3) for label in ("pos", "neg", "NA", "None")]
    notes = prepare_data(cfg(str(_write_csv(tmp_path, rows)))).report.notes
    said = "NA, N/A, None, null or NaN, counts as missing"
    assert any("6 rows with missing labels" in n and said in n for n in notes)


def test_an_all_empty_label_column_says_it_is_empty_and_what_to_do(tmp_path):
    path = tmp_path / "unlabelled.csv"
    path.write_text("text,label\n" + "".join(f"film {i},\n" for i in range(6)))
    with pytest.raises(DataError, match=r"the column is empty on every row\)\. Fill in the labels, or choose") as info:
        prepare_data(cfg(str(path)))
    assert "label column 'label' (train of unlabelled.csv)" in str(info.value)


# -- task types -----------------------------------------------------------------------------------------
TEXTS = [f"ticket number {i}" for i in range(12)]


def _multi_hot(prepared, split="train"):
    from finetune.data.multi_label import multi_hot_column

    return multi_hot_column(prepared.splits[split]).tolist()


def test_a_list_column_is_multi_label_with_the_training_labels_sorted():
    raw = {"text": TEXTS, "labels": [["sports", "travel"], ["food"], []] * 4}
    prepared = prepare_data(cfg(validation_size=0.25, split_seed=1), raw=raw)
    assert prepared.task == prepared.report.task == "multi_label"
    assert prepared.label_names == ["food", "sports", "travel"]
    rows = _multi_hot(prepared) + _multi_hot(prepared, "validation")
    assert sorted(map(tuple, rows)) == sorted([(0.0, 1.0, 1.0), (1.0, 0.0, 0.0), (0.0, 0.0, 0.0)] * 4)
    counts = prepared.report.label_counts
    assert sum(counts[s]["sports"] for s in counts) == 4 and sum(counts[s]["food"] for s in counts) == 4
    assert any(
        "labels per row on average" in note and "rows have none of the labels" in note for note in prepared.report.notes
    )
    assert "iteratively stratified by label" in prepared.report.validation_source


def test_delimited_text_is_multi_label_spaces_stripped_empty_pieces_ignored():
    raw = {"text": TEXTS, "tags": ["体育| 旅游", "美食", "体育||美食 "] * 4}
    prepared = prepare_data(cfg(label_delimiter="|", validation_size=0.25), raw=raw)
    assert prepared.task == "multi_label" and prepared.label_names == sorted(["体育", "旅游", "美食"])
    assert all(sum(row) in (1.0, 2.0) for row in _multi_hot(prepared))


def test_json_list_strings_in_a_text_column_are_read_as_lists(tmp_path):
    path = tmp_path / "tickets.csv"
    rows = ['"[""billing"", ""refund""]"', '"[""login""]"', '"[]"'] * 4
    path.write_text("text,labels\n" + "".join(f"{text},{label}\n" for text, label in zip(TEXTS, rows)))
    prepared = prepare_data(cfg(str(path), validation_size=0.25))  # auto: every cell a JSON list
    assert prepared.task == "multi_label" and prepared.label_names == ["billing", "login", "refund"]
    assert sorted(map(sum, _multi_hot(prepared) + _multi_hot(prepared, "validation"))) == [0] * 4 + [1] * 4 + [2] * 4


def test_a_validation_label_that_training_lacks_is_an_error_naming_it(tmp_path):
    import datasets

    train = datasets.Dataset.from_dict({"text": TEXTS[:6], "labels": [["a"], ["b"], ["a", "b"]] * 2})
    validation = datasets.Dataset.from_dict({"text": TEXTS[6:9], "labels": [["a"], ["c"], ["c", "b"]]})
    with pytest.raises(DataError) as info:
        prepare_data(cfg(), raw=datasets.DatasetDict({"train": train, "validation": validation}))
    message = str(info.value)
    assert (
        "labels of the validation split" in message and "'c' (2 rows)" in message and "training never sees" in message
    )


def test_auto_detection_rules():
    """Lists or a delimiter: multi-label; fractional numbers: regression; whole numbers and words: single-label."""
    assert prepare_data(cfg(), raw={"text": TEXTS, "label": [[1], [2, 3]] * 6}).task == "multi_label"
    scores = {"text": TEXTS, "score": [0.5, 1.0, 2.5, 4.0] * 3}
    assert prepare_data(cfg(), raw=scores).task == "regression"
    assert prepare_data(cfg(), raw={"text": TEXTS, "label": [1.0, 2.0, 3.0] * 4}).task == "single_label"
    assert prepare_data(cfg(), raw={"text": TEXTS, "label": ["a", "b"] * 6}).task == "single_label"
    assert prepare_data(cfg(label_delimiter=","), raw={"text": TEXTS, "label": ["a,b", "b"] * 6}).task == "multi_label"
    whole = prepare_data(cfg(task="regression"), raw={"text": TEXTS, "label": [1, 2, 3, 5] * 3})
    assert whole.task == "regression" and whole.label_names == ["label"]  # the output named after the column


def test_regression_targets_are_float32_with_their_statistics():
    import datasets

    prepared = prepare_data(cfg(validation_size=0.25), raw={"text": TEXTS, "score": [0.5, 1.0, 2.5, 4.0] * 3})
    assert prepared.splits["train"].features["label"] == datasets.Value("float32")
    assert prepared.report.label_counts == {"train": {}, "validation": {}}
    stats = prepared.report.target_stats
    assert stats["train"]["rows"] + stats["validation"]["rows"] == 12
    assert stats["train"]["min"] >= 0.5 and stats["train"]["max"] <= 4.0
    assert "at random" in prepared.report.validation_source


def test_a_regression_target_that_is_no_number_names_the_value_and_rows(tmp_path):
    path = tmp_path / "scores.csv"
    scores = ["1.5", "2.0", "high", "3.5"] * 3
    path.write_text("text,score\n" + "".join(f"{t},{s}\n" for t, s in zip(TEXTS, scores)))
    with pytest.raises(DataError) as info:
        prepare_data(cfg(str(path), task="regression"))
    message = str(info.value)
    assert "3 cells that are not numbers, such as 'high'" in message and "data rows 3, 7, 11" in message


def test_empty_and_nan_targets_are_dropped_with_their_rows_named():
    raw = {"text": TEXTS, "score": [1.5, None, 2.5, float("nan"), 4.0, 0.5] * 2}
    prepared = prepare_data(cfg(task="regression", validation_size=0.25), raw=raw)
    assert sum(prepared.report.split_sizes.values()) == 8
    note = next(n for n in prepared.report.notes if "no number in 'score'" in n)
    assert "4 rows have no number" in note and "data rows 2, 4, 8, 10" in note


def test_infinite_and_constant_targets_are_refused():
    with pytest.raises(DataError, match=r"finite numbers, found infinity on data rows 2"):
        prepare_data(cfg(task="regression"), raw={"text": TEXTS, "score": [1.5, float("inf")] + [2.0] * 10})
    with pytest.raises(DataError, match=r"numbers that differ between rows, found 3 on all"):
        prepare_data(cfg(task="regression"), raw={"text": TEXTS, "score": [3.0] * 12})


def test_iterative_stratification_keeps_each_labels_share_within_a_row():
    """A hand case: 10 rows, three labels of 6, 4 and 2 rows, split 50/30/20: every part gets its share of each
    label within one row, and its share of rows within one."""
    import numpy as np

    from finetune.data.multi_label import iterative_stratification

    matrix = np.array(
        [[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 0], [1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 1], [0, 0, 0], [0, 0, 0]]
    )
    shares = [0.5, 0.3, 0.2]
    for seed in range(5):
        part = iterative_stratification(matrix, shares, seed)
        assert set(part.tolist()) <= {0, 1, 2} and len(part) == 10
        for p, share in enumerate(shares):
            assert abs((part == p).sum() - share * 10) <= 1
            assert np.all(np.abs(matrix[part == p].sum(axis=0) - share * matrix.sum(axis=0)) <= 1)
    assert (iterative_stratification(matrix, shares, 3) == iterative_stratification(matrix, shares, 3)).all()
