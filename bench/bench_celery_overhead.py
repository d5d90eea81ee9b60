"""Celery overhead: the same sweep chunks run through a real worker vs called in
this process, against 1,000 brands with 5 names and 3 reference images each.

Both sides run ``detection.services.scan_chunk_run`` over the chunks of a full
sweep (``DETECTION_SWEEP_CHUNK`` listings each, ``--chunk`` to change it; intake
tasks carry 50 listings, each several times a sweep listing's work).
In-process, the chunks are called one after another; through Celery,
``scan_start`` enqueues one task per chunk and one warmed-up worker process
(concurrency 1) takes them. Printed as shares of the work:

- dispatch: the worker's wall time for the whole sweep less the run time of
  its tasks (from the worker's own log) — what the broker, task dispatch and
  acknowledgement add between tasks;
- the whole difference against calling the chunks in this process, in wall
  time and in CPU time (this process vs the worker's processes), since the
  machine is shared.

Runs against a database of its own (``coguard_bench_celery_<pid>``, dropped
afterwards) on the PostgreSQL and Redis of DATABASE_URL / REDIS_URL.

    .venv/bin/python bench/bench_celery_overhead.py [--listings 20000] [--chunk 1000]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

parser = argparse.ArgumentParser()
parser.add_argument("--listings", type=int, default=20_000)
parser.add_argument("--brands", type=int, default=1000)
parser.add_argument("--chunk", type=int, help="listings per task (DETECTION_SWEEP_CHUNK)")
args = parser.parse_args()

base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/coguard")
bench_db = f"coguard_bench_celery_{os.getpid()}"  # concurrent runs never collide
os.environ.update(
    {
        "DATABASE_URL": base_url.rsplit("/", 1)[0] + "/" + bench_db,
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "platform_core.settings",
        "CELERY_QUEUE": "coguard-bench-" + uuid.uuid4().hex[:6],
        "MEDIA_ROOT": tempfile.mkdtemp(prefix="coguard-celery-"),
        "DATABASE_POOL": "0",
    }
)
if args.chunk:
    os.environ["DETECTION_SWEEP_CHUNK"] = str(args.chunk)
import psutil  # noqa: E402
import psycopg  # noqa: E402

# The maintenance database: the app's own need not exist yet.
with psycopg.connect(base_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
    conn.execute(f"CREATE DATABASE {bench_db}")

import django  # noqa: E402

django.setup()
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402

from detection import services  # noqa: E402
from detection import tasks as tasks_module  # noqa: E402
from detection.engine.synthetic import brand_names, listing_titles  # noqa: E402
from detection.models import ScanJob, ScanStatus  # noqa: E402
from marketplace.models import ImageStatus, Listing, ListingImage, Seller, Shop  # noqa: E402
from platform_core.celery import app  # noqa: E402
from rightsholders.models import Brand, Organisation, ReferenceImage  # noqa: E402

call_command("migrate", verbosity=0)
rng = random.Random(1)


def signed(h: int) -> int:
    return h - (1 << 64) if h >= 1 << 63 else h


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


def cpu_of(proc: subprocess.Popen) -> float:
    """User + system CPU of the worker and its pool processes."""
    root = psutil.Process(proc.pid)
    total = 0.0
    for p in [root, *root.children(recursive=True)]:
        try:
            t = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system
    return total


def wait_finished(job: ScanJob) -> None:
    while ScanJob.objects.filter(pk=job.pk).exclude(status=ScanStatus.FINISHED).exists():
        time.sleep(0.05)


def vacuum() -> None:
    """Each sweep rewrites every listing row: start each timed run from the
    same clean table, not one bloated by the run before."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(f"VACUUM ANALYZE {Listing._meta.db_table}")


# --- In process: the chunk function called directly ------------------------------
services.listings_scan(listing_ids=list(Listing.objects.values_list("pk", flat=True)[:50]))
job = services.scan_start(user=None)  # its tasks go to a queue nobody reads yet …
app.control.purge()  # … and are dropped: this process does the work
chunk_ids = list(job.chunks.order_by("number").values_list("pk", flat=True))
vacuum()
t0, c0 = time.perf_counter(), time.process_time()
for chunk_id in chunk_ids:
    services.scan_chunk_run(chunk_id=chunk_id)
local_wall, local_cpu = time.perf_counter() - t0, time.process_time() - c0
job.refresh_from_db()
assert job.status == ScanStatus.FINISHED, job.status

# --- Through Celery: one worker process, warmed up by a first sweep -----------------
worker_log = Path(tempfile.mkdtemp(prefix="coguard-celery-log-")) / "worker.log"
worker = subprocess.Popen(
    [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "platform_core",
        "worker",
        "-l",
        "info",  # each task's run time, from its "succeeded in" line
        "-f",
        str(worker_log),
        "-Q",
        os.environ["CELERY_QUEUE"],
        "--concurrency",
        "1",
        "--without-gossip",
        "--without-mingle",
    ],
    cwd=ROOT,
    env={**os.environ, "DATABASE_POOL": os.environ.get("BENCH_WORKER_POOL", "1")},
)
try:
    # One small task first: the worker builds its scan context (brands, names,
    # reference index) once, as a long-running worker does.
    first = Listing.objects.order_by("pk").first()
    tasks_module.intake_and_scan.delay([first.pk])
    while not Listing.objects.filter(pk=first.pk, scanned_at__gt=first.scanned_at).exists():
        time.sleep(0.05)
    vacuum()
    cpu0 = cpu_of(worker)
    t0 = time.perf_counter()
    job = services.scan_start(user=None)
    wait_finished(job)
    celery_wall, celery_cpu = time.perf_counter() - t0, cpu_of(worker) - cpu0
finally:
    worker.terminate()
worker.wait(30)
runs = [
    float(m)
    for m in re.findall(r"scan_chunk\[[^]]+\] succeeded in ([0-9.]+)s", worker_log.read_text())
]
tasks = len(chunk_ids)
task_seconds = sum(runs[-tasks:])  # the measured sweep's tasks (the warm-up ran first)
print(
    f"brands: {args.brands}; {args.listings} listings in {tasks} tasks "
    f"of {settings.DETECTION_SWEEP_CHUNK}"
)
print(
    f"in process:   {local_wall:6.2f} s wall, {local_cpu:6.2f} s CPU "
    f"({1000 * local_wall / tasks:.1f} ms per chunk)"
)
print(
    f"celery:       {celery_wall:6.2f} s wall, {celery_cpu:6.2f} s CPU of the worker; "
    f"its tasks ran {task_seconds:.2f} s"
)
print(
    f"dispatch:     {100 * (celery_wall - task_seconds) / task_seconds:+6.1f}% of the tasks' "
    f"run time ({1000 * (celery_wall - task_seconds) / tasks:.1f} ms per task, "
    "enqueue to last acknowledgement)"
)
print(
    f"vs in-process:{100 * (celery_wall - local_wall) / local_wall:+6.1f}% wall, "
    f"{100 * (celery_cpu - local_cpu) / local_cpu:+6.1f}% CPU "
    f"({1000 * (celery_wall - local_wall) / tasks:+.1f} ms per task)"
)

from django.db import connections  # noqa: E402

connections.close_all()
with psycopg.connect(base_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
    conn.execute(f"DROP DATABASE IF EXISTS {bench_db} WITH (FORCE)")
