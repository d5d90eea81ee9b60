"""Perceptual hashing (pHash) of image bytes, compatible with ``imagehash.phash``.

Two paths:

* **exact** (``phash_bytes(data, exact=True)`` / :func:`phash_image`): the same operations
  as ``imagehash.phash(Image.open(...))`` -- greyscale conversion, 32x32 LANCZOS resize,
  ``scipy.fftpack`` DCT, median threshold -- so the hash is bit-identical.
* **fast** (default for JPEG): libjpeg decodes straight to greyscale at 1/2, 1/4 or 1/8
  scale (``Image.draft``), skipping most of the inverse DCT, chroma upsampling and colour
  conversion.  The 32x32 image is then computed from that thumbnail with Pillow's own
  LANCZOS weights *for the full-resolution image*, summed over each reduced pixel's
  footprint, so the result models the full-resolution resize rather than a resize of
  the thumbnail.

* **luma** (:func:`phash_jpeg_luma`): libjpeg decodes only the luma channel at full
  scale. Identical to ``imagehash`` on all 200 benchmark photos (Y and Pillow's RGB->L
  differ by a grey level on some pixels, which the 32x32 average absorbs), ~1.9x faster.

The exact and luma paths resize with :func:`detection.engine.resample.resize_grey`:
Pillow's pixels by construction, a fraction of Pillow's time.

Why the fast path cannot be bit-exact: Pillow resizes in two passes and rounds the
horizontal pass to uint8 at *full* resolution (one value per full-resolution row).  That
rounding noise is part of the reference hash and is unrecoverable from a reduced decode.
Measured on 200 photo-like 1000x1000 JPEGs (``bench/bench_image_hash.py``), 21 images
differ from ``imagehash`` by exactly 2 bits: the two low-frequency DCT coefficients
nearest the median swap sides.  The model's 32x32 values are off by ~0.05 grey levels,
enough to round ~10% of them the other way (DCT coefficients move by up to ~140), while
on 1 photo in 5 the two middle coefficients are less than 23 apart, so neither a better
model nor "fall back when the margin is small" makes it identical at this speed.  For
Hamming-radius matching (radius 8-10) that is immaterial, but do not mix the paths
where *equality* of hashes is required.

Hashes are returned as unsigned 64-bit Python ints whose bits, most significant first,
are the 8x8 hash bits in row-major order: ``f"{h:016x}" == str(imagehash.phash(img))``.
Postgres ``bigint`` is signed, so store ``to_signed64(h)`` and read back with
``to_unsigned64``.  No EXIF orientation is applied (``imagehash`` does not either).
"""

from __future__ import annotations

import io
import math
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import scipy.fftpack
from PIL import Image

from detection.engine.resample import PRECISION_BITS, pillow_coefficients, resize_grey

__all__ = [
    "dhash_from_grey",
    "grey_thumbnail",
    "phash_bytes",
    "phash_from_grey32",
    "phash_image",
    "phash_jpeg_luma",
    "to_hex",
    "to_signed64",
    "to_unsigned64",
]

_HASH_SIZE = 8
_IMG_SIZE = 32  # imagehash: hash_size * highfreq_factor (8 * 4)
_HALF = _HASH_SIZE * _HASH_SIZE // 2
# The reduced decode must keep at least this many pixels per side so that each reduced
# pixel is small compared to the LANCZOS kernel (3 output pixels wide each side).
_MIN_DRAFT_SIDE = 128


def to_signed64(h: int) -> int:
    """Unsigned 64-bit hash -> signed int64 (two's complement), for Postgres ``bigint``."""
    h &= (1 << 64) - 1
    return h - (1 << 64) if h >= 1 << 63 else h


def to_unsigned64(h: int) -> int:
    """Signed int64 (as stored in Postgres) -> the unsigned 64-bit hash."""
    return h & ((1 << 64) - 1)


def to_hex(h: int) -> str:
    """16 hex digits, the same text as ``str(imagehash.ImageHash)`` for an 8x8 hash."""
    return f"{to_unsigned64(h):016x}"


def _bits_to_int(bits: npt.NDArray[np.bool_]) -> int:
    return int.from_bytes(np.packbits(bits.ravel()).tobytes(), "big")


def phash_from_grey32(pixels: npt.NDArray[np.generic]) -> int:
    """pHash of a 32x32 greyscale array, computed exactly as ``imagehash.phash`` does."""
    dct = scipy.fftpack.dct(scipy.fftpack.dct(pixels, axis=0), axis=1)
    low = dct[:_HASH_SIZE, :_HASH_SIZE]
    # np.median of the 64 values, i.e. the mean of the middle two, without its
    # generic machinery (a tenth of the time; the same float64 result).
    middle = np.sort(low, axis=None)[_HALF - 1 : _HALF + 1]
    return _bits_to_int(low > (middle[0] + middle[1]) / 2)


def _grey32(img: Image.Image) -> npt.NDArray[np.uint8]:
    """``img.convert("L").resize((32, 32), LANCZOS)``'s pixels, computed faster."""
    grey = np.asarray(img if img.mode == "L" else img.convert("L"))
    return resize_grey(grey, (_IMG_SIZE, _IMG_SIZE), Image.Resampling.LANCZOS)


