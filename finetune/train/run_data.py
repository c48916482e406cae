"""A run's data, from its dataset string to tokenized splits, with one cache entry for the whole way.

A run needs three things before it trains: what preparation found (label names, sizes, notes,
the evaluation cap), the tokenizer (extended with the data's unknown pieces when
``add_unknown_tokens`` asks) and the tokenized splits. The first run with a dataset and settings
makes them (``data.prepare_data``, ``eval_cap.apply_eval_cap``, ``vocab.coverage_report``,
``tokenization.encode_splits``) and stores all three in one tokenized-cache entry.

The entry's key is computed *before* anything is prepared: from the loaded dataset's fingerprints
(``datasets``' own; for a local file they follow a hash of its bytes, ``loading.content_hash``), the data
settings, the checkpoint's tokenizer and ``add_unknown_tokens``. So the next run with the same
data and settings opens the entry and does no work that grows with the rows: no cleaning,
counting or splitting, no pass over the text (which for a Yelp-sized CSV is hundreds of MB).

Data handed in already prepared (a cross-validation fold) is keyed by its splits' fingerprints
instead, and is prepared again by nobody.
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from finetune.config.run_config import RunConfig
from finetune.config.tasks import SINGLE_LABEL
from finetune.data.arrow_columns import gather
from finetune.data.caches import tokenized_dir
from finetune.data.eval_cap import EVAL_CAP_ROWS, EvalCap, apply_eval_cap
from finetune.data.loading import load_raw
from finetune.data.preparation import PreparedData, prepare_data
from finetune.model.tokenization import (
    check_max_length,
    encode_splits,
    get_tokenizer,
    model_max_length,
    open_cached,
    tokenize_processes,
    tokenizer_identity,
)
from finetune.model.vocab import coverage_report

# Bump when preparation gives another result for the same input (cleaning, label or split rules, the
# stored fields): old entries are then never opened again.
PREPARATION_VERSION = "2"
GATHER_MAX_ROWS = 50_000  # tens of MB of Yelp-sized text: more stays memory-mapped


@dataclass
class DataStart:
    """What is known about a run's data before its run starts: a cache hit (``cached``: the tokenized
    splits and what was stored with them) or data to tokenize (``prepared``), and the entry key."""

    key: Optional[str]
    source_splits: Any  # the loaded splits the data is read from (their files are the source's disk use)
    prepared: Optional[PreparedData] = None
    cached: Optional[tuple[Any, dict[str, Any]]] = None


@dataclass
class RunData:
    """Everything a run's training needs from its data."""

    encoded: Any  # DatasetDict: train (label, token columns, length); validation/test also with their text
    label_names: list[str]
    is_pair: bool
    report: dict[str, Any]  # data.DataReport.to_dict(), plus "evaluation_cap"
    tokenizer: Any
    added_tokens: list[str]
    vocab_notes: list[tuple[str, str]] = field(default_factory=list)  # (message, level) for the log
    from_cache: bool = False
    source_splits: Any = None
    tokenized_note: Optional[str] = None  # how long tokenizing took (None when read from the cache)

    @property
    def split_sizes(self) -> dict[str, int]:
        return dict(self.report["split_sizes"])

    @property
    def validation_source(self) -> str:
        return self.report.get("validation_source", "")

    @property
    def task(self) -> str:
        """single_label, multi_label or regression: what preparation found (finetune.config.tasks)."""
        return self.report.get("task", SINGLE_LABEL)


def run_tokenizer(config: RunConfig) -> Any:
    """The checkpoint's tokenizer (cached per process), as the run's settings load it."""
    return get_tokenizer(
        config.model.checkpoint, revision=config.model.revision, trust_remote_code=config.model.trust_remote_code
    )


def data_key(config: RunConfig, splits: dict[str, Any], tokenizer: Any) -> Optional[str]:
    """The cache key of a run's data before it is prepared; None when a split has no fingerprint."""
    fingerprints = [f"{name}:{getattr(split, '_fingerprint', None)}" for name, split in sorted(splits.items())]
    if any(part.endswith(":None") for part in fingerprints):
        return None
    parts = [
        "run-data",
        PREPARATION_VERSION,
        str(EVAL_CAP_ROWS),
        json.dumps(asdict(config.data), sort_keys=True, default=str),
        config.model.checkpoint,
        str(config.model.add_unknown_tokens),
        tokenizer_identity(tokenizer),
    ]
    return "|".join(parts + fingerprints)


def find_or_prepare(config: RunConfig, raw: Any = None) -> DataStart:
    """Load the data and look its entry up; on a miss, prepare it (raising DataError for bad data, so the
    CLI can refuse it before a run exists). A tokenizer that cannot be loaded only skips the lookup:
    the run reports it."""
    loaded = load_raw(config.data, raw)
    try:
        key = data_key(config, loaded[0], run_tokenizer(config))
    except Exception:  # a checkpoint error is the run's to report, with its own message
        key = None
    cached = open_cached(tokenized_dir(config.run.runs_dir), key) if key else None
    if cached is not None:
        return DataStart(key=key, source_splits=loaded[0], cached=cached)
    return DataStart(key=key, source_splits=loaded[0], prepared=prepare_data(config.data, raw, loaded=loaded))


