"""Tokenization: cached tokenizers, dataset encoding, the inspection report, length statistics.

- :func:`get_tokenizer` keeps loaded tokenizers in a small LRU cache, so the UI's explorer
  answers in milliseconds once a tokenizer is loaded.
- :func:`encode_splits` tokenizes with batched ``map`` and the fast tokenizer, truncating at
  ``max_length``. Dynamic padding happens later, per batch, in ``DataCollatorWithPadding``. The
  encoded dataset is saved under a cache folder, as one entry per key: the caller's (run_data.py
  keys a run's data before preparing it, so a second run skips preparation too), else (data
  fingerprint, tokenizer, options). :func:`open_cached` opens an entry without any splits at hand.
- :func:`inspect_text` is what the Tokenizer tab and ``python -m finetune tokenize`` show.

Token-length statistics of a dataset are in lengths.py.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Optional

from finetune.config.run_config import TOKENIZER_PADDING, normalize_padding
from finetune.data.arrow_columns import released
from finetune.errors import ConfigError, DataError, expected_found
from finetune.model.checkpoints import load_tokenizer_uncached
from finetune.safety import guard

UNBOUNDED_MODEL_MAX = 100_000  # tokenizers without a limit report ~1e30


@functools.lru_cache(maxsize=8)
def _cached_tokenizer(name: str, revision: Optional[str], trust_remote_code: bool) -> Any:
    return load_tokenizer_uncached(name, revision=revision, trust_remote_code=trust_remote_code)


def get_tokenizer(name: str, *, revision: Optional[str] = None, trust_remote_code: bool = False) -> Any:
    """A fast tokenizer for a checkpoint (preset, folder or Hub id), cached per process."""
    if not name or not str(name).strip():
        raise ConfigError(expected_found("tokenizer checkpoint", "a checkpoint name or folder", "nothing"))
    guard(str(name), what="tokenizer checkpoint")  # before the cache: a cached tokenizer is still fenced
    return _cached_tokenizer(str(name).strip(), revision, trust_remote_code)


def model_max_length(tokenizer: Any, model_config: Any = None) -> int:
    """The longest input the model accepts (tokenizer limit, else position embeddings)."""
    limits = []
    tok_limit = getattr(tokenizer, "model_max_length", None)
    if tok_limit and tok_limit < UNBOUNDED_MODEL_MAX:
        limits.append(int(tok_limit))
    positions = getattr(model_config, "max_position_embeddings", None) if model_config is not None else None
    if positions:
        # RoBERTa-style models reserve padding_idx + 1 positions.
        offset = (
            (getattr(model_config, "pad_token_id", 0) or 0) + 1
            if getattr(model_config, "model_type", "") in {"roberta", "xlm-roberta", "camembert"}
            else 0
        )
        limits.append(int(positions) - offset)
    return min(limits) if limits else 512


def check_max_length(max_length: int, limit: int, checkpoint: str) -> None:
    if max_length > limit:
        raise ConfigError(
            expected_found(
                "max_length",
                f"at most {limit} for '{checkpoint}' (the model's limit)",
                str(max_length),
                f"Set max_length to {limit} or less.",
            )
        )
    if max_length < 2:
        raise ConfigError(expected_found("max_length", "at least 2 (room for the special tokens)", str(max_length)))


def tokenizer_identity(tokenizer: Any) -> str:
    """A string that changes whenever the tokenizer would produce other ids."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        # truncation/padding are call-time state the backend remembers; they do not change the ids
        state = json.loads(backend.to_str())
        state.pop("truncation", None)
        state.pop("padding", None)
        payload = json.dumps(state, sort_keys=True)
    else:
        payload = json.dumps(sorted(tokenizer.get_vocab().items()))
    return hashlib.sha256(f"{type(tokenizer).__name__}|{payload}".encode()).hexdigest()[:16]


# Token columns are stored compactly: the tokenizer returns Python ints, stored as int64 by default, which
# made the tokenized cache about twice the size of the CSV (benchmarks/README.md, data_scale).
TOKEN_FEATURES = {
    "input_ids": "int32",
    "attention_mask": "int8",
    "token_type_ids": "int8",
    "special_tokens_mask": "int8",
}
# A large split is tokenized by several processes (the fast tokenizer uses one core per call); a small
# one in this process, where starting processes would cost more than they save (benchmarks/README.md,
# data_scale: the num_proc measurement).
NUM_PROC_MIN_ROWS = 20_000