def phash_image(img: Image.Image) -> int:
    """Exact: bit-identical to ``int(str(imagehash.phash(img)), 16)``."""
    return phash_from_grey32(_grey32(img))


@lru_cache(maxsize=256)
def _pillow_weights(in_size: int, out_size: int) -> npt.NDArray[np.float64]:
    """Dense (out_size, in_size) matrix of Pillow's fixed-point LANCZOS weights
    (:mod:`detection.engine.resample` computes them as Pillow does)."""
    starts, counts, fixed = pillow_coefficients(in_size, out_size, Image.Resampling.LANCZOS)
    weights = np.zeros((out_size, in_size))
    for xx, (a, n) in enumerate(zip(starts.tolist(), counts.tolist(), strict=True)):
        weights[xx, a : a + n] = fixed[xx, :n] / float(1 << PRECISION_BITS)
    return weights


@lru_cache(maxsize=256)
def _footprint_weights(full: int, reduced: int, out_size: int) -> npt.NDArray[np.float32]:
    """Full-resolution weights summed over each reduced pixel's footprint."""
    w = _pillow_weights(full, out_size)
    factor = math.ceil(full / reduced)
    pad = reduced * factor - full
    if pad > 0:
        # A partial last block: libjpeg averages it with edge padding; give it the weight
        # of the columns it really covers.
        w = np.concatenate([w, np.zeros((out_size, pad))], axis=1)
    return w.reshape(out_size, reduced, factor).sum(axis=2).astype(np.float32)


def grey_thumbnail(
    data: bytes | Image.Image, min_side: int = _MIN_DRAFT_SIDE
) -> tuple[npt.NDArray[np.uint8], tuple[int, int]]:
    """Greyscale pixels at reduced scale, cheaply, plus the full-resolution (w, h).

    JPEGs are decoded at the largest 1/2..1/8 reduction that keeps the short side at least
    ``min_side`` (or 1/4 of the original, if larger); other formats decode in full.
    """
    img = data if isinstance(data, Image.Image) else Image.open(io.BytesIO(data))
    full = img.size
    if img.format == "JPEG" and isinstance(data, bytes):
        short = min(full)
        target = max(min_side, short // 4)
        if target < short:
            scale = target / short
            img.draft("L", (math.ceil(full[0] * scale), math.ceil(full[1] * scale)))
    if img.mode != "L":
        img = img.convert("L")
    return np.asarray(img), full


def phash_bytes(data: bytes, *, exact: bool = False) -> int:
    """pHash of encoded image bytes as an unsigned 64-bit int.

    ``exact=True`` is bit-identical to ``imagehash.phash(Image.open(BytesIO(data)))``.
    The default fast path differs from it by at most 2 bits on about 10% of JPEGs (see
    module docstring); non-JPEG or small images always take the exact path.
    """
    img = Image.open(io.BytesIO(data))
    if exact or img.format != "JPEG" or min(img.size) < 2 * _MIN_DRAFT_SIDE:
        return phash_image(img)
    pixels, (w, h) = grey_thumbnail(data)
    rh, rw = pixels.shape
    if (rw, rh) == (w, h):
        return phash_image(Image.fromarray(pixels))
    wy = _footprint_weights(h, rh, _IMG_SIZE)
    wx = _footprint_weights(w, rw, _IMG_SIZE)
    out = wy @ pixels.astype(np.float32) @ wx.T
    # Round half up and clip, as Pillow's fixed-point resampler does.
    grey32 = np.clip(np.floor(out + 0.5), 0, 255).astype(np.uint8)
    return phash_from_grey32(grey32)


def phash_jpeg_luma(data: bytes) -> int:
    """pHash of a JPEG from its luma channel, decoded at full scale.

    ``imagehash.phash`` decodes to RGB and converts to greyscale; libjpeg can hand over
    the luma (Y) channel directly, skipping chroma decoding and both colour
    conversions.  Y and Pillow's RGB->L differ by one grey level on some pixels (more
    where RGB clipped), which the 32x32 LANCZOS average nearly always absorbs: identical
    to ``imagehash`` on all 200 benchmark photos, but unlike ``exact=True`` not by
    construction.  The resize is :func:`detection.engine.resample.resize_grey` (Pillow's
    pixels by construction).
    """
    img = Image.open(io.BytesIO(data))
    if img.format != "JPEG":
        return phash_image(img)
    img.draft("L", img.size)
    if img.mode != "L":
        img = img.convert("L")
    return phash_from_grey32(_grey32(img))


def dhash_from_grey(pixels: npt.NDArray[np.generic]) -> int:
    """64-bit difference hash (row gradients) of a greyscale array of any size.

    Uses an area-average resize to 9x8, which is robust and needs no exactness contract.
    """
    img = Image.fromarray(np.asarray(pixels, dtype=np.uint8)).resize(
        (_HASH_SIZE + 1, _HASH_SIZE), Image.Resampling.BOX
    )
    px = np.asarray(img, dtype=np.int16)
    return _bits_to_int(px[:, 1:] > px[:, :-1])
