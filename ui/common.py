"""What the tabs share: settings, heavy imports, and the widget <-> config mapping.

Config widgets are named by their config field (``learning_rate``, ``dataset``...); a handler
receives them as a ``{field: value}`` dict (see :mod:`ui.wiring`) and builds the one RunConfig with
:func:`config_from_widgets`.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import gradio as gr

from finetune.config import RunConfig, config_from_flat, field_choices, field_default, field_index
from finetune.errors import PublicModeError, expected_found
from finetune.safety import check_public_path, resolve_local

from .i18n import field_info, field_label

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
            raise PublicModeError(expected_found(what, "an uploaded file, an example or one of your runs from the list "
                                                 "(public mode)", f"'{value}'", "Pick your run from the list."))
        check_public_path(str(value), self.allowed_roots(), what=what)

    def shown(self, message: str) -> str:
        """A message as a visitor may see it: in public mode, the server's own folders are not named."""
        if not self.public:
            return message
        for folder, name in ((self.runs_dir.resolve(), "<runs>"), (PROJECT_ROOT, "<app>")):
            message = message.replace(str(folder), name)
        return message


_imports_lock = threading.Lock()
_imports_done = False


def heavy_imports() -> None:
    """Import torch/transformers/datasets once, under a lock.

    Handlers run in several threads; two threads importing transformers at the same moment can
    see a half-initialised module ("cannot import name AutoTokenizer"). The app starts without
    these imports (fast start) and warms them up in the background; every engine call waits here.
    """
    global _imports_done
    if _imports_done:
        return
    with _imports_lock:
        if not _imports_done:
            import datasets  # noqa: F401
            import torch  # noqa: F401
            import transformers  # noqa: F401
            from transformers import AutoModelForSequenceClassification, AutoTokenizer  # noqa: F401

            _imports_done = True


def warm_up_in_background() -> None:
    threading.Thread(target=heavy_imports, name="warm-up-imports", daemon=True).start()


# Config fields that have a widget, in the order the handlers receive them.
CONFIG_WIDGETS = [name for name in field_index() if name not in ("runs_dir", "revision", "trust_remote_code")]


def config_from_widgets(values: dict[str, Any], settings: Settings) -> RunConfig:
    """Build the RunConfig from widget values (empty boxes take defaults; runs_dir from settings)."""
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name == "label_names" and isinstance(value, str):
            value = label_names_from_text(value)
        if isinstance(value, str) and not value.strip():
            value = None
        if value is None and field_default(name) is not None:
            continue
        cleaned[name] = value
    cleaned["runs_dir"] = str(settings.runs_dir)
    config = config_from_flat(cleaned)
    settings.guard(config.data.dataset, "dataset")
    settings.guard(config.model.checkpoint, "checkpoint")
    return config


def widget_for(name: str, **overrides: Any) -> gr.components.Component:
    """A widget for a config field, labelled and documented from the field itself."""
    default = overrides.pop("value", field_default(name))
    choices = field_choices(name)
    kwargs: dict[str, Any] = {"label": field_label(name), "info": field_info(name), "elem_id": f"cfg-{name}"}
    kwargs.update(overrides)
    if choices:
        return gr.Dropdown(choices=list(choices), value=default, **kwargs)
    if isinstance(default, bool):
        return gr.Checkbox(value=default, **kwargs)
    if isinstance(default, (int, float)) and not isinstance(default, bool):
        return gr.Number(value=default, **kwargs)
    if isinstance(default, tuple) or name == "label_names":
        return gr.Textbox(value=label_names_to_text(default), lines=2, max_lines=8, **kwargs)
    return gr.Textbox(value=default or "", **kwargs)


def label_names_from_text(text: str) -> Optional[tuple[str, ...]]:
    """The label-names box holds one name per line, so a name may contain commas or quotes."""
    names = tuple(line.strip() for line in text.splitlines() if line.strip())
    return names or None


def label_names_to_text(names: Optional[Any]) -> str:
    return "\n".join(str(n) for n in names or ())


def config_to_widget_values(config: RunConfig) -> dict[str, Any]:
    """The widget values, by field name, that reproduce ``config``."""
    flat = {k: v for section in config.to_dict().values() for k, v in section.items()}
    out: dict[str, Any] = {}
    for name in CONFIG_WIDGETS:
        value = flat.get(name)
        if name == "label_names":
            value = label_names_to_text(value)
        elif isinstance(value, (list, tuple)):
            value = ", ".join(value)
        out[name] = "" if value is None else value
    return out


def cli_command(config: RunConfig) -> str:
    """The equivalent command line: only what differs from the defaults."""
    default = {k: v for s in RunConfig().to_dict().values() for k, v in s.items()}
    current = {k: v for s in config.to_dict().values() for k, v in s.items()}
    parts = ["python -m finetune train"]
    for name, value in current.items():
        if value != default.get(name) and value is not None:
            if isinstance(value, list):
                value = ",".join(value)
            text = str(value)
            parts.append(f"--{name} {text!r}" if " " in text or not text else f"--{name} {text}")
    return " \\\n    ".join(parts)


def page_language(value: Optional[str]) -> Optional[str]:
    """``--lang``/``STUDIO_LANG``: zh or en; anything else is refused (said in the log) so browsers keep theirs."""
    if not value:
        return None
    if value.strip().lower() not in ("zh", "en"):
        log.warning("STUDIO_LANG=%r: expected zh or en; each page follows its browser's language", value)
        return None
    return value.strip().lower()


def detect_settings(runs_dir: Optional[str], public: Optional[bool], max_upload_mb: int = 50,
                    lang: Optional[str] = None) -> Settings:
    """Settings from flags + environment: on a Space, runs go to /data (persistent storage) when it exists."""
    on_space = bool(os.environ.get("SPACE_ID"))
    if runs_dir is None:
        persistent = on_space and Path("/data").is_dir()
        runs_dir = os.environ.get("STUDIO_RUNS_DIR") or ("/data/runs" if persistent else "runs")
    if public is None:
        public = os.environ.get("STUDIO_PUBLIC", "1" if on_space else "0").lower() in {"1", "true", "yes"}
    settings = Settings(runs_dir=Path(runs_dir).resolve(), public=public, max_upload_mb=max_upload_mb,
                        on_space=on_space, lang=page_language(lang or os.environ.get("STUDIO_LANG")))
    settings.runs_dir.mkdir(parents=True, exist_ok=True)
    import tempfile

    settings.upload_dirs = [Path(os.environ.get("GRADIO_TEMP_DIR", Path(tempfile.gettempdir()) / "gradio")).resolve()]
    return settings
