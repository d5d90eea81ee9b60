"""The compiled cell-fit loop must give NumPy's numbers exactly: aligning a logo under
a cover takes the same steps, and reaches the same box, as the NumPy arithmetic."""

from __future__ import annotations

import numpy as np
import pytest

from detection.engine.cell_fit import _pairwise_sum, box_fit_error, box_fit_errors
from detection.engine.image_signals import LogoReference
from detection.engine.synthetic import logo_image, photo_like

CAP = 48.0


def _numpy_fit_error(sums: np.ndarray, box: tuple[int, int, int, int], fit: np.ndarray) -> float:
    """The fit error written plainly with NumPy (linspace grid, integral image, mean)."""
    left, top, right, bottom = box
    h, w = sums.shape[0] - 1, sums.shape[1] - 1
    if left < 0 or top < 0 or right > w or bottom > h:
        return float("nan")
    g = fit.shape[0]
    steps = np.arange(g + 1, dtype=np.float64)
    xs = steps * ((right - left) / g) + left
    ys = steps * ((bottom - top) / g) + top
    xs[-1], ys[-1] = right, bottom
    xs, ys = xs.round().astype(int), ys.round().astype(int)
    dx, dy = np.diff(xs), np.diff(ys)
    if dx.min() < 1 or dy.min() < 1:
        return float("nan")
    corner = sums[ys][:, xs]
    cells = (corner[1:, 1:] - corner[:-1, 1:] - corner[1:, :-1] + corner[:-1, :-1]) / np.outer(
        dy, dx
    )[..., None]
    diff = np.add.reduce(np.abs(cells - fit), axis=2) / 3
    return float(np.add.reduce(np.minimum(diff, CAP), axis=None) / diff.size)


def test_fit_errors_are_numpys_to_the_last_bit() -> None:
    rng = np.random.default_rng(4)
    px = np.asarray(photo_like(3, (260, 230)), np.float64)
    sums = np.zeros((px.shape[0] + 1, px.shape[1] + 1, 3))
    sums[1:, 1:] = px.cumsum(0).cumsum(1)
    fit = LogoReference.from_image(logo_image(5)).fit_cells
    boxes = []
    for _ in range(400):  # inside, across the edge, and too small for the grid
        x, y = int(rng.integers(-10, 130)), int(rng.integers(-10, 130))
        boxes.append((x, y, x + int(rng.integers(4, 110)), y + int(rng.integers(4, 110))))
    want = np.array([_numpy_fit_error(sums, b, fit) for b in boxes])
    got = box_fit_errors(sums, np.array(boxes, np.int64), fit, CAP)
    one = np.array([box_fit_error(sums, *b, fit, CAP) for b in boxes])
    assert np.isnan(want).sum() > 20 and (~np.isnan(want)).sum() > 150  # both kinds tried
    assert np.array_equal(got, want, equal_nan=True)
    assert np.array_equal(one, want, equal_nan=True)


def test_pairwise_sum_is_numpys_sum() -> None:
    rng = np.random.default_rng(9)
    for n in [0, 1, 7, 8, 9, 127, 128, 129, 255, 256, 1000, 1024, 4099]:
        a = rng.random(n) * 1e4
        assert _pairwise_sum(a, n) == np.add.reduce(a)


def test_arrays_of_the_wrong_shape_are_refused_not_read_past() -> None:
    sums = np.zeros((65, 65, 3))
    grey_sums = np.zeros((65, 65, 1))
    fit = np.zeros((32, 32, 3), np.float32)
    with pytest.raises(ValueError):
        box_fit_errors(grey_sums, np.array([[0, 0, 64, 64]]), fit, CAP)
    with pytest.raises(ValueError):
        box_fit_error(sums, 0, 0, 64, 64, np.zeros((32, 16, 3), np.float32), CAP)
    assert box_fit_error(sums, 0, 0, 64, 64, fit, CAP) == 0.0
