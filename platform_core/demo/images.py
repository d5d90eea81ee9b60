"""Deterministic pictures and documents for the demo data: brand logos,
photo-like product shots, the copies counterfeiters make of them, unrelated
photos, and small certificates and letters.

Everything is a pure function of its arguments (seeded ``random.Random``, no
clock), so a second ``seed_demo`` run produces byte-identical files and the
listing upsert sees nothing changed.
"""

from __future__ import annotations

import io
import math
import random

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont, ImageOps

MAX_SIDE = 400

Colour = tuple[int, int, int]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _encode(img: Image.Image, fmt: str = "JPEG", quality: int = 88) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        img.convert("RGB").save(out, "JPEG", quality=quality)
    else:
        img.save(out, fmt)
    return out.getvalue()


def _gradient(size: tuple[int, int], top: Colour, bottom: Colour, angle: float = 0) -> Image.Image:
    ramp = Image.linear_gradient("L").rotate(angle, resample=Image.Resampling.BICUBIC)
    ramp = ImageOps.fit(ramp, size)
    return ImageOps.colorize(ramp, top, bottom)


def _noise(img: Image.Image, rng: random.Random, amount: float = 0.08) -> Image.Image:
    # Seeded grain (Image.effect_noise draws from an unseeded C generator).
    w, h = img.size
    grain = Image.frombytes("L", (w, h), rng.randbytes(w * h)).convert("RGB")
    return Image.blend(img, grain, amount)


def _centred_text(draw: ImageDraw.ImageDraw, box, text: str, size: int, fill: Colour) -> None:
    font = _font(size)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x0, y0, x1, y1 = box
    x = x0 + (x1 - x0 - (right - left)) / 2 - left
    y = y0 + (y1 - y0 - (bottom - top)) / 2 - top
    draw.text((x, y), text, font=font, fill=fill)


# --- Logos --------------------------------------------------------------------------


def _mark(draw: ImageDraw.ImageDraw, shape: str, box, colour: Colour, accent: Colour) -> None:
    """The brand's emblem inside ``box``: the part a counterfeiter copies."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    cx, cy = x0 + w / 2, y0 + h / 2
    if shape == "peaks":
        draw.polygon([(x0, y1), (x0 + w * 0.38, y0 + h * 0.15), (x0 + w * 0.62, y1)], fill=colour)
        draw.polygon([(x0 + w * 0.3, y1), (x0 + w * 0.68, y0), (x1, y1)], fill=accent)
        draw.polygon(
            [(x0 + w * 0.6, y0 + h * 0.2), (x0 + w * 0.68, y0), (x0 + w * 0.76, y0 + h * 0.2)],
            fill=(255, 255, 255),
        )
    elif shape == "stride":
        for i in range(3):
            off = i * h * 0.22
            draw.arc(
                [x0 - w * 0.2, y0 + off, x1 + w * 0.1, y1 + h * 0.6 + off],
                start=200,
                end=330,
                fill=colour if i != 1 else accent,
                width=max(4, int(h * 0.12)),
            )
    elif shape == "petals":
        r = min(w, h) * 0.22
        for i in range(6):
            a = i * math.pi / 3
            px, py = cx + math.cos(a) * r, cy + math.sin(a) * r
            draw.ellipse([px - r, py - r, px + r, py + r], fill=colour if i % 2 else accent)
        draw.ellipse([cx - r * 0.6, cy - r * 0.6, cx + r * 0.6, cy + r * 0.6], fill=(255, 255, 255))
    elif shape == "bolt":
        draw.ellipse([x0, y0, x1, y1], outline=colour, width=max(4, int(w * 0.07)))
        draw.polygon(
            [
                (cx + w * 0.08, y0 + h * 0.1),
                (cx - w * 0.22, cy + h * 0.05),
                (cx - w * 0.02, cy + h * 0.05),
                (cx - w * 0.1, y1 - h * 0.1),
                (cx + w * 0.22, cy - h * 0.08),
                (cx + w * 0.02, cy - h * 0.08),
            ],
            fill=accent,
        )
    elif shape == "monogram":
        draw.polygon([(cx, y0), (x1, cy), (cx, y1), (x0, cy)], outline=colour, width=6)
        draw.polygon(
            [(cx, y0 + h * 0.18), (x1 - w * 0.18, cy), (cx, y1 - h * 0.18), (x0 + w * 0.18, cy)],
            fill=accent,
        )
        _centred_text(draw, box, "A", int(h * 0.42), (255, 255, 255))
    else:
        draw.rectangle(box, fill=colour)


def logo(name: str, *, shape: str, colour: Colour, accent: Colour, background: Colour) -> bytes:
    """A brand's logo: its emblem above its name, on a flat background (PNG)."""
    size = (320, 240)
    img = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(img)
    _mark(draw, shape, (110, 22, 210, 132), colour, accent)
    _centred_text(draw, (0, 148, size[0], 212), name.upper(), 38, colour)
    draw.line([(60, 218), (260, 218)], fill=accent, width=3)
    return _encode(img, "PNG")


