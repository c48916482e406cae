"""Public mode: what a visitor of a public app may make the server read.

In public mode (on by default on a Space) a local path given as a dataset, checkpoint or model
must lie inside an allowed root: the upload folder, ``examples/`` or the runs folder. Hub ids
(``owner/name``, no such local path) are not paths and stay allowed. The app installs one
:class:`Fence` at start-up (:func:`install_fence`); every engine entry point that reads a path
calls :func:`guard`, which does nothing when no fence is installed (the CLI, your own machine).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

from finetune.errors import PublicModeError, expected_found

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?")


def _is_within(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
        return True
    except ValueError:
        return False


def looks_local(value: str) -> bool:
    """THE local-path test: True when ``value`` names (or tries to name) a local path rather than a Hub id."""
    value = value.strip()
    if not value:
        return False
    if value.startswith(("/", ".", "~", "\\")) or ":" in value[:3] or value.count("/") > 1 or ".." in value:
        return True
    return Path(value).exists()


def is_hub_id(value: str, *, with_owner: bool = False) -> bool:
    """True when ``value`` reads as a Hub id (``name`` or ``owner/name``) and names no local path."""
    value = value.strip()
    if looks_local(value) or not HUB_ID.fullmatch(value):
        return False
    return "/" in value or not with_owner


def resolve_local(value: str) -> Optional[Path]:
    """THE resolution of a local path: ``~`` expanded, a relative path tried from the current folder, then
    from the project (so ``examples/...`` works from anywhere), symlinks and ``..`` resolved; None when
    nothing exists there. The data loader and the fence both use it, so they never disagree."""
    raw = Path(os.path.expanduser(value.strip()))
    candidates = [raw] if raw.is_absolute() else [Path.cwd() / raw, PROJECT_ROOT / raw]
    for candidate in candidates:
        if candidate.exists():
            return candidate.resolve()
    return None


@dataclass(frozen=True)
class Fence:
    """The folders a public app's visitor may make the server read (uploads, examples, runs)."""

    roots: tuple[Path, ...]

    def check(self, value: Optional[str], *, what: str) -> None:
        """Raise PublicModeError unless ``value`` is a Hub id or a local path inside a root.

        The message is the same whether or not the path exists, so it tells nothing about the server.
        """
        if not value or not str(value).strip() or not (looks_local(str(value)) or resolve_local(str(value))):
            return
        value = str(value)
        resolved = resolve_local(value) or Path(os.path.expanduser(value.strip())).resolve()
        if not any(_is_within(resolved, root) for root in self.roots):
            raise PublicModeError(
                expected_found(
                    what,
                    "an uploaded file, an example under examples/ or a run of this app (public mode)",
                    f"'{value}'",
                    "Upload the file instead.",
                )
            )


_fence: Optional[Fence] = None


def install_fence(roots: Iterable[Union[str, Path]]) -> Fence:
    """Public mode: from now on every engine entry point that reads a path checks it (see :func:`guard`)."""
    global _fence
    _fence = Fence(tuple(Path(r).resolve() for r in roots))
    return _fence


def remove_fence() -> None:
    global _fence
    _fence = None


def guard(value: Optional[str], *, what: str) -> None:
    """THE check of a path a visitor gave: a no-op unless the app installed a fence (public mode).

    Called by every engine entry point that reads a visitor's path: data loading, checkpoint and
    tokenizer resolution, model loading for prediction.
    """
    if _fence is not None:
        _fence.check(value, what=what)


def check_public_path(value: str, allowed_roots: Iterable[Union[str, Path]], *, what: str = "path") -> None:
    """Raise PublicModeError unless ``value`` is a Hub-style id or a path inside one of ``allowed_roots``."""
    Fence(tuple(Path(r).resolve() for r in allowed_roots)).check(value, what=what)
