"""What every curve chart of the page shares: a line chart that still draws a one-point series, readable
axis ticks, and a legend of its own that wraps instead of being cut.

Gradio's native plots draw a ``line`` mark: a series with one point (a run that logged once) is then
invisible, and vega's legend under a narrow chart keeps one truncated entry. :class:`CurvePlot` draws
points instead whenever a series has fewer than two; :func:`legend_html` lists every series with its
colour above the charts (the charts' own legends are switched off), wrapping at any width.
Handlers update these charts with ``gr.LinePlot(...)``: gradio applies the update to the chart's own class.
"""

from __future__ import annotations

import html
from typing import Any, Optional

import gradio as gr

# x is a step or an epoch: fixed-point, no trailing zeros ("10", not "10.000000" or "1e+1"); y: 4 significant digits
X_FORMAT = "~f"
Y_FORMAT = ".4~g"
PALETTE = ("#2563eb", "#f97316", "#16a34a", "#9333ea", "#dc2626", "#0891b2", "#ca8a04", "#db2777")


def shortest_series(frame: Any, color: Optional[str]) -> int:
    """The number of points of the frame's smallest series (the whole frame when it has no colour column)."""
    if frame is None or not len(frame):
        return 0
    if not color or color not in frame.columns:
        return len(frame)
    return int(frame.groupby(color, observed=True).size().min())


class CurvePlot(gr.LinePlot):
    """A line chart that draws points when a series has a single point (a line of one point draws nothing).

    A subclass, not a wrapped instance: gradio rebuilds an output component from its class on every
    update. Like any component class, gradio writes a ``charts.pyi`` stub beside this module (git-ignored).
    """

    def postprocess(self, value: Any) -> Any:
        data = super().postprocess(value)
        if data is not None and not isinstance(data, dict) and shortest_series(value, self.color) < 2:
            data.mark = "point"
        return data


def colour_map(names: list[str]) -> dict[str, str]:
    """A fixed colour per series name, in order, so the charts and :func:`legend_html` agree."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def legend_html(groups: list[tuple[str, dict[str, str]]], elem_id: str) -> str:
    """Every series with its colour, one titled group after another, as a row that wraps (names are escaped,
    shown whole); empty groups are left out."""
    parts = []
    for title, colours in groups:
        if not colours:
            continue
        items = "".join(
            f"<span class='legend-item' style='display:inline-flex;align-items:center;margin:2px 14px 2px 0'>"
            f"<span style='display:inline-block;width:14px;height:4px;border-radius:2px;background:{colour};"
            f"margin-right:6px'></span>{html.escape(name)}</span>"
            for name, colour in colours.items()
        )
        parts.append(f"<b style='margin-right:10px'>{html.escape(title)}</b>{items}")
    return (
        f"<div id='{elem_id}' class='series-legend' style='display:flex;flex-wrap:wrap;align-items:center;"
        f"word-break:break-all'>{''.join(parts)}</div>"
        if parts
        else ""
    )
