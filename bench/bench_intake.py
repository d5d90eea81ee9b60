"""Bulk listing intake rate: 1000-listing POSTs with one ~150 KB JPEG each.

Images are sent as URLs (a 1000-listing batch of base64 JPEGs this size would
pass the 64 MB body limit), served from a local HTTP server that workers
fetch from, as they would from the marketplace's image CDN. ``--base64``
sends the bytes inline instead, in batches of 250.

Prints two figures:
- request rate: listings/s accepted by POST /api/v1/listings/ (validation,
  upsert, staging of the images), and
- end-to-end rate: listings/s from the first POST until every listing has been
  taken in (image re-encoded, fingerprinted) and scanned by Celery workers.

Runs against its own database (``coguard_bench``, recreated) on the PostgreSQL
and Redis of DATABASE_URL / REDIS_URL, with real worker subprocesses.

    .venv/bin/python bench/bench_intake.py [--batches 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import base64
import http.server
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

parser = argparse.ArgumentParser()
parser.add_argument("--batches", type=int, default=3)
parser.add_argument("--batch-size", type=int, default=1000)
parser.add_argument("--workers", type=int, default=2, help="worker processes (concurrency)")
parser.add_argument("--base64", action="store_true", help="inline images (batches of 250)")
args = parser.parse_args()

base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/coguard")
bench_url = base_url.rsplit("/", 1)[0] + "/coguard_bench"
os.environ.update(
    {
        "DATABASE_URL": bench_url,
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "platform_core.settings",
        "CELERY_QUEUE": "coguard-bench-" + uuid.uuid4().hex[:6],
        "MEDIA_ROOT": tempfile.mkdtemp(prefix="coguard-bench-media-"),
        "DATABASE_POOL": "0",
        "IMAGE_FETCH_ALLOWED_HOSTS": "127.0.0.1",
    }
)
if args.base64:
    args.batch_size = min(args.batch_size, 250)

import psycopg  # noqa: E402

with psycopg.connect(base_url, autocommit=True) as conn:
    conn.execute("DROP DATABASE IF EXISTS coguard_bench WITH (FORCE)")
    conn.execute("CREATE DATABASE coguard_bench")

import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from knox.models import AuthToken  # noqa: E402
from PIL import Image, ImageDraw, ImageFilter  # noqa: E402

from marketplace.models import Listing, ListingStatus  # noqa: E402
from platform_core.models import Role, User  # noqa: E402

call_command("migrate", verbosity=0)
user = User.objects.create(username="bench-marketplace", role=Role.MARKETPLACE)
_, token = AuthToken.objects.create(user=user)


def photo_jpeg(seed: int) -> bytes:
    """A ~150 KB 900×900 photo-like JPEG."""
    rng = random.Random(seed)
    img = Image.effect_noise((900, 900), 60).convert("RGB")
    draw = ImageDraw.Draw(img)
    for _ in range(25):
        x, y = rng.randrange(900), rng.randrange(900)
        draw.ellipse(
            [x, y, x + rng.randrange(40, 300), y + rng.randrange(40, 300)],
            fill=tuple(rng.randrange(256) for _ in range(3)),
        )
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


print("generating images …", flush=True)
images = [photo_jpeg(n) for n in range(50)]
avg_kb = sum(map(len, images)) / len(images) / 1024
encoded = [base64.b64encode(i).decode() for i in images]


class _Images(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = images[int(self.path.strip("/").split(".")[0]) % len(images)]
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


cdn = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Images)
threading.Thread(target=cdn.serve_forever, daemon=True).start()
cdn_url = f"http://127.0.0.1:{cdn.server_address[1]}"


def image_of(n: int) -> dict:
    if args.base64:
        return {"content_base64": encoded[n % len(encoded)]}
    return {"url": f"{cdn_url}/{n}.jpg"}


worker = subprocess.Popen(
    [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "platform_core",
        "worker",
        "-l",
        "warning",
        "-Q",
        os.environ["CELERY_QUEUE"],
        "--concurrency",
        str(args.workers),
        "--without-gossip",
        "--without-mingle",
    ],
    cwd=ROOT,
    env=dict(os.environ),
)
time.sleep(4)

try:
    client = Client(HTTP_HOST="localhost")
    request_seconds = 0.0
    start = time.perf_counter()
    total = 0
    for b in range(args.batches):
        batch = [
            {
                "external_id": f"B{b}-{n}",
                "shop": {
                    "external_id": f"S-{n % 100}",
                    "name": f"Shop {n % 100}",
                    "seller_external_id": f"U-{n % 100}",
                },
                "title": f"Canvas tote bag model {n}",
                "description": "Sturdy cotton canvas bag with leather handles.",
                "price": "129.00",
                "currency": "CNY",
                "images": [image_of(b * args.batch_size + n)],
            }
            for n in range(args.batch_size)
        ]
        body = json.dumps(batch)
        t0 = time.perf_counter()
        response = client.post(
            "/api/v1/listings/",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
        )
        request_seconds += time.perf_counter() - t0
        assert response.status_code == 200, response.content[:500]
        total += len(batch)

    while Listing.objects.filter(status=ListingStatus.PENDING).exists():
        time.sleep(0.2)
    elapsed = time.perf_counter() - start
finally:
    worker.terminate()
worker.wait(30)

print(
    f"listings: {total} in {args.batches} POSTs of {args.batch_size}, one {avg_kb:.0f} KB JPEG each"
)
print(
    f"request rate (accepted):   {total / request_seconds:8.1f} listings/s "
    f"({request_seconds / args.batches:.2f} s per 1000-listing POST)"
)
print(
    f"end-to-end (all scanned):  {total / elapsed:8.1f} listings/s "
    f"({elapsed:.1f} s, {args.workers} worker processes on {os.cpu_count()} cores)"
)
