"""phash_bytes against the imagehash reference on generated photo-like images."""

from __future__ import annotations

import io

import imagehash
import numpy as np
import pytest
from PIL import Image

from detection.engine.imagehash_fast import (
    dhash_from_grey,
    grey_thumbnail,
    phash_bytes,
    phash_image,
    phash_jpeg_luma,
    to_hex,
    to_signed64,
    to_unsigned64,
)
from detection.engine.synthetic import jpeg_bytes, photo_like

SIZES = [(1000, 1000), (800, 600), (640, 960), (1200, 700), (520, 520), (300, 200)]


def _reference(data: bytes) -> int:
    return int(str(imagehash.phash(Image.open(io.BytesIO(data)))), 16)


@pytest.fixture(scope="module")
def jpegs() -> list[bytes]:
    out = []
    for i in range(36):
        size = SIZES[i % len(SIZES)]
        out.append(jpeg_bytes(photo_like(500 + i, size), quality=(75, 85, 90, 95)[i % 4]))
    return out


def test_exact_path_is_bit_identical_to_imagehash(jpegs: list[bytes]) -> None:
    for data in jpegs:
        assert phash_bytes(data, exact=True) == _reference(data)
        assert phash_image(Image.open(io.BytesIO(data))) == _reference(data)


def test_fast_path_is_within_two_bits_and_mostly_identical(jpegs: list[bytes]) -> None:
    dists = [bin(phash_bytes(d) ^ _reference(d)).count("1") for d in jpegs]
    assert max(dists) <= 2
    assert sum(d == 0 for d in dists) >= 0.75 * len(jpegs)


def test_fast_path_really_decodes_reduced() -> None:
    data = jpeg_bytes(photo_like(3, (1000, 800)))
    pixels, full = grey_thumbnail(data)
    assert full == (1000, 800)
    assert pixels.shape == (200, 250)  # 1/4 scale, (rows, cols)
    png = io.BytesIO()
    photo_like(3, (400, 300)).save(png, "PNG")
    assert grey_thumbnail(png.getvalue())[0].shape == (300, 400)  # not JPEG: full size


def test_non_jpeg_and_small_images_take_exact_path() -> None:
    img = photo_like(11, (700, 500))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    assert phash_bytes(buf.getvalue()) == _reference(buf.getvalue())
    small = jpeg_bytes(photo_like(12, (200, 150)))
    assert phash_bytes(small) == _reference(small)


def test_hash_distinguishes_different_images(jpegs: list[bytes]) -> None:
    hashes = [phash_bytes(d) for d in jpegs]
    assert len(set(hashes)) == len(hashes)
    d = [bin(a ^ b).count("1") for i, a in enumerate(hashes) for b in hashes[i + 1 :]]
    assert np.median(d) > 20  # unrelated photos are far apart


def test_signed_storage_helpers_and_hex() -> None:
    for h in (0, 1, 2**63 - 1, 2**63, 2**64 - 1, 0x8F00_0000_0000_00AA):
        s = to_signed64(h)
        assert -(2**63) <= s < 2**63
        assert to_unsigned64(s) == h
    assert to_signed64(2**64 - 1) == -1
    data = jpeg_bytes(photo_like(2, (600, 600)))
    assert to_hex(phash_bytes(data, exact=True)) == str(
        imagehash.phash(Image.open(io.BytesIO(data)))
    )


def test_dhash_is_stable_under_resize() -> None:
    img = photo_like(21, (600, 600)).convert("L")
    a = dhash_from_grey(np.asarray(img))
    b = dhash_from_grey(np.asarray(img.resize((300, 300))))
    other = dhash_from_grey(np.asarray(photo_like(22, (600, 600)).convert("L")))
    assert bin(a ^ b).count("1") <= 6
    assert bin(a ^ other).count("1") > 12


def test_luma_path_matches_imagehash_on_photos(jpegs: list[bytes]) -> None:
    same = sum(phash_jpeg_luma(d) == _reference(d) for d in jpegs)
    assert same == len(jpegs)  # not guaranteed by construction, but measured on every photo
    png = io.BytesIO()
    photo_like(11, (700, 500)).save(png, "PNG")
    assert phash_jpeg_luma(png.getvalue()) == _reference(png.getvalue())  # exact path
