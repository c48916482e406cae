"""The app's settings: from flags and environment, once at start-up, shared by every tab.

Public mode (on by default on a Space) limits what a visitor may make the server read: see
:meth:`Settings.guard` and :mod:`finetune.safety`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from finetune.errors import PublicModeError, expected_found
from finetune.safety import check_public_path, resolve_local

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = PROJECT_ROOT / "examples"
log = logging.getLogger("studio")


@dataclass
class Settings:
    """App-wide settings from flags and environment."""

    runs_dir: Path = Path("runs")
    public: bool = False
    max_upload_mb: int = 50
    max_concurrent: int = 1
    on_space: bool = False
    upload_dirs: list[Path] = field(default_factory=list)
    lang: Optional[str] = None  # --lang: the page's language unless the visitor chose one (None: the browser's)

    def allowed_roots(self) -> list[Path]:
        """What the public-mode fence lets the engine read (finetune.safety.install_fence)."""
        return [EXAMPLES_DIR, self.runs_dir, *self.upload_dirs]

    def guard(self, value: Optional[str], what: str) -> None:
        """Public mode: refuse a typed path outside uploads and examples/, and any typed path into the runs
        folder (a visitor reaches runs by id only, and only their own: ui.access)."""
        if not self.public or not value or not str(value).strip():
            return
        resolved = resolve_local(str(value))
        if resolved is not None and resolved.is_relative_to(self.runs_dir.resolve()):
            raise PublicModeError(
                expected_found(
                    what,
                    "an uploaded file, an example or one of your runs from the list (public mode)",
                    f"'{value}'",
                    "Pick your run from the list.",
                )
            )
        check_public_path(str(value), self.allowed_roots(), what=what)

    def shown(self, message: str) -> str:
        """A message (or a summary, or an exported script) as a visitor may see it: in public mode, the server's
        own folders are not named: the runs folder, the bundled model's and Python's install folders, the upload
        folder and the app's."""
        if not self.public:
            return message
        for folder, name in self.hidden_folders():
            message = message.replace(str(folder), name)
        return message

    def hidden_folders(self) -> list[tuple[Path, str]]:
        """(server folder, what a visitor reads instead), the innermost first so each keeps its own name."""
        import sys

        from finetune.model.checkpoints import bundled_checkpoint_dir

        bundled = bundled_checkpoint_dir()
        folders = [(self.runs_dir.resolve(), "<runs>")]
        folders += [(Path(bundled).resolve(), "<bundled-minilm>")] if bundled else []
        folders += [(folder, "<uploads>") for folder in self.upload_dirs]
        folders += [(PROJECT_ROOT, "<app>")]
        folders += [(Path(prefix).resolve(), "<python>") for prefix in {sys.prefix, sys.base_prefix}]
        return sorted(folders, key=lambda pair: len(str(pair[0])), reverse=True)


def page_language(value: Optional[str]) -> Optional[str]:
    """``--lang``/``STUDIO_LANG``: zh or en; anything else is refused (said in the log) so browsers keep theirs."""
    if not value:
        return None
    if value.strip().lower() not in ("zh", "en"):
        log.warning("STUDIO_LANG=%r: expected zh or en; each page follows its browser's language", value)
        return None
    return value.strip().lower()


def detect_settings(
    runs_dir: Optional[str], public: Optional[bool], max_upload_mb: int = 50, lang: Optional[str] = None
) -> Settings:
    """Settings from flags + environment: on a Space, runs go to /data (persistent storage) when it exists."""
    on_space = bool(os.environ.get("SPACE_ID"))
    if runs_dir is None:
        persistent = on_space and Path("/data").is_dir()
        runs_dir = os.environ.get("STUDIO_RUNS_DIR") or ("/data/runs" if persistent else "runs")
    if public is None:
        public = os.environ.get("STUDIO_PUBLIC", "1" if on_space else "0").lower() in {"1", "true", "yes"}
    settings = Settings(
        runs_dir=Path(runs_dir).resolve(),
        public=public,
        max_upload_mb=max_upload_mb,
        on_space=on_space,
        lang=page_language(lang or os.environ.get("STUDIO_LANG")),
    )
    settings.runs_dir.mkdir(parents=True, exist_ok=True)
    import tempfile

    settings.upload_dirs = [Path(os.environ.get("GRADIO_TEMP_DIR", Path(tempfile.gettempdir()) / "gradio")).resolve()]
    return settings