def tokenize_processes(rows: int) -> Optional[int]:
    """Processes for tokenizing ``rows`` rows: one per available core (at most 8) for large splits, else None."""
    if rows < NUM_PROC_MIN_ROWS:
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(cores, 8) if cores > 1 else None


def _tokenize_fn(tokenizer: Any, is_pair: bool, max_length: int, padding: str):
    pad = "max_length" if padding == "max_length" else False

    def fn(batch: dict[str, list]) -> dict[str, list]:
        args = (batch["text"], batch["text_pair"]) if is_pair else (batch["text"],)
        out = dict(tokenizer(*args, truncation=True, max_length=max_length, padding=pad))
        out["length"] = [len(ids) for ids in out["input_ids"]]
        return out

    return fn


def _encoded_features(split: Any, tokenizer: Any, keep: list[str]) -> Any:
    """The encoded split's features: the kept columns as they are, token columns compact, length int32."""
    import datasets

    sample = tokenizer("a")
    features = {name: split.features[name] for name in keep}
    for name in sample:
        features[name] = datasets.Sequence(datasets.Value(TOKEN_FEATURES.get(name, "int64")))
    features["length"] = datasets.Value("int32")
    return datasets.Features(features)


def encode_splits(
    splits: Any,
    tokenizer: Any,
    *,
    is_pair: bool,
    max_length: int,
    padding: str,
    cache_dir: Optional[Path] = None,
    key: Optional[str] = None,
    stored: Optional[dict[str, Any]] = None,
) -> tuple[Any, bool]:
    """Tokenize every split; return (encoded DatasetDict, whether it came from the cache).

    Train keeps only what training reads (``label``, the token columns and ``length``, for grouping
    batches by length); validation and test keep their text too, for the predictions file. Each
    split is tokenized by one batched ``map`` straight into a scratch folder under ``cache_dir``,
    which becomes the cache entry by a rename (no second copy); a cache hit only opens the
    memory-mapped Arrow files the entry's ``splits.json`` lists.

    ``key``: the entry's key as the caller computed it (run_data.py: from the data before it was
    prepared, so a later run can find the entry without preparing); by default the splits'
    fingerprints with the tokenizer and options. ``stored``: JSON written with the entry, which
    :func:`open_cached` returns.
    """
    import datasets

    fn = _tokenize_fn(tokenizer, is_pair, max_length, padding)
    scratch = _scratch(Path(cache_dir)) if cache_dir is not None else None
    if scratch is None:
        return datasets.DatasetDict(
            {name: _encode_split(split, name, fn, tokenizer, None) for name, split in splits.items()}
        ), False
    if key is None:
        parts = [tokenizer_identity(tokenizer), str(is_pair), str(max_length), padding, "v2"]
        key = "|".join(parts + [f"{name}:{split._fingerprint}" for name, split in sorted(splits.items())])
    entry = _entry(Path(cache_dir), key)
    if (entry / CACHE_MANIFEST).is_file():
        shutil.rmtree(scratch, ignore_errors=True)
        try:
            return _open_entry(entry), True
        except Exception:  # a broken cache entry is rebuilt, never fatal
            shutil.rmtree(entry, ignore_errors=True)
            scratch = _scratch(Path(cache_dir)) or scratch
    try:
        encoded = datasets.DatasetDict(
            {name: _encode_split(split, name, fn, tokenizer, scratch) for name, split in splits.items()}
        )
    except BaseException:  # stopped or failed: no half-written scratch left in the cache
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return _keep_entry(encoded, scratch, entry, stored), False


CACHE_MANIFEST = "splits.json"  # {split: [Arrow files of the split, in order]} of a cache entry
CACHE_STORED = "stored.json"  # what the caller stored with the entry (encode_splits' ``stored``)


def _entry(cache_dir: Path, key: str) -> Path:
    return cache_dir / hashlib.sha256(key.encode()).hexdigest()[:24]


def open_cached(cache_dir: Path, key: str) -> Optional[tuple[Any, dict[str, Any]]]:
    """(splits, stored JSON) of the entry made with ``key`` and ``stored``; None when there is none or it
    is unreadable (it is then made again)."""
    entry = _entry(Path(cache_dir), key)
    if not (entry / CACHE_MANIFEST).is_file() or not (entry / CACHE_STORED).is_file():
        return None
    try:
        return _open_entry(entry), json.loads((entry / CACHE_STORED).read_text(encoding="utf-8"))
    except Exception:  # a broken entry is a miss, never fatal
        return None


