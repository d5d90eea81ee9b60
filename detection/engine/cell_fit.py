"""How badly boxes of a photo fit a logo's grid of cell colours: the inner loop of
aligning a logo under a cover (:func:`detection.engine.image_signals._refine`).

Aligning one candidate tries a grid of 125 boxes, then descends from the best three:
a few hundred boxes, each 32 x 32 cells of three colour sums read off an integral
image. NumPy spends most of that time gathering corners and allocating temporaries, so
the loop is compiled (Numba). The arithmetic is NumPy's own, operation for operation,
down to the pairwise summation of ``np.add.reduce``: the errors are the same floats, so
alignment takes the same steps and reaches the same box.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# np.add.reduce sums contiguous runs pairwise in blocks of this size.
_PAIRWISE_BLOCK = 128


@njit(cache=True, nogil=True)
def _block_sum(a, lo, n):
    """NumPy's sum of a run of at most _PAIRWISE_BLOCK values: eight running sums."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = 8
    while i < n - (n % 8):
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True, nogil=True)
def _pairwise_sum(a, n):
    """``np.add.reduce(a[:n])``, bit for bit: runs longer than a block are halved (at a
    multiple of 8) and the halves' sums added. Without recursion, which Numba's cache
    cannot reload: an explicit stack of halves, each with its left sum once known."""
    starts = np.empty(64, np.int64)
    sizes = np.empty(64, np.int64)
    stage = np.empty(64, np.int64)  # 0: split it, 1: left half pending, 2: right half pending
    left = np.empty(64)
    starts[0], sizes[0], stage[0] = 0, n, 0
    depth = 1
    while True:
        top = depth - 1
        if stage[top] == 0:
            if sizes[top] <= _PAIRWISE_BLOCK:
                done = _block_sum(a, starts[top], sizes[top])
                depth -= 1
            else:
                half = sizes[top] // 2
                half -= half % 8
                stage[top] = 1
                starts[depth], sizes[depth], stage[depth] = starts[top], half, 0
                depth += 1
                continue
        # ``done`` is the sum of the frame just finished: hand it to its parent.
        while depth > 0:
            top = depth - 1
            if stage[top] == 1:
                half = sizes[top] // 2
                half -= half % 8
                left[top] = done
                stage[top] = 2
                starts[depth] = starts[top] + half
                sizes[depth] = sizes[top] - half
                stage[depth] = 0
                depth += 1
                break
            done = left[top] + done
            depth -= 1
        if depth == 0:
            return done


@njit(cache=True, nogil=True)
def _grid_edges(start, stop, cells, out):
    """``np.linspace(start, stop, cells + 1)`` rounded to pixels (half to even)."""
    step = (stop - start) / cells
    for k in range(cells):
        out[k] = np.int64(np.rint(np.float64(k) * step + start))
    out[cells] = stop


@njit(cache=True, nogil=True)
def _check_shapes(sums, fit_cells):
    # The loops read without bounds checks: three colour channels on both sides and a
    # square grid, or nothing is read at all.
    if sums.shape[2] != 3 or fit_cells.shape[2] != 3 or fit_cells.shape[0] != fit_cells.shape[1]:
        raise ValueError("sums must be (H + 1, W + 1, 3) and fit_cells (g, g, 3)")


@njit(cache=True, nogil=True)
def _grid_error(sums, left, top, right, bottom, fit_cells, cap, xs, ys, capped):
    h, w = sums.shape[0] - 1, sums.shape[1] - 1
    g = fit_cells.shape[0]
    if left < 0 or top < 0 or right > w or bottom > h:
        return np.nan
    _grid_edges(left, right, g, xs)
    _grid_edges(top, bottom, g, ys)
    for k in range(g):
        if xs[k + 1] - xs[k] < 1 or ys[k + 1] - ys[k] < 1:
            return np.nan
    for r in range(g):
        y0, y1 = ys[r], ys[r + 1]
        for c in range(g):
            x0, x1 = xs[c], xs[c + 1]
            area = (y1 - y0) * (x1 - x0)
            diff = 0.0
            for ch in range(3):
                total = sums[y1, x1, ch] - sums[y0, x1, ch] - sums[y1, x0, ch] + sums[y0, x0, ch]
                diff += abs(total / area - np.float64(fit_cells[r, c, ch]))
            capped[r * g + c] = min(diff / 3, cap)
    return _pairwise_sum(capped, g * g) / (g * g)


@njit(cache=True, nogil=True)
def box_fit_errors(sums, boxes, fit_cells, cap):
    """Mean over the cells of a grid laid on each box of the colour difference from
    ``fit_cells`` (mean absolute over RGB, each cell capped at ``cap``).

    ``sums`` is the photo's integral image (H + 1, W + 1, 3), float64; ``boxes`` int64
    (n, 4) as (left, top, right, bottom); ``fit_cells`` (g, g, 3) float32 mean colours.
    A box outside the photo, or so small that a cell would be empty, gets NaN.
    """
    _check_shapes(sums, fit_cells)
    g = fit_cells.shape[0]
    xs = np.empty(g + 1, np.int64)
    ys = np.empty(g + 1, np.int64)
    capped = np.empty(g * g)
    out = np.empty(boxes.shape[0])
    for i in range(boxes.shape[0]):
        left, top, right, bottom = boxes[i, 0], boxes[i, 1], boxes[i, 2], boxes[i, 3]
        out[i] = _grid_error(sums, left, top, right, bottom, fit_cells, cap, xs, ys, capped)
    return out


@njit(cache=True, nogil=True)
def box_fit_error(sums, left, top, right, bottom, fit_cells, cap):
    """:func:`box_fit_errors` of one box (no array to build for it)."""
    _check_shapes(sums, fit_cells)
    g = fit_cells.shape[0]
    xs = np.empty(g + 1, np.int64)
    ys = np.empty(g + 1, np.int64)
    capped = np.empty(g * g)
    return _grid_error(sums, left, top, right, bottom, fit_cells, cap, xs, ys, capped)
