"""Files a page offers for download that more than one tab makes: a run exported as a script."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Optional

from finetune.errors import RunError

from .access import open_run
from .i18n import say
from .settings import Settings


def export_run_script(settings: Settings, run_id: Optional[str], visitor: Optional[str]) -> tuple[str, str]:
    """(script text, path of a downloadable train.py) for a run this page may use."""
    from finetune.export.script import export_script

    if not run_id:
        raise RunError(say("Choose a run (not a bare checkpoint) to export it as a script."))
    run = open_run(settings, run_id, visitor)
    script = settings.shown(export_script(run.path))  # public mode: no server folder in the script
    path = Path(tempfile.mkdtemp(prefix="script-")) / "train.py"
    path.write_text(script, encoding="utf-8")
    return script, str(path)
