"""Heatmap images: a cell per value, labels on both axes, padding hatched grey."""

import numpy as np

from ui.heatmap import MASKED, colours, heatmap_image


def test_colour_scale_runs_from_white_to_dark_red():
    ends = colours(np.array([0.0, 1.0]))
    assert ends[0].tolist() == [255, 255, 255]
    assert ends[1].tolist() == [127, 29, 29]


def test_masked_columns_are_grey_and_the_image_grows_with_the_labels():
    values = np.arange(12, dtype=float).reshape(3, 4)
    short = heatmap_image(values, ["a", "b", "c"], ["w", "x", "y", "z"], masked_cols=[False, False, True, True])
    longer = heatmap_image(values, ["a", "b", "c"], ["w", "x", "y", "a-much-longer-token"])
    assert longer.size[1] > short.size[1]  # rotated column labels take room above the grid
    pixels = np.asarray(short)
    grey = np.all(pixels == np.array(MASKED, dtype=np.uint8), axis=-1)
    assert grey.any()  # the masked cells are drawn in the masking grey
