"""Files a page offers for download that more than one tab makes: a run exported as a script (three styles),
and the script viewer's redraw."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Optional

from finetune.errors import RunError

from .access import open_run
from .i18n import say
from .settings import Settings

SCRIPT_STYLES = ("trainer", "loop", "accelerate")
STYLE_INFO = (
    "trainer: TrainingArguments + Trainer. loop: a plain PyTorch loop (DataLoader, AdamW, scheduler, tqdm). "
    "accelerate: the same loop under accelerate.Accelerator."
)


def redraw_code_js(elem_id: str) -> str:
    """Client code that makes the code viewer ``elem_id`` lay out again (line-number gutter and every line).

    A viewer filled while hidden (a closed accordion, a hidden component) measures nothing: its gutter
    does not line up and its lower half stays blank until scrolled. Run it when the viewer is filled and
    when its accordion opens.
    """
    return (
        "() => { setTimeout(() => { window.dispatchEvent(new Event('resize')); "
        f"document.querySelectorAll('#{elem_id} .cm-scroller')"
        ".forEach(el => { el.scrollTop = 1; el.scrollTop = 0; }); "
        "}, 100); }"
    )


def script_file_name(style: str) -> str:
    """train.py for the Trainer script, train_loop.py / train_accelerate.py for the others."""
    return "train.py" if style == "trainer" else f"train_{style}.py"


def export_run_script(
    settings: Settings, run_id: Optional[str], visitor: Optional[str], style: str = "trainer"
) -> tuple[str, str]:
    """(script text, path of a downloadable train.py) for a run this page may use, in ``style``."""
    from finetune.export.script import export_script

    if not run_id:
        raise RunError(say("Choose a run (not a bare checkpoint) to export it as a script."))
    run = open_run(settings, run_id, visitor)
    # public mode: no server folder in the script
    script = settings.shown(export_script(run.path, style or "trainer"))
    path = Path(tempfile.mkdtemp(prefix="script-")) / script_file_name(style or "trainer")
    path.write_text(script, encoding="utf-8")
    return script, str(path)
