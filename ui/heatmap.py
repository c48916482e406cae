"""Heatmaps as images (Pillow, which gradio already depends on): no plotting library needed.

:func:`heatmap_image` draws a matrix with a label on every row and column (tokens on both axes for
attention), a colour scale from the unmasked cells, and masked (padded) rows/columns hatched in
grey, so padding is visibly left out. Gradio shows the result in a ``gr.Image``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Optional

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# white -> orange -> dark red
STOPS = np.array([[255, 255, 255], [251, 146, 60], [127, 29, 29]], dtype=np.float64)
MASKED = (209, 213, 219)
HATCH = (156, 163, 175)
LEGEND = "scale: {low} (white) to {high} (dark red); hatched grey: padding, masked out"
MAX_SIDE = 1800  # pixels the longest axis may take (cells shrink for long inputs)
# A CJK font first when the machine has one (Chinese tokens, e.g. bert-base-chinese), else DejaVu (Latin only).
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
FONT_CANDIDATES = (*CJK_FONTS, "DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def cjk_font_available() -> bool:
    """Whether a font that draws Chinese is installed (else Chinese text in an image would be boxes)."""
    return any(Path(name).is_file() for name in CJK_FONTS)


def _font(size: int) -> ImageFont.ImageFont:
    for name in FONT_CANDIDATES:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def colours(values: np.ndarray) -> np.ndarray:
    """Map values in [0, 1] to RGB along the white-orange-red scale."""
    scaled = np.clip(values, 0.0, 1.0) * (len(STOPS) - 1)
    low = np.minimum(scaled.astype(int), len(STOPS) - 2)
    frac = (scaled - low)[..., None]
    return (STOPS[low] * (1 - frac) + STOPS[low + 1] * frac).astype(np.uint8)


def _normalise(values: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, float, float]:
    shown = values[keep] if keep.any() else values
    low, high = float(shown.min()), float(shown.max())
    return (values - low) / ((high - low) or 1.0), low, high


def _cells(values: np.ndarray, keep: np.ndarray, cell: int) -> Image.Image:
    """The coloured grid, one ``cell`` x ``cell`` square per value; masked squares hatched."""
    scaled, _, _ = _normalise(values, keep)
    rgb = colours(scaled)
    rgb[~keep] = MASKED
    grid = Image.fromarray(rgb, "RGB").resize((values.shape[1] * cell, values.shape[0] * cell), Image.NEAREST)
    draw = ImageDraw.Draw(grid)
    for r, c in zip(*np.nonzero(~keep)):
        x, y = int(c) * cell, int(r) * cell
        draw.line([(x, y + cell - 1), (x + cell - 1, y)], fill=HATCH)
    return grid


def _text_width(font: ImageFont.ImageFont, labels: Sequence[str]) -> int:
    return max((int(font.getlength(label)) for label in labels), default=0) + 6


def heatmap_image(
    values: np.ndarray,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    *,
    masked_rows: Optional[Sequence[bool]] = None,
    masked_cols: Optional[Sequence[bool]] = None,
    title: str = "",
    legend: str = LEGEND,
    badge_space: int = 0,
) -> Image.Image:
    """A labelled heatmap: rows top to bottom, columns left to right, masked rows/columns hatched grey.
    ``legend`` is a template with ``{low}`` and ``{high}`` (the page passes its language's); ``badge_space``
    leaves a white band on top, where the page draws the image's label over it."""
    values = np.asarray(values, dtype=np.float64)
    rows, cols = values.shape
    keep = np.ones_like(values, dtype=bool)
    if masked_rows is not None:
        keep[np.asarray(masked_rows, dtype=bool), :] = False
    if masked_cols is not None:
        keep[:, np.asarray(masked_cols, dtype=bool)] = False
    cell = int(np.clip(MAX_SIDE // max(rows, cols, 1), 6, 22))
    font = _font(max(7, min(12, cell - 2)))
    left = _text_width(font, row_labels)
    top = _text_width(font, col_labels) + (18 if title else 0) + badge_space
    _, low, high = _normalise(values, keep)
    legend = legend.format(low=f"{low:.3g}", high=f"{high:.3g}")
    width = max(left + cols * cell + 8, int(_font(11).getlength(legend)) + 8, int(_font(12).getlength(title)) + 8)
    image = Image.new("RGB", (width, top + rows * cell + 24), "white")
    image.paste(_cells(values, keep, cell), (left, top))
    draw = ImageDraw.Draw(image)
    if title:
        draw.text((4, 2 + badge_space), title, fill="black", font=_font(12))
    for r, label in enumerate(row_labels):
        draw.text((left - 4, top + r * cell + cell // 2), label, fill="black", font=font, anchor="rm")
    for c, label in enumerate(col_labels):
        width = int(font.getlength(label)) + 2
        strip = Image.new("RGB", (width, cell), "white")
        ImageDraw.Draw(strip).text((0, cell // 2), label, fill="black", font=font, anchor="lm")
        image.paste(strip.rotate(90, expand=True), (left + c * cell, top - width - 2))
    draw.text((4, top + rows * cell + 6), legend, fill="black", font=_font(11))
    return image