def _open_entry(entry: Path) -> Any:
    """A cache entry's splits, memory-mapped from its Arrow files."""
    import datasets

    def split(files: list[str]) -> Any:
        parts = [datasets.Dataset.from_file(str(entry / name)) for name in files]
        return parts[0] if len(parts) == 1 else datasets.concatenate_datasets(parts)

    manifest = json.loads((entry / CACHE_MANIFEST).read_text())
    return datasets.DatasetDict({name: split(files) for name, files in manifest.items()})


def _keep_entry(encoded: Any, scratch: Path, entry: Path, stored: Optional[dict[str, Any]] = None) -> Any:
    """Make the scratch folder the cache entry (a rename: parallel processes never see half an entry)
    and return the splits read from there; on any failure the splits as they are (the cache is an
    optimisation: a read-only or full disk must not fail the run)."""
    try:
        manifest = {name: [Path(f["filename"]).name for f in split.cache_files] for name, split in encoded.items()}
        if stored is not None:  # before the manifest and the rename: an entry is whole or absent
            (scratch / CACHE_STORED).write_text(json.dumps(stored, ensure_ascii=False), encoding="utf-8")
        (scratch / CACHE_MANIFEST).write_text(json.dumps(manifest))
        try:
            os.replace(scratch, entry)
        except OSError:  # another process made the entry first
            shutil.rmtree(scratch, ignore_errors=True)
        return _open_entry(entry)
    except Exception:
        return encoded


def _scratch(cache_dir: Path) -> Optional[Path]:
    """A fresh folder under the cache to tokenize into (None: the cache folder is not writable)."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=".encoding-", dir=cache_dir))
    except OSError:
        return None


# Rows per tokenizer call in this process (validation, test, small splits). The tokenizer answers in Python
# lists and the allocators keep that memory once freed, so smaller calls keep the peak memory lower at the
# same speed (benchmarks/README.md, data_scale: the batch-size measurement).
IN_PROCESS_BATCH_ROWS = 250


def _encode_split(split: Any, name: str, fn: Any, tokenizer: Any, scratch: Optional[Path]) -> Any:
    """One split tokenized in one batched ``map``, written to ``scratch`` (not the datasets cache) when given."""
    keep = [c for c in split.column_names if c == "label" or name != "train"]
    processes = tokenize_processes(len(split))
    rows = 1000 if processes else IN_PROCESS_BATCH_ROWS
    encoded = split.map(
        fn,
        batched=True,
        batch_size=rows,
        writer_batch_size=rows,
        desc=f"Tokenizing ({name})",
        remove_columns=[c for c in split.column_names if c not in keep],
        features=_encoded_features(split, tokenizer, keep),
        num_proc=processes,
        cache_file_name=str(scratch / f"{name}.arrow") if scratch is not None else None,
    )
    return released(encoded)


# --------------------------------------------------------------------------- inspection


@dataclass
class TokenRow:
    position: int
    token: str
    id: int
    token_type_id: Optional[int]
    attention_mask: int
    special: bool
    segment: Optional[int]  # 0 = first text, 1 = second text, None = special/padding
    start: Optional[int]
    end: Optional[int]


@dataclass
class TokenReport:
    """Everything the explorer shows about one input (text or pair)."""

    tokens: list[TokenRow]
    input_ids: list[int]
    token_type_ids: Optional[list[int]]
    attention_mask: list[int]
    decoded: str
    n_chars: int
    n_words: int
    n_tokens: int
    n_unknown: int
    n_padding: int
    truncated: bool
    text: str
    text_pair: Optional[str] = None
    unk_token: Optional[str] = None

    def raw_output(self) -> dict[str, list[int]]:
        """The tokenizer output as the tutorials print it."""
        out = {"input_ids": self.input_ids}
        if self.token_type_ids is not None:
            out["token_type_ids"] = self.token_type_ids
        out["attention_mask"] = self.attention_mask
        return out

    def highlights(self, which: int = 0) -> list[tuple[str, Optional[str]]]:
        """(piece, label) pairs covering the original text: each token's span labelled, gaps unlabelled."""
        text = self.text if which == 0 else (self.text_pair or "")
        pieces: list[tuple[str, Optional[str]]] = []
        cursor = 0
        for row in self.tokens:
            if row.segment != which or row.start is None or row.end is None or row.start < cursor:
                continue
            if row.start > cursor:
                pieces.append((text[cursor : row.start], None))
            label = (
                "unknown" if row.token == self.unk_token else ("token-even" if row.position % 2 == 0 else "token-odd")
            )
            pieces.append((text[row.start : row.end], label))
            cursor = row.end
        if cursor < len(text):
            pieces.append((text[cursor:], None))
        return pieces

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _validate_inputs(text: str, max_length: Optional[int], padding: str) -> None:
    if not isinstance(text, str) or not text.strip():
        raise DataError(expected_found("text", "some text to tokenize", "an empty input"))
    if max_length is not None and max_length < 1:
        raise ConfigError(expected_found("max_length", "a whole number > 0", str(max_length)))