def load_run_data(session: Any, model_cfg: Any, start: Optional[DataStart] = None, *, raw: Any = None) -> RunData:
    """The run's data: from the cache entry when there is one, else prepared, checked and tokenized (and
    stored). Rank 0 writes data_report.json and logs the preparation's notes either way."""
    config = session.config
    tokenizer = run_tokenizer(config)
    check_max_length(config.data.max_length, model_max_length(tokenizer, model_cfg), config.model.checkpoint)
    start = start or find_or_prepare(config, raw)
    data = _from_entry(start, tokenizer) if start.cached is not None else _make(session, start, tokenizer)
    if session.dist.is_main:
        _write_report(session, data.report)
    return data


def _make(session: Any, start: DataStart, tokenizer: Any) -> RunData:
    """A cache miss: cap evaluation, measure vocabulary coverage (maybe extend the tokenizer), tokenize and
    store it all in the entry."""
    config = session.config
    prepared, cap = apply_eval_cap(start.prepared, config.data)
    _gather_evaluation_splits(prepared.splits)
    report = {**prepared.report.to_dict(), "evaluation_cap": cap.to_dict() if cap else None}
    tokenizer, added, notes = coverage_report(
        tokenizer, prepared.splits, config.model.checkpoint, config.model.add_unknown_tokens
    )
    stored = {
        "report": report,
        "label_names": prepared.label_names,
        "is_pair": prepared.is_pair,
        "added_tokens": added,
        "vocab_notes": notes,
    }
    began = time.monotonic()
    encoded, from_cache = encode_splits(
        prepared.splits,
        tokenizer,
        is_pair=prepared.is_pair,
        max_length=config.data.max_length,
        padding=config.data.padding,
        cache_dir=tokenized_dir(config.run.runs_dir),
        key=start.key,
        stored=stored,
    )
    rows = sum(len(split) for split in prepared.splits.values())
    note = (
        None
        if from_cache
        else (
            f"tokenized {rows:,} rows in {time.monotonic() - began:.1f} s "
            f"({tokenize_processes(len(prepared.splits['train'])) or 1} process(es) for train)"
        )
    )
    return RunData(
        encoded=_sorted_for_evaluation(encoded),
        label_names=prepared.label_names,
        is_pair=prepared.is_pair,
        report=report,
        tokenizer=tokenizer,
        added_tokens=added,
        vocab_notes=list(notes),
        from_cache=from_cache,
        source_splits=start.source_splits if start.source_splits is not None else prepared.splits,
        tokenized_note=note,
    )


def _gather_evaluation_splits(splits: Any) -> None:
    """Validation and test splits of at most :data:`GATHER_MAX_ROWS` rows read into memory in one streamed
    pass (columnar.gather): they are a scattered sample of the source file, and tokenizing them through
    the memory map left most of the file's pages resident in the process."""
    for name in ("validation", "test"):
        if name in splits and len(splits[name]) <= GATHER_MAX_ROWS:
            splits[name] = gather(splits[name])


def _from_entry(start: DataStart, tokenizer: Any) -> RunData:
    """A cache hit: the stored splits and report; the tokenizer extended with the stored tokens, as the
    run that made the entry extended it."""
    encoded, stored = start.cached
    added = list(stored.get("added_tokens") or [])
    if added:
        tokenizer = copy.deepcopy(tokenizer)  # the cached original is never changed
        tokenizer.add_tokens(added)
    return RunData(
        encoded=_sorted_for_evaluation(encoded),
        label_names=list(stored["label_names"]),
        is_pair=bool(stored["is_pair"]),
        report=stored["report"],
        tokenizer=tokenizer,
        added_tokens=added,
        vocab_notes=[(message, level) for message, level in stored.get("vocab_notes") or []],
        from_cache=True,
        source_splits=start.source_splits,
    )


def _sorted_for_evaluation(encoded: Any) -> Any:
    """Validation and test sorted by length, longest first: evaluation pads little (predictions are
    written in this order, with their texts)."""
    for name in ("validation", "test"):
        if name in encoded:
            encoded[name] = encoded[name].sort("length", reverse=True)
    return encoded


def _write_report(session: Any, report: dict[str, Any]) -> None:
    """data_report.json of the run, and the preparation's notes and evaluation cap in its log."""
    from finetune.jsonfiles import write_json

    write_json(session.run.data_report_path, report)
    for note in report.get("notes") or []:
        session.events.log(note, level="warning")
    if report.get("evaluation_cap"):
        cap = EvalCap(**report["evaluation_cap"])
        session.events.emit("log", message=cap.note(), level="info", evaluation_cap=cap.to_dict())
