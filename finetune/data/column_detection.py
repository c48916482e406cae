"""Columns: which columns of a dataset (or a file to predict) hold the text(s) and the label.

One detector serves training data and prediction files: explicit names win (case-insensitive),
then known sentence-pair names, then the usual text/label names, then the only string column.
Chinese names (评论, 文本, 句子, 内容 ...; 标签, 类别 ...) are known too, after the English ones, so a
table with both an English and a Chinese candidate picks the English one, as before they were added.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

from finetune.config.run_config import DataConfig
from finetune.errors import ColumnMappingError, expected_found

TEXT_CANDIDATES = (
    "text",
    "sentence",
    "review",
    "content",
    "comment",
    "document",
    "review_text",
    "tweet",
    "question",
    "title",
    "body",
    "utterance",
    "query",
    "input",
    # Chinese, after every English name: 评论 (comment), 文本 (text), 句子 (sentence), 内容 (content) and variants
    "评论",
    "文本",
    "句子",
    "内容",
    "评论内容",
    "文本内容",
    "微博内容",
    "微博",
    "正文",
    "评价",
    "留言",
    "语句",
)
PAIR_CANDIDATES = (
    ("sentence1", "sentence2"),
    ("text_a", "text_b"),
    ("question1", "question2"),
    ("premise", "hypothesis"),
    ("question", "sentence"),
    ("text1", "text2"),
    ("query", "passage"),
    ("sentence_a", "sentence_b"),
    ("句子1", "句子2"),
    ("文本1", "文本2"),
)
LABEL_CANDIDATES = (
    "label",
    "labels",
    "class",
    "category",
    "sentiment",
    "target",
    "y",
    "stars",
    "rating",
    "score",
    "similarity",
    "tags",
    "gold_label",
    # Chinese, after every English name: 标签 (label), 类别 (category) and variants
    "标签",
    "类别",
    "分类",
    "类型",
    "情感",
    "情绪",
    "标注",
)


@dataclass(frozen=True)
class ColumnMapping:
    """Which source columns hold the text(s) and the label."""

    text: str
    label: str
    text_pair: Optional[str] = None

    @property
    def is_pair(self) -> bool:
        return self.text_pair is not None


def detect_columns(columns: Sequence[str], features: Any, config: DataConfig) -> ColumnMapping:
    """Map source columns to text / text_pair / label, honouring explicit choices in ``config``."""
    present = list(columns)
    lower = {c.strip().lower(): c for c in present}

    def pick(name: Optional[str], role: str) -> Optional[str]:
        if name is None:
            return None
        if name in present:
            return name
        if name.strip().lower() in lower:  # case and surrounding spaces ignored: " Label " matches "label"
            return lower[name.strip().lower()]
        raise ColumnMappingError(
            expected_found(
                f"{role} column '{name}'", "one of the dataset's columns", ", ".join(present) or "no columns"
            )
        )

    label = pick(config.label_column, "label")
    text = pick(config.text_column, "text")
    pair = pick(config.text_pair_column, "second text")
    if label is None:
        label = next((lower[c] for c in LABEL_CANDIDATES if c in lower), None)
        if label is None:
            raise ColumnMappingError(
                expected_found(
                    "label column",
                    "one named " + "/".join(LABEL_CANDIDATES[:6]) + " (or set label_column)",
                    "columns " + ", ".join(present),
                    "Choose the label column.",
                )
            )
    if text is None:
        if config.text_pair_column is None:
            for first, second in PAIR_CANDIDATES:
                if first in lower and second in lower:
                    return ColumnMapping(text=lower[first], text_pair=lower[second], label=label)
        strings = [c for c in present if _is_string_feature(features.get(c))]
        text = detect_text_column(present, strings, exclude=(label, pair))
        if text is None:
            raise ColumnMappingError(
                expected_found(
                    "text column",
                    "one named " + "/".join(TEXT_CANDIDATES[:5]) + " or a single text column (or set text_column)",
                    "columns " + ", ".join(present),
                    "Choose the text column(s).",
                )
            )
    if text == label or pair in (text, label):
        raise ColumnMappingError(
            expected_found(
                "column mapping",
                "different columns for text, second text and label",
                f"text={text}, text_pair={pair}, label={label}",
            )
        )
    return ColumnMapping(text=text, text_pair=pair, label=label)


def detect_text_column(
    columns: Sequence[str], string_columns: Sequence[str], exclude: Sequence[Optional[str]] = ()
) -> Optional[str]:
    """THE text-column guess (training data and files to predict): the first of ``TEXT_CANDIDATES``
    present (case-insensitive), else the only string column; None when neither exists."""
    lower = {c.strip().lower(): c for c in columns if c not in exclude}
    text = next((lower[c] for c in TEXT_CANDIDATES if c in lower), None)
    if text is None:
        strings = [c for c in string_columns if c not in exclude]
        text = strings[0] if len(strings) == 1 else None
    return text


def _is_string_feature(feature: Any) -> bool:
    return getattr(feature, "dtype", None) in {"string", "large_string"}


def check_text_column(dataset: Any, column: str) -> None:
    feature = dataset.features[column]
    dtype = getattr(feature, "dtype", None)
    if dtype in {"string", "large_string", "null"}:
        return
    empty = len(dataset) > 0 and dataset.data.column(column).null_count == dataset.data.num_rows
    raise ColumnMappingError(
        expected_found(
            f"text column '{column}'",
            "text (strings)",
            # a CSV column without a value reads as numbers (NaN): its type says nothing
            "only empty cells (the column is empty on every row)"
            if empty
            else f"values of type {dtype or type(feature).__name__}",
            "Choose the column that holds the text.",
        )
    )