def inspect_text(
    tokenizer: Any,
    text: str,
    text_pair: Optional[str] = None,
    *,
    add_special_tokens: bool = True,
    truncation: bool = True,
    max_length: Optional[int] = None,
    padding: str = "none",
) -> TokenReport:
    """Tokenize one text (or pair) and describe every position of the result."""
    _validate_inputs(text, max_length, padding)
    padding = normalize_padding(padding)
    text_pair = text_pair if text_pair and text_pair.strip() else None
    limit = model_max_length(tokenizer)
    if max_length is not None and max_length > limit:
        raise ConfigError(expected_found("max_length", f"at most {limit} for this tokenizer", str(max_length)))
    if padding == "max_length" and max_length is None:
        max_length = limit
    enc = tokenizer(
        text,
        text_pair,
        add_special_tokens=add_special_tokens,
        truncation=bool(truncation and max_length),
        max_length=max_length,
        padding=TOKENIZER_PADDING[padding],
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
        return_overflowing_tokens=False,
        return_length=False,
    )
    full = tokenizer(text, text_pair, add_special_tokens=add_special_tokens, truncation=False)
    ids = list(enc["input_ids"])
    types = list(enc["token_type_ids"]) if "token_type_ids" in enc else None
    mask = list(enc["attention_mask"])
    special = list(enc["special_tokens_mask"])
    offsets = list(enc["offset_mapping"])
    seq_ids = enc.sequence_ids(0)
    tokens = tokenizer.convert_ids_to_tokens(ids)
    rows = []
    for i, token_id in enumerate(ids):
        seg = seq_ids[i]
        start, end = offsets[i] if seg is not None else (None, None)
        rows.append(
            TokenRow(
                position=i,
                token=tokens[i],
                id=int(token_id),
                token_type_id=None if types is None else int(types[i]),
                attention_mask=int(mask[i]),
                special=bool(special[i]) or seg is None,
                segment=seg,
                start=start,
                end=end,
            )
        )
    unk = tokenizer.unk_token
    return TokenReport(
        tokens=rows,
        input_ids=[int(i) for i in ids],
        token_type_ids=None if types is None else [int(t) for t in types],
        attention_mask=[int(m) for m in mask],
        decoded=tokenizer.decode(ids),
        n_chars=len(text) + (len(text_pair) if text_pair else 0),
        n_words=len(text.split()) + (len(text_pair.split()) if text_pair else 0),
        n_tokens=sum(mask),
        n_unknown=sum(1 for t in tokens if unk is not None and t == unk),
        n_padding=len(mask) - sum(mask),
        truncated=len(full["input_ids"]) > len([m for m in mask if m]),
        text=text,
        text_pair=text_pair,
        unk_token=unk,
    )


def inspect_batch(
    tokenizer: Any,
    lines: Sequence[str],
    *,
    max_length: Optional[int] = None,
    padding: str = "dynamic",
    add_special_tokens: bool = True,
) -> dict[str, Any]:
    """Tokenize several lines together ("behind the pipeline"): padded ids, masks and tokens per row."""
    lines = [line for line in lines if line and line.strip()]
    if not lines:
        raise DataError(expected_found("batch", "one or more non-empty lines", "no text"))
    enc = tokenizer(
        lines,
        padding=TOKENIZER_PADDING[normalize_padding(padding)],
        truncation=max_length is not None,
        max_length=max_length,
        add_special_tokens=add_special_tokens,
    )
    out = {
        "input_ids": [list(map(int, r)) for r in enc["input_ids"]],
        "attention_mask": [list(map(int, r)) for r in enc["attention_mask"]],
        "tokens": [tokenizer.convert_ids_to_tokens(r) for r in enc["input_ids"]],
    }
    if "token_type_ids" in enc:
        out["token_type_ids"] = [list(map(int, r)) for r in enc["token_type_ids"]]
    return out