# --- Product photos -----------------------------------------------------------------


def _product(draw: ImageDraw.ImageDraw, kind: str, rng: random.Random, size, colour: Colour):
    """A product silhouette; returns where the logo goes on it."""
    w = size[0]
    cx = w / 2 + rng.uniform(-w * 0.05, w * 0.05)
    shade = tuple(max(0, c - 60) for c in colour)
    if kind == "jacket":
        body = [
            (cx - 80, 110),
            (cx - 30, 80),
            (cx + 30, 80),
            (cx + 80, 110),
            (cx + 130, 250),
            (cx + 95, 262),
            (cx + 70, 190),
            (cx + 70, 330),
            (cx - 70, 330),
            (cx - 70, 190),
            (cx - 95, 262),
            (cx - 130, 250),
        ]
        draw.polygon(body, fill=colour)
        draw.line([(cx, 90), (cx, 330)], fill=shade, width=4)
        return (int(cx + 18), 130, int(cx + 62), 163)
    if kind == "shoe":
        draw.polygon(
            [(cx - 140, 250), (cx - 120, 170), (cx - 40, 160), (cx + 40, 200), (cx + 140, 225),
             (cx + 145, 262), (cx - 140, 262)],
            fill=colour,
        )  # fmt: skip
        draw.rectangle([cx - 145, 262, cx + 148, 282], fill=(245, 245, 245))
        return (int(cx - 60), 200, int(cx + 10), 235)
    if kind == "bottle":
        draw.rounded_rectangle([cx - 55, 140, cx + 55, 330], radius=18, fill=colour)
        draw.rectangle([cx - 22, 90, cx + 22, 140], fill=shade)
        draw.rounded_rectangle([cx - 30, 60, cx + 30, 95], radius=8, fill=(40, 40, 40))
        return (int(cx - 40), 200, int(cx + 40), 250)
    if kind == "headphones":
        draw.arc([cx - 110, 70, cx + 110, 290], start=180, end=360, fill=colour, width=22)
        draw.rounded_rectangle([cx - 135, 170, cx - 75, 290], radius=24, fill=shade)
        draw.rounded_rectangle([cx + 75, 170, cx + 135, 290], radius=24, fill=shade)
        return (int(cx + 82), 205, int(cx + 128), 245)
    if kind == "bag":
        draw.arc([cx - 70, 70, cx + 70, 210], start=180, end=360, fill=shade, width=12)
        draw.rounded_rectangle([cx - 130, 140, cx + 130, 330], radius=20, fill=colour)
        draw.line([(cx - 130, 185), (cx + 130, 185)], fill=shade, width=3)
        return (int(cx - 35), 215, int(cx + 35), 265)
    draw.rounded_rectangle([cx - 110, 120, cx + 110, 300], radius=16, fill=colour)
    return (int(cx - 40), 180, int(cx + 40), 230)


