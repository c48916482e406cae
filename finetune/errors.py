"""The engine's error hierarchy.

Every error the engine raises on purpose is a :class:`FinetuneError`, so the UI can turn it
into a readable message (never a traceback) and the CLI can print it and exit with status 2.
Messages follow one pattern: what was expected, what was found, and what to do about it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional


class FinetuneError(Exception):
    """Base class of every error the engine raises on purpose."""


class ConfigError(FinetuneError, ValueError):
    """A configuration value is invalid (wrong range, unknown choice, conflicting options)."""


class DataError(FinetuneError):
    """A dataset cannot be loaded or does not have the shape text classification needs."""


class ColumnMappingError(DataError):
    """The text/label columns could not be found or are of the wrong kind."""


class CheckpointError(FinetuneError):
    """A checkpoint (model or tokenizer) cannot be found or loaded."""


class RunError(FinetuneError):
    """A run directory is missing, already exists, or is in the wrong state."""


class JobBusyError(RunError):
    """A training is already running and the runs folder allows no more at once."""


class HubError(FinetuneError):
    """Pushing to (or reading from) the Hugging Face Hub failed."""


class PublicModeError(FinetuneError):
    """A request is refused because the app runs in public mode (e.g. reading a server path)."""


class Message(str):
    """A message that is also its parts, ``(what, expected, found, todo)``, so a UI can show each part in
    the reader's language (``ui.i18n.say_error``) while the CLI prints the English text as it is."""

    parts: tuple[str, str, str, str] = ("", "", "", "")


def english(template: str, /, **params: Any) -> str:
    """The engine's words as written: the default ``say`` of every function whose text a page shows in its own
    language (events.format_event, crossval.format_summary, recipes' cards, batch progress). A page passes
    ``ui.i18n.say`` instead."""
    return template.format(**params) if params else template


def expected_found(what: str, expected: str, found: str, todo: str = "") -> Message:
    """Build the standard message: ``<what>: expected <expected>, found <found>. <todo>``."""
    message = Message(f"{f'{what}: expected {expected}, found {found}.'} {todo}".strip())
    message.parts = (what, expected, found, todo)
    return message


def restore_message(text: str, parts: Optional[Sequence[str]]) -> str:
    """A message read back from a file (an event, status.json) with the parts it was written with, if any."""
    if not parts or len(parts) != 4:
        return text
    message = Message(text)
    message.parts = tuple(str(part) for part in parts)  # type: ignore[assignment]
    return message


def message_of(exc: BaseException) -> str:
    """The message an engine error was raised with, keeping its parts when it has them."""
    first = exc.args[0] if len(exc.args) == 1 else None
    return first if isinstance(first, Message) else str(exc)
