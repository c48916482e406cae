"""The config form: config widgets named by their config field, and the one RunConfig built from them.

Config widgets are named by their config field (``learning_rate``, ``dataset``...); a handler
receives them as a ``{field: value}`` dict (see :mod:`ui.page`) and builds the one RunConfig with
:func:`config_from_widgets`. The Model & Data tab owns the widgets in :data:`DATA_FIELDS`, the
Train tab every other one (no widget is created twice, whatever order the tabs are built in).
"""

from __future__ import annotations

from typing import Any, Optional

import gradio as gr

from finetune.config.run_config import (
    DataConfig,
    RunConfig,
    config_from_flat,
    field_choices,
    field_default,
    field_index,
)

from .i18n import field_info, field_label
from .settings import Settings

# Config fields that have a widget, in the order the handlers receive them.
CONFIG_WIDGETS = [name for name in field_index() if name not in ("runs_dir", "revision", "trust_remote_code")]

MAPPING = ("text_column", "text_pair_column", "label_column", "label_names")
SOURCE = ("dataset", "dataset_config", "train_split", "validation_split", "test_split")
FILE_OPTIONS = ("sheet", "header_row")
DATA_FIELDS = (
    "checkpoint",
    *SOURCE,
    *FILE_OPTIONS,
    *MAPPING,
    "task",
    "label_delimiter",
    "validation_size",
    "split_seed",
    "max_train_samples",
    "max_eval_samples",
)


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
    choices = overrides.pop("choices", None) or field_choices(name)
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


def build_data_config(settings: Settings, v: dict[str, Any]) -> DataConfig:
    """The DataConfig of the tab's widget values (public mode: the dataset path is checked)."""
    settings.guard(v.get("dataset"), "dataset")
    return DataConfig(
        dataset=v.get("dataset") or "",
        dataset_config=v.get("dataset_config") or None,
        text_column=v.get("text_column") or None,
        text_pair_column=v.get("text_pair_column") or None,
        label_column=v.get("label_column") or None,
        train_split=v.get("train_split") or "train",
        validation_split=v.get("validation_split") or None,
        label_names=label_names_from_text(v.get("label_names") or ""),
        task=v.get("task") or "auto",
        label_delimiter=v.get("label_delimiter") or None,
        sheet=v.get("sheet") or None,
        header_row=int(v["header_row"]) if v.get("header_row") else None,
        max_eval_samples=int(v["max_eval_samples"]) if v.get("max_eval_samples") else None,
    )