def product_photo(
    *,
    seed: int,
    kind: str,
    colour: Colour,
    logo_png: bytes | None = None,
    size: tuple[int, int] = (360, 360),
) -> bytes:
    """A studio-like product shot: graded backdrop, soft floor shadow, the
    product, the brand's logo on it, texture and sensor noise (JPEG)."""
    rng = random.Random(seed)
    top = tuple(rng.randrange(170, 250) for _ in range(3))
    bottom = tuple(max(0, c - rng.randrange(40, 110)) for c in top)
    img = _gradient(size, top, bottom, angle=rng.uniform(-25, 25))
    draw = ImageDraw.Draw(img)
    w, h = size
    for _ in range(rng.randrange(3, 7)):
        x, y, r = rng.randrange(w), rng.randrange(h), rng.randrange(15, 60)
        tint = tuple(min(255, c + rng.randrange(-30, 30)) for c in top)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=tint)
    draw.ellipse([w * 0.15, h * 0.84, w * 0.85, h * 0.97], fill=tuple(c // 2 for c in bottom))
    spot = _product(draw, kind, rng, size, colour)
    if logo_png:
        with Image.open(io.BytesIO(logo_png)) as mark:
            mark = mark.convert("RGB").resize((spot[2] - spot[0], spot[3] - spot[1]))
            img.paste(mark, spot[:2])
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    return _encode(_noise(img, rng, 0.06), "JPEG", quality=90)


def unrelated_photo(seed: int, size: tuple[int, int] = (320, 320)) -> bytes:
    """Something else entirely: a kitchen, a plant, a toy … as abstract shapes."""
    rng = random.Random(seed * 7919 + 17)
    c1 = tuple(rng.randrange(256) for _ in range(3))
    c2 = tuple(rng.randrange(256) for _ in range(3))
    img = _gradient(size, c1, c2, angle=rng.uniform(0, 180))
    draw = ImageDraw.Draw(img)
    w, h = size
    for _ in range(rng.randrange(6, 14)):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        x1, y1 = x0 + rng.randrange(20, w // 2), y0 + rng.randrange(20, h // 2)
        fill = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse([x0, y0, x1, y1], fill=fill)
        else:
            draw.rectangle([x0, y0, x1, y1], fill=fill)
    img = img.filter(ImageFilter.GaussianBlur(1))
    return _encode(_noise(img, rng, 0.07), "JPEG", quality=85)


# --- What counterfeiters do to official photos ---------------------------------------


# Where each kind of product shot carries the logo (fractions of the picture,
# with room for the product's jitter): what a smeared copy mosaics.
LOGO_AREAS = {
    "jacket": (0.48, 0.33, 0.76, 0.48),
    "shoe": (0.25, 0.53, 0.52, 0.68),
    "bottle": (0.35, 0.53, 0.66, 0.72),
    "headphones": (0.66, 0.54, 0.92, 0.71),
    "bag": (0.36, 0.57, 0.64, 0.76),
}


def counterfeit_copy(original: bytes, *, seed: int, smear_kind: str | None = None) -> bytes:
    """An official photo as a counterfeit listing reuses it: cropped a little,
    resized, colour-shifted and recompressed. With ``smear_kind`` (the kind of
    product shown) the logo is mosaicked, as sellers do to dodge logo checks."""
    rng = random.Random(seed)
    with Image.open(io.BytesIO(original)) as src:
        img = src.convert("RGB")
    w, h = img.size
    if smear_kind in LOGO_AREAS:
        fx0, fy0, fx1, fy1 = LOGO_AREAS[smear_kind]
        box = (int(w * fx0), int(h * fy0), int(w * fx1), int(h * fy1))
        bw, bh = box[2] - box[0], box[3] - box[1]
        blocks = img.crop(box).resize((max(1, bw // 9), max(1, bh // 9)))
        img.paste(blocks.resize((bw, bh), Image.Resampling.NEAREST), box[:2])
    crop = rng.uniform(0.0, 0.08)
    left, top = int(w * crop * rng.random()), int(h * crop * rng.random())
    img = img.crop((left, top, left + int(w * (1 - crop)), top + int(h * (1 - crop))))
    scale = rng.uniform(0.7, 1.0)
    img = img.resize((max(64, int(img.width * scale)), max(64, int(img.height * scale))))
    img = ImageEnhance.Color(img).enhance(rng.uniform(0.85, 1.2))
    img = ImageEnhance.Brightness(img).enhance(rng.uniform(0.92, 1.08))
    return _encode(img, "JPEG", quality=rng.randrange(55, 82))


# --- Documents ------------------------------------------------------------------------


def _pdf_escape(text: str) -> str:
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def certificate_pdf(lines: list[str]) -> bytes:
    """A one-page PDF (valid structure and cross-reference table) carrying
    ``lines`` of text: a stand-in for a trademark registration certificate."""
    text = ["BT", "/F1 18 Tf", "72 760 Td", f"({_pdf_escape(lines[0])}) Tj", "/F1 11 Tf"]
    for line in lines[1:]:
        text += ["0 -22 Td", f"({_pdf_escape(line)}) Tj"]
    text.append("ET")
    stream = "\n".join(text).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def letter_scan(lines: list[str], *, seed: int) -> bytes:
    """A scanned letter of authorisation (PNG): paper, text, a signature and a
    stamp, slightly rotated as scans are."""
    rng = random.Random(seed)
    img = Image.new("RGB", (300, 400), (250, 248, 240))
    draw = ImageDraw.Draw(img)
    y = 24
    for index, line in enumerate(lines):
        draw.text((22, y), line, font=_font(14 if index == 0 else 10), fill=(30, 30, 40))
        y += 26 if index == 0 else 17
    points = [(40 + i * 9, 330 + rng.randrange(-9, 9)) for i in range(14)]
    draw.line(points, fill=(20, 40, 120), width=2)
    draw.ellipse([190, 300, 270, 380], outline=(190, 30, 30), width=4)
    _centred_text(draw, (190, 300, 270, 380), "SEAL", 14, (190, 30, 30))
    img = img.rotate(rng.uniform(-1.2, 1.2), fillcolor=(235, 235, 230))
    return _encode(_noise(img, rng, 0.04), "PNG")
