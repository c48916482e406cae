"""Who may see and control which run.

Outside public mode (your own machine) every page sees every run. In public mode (a Space) each
browser gets a random visitor id, kept in its local storage (``studio.visitor``); a run started from
that browser carries the id's SHA-256 as its owner, and the visitor sees, stops, deletes, predicts
with, zips and pushes only their own runs. The id itself never leaves the browser and the server
only stores its hash, so one visitor cannot claim another's runs without their id. A run that is not
the visitor's reads exactly like one that does not exist.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any, Optional

from finetune.errors import DataError, RunError
from finetune.runs.run import Run, RunSummary, check_run_id, list_runs, runs_with_model

from .i18n import say
from .settings import Settings
from .studio import VISITOR


def new_visitor_id(current: Optional[str]) -> str:
    """The browser's visitor id: the stored one, else a new random one."""
    return current if current else uuid.uuid4().hex


NOBODY = "-"  # the owner key of a page without a visitor id: it owns nothing


def owner_key(settings: Settings, visitor: Optional[str]) -> Optional[str]:
    """What a run started by ``visitor`` stores as its owner (None outside public mode, where runs are shared)."""
    if not settings.public:
        return None
    if not visitor:
        return NOBODY
    return hashlib.sha256(f"finetune-studio-visitor:{visitor}".encode()).hexdigest()


def new_run_owner(settings: Settings, visitor: Optional[str]) -> Optional[str]:
    """The owner a new run records; in public mode a page must have its visitor id first."""
    owner = owner_key(settings, visitor)
    if owner == NOBODY:
        raise RunError(
            say(
                "This page has no visitor id yet (it is set when the page loads). Reload the page, then "
                "press Start again."
            )
        )
    return owner


def visible_runs(settings: Settings, visitor: Optional[str]) -> list[RunSummary]:
    return list_runs(settings.runs_dir, owner=owner_key(settings, visitor))


def visible_runs_with_model(settings: Settings, visitor: Optional[str]) -> list[RunSummary]:
    return runs_with_model(settings.runs_dir, owner=owner_key(settings, visitor))


def find_run(settings: Settings, run_id: Optional[str], visitor: Optional[str]) -> Optional[Run]:
    """The run called ``run_id`` if it exists and this visitor may use it, else None (never raises)."""
    try:
        return open_run(settings, run_id, visitor)
    except RunError:
        return None


def open_run(settings: Settings, run_id: Optional[str], visitor: Optional[str]) -> Run:
    """The run called ``run_id``, checked: a valid id, an existing run, and in public mode the visitor's own."""
    if not run_id:
        raise RunError(say("Pick a run first."))
    run = Run(settings.runs_dir / check_run_id(str(run_id)))
    if not run.exists or (settings.public and run.owner != owner_key(settings, visitor)):
        raise RunError(say("There is no run called '{run}' here. Pick one from the list.", run=run_id))
    return run


def model_source(settings: Settings, choice: Optional[str], visitor: Optional[str]) -> str:
    """What a predictor loads for a model choice: a run this visitor may use, else a model folder inside the
    public-mode fence, or a Hub id / preset name."""
    if not choice or not str(choice).strip():
        raise DataError(say("Choose a model first: a run from the list, or a model folder."))
    run = find_run(settings, choice, visitor)
    if run is not None:
        return str(run.path)
    settings.guard(choice, "model")
    return choice


def checkpoint_source(settings: Settings, name: Optional[str], visitor: Optional[str]) -> Optional[str]:
    """What a checkpoint box means: a run this visitor may use, typed by its key, is its folder (whose model/ the
    engine's resolver then takes: trained head and tokenizer); anything else stays as typed."""
    run = find_run(settings, str(name).strip(), visitor) if name and str(name).strip() else None
    return str(run.path) if run is not None else name


def visitor_of(values: dict[str, Any]) -> Optional[str]:
    return values.get(VISITOR)
