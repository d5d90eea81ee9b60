"""Sweep throughput: how fast stored listings are rescored (text + stored
image fingerprints), per core, against 1,000 brands with 5 aliases and 3
reference images each.

Creates ``--listings`` listings (each with one stored photo fingerprint) in
its own database, then times ``detection.services.listings_scan`` over
sweep-sized chunks in this one process, and prints listings/s per core and
the time a full sweep of 1,000,000 listings would take at that rate per
worker process.

    .venv/bin/python bench/bench_sweep.py [--listings 50000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

parser = argparse.ArgumentParser()
parser.add_argument("--listings", type=int, default=50_000)
parser.add_argument("--brands", type=int, default=1000)
parser.add_argument("--profile", metavar="FILE", help="cProfile stats of the sweep to FILE")
args = parser.parse_args()

base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/coguard")
bench_db = f"coguard_bench_sweep_{os.getpid()}"  # concurrent runs never collide
os.environ.update(
    {
        "DATABASE_URL": base_url.rsplit("/", 1)[0] + "/" + bench_db,
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "platform_core.settings",
        "CELERY_QUEUE": "coguard-bench-" + uuid.uuid4().hex[:6],  # nothing consumes it
        "MEDIA_ROOT": tempfile.mkdtemp(prefix="coguard-sweep-"),
        "DATABASE_POOL": "0",
    }
)
import psycopg  # noqa: E402

# The maintenance database: the app's own need not exist yet.
with psycopg.connect(base_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
    conn.execute(f"CREATE DATABASE {bench_db}")

import django  # noqa: E402

django.setup()
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from detection import services  # noqa: E402
from detection.engine.synthetic import brand_names, listing_titles  # noqa: E402
from marketplace.models import ImageStatus, Listing, ListingImage, Seller, Shop  # noqa: E402
from rightsholders.models import Brand, Organisation, ReferenceImage  # noqa: E402

call_command("migrate", verbosity=0)
rng = random.Random(1)
from django.contrib.auth.models import Group  # noqa: E402

org = Organisation.objects.create(
    name="Bench", country="DE", group=Group.objects.create(name="bench"), status="verified"
)
names = brand_names(args.brands, seed=3)
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
            kind="product",
            image=f"references/bench-{b.pk}-{k}.jpg",
            width=1,
            height=1,
            fingerprints=[signed(rng.getrandbits(64)) for _ in range(11)],
            fingerprint_thumbs=bytes(rng.getrandbits(8) for _ in range(11 * 256)),
        )
        for b in brands
        for k in range(3)
    ]
)
seller = Seller.objects.create(external_id="U")
shops = Shop.objects.bulk_create(
    [Shop(external_id=f"S-{n}", name=f"S{n}", seller=seller) for n in range(1000)]
)
print(f"creating {args.listings} listings …", flush=True)
titles = listing_titles(args.listings, names, seed=5, brand_rate=0.3)
for start in range(0, args.listings, 10_000):
    batch = Listing.objects.bulk_create(
        [
            Listing(
                external_id=f"L-{n}",
                shop=shops[n % 1000],
                title=titles[n],
                price="99.00",
                currency="CNY",
                status="active",
            )
            for n in range(start, min(args.listings, start + 10_000))
        ]
    )
    ListingImage.objects.bulk_create(
        [
            ListingImage(
                listing=x,
                position=0,
                status=ImageStatus.READY,
                fingerprints=[signed(rng.getrandbits(64)) for _ in range(4)],
                fingerprint_thumbs=bytes(rng.getrandbits(8) for _ in range(4 * 256)),
            )
            for x in batch
        ]
    )

ids = list(Listing.objects.order_by("pk").values_list("pk", flat=True))
chunk = settings.DETECTION_SWEEP_CHUNK
t0 = time.perf_counter()
services.listings_scan(listing_ids=ids[:chunk])  # builds the context once
context_seconds = time.perf_counter() - t0
profiler = None
if args.profile:
    import cProfile

    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
t0, c0 = time.perf_counter(), time.process_time()
suspects = 0
for start in range(chunk, len(ids), chunk):
    suspects += services.listings_scan(listing_ids=ids[start : start + chunk])["suspects"]
elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
if profiler:
    profiler.disable()
    profiler.dump_stats(args.profile)
rate = (len(ids) - chunk) / elapsed
print(f"brands: {args.brands} (5 names, 3 references × 11 hashes each)")
print(f"context build (names, lookalike index, 33k reference hashes): {context_seconds:.1f} s")
print(
    f"sweep: {len(ids) - chunk} listings in {elapsed:.1f} s = {rate:.0f} listings/s per core "
    f"({suspects} suspects)"
)
print(
    f"  this process's CPU: {cpu:.1f} s = {(len(ids) - chunk) / cpu:.0f} listings per CPU second "
    "(the rest of the wall time is PostgreSQL and waiting)"
)
for workers in (1, 2, 4, 8):
    print(
        f"  1,000,000 listings with {workers} worker process(es): "
        f"{1_000_000 / (rate * workers) / 60:.1f} min"
    )

from django.db import connections  # noqa: E402

connections.close_all()
with psycopg.connect(base_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
    conn.execute(f"DROP DATABASE IF EXISTS {bench_db} WITH (FORCE)")
