"""Deterministic synthetic images for tests, benchmarks and threshold calibration.

Flat colours make every perceptual hash degenerate, so these generators produce
photo-like content instead: smooth gradients, overlapping shapes, text and sensor-like
noise; and "logos": a compact emblem of shapes plus a word mark.  Everything is seeded,
so a failing test or a benchmark figure can be reproduced exactly.
"""

from __future__ import annotations

import io
import random
import string

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

__all__ = ["brand_names", "jpeg_bytes", "listing_titles", "logo_image", "photo_like"]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's bundled default font scales when FreeType is available (Pillow >= 10.1).
    return ImageFont.load_default(size=size)


def _random_colour(rnd: random.Random) -> tuple[int, int, int]:
    return (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))


def _gradient(rnd: random.Random, w: int, h: int) -> np.ndarray:
    """Linear gradient between two random colours in a random direction, plus a soft blob."""
    c0 = np.array(_random_colour(rnd), np.float32)
    c1 = np.array(_random_colour(rnd), np.float32)
    angle = rnd.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    t = (np.cos(angle) * xx / w + np.sin(angle) * yy / h + 1.0) / 2.0
    img = c0 + (c1 - c0) * t[..., None]
    cx, cy = rnd.uniform(0, w), rnd.uniform(0, h)
    rad = rnd.uniform(0.2, 0.6) * max(w, h)
    blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * rad**2))
    img += (np.array(_random_colour(rnd), np.float32) - img) * (0.6 * blob[..., None])
    return img


