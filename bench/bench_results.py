"""Results and transparency queries at catalogue scale.

Creates, in its own database, ``--listings`` listings over the past year
(3% held at intake, 4% delisted), suspects for a quarter of them spread over
``--brands`` brands (some judged), and complaints for 3% (most upheld), then
times each results measure for the whole platform and for one organisation,
the transparency report for the year, and prints the PostgreSQL plan of the
heaviest query (proactive vs after-complaint removals).

    .venv/bin/python bench/bench_results.py [--listings 200000] [--brands 1000]

Wall time is the page's wait; the database does the work (the Python side
only reads a dozen rows per chart), so ``process`` CPU stays small.
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
parser.add_argument("--listings", type=int, default=200_000)
parser.add_argument("--brands", type=int, default=1000)
args = parser.parse_args()

DB = "coguard_bench_results"
base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/coguard")
os.environ.update(
    {
        "DATABASE_URL": base_url.rsplit("/", 1)[0] + "/" + DB,
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "platform_core.settings",
        "CELERY_QUEUE": "coguard-bench-" + uuid.uuid4().hex[:6],  # nothing consumes it
        "MEDIA_ROOT": tempfile.mkdtemp(prefix="coguard-results-"),
        "DATABASE_POOL": "0",
    }
)
import psycopg  # noqa: E402

with psycopg.connect(base_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
    conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    conn.execute(f"CREATE DATABASE {DB}")

import django  # noqa: E402

django.setup()
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from complaints.models import Complaint  # noqa: E402
from detection.models import SignalCode, Suspect  # noqa: E402
from insights import selectors, services  # noqa: E402
from insights.forms import ResultsFilterForm, TransparencyForm  # noqa: E402
from marketplace.models import Listing, Seller, Shop  # noqa: E402
from platform_core.models import Role, User  # noqa: E402
from rightsholders.models import Brand, Organisation, Trademark  # noqa: E402

BATCH = 5000
rng = random.Random(7)


def timed(label, fn):
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    print(
        f"{label:<48} {1000 * (time.perf_counter() - wall):8.1f} ms wall "
        f"{1000 * (time.process_time() - cpu):7.1f} ms process CPU"
    )


def seed() -> None:
    call_command("migrate", verbosity=0)
    user = User.objects.create(username="filer", role=Role.BRAND)
    orgs = []
    for i in range(max(args.brands // 10, 1)):
        group = Group.objects.create(name=f"org-{i}")
        orgs.append(
            Organisation.objects.create(
                name=f"Org {i}", country="DE", status="verified", group=group
            )
        )
    brands = Brand.objects.bulk_create(
        Brand(organisation=orgs[i % len(orgs)], name=f"Brand {i}") for i in range(args.brands)
    )
    trademarks = Trademark.objects.bulk_create(
        Trademark(
            organisation=b.organisation,
            brand=b,
            registration_number=f"TM{b.pk}",
            jurisdiction="CN",
            nice_classes=[25],
            expires_on="2030-01-01",
            certificate="private/certificates/x.pdf",
            status="verified",
        )
        for b in brands
    )
    sellers = Seller.objects.bulk_create(Seller(external_id=f"U{i}") for i in range(2000))
    shops = Shop.objects.bulk_create(
        Shop(external_id=f"S{i}", name=f"Shop {i}", seller=s) for i, s in enumerate(sellers)
    )
    for start in range(0, args.listings, BATCH):
        Listing.objects.bulk_create(
            Listing(
                external_id=f"L{n}",
                shop=shops[n % len(shops)],
                title=f"Listing {n}",
                price="10.00",
                currency="CNY",
                status=rng.choices(["active", "held", "delisted"], [93, 3, 4])[0],
            )
            for n in range(start, min(start + BATCH, args.listings))
        )
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE marketplace_listing SET created_at = now() - random() * interval '365 days'"
        )
        cur.execute(
            "UPDATE marketplace_listing SET delisted_at = created_at + random() * interval '5 days'"
            " WHERE status = 'delisted'"
        )
    listing_ids = list(Listing.objects.values_list("id", flat=True))
    codes = SignalCode.values
    suspect_rows = []
    for lid in rng.sample(listing_ids, len(listing_ids) // 4):
        status = rng.choices(["new", "confirmed", "dismissed", "complained"], [50, 20, 20, 10])[0]
        suspect_rows.append(
            Suspect(
                listing_id=lid,
                brand=brands[rng.randrange(len(brands))],
                score=0.7,
                status=status,
                signals=[{"code": c, "weight": 0.5} for c in rng.sample(codes, 2)],
            )
        )
    Suspect.objects.bulk_create(suspect_rows, batch_size=BATCH)
    complaint_rows = []
    for i, lid in enumerate(rng.sample(listing_ids, len(listing_ids) * 3 // 100)):
        tm = trademarks[i % len(trademarks)]
        complaint_rows.append(
            Complaint(
                organisation_id=tm.organisation_id,
                brand_id=tm.brand_id,
                trademark=tm,
                listing_id=lid,
                seller=sellers[0],
                kind="counterfeit",
                description="x",
                status=rng.choices(["upheld", "rejected", "under_review"], [70, 20, 10])[0],
                filed_by=user,
            )
        )
    Complaint.objects.bulk_create(complaint_rows, batch_size=BATCH)
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE detection_suspect SET created_at = now() - random() * interval '365 days',"
            " judged_at = CASE WHEN status <> 'new' THEN now() - random() * interval '300 days' END"
        )
        # Upheld complaints were filed before the takedown (0-72 h), the rest any time.
        cur.execute(
            "UPDATE complaints_complaint c SET created_at = COALESCE(l.delisted_at, now())"
            " - random() * interval '72 hours' FROM marketplace_listing l WHERE l.id = c.listing_id"
        )
        cur.execute(
            "UPDATE complaints_complaint"
            " SET decided_at = created_at + random() * interval '48 hours'"
            " WHERE status IN ('upheld', 'rejected')"
        )
        cur.execute("VACUUM ANALYZE")  # the seed's UPDATEs leave dead rows behind


def main() -> None:
    started = time.perf_counter()
    seed()
    print(
        f"seeded {Listing.objects.count()} listings, {Suspect.objects.count()} suspects, "
        f"{Complaint.objects.count()} complaints, {args.brands} brands "
        f"in {time.perf_counter() - started:.0f} s"
    )
    form = ResultsFilterForm({})
    assert form.is_valid()
    window = form.window()
    org = Organisation.objects.order_by("pk").first()
    one_org = selectors.Scope(
        brand_ids=tuple(org.brands.values_list("id", flat=True)), organisation_ids=(org.pk,)
    )
    year = TransparencyForm({})
    assert year.is_valid()
    for label, scope in (("platform", selectors.PLATFORM), ("one organisation", one_org)):
        timed(
            f"suspects found, 12 months ({label})",
            lambda s=scope: selectors.suspects_found(s, window),
        )
        timed(
            f"complaints outcomes ({label})",
            lambda s=scope: selectors.complaints_outcomes(s, window),
        )
        timed(f"removals + median ({label})", lambda s=scope: selectors.removals(s, window))
        timed(
            f"all five results charts ({label})", lambda s=scope: services.results_charts(s, window)
        )
    timed(
        "precision by brand (platform)",
        lambda: selectors.precision_by_brand(selectors.PLATFORM, window),
    )
    timed(
        "precision by signal (platform)",
        lambda: selectors.precision_by_signal(selectors.PLATFORM, window),
    )
    timed("transparency report, one year", lambda: selectors.transparency(year.window()))
    qs = (
        selectors.removals_after_complaint(selectors.PLATFORM)
        .filter(window.range("takedown_at"))
        .annotate(period=window.trunc("takedown_at"))
        .values("period")
    )
    print("\nEXPLAIN ANALYZE removals after complaint (platform):")
    print(qs.explain(analyze=True))


if __name__ == "__main__":
    main()
