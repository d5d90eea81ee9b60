"""CPU time of the logo smear check per (photo, logo), and its verdicts, on a corpus of
scenes: photo-like 600×600 JPEGs showing one of 12 logos under a box or sticker of any
colour, blurred, mosaicked or clean, and photos with no logo or another logo under a
box.

Run from the repository root::

    .venv/bin/python bench/bench_logo_check.py [--scenes 280]

Prints, per kind of scene, how many checks found the logo smeared and the CPU time per
check (one process, after a warm-up scene: compiled loops are loaded, templates made).
Clean logos, missing logos and other logos must not be smeared.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, ImageDraw

from detection.engine.image_signals import LogoReference, detect_logo_smear
from detection.engine.synthetic import logo_image, photo_like, smear_logo

parser = argparse.ArgumentParser()
parser.add_argument("--scenes", type=int, default=280)
args = parser.parse_args()

rng = random.Random(11)
KINDS = ("box", "sticker", "blur", "mosaic", "clean", "no logo", "other logo")
COVERS = [(0, 0, 0), (255, 255, 255), (255, 220, 0), (230, 20, 30), (40, 110, 60)]


def scene(photo: Image.Image, logo: Image.Image, how: str) -> Image.Image:
    photo = photo.copy()
    side = rng.randint(200, 300)
    x, y = rng.randint(20, 600 - side - 20), rng.randint(20, 600 - side - 20)
    region = logo.resize((side, side))
    if how in ("blur", "mosaic"):
        region = smear_logo(region, how)
    elif how in ("box", "sticker"):
        box = (
            side * rng.uniform(0.1, 0.3),
            side * rng.uniform(0.05, 0.2),
            side * rng.uniform(0.6, 0.85),
            side * rng.uniform(0.5, 0.7),
        )
        draw = ImageDraw.Draw(region)
        (draw.rectangle if how == "box" else draw.ellipse)(box, fill=rng.choice(COVERS))
    photo.paste(region, (x, y))
    return photo


logos = [logo_image(k) for k in range(12)]
refs = [LogoReference.from_image(logo) for logo in logos]
scenes = []
for i in range(args.scenes):
    how = KINDS[i % len(KINDS)]
    k = rng.randrange(len(logos))
    img = photo_like(7000 + i, (600, 600))
    if how == "other logo":
        img = scene(img, logos[(k + 1) % len(logos)], "box")
    elif how != "no logo":
        img = scene(img, logos[k], how)
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=85)
    scenes.append((how, Image.open(io.BytesIO(out.getvalue())).convert("RGB"), k))

detect_logo_smear(scenes[0][1], refs[scenes[0][2]])  # warm-up
smeared: dict[str, int] = defaultdict(int)
seen: dict[str, int] = defaultdict(int)
cpu: dict[str, float] = defaultdict(float)
for how, img, k in scenes:
    t = time.process_time()
    result = detect_logo_smear(img, refs[k])
    cpu[how] += time.process_time() - t
    seen[how] += 1
    smeared[how] += result.smeared

print(f"{'scene':12s} {'checks':>6s} {'smeared':>8s} {'ms CPU/check':>13s}")
for how in KINDS:
    print(f"{how:12s} {seen[how]:6d} {smeared[how]:8d} {cpu[how] / seen[how] * 1000:13.1f}")
total = sum(cpu.values()) / len(scenes) * 1000
print(f"{'all':12s} {len(scenes):6d} {sum(smeared.values()):8d} {total:13.1f}")
