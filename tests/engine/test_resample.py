"""The fingerprints' greyscale resize gives Pillow's pixels exactly: stored
fingerprints made with Pillow stay comparable with new ones."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from detection.engine.resample import resize_grey
from detection.engine.synthetic import photo_like

BOX, LANCZOS = Image.Resampling.BOX, Image.Resampling.LANCZOS


def _pillow(pixels, size, resample):
    return np.asarray(Image.fromarray(np.ascontiguousarray(pixels)).resize(size, resample))


@pytest.mark.parametrize("resample", [BOX, LANCZOS])
def test_random_sizes_match_pillow_byte_for_byte(resample):
    rng = np.random.default_rng(int(resample))
    photo = np.asarray(photo_like(4).convert("L"))
    for n in range(250):
        h, w = (int(v) for v in rng.integers(1, 600, 2))
        pixels = rng.integers(0, 256, (h, w), dtype=np.uint8) if n % 2 else photo[:h, :w].copy()
        size = (int(rng.integers(1, 400)), int(rng.integers(1, 400)))
        assert np.array_equal(
            resize_grey(pixels, size, resample), _pillow(pixels, size, resample)
        ), (
            (w, h),
            size,
        )


@pytest.mark.parametrize(
    "shape, size",
    [
        (
            (600, 100),
            (90, 40),
        ),  # the height loses over twice the width's pixels: Pillow goes vertical first
        ((100, 600), (40, 90)),  # the width loses more: horizontal first
        ((300, 300), (32, 32)),  # equal losses: horizontal first
        ((300, 120), (120, 32)),  # only the height changes
        ((120, 300), (32, 120)),  # only the width changes
        ((40, 30), (400, 300)),  # enlarging
    ],
)
@pytest.mark.parametrize("resample", [BOX, LANCZOS])
def test_each_pass_order_and_skipped_pass_matches_pillow(shape, size, resample):
    pixels = np.random.default_rng(7).integers(0, 256, shape, dtype=np.uint8)
    assert np.array_equal(resize_grey(pixels, size, resample), _pillow(pixels, size, resample))


def test_a_crop_given_as_a_slice_matches_pillows_crop_then_resize():
    grey = photo_like(9).convert("L").resize((256, 256), BOX)
    pixels = np.asarray(grey)
    for left, top, right, bottom in [(15, 15, 241, 241), (31, 0, 256, 225), (0, 31, 225, 256)]:
        ours = resize_grey(pixels[top:bottom, left:right], (32, 32), LANCZOS)
        theirs = np.asarray(grey.crop((left, top, right, bottom)).resize((32, 32), LANCZOS))
        assert np.array_equal(ours, theirs)


def test_other_filters_are_left_to_pillow():
    pixels = np.asarray(photo_like(2).convert("L").resize((200, 150)))
    for other in (Image.Resampling.BILINEAR, Image.Resampling.BICUBIC):
        ours = resize_grey(pixels, (50, 40), other)
        assert np.array_equal(ours, _pillow(pixels, (50, 40), other))


@pytest.mark.parametrize(
    "pixels, size",
    [
        (np.zeros((10, 10, 3), np.uint8), (5, 5)),  # colour
        (np.zeros((10, 10), np.float32), (5, 5)),  # not 8-bit
        (np.zeros((0, 10), np.uint8), (5, 5)),  # empty
        (np.zeros((10, 10), np.uint8), (0, 5)),  # to nothing
    ],
)
def test_what_it_cannot_resize_is_refused(pixels, size):
    with pytest.raises(ValueError):
        resize_grey(pixels, size, BOX)
