"""``python -m finetune data``: the data preview on the command line, with a progress bar.

Prints what the Model & Data tab shows (the task, sizes, label names and counts or the targets'
statistics, validation source, notes and the first rows) as JSON, computed as training prepares the
data (see data_preview.py); a large file is read in one streamed pass while a bar shows how much of it
was read.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from finetune.config.tasks import MULTI_LABEL, REGRESSION
from finetune.explore.data_preview import preview


def add_data_command(sub: Any, add_config_flags: Callable[[argparse.ArgumentParser], None]) -> None:
    data = sub.add_parser(
        "data",
        help="preview a dataset as training prepares it (sizes, labels, first rows)",
        description="Every data option of train applies (--dataset, --label_column, ...).",
    )
    data.add_argument("--rows", type=int, default=5, help="first rows to show")
    data.add_argument("--vocabulary", action="store_true", help="also the [UNK] share for --checkpoint's tokenizer")
    add_config_flags(data)


def cmd_data(args: argparse.Namespace, config: Any) -> int:
    """Preview ``config.data`` with a progress bar on stderr; print the result as JSON."""
    from tqdm.auto import tqdm

    with tqdm(total=100, unit="%", bar_format="{desc} {bar} {n:.0f}%", leave=False) as bar:

        def progress(share: float, message: str) -> None:
            bar.set_description(message[:60], refresh=False)
            bar.update(round(share * 100) - bar.n)

        out = preview(
            config.data,
            rows=args.rows,
            checkpoint=config.model.checkpoint if args.vocabulary else None,
            progress=progress,
        )
    rows = out.pop("rows")
    out["rows"] = [shown_row(row, out["report"]) for row in rows.to_dict(orient="records")]
    print(json.dumps(out, ensure_ascii=False, indent=2, default=str))
    return 0


def shown_row(row: dict[str, Any], report: dict[str, Any]) -> dict[str, Any]:
    """A prepared row as a person reads it, by the data's task: the class name and its id (single-label), the
    label names of a multi-hot row (multi-label), the number (regression)."""
    names, label = report["label_names"], row["label"]
    if report.get("task") == REGRESSION:
        return {**row, "label": float(f"{label:.6g}")}  # the number as written, not its float32 digits
    if report.get("task") == MULTI_LABEL:
        return {**row, "label": [names[i] for i, value in enumerate(label) if value >= 0.5]}
    return {**row, "label": names[int(label)], "label_id": int(label)}
