"""Real image bytes for tests: photo-like pictures, and the broken files
integrators and attackers send."""

from __future__ import annotations

import base64
import functools
import io
import random
import struct
import zlib

from PIL import Image, ImageDraw, ImageFilter


def photo(seed: int = 0, size=(640, 480)) -> Image.Image:
    """A photo-like picture: gradient background, shapes, texture and noise."""
    rng = random.Random(seed)
    w, h = size
    img = Image.new("RGB", size)
    px = img.load()
    c1 = [rng.randrange(256) for _ in range(3)]
    c2 = [rng.randrange(256) for _ in range(3)]
    for y in range(0, h, 4):
        t = y / h
        row = tuple(int(a + (b - a) * t) for a, b in zip(c1, c2, strict=True))
        for x in range(0, w, 4):
            for dy in range(4):
                for dx in range(4):
                    if x + dx < w and y + dy < h:
                        px[x + dx, y + dy] = row
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        x1, y1 = x0 + rng.randrange(20, w // 2), y0 + rng.randrange(20, h // 2)
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse([x0, y0, x1, y1], fill=colour)
        else:
            draw.rectangle([x0, y0, x1, y1], fill=colour)
    draw.text((w // 10, h // 2), f"SAMPLE {seed}", fill=(255, 255, 255))
    return img.filter(ImageFilter.GaussianBlur(1))


def jpeg_bytes(
    seed: int = 0, size=(640, 480), quality: int = 85, exif: bytes | None = None
) -> bytes:
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif else {}
    photo(seed, size).save(out, "JPEG", quality=quality, **kwargs)
    return out.getvalue()


def png_bytes(seed: int = 0, size=(320, 240)) -> bytes:
    out = io.BytesIO()
    photo(seed, size).save(out, "PNG")
    return out.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def truncated_jpeg(seed: int = 0) -> bytes:
    data = jpeg_bytes(seed)
    return data[: len(data) // 2]


@functools.lru_cache
def huge_png(width: int = 30000, height: int = 30000) -> bytes:
    """A genuine, valid PNG of width×height greyscale pixels (all black),
    streamed through zlib so the test never holds the pixels in memory."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    comp = zlib.compressobj(1)
    block = b"\x00" * ((width + 1) * 500)  # 500 rows: filter byte + black pixels each
    parts = [comp.compress(block) for _ in range(height // 500)]
    parts.append(comp.compress(b"\x00" * ((width + 1) * (height % 500))))
    parts.append(comp.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", b"".join(parts))
        + chunk(b"IEND", b"")
    )


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
