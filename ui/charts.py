"""What every curve chart of the page shares: a line chart that still draws a one-point series, readable
axis ticks, and a legend of its own that wraps instead of being cut.

Gradio's native plots draw a ``line`` mark: a series with one point (a run that logged once) is then
invisible, and vega's legend under a narrow chart keeps one truncated entry. :class:`CurvePlot` draws
points instead whenever a series has fewer than two; :func:`legend_html` lists every series with its
colour above the charts (the charts' own legends are switched off), wrapping at any width.
Handlers update these charts with ``gr.LinePlot(...)``: gradio applies the update to the chart's own class.

Two charts need a reference line that native plots cannot layer, so they are vega-lite specs shown by a
``gr.Plot`` (:func:`vega_plot`): a multi-label prediction's probabilities with the decision threshold
(:func:`probability_bars`) and a regression model's predictions against the true values with the line y = x
(:func:`truth_scatter`).
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


# -- charts gradio's native plots cannot draw (a reference line over points or bars): vega-lite specs ---------------
THRESHOLD_COLOUR = "#dc2626"
ABOVE_COLOUR, BELOW_COLOUR = "#16a34a", "#9ca3af"


def vega_plot(spec: dict[str, Any]) -> Any:
    """A vega-lite ``spec`` as the value of a ``gr.Plot`` (its Altair renderer draws any vega-lite spec, so no
    plotting library is needed), drawn as SVG: the browser tests read what it drew, as for the native plots."""
    import json

    from gradio.components.plot import PlotData

    full = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "usermeta": {"embedOptions": {"renderer": "svg", "actions": False}},
        "background": "transparent",
        "config": {"axis": {"labelFontSize": 12, "titleFontSize": 12}, "legend": {"labelFontSize": 12}},
        **spec,
    }
    return PlotData(type="altair", plot=json.dumps(full, ensure_ascii=False))


def probability_bars(
    probabilities: dict[str, float], threshold: float, words: dict[str, str], width: int = 420
) -> dict[str, Any]:
    """A multi-label prediction: a horizontal bar per label (its sigmoid probability, on 0..1), green at or above
    the decision threshold and grey below, and the threshold as a dashed red line with its value.

    ``words``: the title, the x axis's title and the legend entries in the page's language (keys: title,
    probability, above, below, threshold)."""
    rows = [
        {"label": name, "probability": round(float(p), 4), "side": words["above"] if p >= threshold else words["below"]}
        for name, p in probabilities.items()
    ]
    y = {"field": "label", "type": "nominal", "sort": None, "title": None}  # the names say it (a turned title did not)
    x_scale = {"domain": [0, 1]}
    return {
        "title": words["title"],
        "width": width,
        "height": max(120, 28 * len(rows)),
        "layer": [
            {
                "data": {"values": rows},
                "mark": {"type": "bar", "cornerRadiusEnd": 3},
                "encoding": {
                    "y": y,
                    "x": {
                        "field": "probability",
                        "type": "quantitative",
                        "scale": x_scale,
                        "title": words["probability"],
                    },
                    "color": {
                        "field": "side",
                        "type": "nominal",
                        "scale": {"domain": [words["above"], words["below"]], "range": [ABOVE_COLOUR, BELOW_COLOUR]},
                        "legend": {"orient": "bottom", "title": None},
                    },
                    "tooltip": [{"field": "label"}, {"field": "probability", "format": ".4f"}],
                },
            },
            {
                "data": {"values": [{"threshold": threshold, "text": f"{words['threshold']} {threshold:g}"}]},
                "layer": [
                    {
                        "mark": {"type": "rule", "color": THRESHOLD_COLOUR, "strokeDash": [5, 3], "size": 2},
                        "encoding": {"x": {"field": "threshold", "type": "quantitative", "scale": x_scale}},
                    },
                    {
                        "mark": {  # its value beside the line, on the side with room
                            "type": "text",
                            "color": THRESHOLD_COLOUR,
                            "align": "left" if threshold < 0.7 else "right",
                            "dx": 4 if threshold < 0.7 else -4,
                            "dy": -6,
                            "y": 0,
                        },
                        "encoding": {
                            "x": {"field": "threshold", "type": "quantitative", "scale": x_scale},
                            "text": {"field": "text"},
                        },
                    },
                ],
            },
        ],
    }


SCATTER_SIZE = 340
SCATTER_BLOCK = SCATTER_SIZE + 100  # the axes' labels and titles, the block's padding


def truth_scatter(
    true: list[float], predicted: list[float], words: dict[str, str], size: int = SCATTER_SIZE
) -> dict[str, Any]:
    """A regression model's predictions against the true values: both axes numeric, titled, on the same range
    (a square chart, so the dashed y = x line, where a perfect prediction lies, runs at 45 degrees). Its block
    needs about ``size`` + 80 pixels (``SCATTER_BLOCK``): the page gives it that much, on a line of its own when
    narrow.

    ``words``: the title, the axis titles and the reference line's name (the subtitle) in the page's language
    (keys: title, true, predicted, reference)."""
    values = [float(v) for v in [*true, *predicted]] or [0.0, 1.0]
    low, high = min(values), max(values)
    pad = (high - low) * 0.05 or 0.5
    domain = [round(low - pad, 4), round(high + pad, 4)]
    axis = {"scale": {"domain": domain, "nice": False}, "type": "quantitative"}
    points = [{"true": float(t), "predicted": float(p)} for t, p in zip(true, predicted)]
    return {
        "title": {"text": words["title"], "subtitle": words["reference"]},  # the line named off the plot: never cut
        "width": size,
        "height": size,
        "layer": [
            {
                "data": {
                    "values": [{"true": domain[0], "predicted": domain[0]}, {"true": domain[1], "predicted": domain[1]}]
                },
                "mark": {"type": "line", "color": "#6b7280", "strokeDash": [6, 4], "clip": True},
                "encoding": {
                    "x": {"field": "true", **axis, "title": words["true"]},
                    "y": {"field": "predicted", **axis, "title": words["predicted"]},
                },
            },
            {
                "data": {"values": points},
                "mark": {"type": "point", "filled": True, "opacity": 0.6, "color": "#2563eb", "clip": True},
                "encoding": {
                    "x": {"field": "true", **axis, "title": words["true"]},
                    "y": {"field": "predicted", **axis, "title": words["predicted"]},
                    "tooltip": [{"field": "true", "format": ".3f"}, {"field": "predicted", "format": ".3f"}],
                },
            },
        ],
    }
