"""Bulk listing intake rate: 1000-listing POSTs with one ~150 KB JPEG each,
against 1,000 brands with 5 names and 3 reference images each (``--logos K``:
K of the 3 are logos, so listings that name a brand from a shop it has not
authorised also get the logo smear check).

Images are sent as URLs (a 1000-listing batch of base64 JPEGs this size would
pass the 64 MB body limit), served from a local HTTP server that workers
fetch from, as they would from the marketplace's image CDN. ``--base64``
sends the bytes inline instead, in batches of 250.

The photos are photo-like 1000×1000 JPEGs (gradients, shapes, text, blur
and sensor noise, quality 85, camera EXIF), like marketplace uploads; pure
noise would cost several times more to decode and encode than any real photo.

Prints:
- request rate: listings/s accepted by POST /api/v1/listings/ (validation,
  upsert, staging of the images), with this process's CPU time,
- end-to-end rate: listings/s from the first POST until every listing has been
  taken in (image cleaned, thumbnailed, fingerprinted) and scanned by Celery
  workers, and
- the CPU seconds the worker processes used for it, and the listings per CPU
  second that makes (the machine is shared, so wall time alone misleads).

Runs against a database of its own (``coguard_bench_intake_<pid>``, dropped
afterwards) on the PostgreSQL
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
parser.add_argument("--brands", type=int, default=1000)
parser.add_argument(
    "--logos",
    type=int,
    default=0,
    choices=(0, 1, 2, 3),
    help="how many of each brand's 3 references are logos (real image files: listings "
    "that name an unauthorised brand then get the logo smear check)",
)
parser.add_argument(
    "--in-process",
    action="store_true",
    help="no worker: run the same intake tasks' work in this process, after the POSTs",
)
parser.add_argument("--profile", metavar="FILE", help="with --in-process: cProfile stats to FILE")
args = parser.parse_args()

base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/coguard")
bench_db = f"coguard_bench_intake_{os.getpid()}"  # concurrent runs never collide
bench_url = base_url.rsplit("/", 1)[0] + "/" + bench_db
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

# The maintenance database: the app's own need not exist yet.
with psycopg.connect(base_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
    conn.execute(f"CREATE DATABASE {bench_db}")

import django  # noqa: E402

django.setup()
import psutil  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from knox.models import AuthToken  # noqa: E402
from PIL import Image  # noqa: E402

from detection.engine.synthetic import (  # noqa: E402
    brand_names,
    listing_titles,
    logo_image,
    photo_like,
)
from marketplace.models import Listing, ListingStatus  # noqa: E402
from platform_core.models import Role, User  # noqa: E402
from rightsholders.models import Brand, Organisation, ReferenceImage  # noqa: E402

call_command("migrate", verbosity=0)
user = User.objects.create(username="bench-marketplace", role=Role.MARKETPLACE)
_, token = AuthToken.objects.create(user=user)


rng = random.Random(1)
names = brand_names(args.brands, seed=3)
org = Organisation.objects.create(
    name="Bench", country="DE", group=Group.objects.create(name="bench"), status="verified"
)
brands = Brand.objects.bulk_create(
    [
        Brand(organisation=org, name=name, aliases=(aliases + [f"{name}{k}" for k in range(5)])[:5])
        for _, name, aliases in names
    ]
)


def signed(h: int) -> int:
    return h - (1 << 64) if h >= 1 << 63 else h


ReferenceImage.objects.bulk_create(
    [
        ReferenceImage(
            brand=b,
            kind="logo" if k < args.logos else "product",
            image=f"references/bench-{b.pk}-{k}.png",
            width=1,
            height=1,
            fingerprints=[signed(rng.getrandbits(64)) for _ in range(11)],
            fingerprint_thumbs=bytes(rng.getrandbits(8) for _ in range(11 * 256)),
        )
        for b in brands
        for k in range(3)
    ]
)


if args.logos:
    # Logo checks open the reference image: give each logo a real file (50 designs).
    designs = []
    for n in range(50):
        out = io.BytesIO()
        logo_image(n).save(out, "PNG")
        designs.append(out.getvalue())
    media = Path(os.environ["MEDIA_ROOT"]) / "references"
    media.mkdir(parents=True, exist_ok=True)
    for i, b in enumerate(brands):
        for k in range(args.logos):
            (media / f"bench-{b.pk}-{k}.png").write_bytes(designs[(3 * i + k) % len(designs)])


def photo_jpeg(seed: int) -> bytes:
    """A ~150 KB 1000×1000 photo-like JPEG with a camera's EXIF block."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0131] = "BenchCam", "BC-1", "bench 1.0"  # make, model, sw
    out = io.BytesIO()
    photo_like(seed).save(out, "JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()


print("generating images …", flush=True)
images = [photo_jpeg(n) for n in range(50)]
avg_kb = sum(map(len, images)) / len(images) / 1024


def unique(jpeg: bytes, n: int) -> bytes:
    """The photo with a JPEG comment naming listing ``n``: every upload is its own
    (as on a marketplace), so no work keyed by the upload's digest is shared."""
    comment = f"listing {n}".encode()
    return jpeg[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + jpeg[2:]


class _Images(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        n = int(self.path.strip("/").split(".")[0])
        body = unique(images[n % len(images)], n)
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
        return {"content_base64": base64.b64encode(unique(images[n % len(images)], n)).decode()}
    return {"url": f"{cdn_url}/{n}.jpg"}


def worker_cpu_seconds(proc: subprocess.Popen | None) -> float:
    """User + system CPU of the worker and its pool processes."""
    total = 0.0
    if proc is None:
        return total
    root = psutil.Process(proc.pid)
    for p in [root, *root.children(recursive=True)]:
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total


titles = listing_titles(args.batches * args.batch_size, names, seed=5, brand_rate=0.3)

worker = None
if not args.in_process:
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
        env={**os.environ, "DATABASE_POOL": "1"},  # workers as deployed: pooled connections
    )
    time.sleep(4)

client = Client(HTTP_HOST="localhost")


def post(batch: list[dict]):
    response = client.post(
        "/api/v1/listings/",
        json.dumps(batch),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 200, response.content[:500]


def listing(external_id: str, n: int) -> dict:
    return {
        "external_id": external_id,
        "shop": {
            "external_id": f"S-{n % 100}",
            "name": f"Shop {n % 100}",
            "seller_external_id": f"U-{n % 100}",
        },
        "title": titles[n % len(titles)],
        "description": "Sturdy cotton canvas bag with leather handles.",
        "price": "129.00",
        "currency": "CNY",
        "images": [image_of(n)],
    }


if worker is not None:
    # Long-running workers build their scan context (brands, names, reference
    # index) once: one intake task per worker process first, not timed.
    post([listing(f"W-{n}", n) for n in range(50 * args.workers)])
    while Listing.objects.filter(status=ListingStatus.PENDING).exists():
        time.sleep(0.1)

try:
    request_seconds = request_cpu = 0.0
    cpu_start = worker_cpu_seconds(worker)
    start = time.perf_counter()
    total = 0
    for b in range(args.batches):
        batch = [listing(f"B{b}-{n}", b * args.batch_size + n) for n in range(args.batch_size)]
        t0, c0 = time.perf_counter(), time.process_time()
        post(batch)
        request_seconds += time.perf_counter() - t0
        request_cpu += time.process_time() - c0
        total += len(batch)

    if args.in_process:
        import cProfile

        from detection import services
        from platform_core.celery import app

        app.control.purge()  # the POSTs' tasks: their work is done right here instead
        pending = list(
            Listing.objects.filter(status=ListingStatus.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if args.profile:
            from marketplace import services as marketplace_services

            marketplace_services.INTAKE_DOWNLOADS = 1  # cProfile sees only this thread
        profiler = cProfile.Profile(time.process_time) if args.profile else None
        c0 = time.process_time()
        if profiler:
            profiler.enable()
        for n in range(0, len(pending), services.INTAKE_CHUNK):
            services.listings_intake_and_scan(listing_ids=pending[n : n + services.INTAKE_CHUNK])
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
        in_process_cpu = time.process_time() - c0
    while Listing.objects.filter(status=ListingStatus.PENDING).exists():
        time.sleep(0.1)
    elapsed = time.perf_counter() - start
    worker_cpu = in_process_cpu if args.in_process else worker_cpu_seconds(worker) - cpu_start
finally:
    if worker is not None:
        worker.terminate()
if worker is not None:
    worker.wait(30)

print(
    f"listings: {total} in {args.batches} POSTs of {args.batch_size}, one {avg_kb:.0f} KB JPEG each"
)
print(f"brands: {args.brands} (5 names, 3 reference images each, {args.logos} of them logos)")
print(
    f"request rate (accepted):   {total / request_seconds:8.1f} listings/s "
    f"({request_seconds / args.batches:.2f} s per {args.batch_size}-listing POST, "
    f"{request_cpu:.1f} s CPU)"
)
print(
    f"end-to-end (all scanned):  {total / elapsed:8.1f} listings/s "
    f"({elapsed:.1f} s, "
    + ("in this process" if args.in_process else f"{args.workers} worker processes")
    + f" on {os.cpu_count()} cores)"
)
print(
    f"worker CPU:                {worker_cpu:8.1f} s = {1000 * worker_cpu / total:.1f} ms/listing "
    f"({total / worker_cpu:.0f} listings per worker CPU second)"
)
cpu = worker_cpu + request_cpu
print(
    f"all CPU (POSTs + workers): {cpu:8.1f} s = {total / cpu:.0f} listings per CPU second "
    f"(end to end on one core)"
)

from django.db import connections  # noqa: E402

connections.close_all()
with psycopg.connect(base_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
    conn.execute(f"DROP DATABASE IF EXISTS {bench_db} WITH (FORCE)")