def photo_like(seed: int, size: tuple[int, int] = (1000, 1000), noise: float = 6.0) -> Image.Image:
    """A photo-like RGB image: gradient, shapes, some text, mild blur and noise."""
    rnd = random.Random(seed)
    w, h = size
    img = Image.fromarray(np.clip(_gradient(rnd, w, h), 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img, "RGBA")
    for _ in range(rnd.randint(4, 12)):
        x0, y0 = rnd.uniform(-0.2, 1.0) * w, rnd.uniform(-0.2, 1.0) * h
        x1, y1 = x0 + rnd.uniform(0.05, 0.6) * w, y0 + rnd.uniform(0.05, 0.6) * h
        fill = (*_random_colour(rnd), rnd.randint(120, 255))
        kind = rnd.random()
        if kind < 0.4:
            draw.ellipse((x0, y0, x1, y1), fill=fill)
        elif kind < 0.7:
            draw.rectangle((x0, y0, x1, y1), fill=fill)
        else:
            pts = [(rnd.uniform(0, w), rnd.uniform(0, h)) for _ in range(rnd.randint(3, 6))]
            draw.polygon(pts, fill=fill)
    for _ in range(rnd.randint(1, 3)):
        word = "".join(rnd.choices(string.ascii_uppercase, k=rnd.randint(3, 9)))
        draw.text(
            (rnd.uniform(0, 0.7) * w, rnd.uniform(0, 0.9) * h),
            word,
            fill=(*_random_colour(rnd), 255),
            font=_font(max(10, int(rnd.uniform(0.03, 0.09) * h))),
        )
    img = img.filter(ImageFilter.GaussianBlur(rnd.uniform(0.3, 1.5)))
    if noise > 0:
        arr = np.asarray(img, dtype=np.float32)
        gen = np.random.default_rng(seed)
        arr = arr + gen.normal(0.0, noise, size=arr.shape).astype(np.float32)
        img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")
    return img


def logo_image(seed: int, size: int = 400, text: str | None = None) -> Image.Image:
    """A distinctive logo on a light background: emblem shapes, a ring and a word mark."""
    rnd = random.Random(10_000 + seed)
    bg = tuple(rnd.randint(225, 255) for _ in range(3))
    img = Image.new("RGB", (size, size), bg)  # type: ignore[arg-type]
    draw = ImageDraw.Draw(img)
    main = _random_colour(rnd)
    accent = _random_colour(rnd)
    s = size
    # Emblem in the upper part: a ring, a few wedges/bars at seeded positions.
    cx, cy, r = s * rnd.uniform(0.4, 0.6), s * rnd.uniform(0.33, 0.42), s * rnd.uniform(0.2, 0.28)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=main, width=max(3, s // 25))
    for _ in range(rnd.randint(2, 4)):
        start = rnd.uniform(0, 360)
        draw.pieslice(
            (cx - r * 0.8, cy - r * 0.8, cx + r * 0.8, cy + r * 0.8),
            start,
            start + rnd.uniform(30, 100),
            fill=accent if rnd.random() < 0.5 else main,
        )
    for _ in range(rnd.randint(1, 3)):
        bx, by = s * rnd.uniform(0.05, 0.7), s * rnd.uniform(0.05, 0.6)
        draw.rectangle(
            (bx, by, bx + s * rnd.uniform(0.05, 0.25), by + s * rnd.uniform(0.03, 0.1)),
            fill=main,
        )
    word = text or "".join(rnd.choices(string.ascii_uppercase, k=rnd.randint(4, 7)))
    font = _font(max(12, s // 7))
    box = draw.textbbox((0, 0), word, font=font)
    tw = box[2] - box[0]
    draw.text(((s - tw) / 2, s * 0.72), word, fill=main, font=font)
    return img


def smear_logo(region: Image.Image, how: str) -> Image.Image:
    """A logo region as sellers hide it: "blur" (Gaussian, radius 1/30 of its side) or
    "mosaic" (16 x 16 blocks)."""
    side = region.width
    if how == "blur":
        return region.filter(ImageFilter.GaussianBlur(side / 30))
    if how == "mosaic":
        k = side // 16
        return region.resize((k, k), Image.Resampling.BOX).resize(
            (side, side), Image.Resampling.NEAREST
        )
    raise ValueError(f"unknown smear {how!r}")


def jpeg_bytes(img: Image.Image, quality: int = 88) -> bytes:
    """Encode as baseline JPEG (4:2:0 chroma, like most marketplace uploads)."""
    buf = io.BytesIO()
    img.convert("RGB").save(buf, "JPEG", quality=quality)
    return buf.getvalue()


_CONSONANTS = "bcdfghjklmnprstvwxz"
_VOWELS = "aeiou"
_PRODUCT_TEXT = (
    "shoes sneakers running men women kids bag handbag leather wallet watch strap "
    "case cover phone charger cable jacket hoodie shirt t-shirt dress jeans cap hat "
    "sunglasses perfume bottle backpack belt socks boots sandals new original "
    "genuine sale free shipping black white red blue green size large small medium "
    "cotton wool vintage classic sport casual summer winter gift set pack pcs high "
    "quality fashion style premium luxury cheap discount limited edition unisex slim "
    "fit waterproof wireless earbuds headphones speaker laptop sleeve keyboard mouse "
    "for with and the of in"
)
_PRODUCT_WORDS = tuple(_PRODUCT_TEXT.split())
_CJK_WORDS = (
    "运动鞋",
    "男款",
    "女款",
    "新款",
    "正品",
    "包邮",
    "休闲",
    "夏季",
    "手提包",
    "钱包",
    "手表",
    "外套",
    "帽子",
    "耳机",
    "充电器",
)


def _pseudo_word(rnd: random.Random, syllables: int) -> str:
    return "".join(rnd.choice(_CONSONANTS) + rnd.choice(_VOWELS) for _ in range(syllables))


def brand_names(n: int, seed: int = 0) -> list[tuple[int, str, list[str]]]:
    """``n`` distinct pronounceable pseudo-brands as (id, name, aliases).

    About 15% are two words, 10% have a CJK alias and 10% a misspelling alias.
    """
    rnd = random.Random(seed)
    seen: set[str] = set()
    out: list[tuple[int, str, list[str]]] = []
    while len(out) < n:
        # Mostly 3-4 syllables: like real brand lists, few names are 4 letters or less.
        words = [_pseudo_word(rnd, rnd.choices((2, 3, 4), weights=(15, 50, 35))[0])]
        if rnd.random() < 0.15:
            words.append(_pseudo_word(rnd, rnd.randint(2, 3)))
        name = " ".join(w.capitalize() for w in words)
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        aliases: list[str] = []
        if rnd.random() < 0.1:
            aliases.append("".join(chr(rnd.randint(0x4E00, 0x9FA5)) for _ in range(2)))
        if rnd.random() < 0.1 and len(words[0]) > 4:
            w = words[0]
            i = rnd.randrange(1, len(w) - 1)
            aliases.append(w[:i] + w[i + 1 :])
        out.append((len(out) + 1, name, aliases))
    return out


def listing_titles(
    n: int, brands: list[tuple[int, str, list[str]]], seed: int = 0, brand_rate: float = 0.3
) -> list[str]:
    """``n`` marketplace-like titles; about ``brand_rate`` of them name a brand."""
    rnd = random.Random(seed)
    titles = []
    for _ in range(n):
        words = rnd.choices(_PRODUCT_WORDS, k=rnd.randint(5, 12))
        if rnd.random() < brand_rate:
            _, name, aliases = rnd.choice(brands)
            term = rnd.choice([name, *aliases])
            words.insert(rnd.randrange(len(words) + 1), term)
        if rnd.random() < 0.15:
            words.insert(rnd.randrange(len(words) + 1), str(rnd.randint(1, 999)))
        title = " ".join(words)
        if rnd.random() < 0.1:
            title += " " + "".join(rnd.choices(_CJK_WORDS, k=2))
        titles.append(title[0].upper() + title[1:])
    return titles
