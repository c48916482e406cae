"""Public mode: what a visitor of a public app may make the server read.

In public mode (on by default on a Space) a local path given as a dataset, checkpoint or model
must lie inside an allowed root: the upload folder, ``examples/`` or the runs folder. Hub ids
(``owner/name``, no such local path) are not paths and stay allowed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable, Union

from .errors import PublicModeError, expected_found

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


def check_public_path(value: str, allowed_roots: Iterable[Union[str, Path]], *, what: str = "path") -> None:
    """Raise PublicModeError unless ``value`` is a Hub-style id or a path inside an allowed root."""
    if not looks_local(value):
        return
    resolved = Path(os.path.expanduser(value)).resolve()
    roots = [Path(r).resolve() for r in allowed_roots]
    if not any(_is_within(resolved, root) for root in roots):
        raise PublicModeError(expected_found(
            what, "an uploaded file, an example under examples/ or a run of this app (public mode)", f"'{value}'",
            "Upload the file instead."))
