"""Pillow's greyscale resize, compiled: the same pixels as ``Image.resize``, in less time.

A photo's fingerprints take four greyscale resizes (the 256-pixel image they start
from, then three 32x32 crops of it), for every listing photo and reference image.
Pillow recomputes its filter weights on every call (two sines per LANCZOS tap: about
half of a 32x32 reduction's time) and sums each output pixel's taps one at a time;
here the weights are computed once per (size, filter), and both passes sum whole
rows at once, which the compiler vectorises (the horizontal pass runs on the
transposed image): about a third of Pillow's time.

The arithmetic is Pillow's own (``libImaging/Resample.c`` of the pinned Pillow, 8 bits
per channel): the same double-precision weights rounded to the same 22-bit fixed
point, the same pass order (vertical first only when the height shrinks by more than
twice as many pixels as the width), each pass rounded and clipped to 8 bits, a pass
skipped when its side keeps its size. The sums are of integers below 2**31, exact in
float64 in any order, so the output is identical byte for byte, which the tests
check against Pillow on random images, sizes and crops: fingerprints stored before
stay valid.

Only ``BOX`` and ``LANCZOS``. Colour images are left to Pillow: transposing
interleaved channels costs more than the passes save.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from numba import njit
from PIL import Image

__all__ = ["PRECISION_BITS", "pillow_coefficients", "resize_grey"]

PRECISION_BITS = 32 - 8 - 2  # Pillow's fixed point for 8-bit images
_HALF = float(1 << (PRECISION_BITS - 1))


def _box(x: float) -> float:
    return 1.0 if -0.5 < x <= 0.5 else 0.0


def _sinc(x: float) -> float:
    if x == 0.0:
        return 1.0
    x = x * math.pi
    return math.sin(x) / x


def _lanczos(x: float) -> float:
    """Pillow's LANCZOS filter, operation for operation (``sinc(x) * sinc(x / 3)``)."""
    if -3.0 <= x < 3.0:
        return _sinc(x) * _sinc(x / 3.0)
    return 0.0


_FILTERS = {
    Image.Resampling.BOX: (_box, 0.5),
    Image.Resampling.LANCZOS: (_lanczos, 3.0),
}


@lru_cache(maxsize=512)
def pillow_coefficients(
    in_size: int, out_size: int, resample: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Pillow's ``precompute_coeffs`` + ``normalize_coeffs_8bpc``: for each output pixel
    its first input pixel, its number of taps, and the taps' fixed-point weights."""
    fn, support = _FILTERS[resample]
    scale = in_size / out_size
    filterscale = max(scale, 1.0)
    support *= filterscale
    ksize = math.ceil(support) * 2 + 1
    ss = 1.0 / filterscale
    starts = np.zeros(out_size, np.int64)
    counts = np.zeros(out_size, np.int64)
    weights = np.zeros((out_size, ksize), np.float64)
    one = float(1 << PRECISION_BITS)
    for xx in range(out_size):
        center = (xx + 0.5) * scale
        xmin = max(int(center - support + 0.5), 0)  # int() truncates, as C's cast does
        xmax = min(int(center + support + 0.5), in_size) - xmin
        k = [fn((x + xmin - center + 0.5) * ss) for x in range(xmax)]
        total = 0.0
        for w in k:  # left to right, as the C loop adds
            total += w
        if total != 0.0:
            k = [w / total for w in k]
        starts[xx], counts[xx] = xmin, xmax
        for x, w in enumerate(k):
            weights[xx, x] = int(-0.5 + w * one) if w < 0 else int(0.5 + w * one)
    return starts, counts, weights


@njit(cache=True, nogil=True)
def _clip8(acc: float) -> np.uint8:
    v = np.int64(acc) >> PRECISION_BITS  # floor, like Pillow's lookup on ``in >> 22``
    return np.uint8(0 if v < 0 else (255 if v > 255 else v))


@njit(cache=True, nogil=True, fastmath=True)
def _weighted_rows(src, starts, counts, weights):
    """``src`` (h, w) resized along y: each output row a weighted sum of input rows."""
    out_h = starts.shape[0]
    width = src.shape[1]
    out = np.empty((out_h, width), np.uint8)
    acc = np.empty(width, np.float64)
    for yy in range(out_h):
        acc[:] = _HALF
        y0 = starts[yy]
        k = weights[yy]
        for t in range(counts[yy]):
            line = src[y0 + t]
            kt = k[t]
            for i in range(width):
                acc[i] += line[i] * kt
        dst = out[yy]
        for i in range(width):
            dst[i] = _clip8(acc[i])
    return out


def _resize(px: npt.NDArray[np.uint8], size: tuple[int, int], resample: int):
    h, w = px.shape
    out_w, out_h = size
    need_horizontal, need_vertical = out_w != w, out_h != h
    # Pillow's order: vertical first only when the height loses more than
    # twice as many pixels as the width.
    horizontal_first = not (h - out_h > 0 and h - out_h > (w - out_w) * 2)
    if need_vertical:
        ys, yc, yk = pillow_coefficients(h, out_h, resample)
    if need_horizontal:
        xs, xc, xk = pillow_coefficients(w, out_w, resample)
    if horizontal_first:
        if need_horizontal:
            # Only the rows the vertical pass reads, as Pillow does.
            first, last = (int(ys[0]), int(ys[-1] + yc[-1])) if need_vertical else (0, h)
            px = _weighted_rows(np.ascontiguousarray(px[first:last].T), xs, xc, xk).T
            if need_vertical:
                ys = ys - first
        if need_vertical:
            px = _weighted_rows(np.ascontiguousarray(px), ys, yc, yk)
    else:
        px = _weighted_rows(np.ascontiguousarray(px), ys, yc, yk)
        if need_horizontal:
            px = _weighted_rows(np.ascontiguousarray(px.T), xs, xc, xk).T
    return np.ascontiguousarray(px)


def resize_grey(
    pixels: npt.NDArray[np.uint8], size: tuple[int, int], resample: int
) -> npt.NDArray[np.uint8]:
    """``Image.fromarray(pixels).resize(size, resample)`` as an array, byte for byte.
    ``pixels`` is a 2-D uint8 array (a slice of one is fine: a crop costs no copy)."""
    if pixels.ndim != 2 or pixels.dtype != np.uint8:
        raise ValueError("a 2-D uint8 array of grey levels is expected")
    if min(size) < 1 or min(pixels.shape) < 1:
        raise ValueError("height and width must be > 0")
    if resample not in _FILTERS:
        return np.asarray(Image.fromarray(pixels).resize(size, resample))
    if (pixels.shape[1], pixels.shape[0]) == tuple(size):
        return pixels.copy()
    return _resize(pixels, size, resample)
