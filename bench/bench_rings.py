"""Counterfeit networks: ring building over a synthetic catalogue, and the
incremental update for one new listing through the database.

Part 1 (in memory, ``networks.engine``): ``--listings`` listings (1,000,000)
in ``--shops`` shops (100,000) with planted rings of every link kind --
shared product photos (recompressed: a few bits flipped), one seller contact,
the same ship-from city with the same products, the same invented lookalike
names, and suspended shops reappearing under a new name -- among noise that
looks like them: stock photos shared by up to thousands of shops (with a few
bits flipped), popular cities and generic titles, common lookalike spellings
("nlke"), and 2% of shops suspended. Prints the recall of planted ring
membership, the share of shops wrongly joined to a ring, and the build time.

Part 2 (database ``coguard_bench_rings``, made afresh): ``--db-shops`` shops
with ``--db-listings`` listings, their blocking keys indexed through
``networks.services.network_rebuild``, then times
``networks.services.network_update_for_listings`` for single new listings,
then for single existing listings whose photo and ship-from change (wall and
CPU time, median and 95th percentile).

    .venv/bin/python bench/bench_rings.py [--listings 1000000 --shops 100000]
        [--db-listings 200000 --db-shops 20000 --samples 200] [--skip-db]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from networks import engine  # noqa: E402

KINDS = ("photo", "contact", "ship_product", "lookalike", "reappearance")


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def flip_bits(rng, hashes: np.ndarray, max_bits: int) -> np.ndarray:
    """Recompression: flip up to ``max_bits`` random bits of each hash."""
    out = hashes.copy()
    for _ in range(max_bits):
        on = rng.random(out.shape[0]) < 0.5
        bits = rng.integers(0, 64, out.shape[0]).astype(np.uint64)
        out[on] ^= np.uint64(1) << bits[on]
    return out


def zipf_choice(rng, n_items: int, size: int, a: float = 1.1) -> np.ndarray:
    p = 1.0 / np.arange(1, n_items + 1) ** a
    return rng.choice(n_items, size=size, p=p / p.sum())


def synthetic(n_listings: int, n_shops: int, rings_per_kind: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    shop = np.sort(rng.integers(0, n_shops, n_listings))
    first = np.searchsorted(shop, np.arange(n_shops))
    count = np.bincount(shop, minlength=n_shops)

    # Noise: own photos, 15% stock photos (Zipf: the top ones in thousands of shops).
    photo = rng.integers(0, 2**63, n_listings, dtype=np.int64).view(np.uint64)
    stock_pool = rng.integers(0, 2**63, 5000, dtype=np.int64).view(np.uint64)
    is_stock = rng.random(n_listings) < 0.15
    photo[is_stock] = flip_bits(rng, stock_pool[zipf_choice(rng, 5000, int(is_stock.sum()))], 2)
    # 400 cities and 2,000 generic titles, both Zipf; 20% of listings say nothing.
    city = zipf_choice(rng, 400, n_listings)
    title = zipf_choice(rng, 2000, n_listings)
    has_ship = rng.random(n_listings) < 0.8
    # 3% common lookalike spellings (30 of them), 1% rare ones from 50,000.
    look = np.full(n_listings, -1, np.int64)
    r = rng.random(n_listings)
    look[r < 0.03] = rng.integers(0, 30, int((r < 0.03).sum()))
    rare = (r >= 0.03) & (r < 0.04)
    look[rare] = 1000 + rng.integers(0, 50_000, int(rare.sum()))
    # Each shop's own seller contact; 10% of sellers have none on file.
    contact = np.arange(n_shops, dtype=np.int64)
    contact[rng.random(n_shops) < 0.1] = -1
    suspended = rng.random(n_shops) < 0.02
    created = rng.permutation(n_shops).astype(np.float64)

    planted = np.full(n_shops, -1, np.int64)
    planted_kind: list[str] = []
    eligible = rng.permutation(np.flatnonzero((count >= 4) & ~suspended))
    cursor = 0
    next_photo = 10**6  # codes for ring-owned titles / lookalike names

    def take(k):
        nonlocal cursor
        out = eligible[cursor : cursor + k]
        cursor += k
        return out

    def listings_of(s, n):
        return first[s] + rng.permutation(count[s])[:n]

    for kind in KINDS:
        for _ in range(rings_per_kind):
            ring_id = len(planted_kind)
            planted_kind.append(kind)
            size = int(rng.integers(2, 4)) if kind == "reappearance" else int(rng.integers(3, 13))
            members = take(size)
            planted[members] = ring_id
            if kind == "photo":
                own = rng.integers(0, 2**63, 5, dtype=np.int64).view(np.uint64)
                for s in members:
                    lst = listings_of(s, int(rng.integers(3, 5)))
                    pick = rng.choice(5, size=lst.shape[0], replace=False)
                    photo[lst] = flip_bits(rng, own[pick], 2)
            elif kind == "contact":
                contact[members] = n_shops + ring_id
            elif kind == "ship_product":
                c = zipf_choice(rng, 400, 1)[0]  # often a big city
                titles = next_photo + np.arange(3)
                next_photo += 3
                for s in members:
                    lst = listings_of(s, 3)
                    city[lst], has_ship[lst] = c, True
                    title[lst] = titles[rng.permutation(3)]
            elif kind == "lookalike":
                names = next_photo + np.arange(2)
                next_photo += 2
                for s in members:
                    lst = listings_of(s, int(rng.integers(2, 4)))
                    look[lst] = names[np.arange(lst.shape[0]) % 2]
            else:  # a suspended shop, and one or two new shops it became
                old, new = members[0], members[1:]
                suspended[old] = True
                created[new] = created.max() + 1 + np.arange(new.shape[0])
                if rng.random() < 0.5:
                    contact[new] = contact[old] if contact[old] >= 0 else n_shops + ring_id
                    contact[old] = contact[new[0]]
                else:
                    own = rng.integers(0, 2**63, 3, dtype=np.int64).view(np.uint64)
                    for s in members:
                        lst = listings_of(s, 3)
                        photo[lst] = flip_bits(rng, own, 1)
    ship_code = city * 10**7 + title
    return {
        "city": city,
        "title": title,
        "has_ship": has_ship,
        "look_listing": look,
        "shop": shop,
        "photo": photo,
        "ship": (shop[has_ship], ship_code[has_ship]),
        "look": (shop[look >= 0], look[look >= 0]),
        "contact": (np.flatnonzero(contact >= 0), contact[contact >= 0]),
        "suspended": suspended,
        "created": created,
        "planted": planted,
        "planted_kind": planted_kind,
    }


def score(planted: np.ndarray, ring: np.ndarray, planted_kind: list[str]) -> dict:
    """A predicted ring belongs to the planted ring with most members in it;
    a planted member is recovered when its predicted ring belongs to its own
    planted ring, and any shop in a ring that is not its own is wrongly joined."""
    in_ring = ring >= 0
    owner: dict[int, int] = {}
    labels, counts = {}, {}
    for lbl, p in zip(ring[in_ring].tolist(), planted[in_ring].tolist(), strict=True):
        if p >= 0:
            counts[(lbl, p)] = counts.get((lbl, p), 0) + 1
            if counts[(lbl, p)] > labels.get(lbl, 0):
                labels[lbl], owner[lbl] = counts[(lbl, p)], p
    own = np.array([owner.get(int(lbl), -2) for lbl in ring], dtype=np.int64)
    recovered = (planted >= 0) & in_ring & (own == planted)
    wrong = in_ring & (own != planted)
    per_kind = {}
    kinds = np.array(planted_kind)
    for kind in KINDS:
        members = (planted >= 0) & (kinds[np.maximum(planted, 0)] == kind)
        per_kind[kind] = recovered[members].sum() / max(members.sum(), 1)
    return {
        "recall": recovered.sum() / max((planted >= 0).sum(), 1),
        "wrong_share": wrong.sum() / planted.shape[0],
        "wrong": int(wrong.sum()),
        "per_kind": per_kind,
        "rings": int(np.unique(ring[in_ring]).shape[0]),
        "shops_in_rings": int(in_ring.sum()),
    }


def bench_engine(args) -> None:
    t0 = time.perf_counter()
    data = synthetic(args.listings, args.shops, args.rings_per_kind)
    print(
        f"synthetic catalogue: {args.listings:,} listings in {args.shops:,} shops, "
        f"{len(data['planted_kind']):,} planted rings ({args.rings_per_kind} of each kind: "
        f"{', '.join(KINDS)}), {int((data['planted'] >= 0).sum()):,} planted shops "
        f"(made in {time.perf_counter() - t0:.1f} s)"
    )
    params = engine.Params(threshold=args.threshold, max_bucket=args.max_bucket)
    w0, c0 = time.perf_counter(), cpu()
    net = engine.build_network(
        n_shops=args.shops,
        keys={
            "contact": data["contact"],
            "ship_product": data["ship"],
            "lookalike": data["look"],
        },
        photos=(data["shop"], data["photo"]),
        suspended=data["suspended"],
        created=data["created"],
        params=params,
    )
    wall, used = time.perf_counter() - w0, cpu() - c0
    s = score(data["planted"], net.ring, data["planted_kind"])
    print(
        f"build: {wall:.1f} s wall, {used:.1f} s CPU; {net.a.shape[0]:,} candidate links, "
        f"{s['rings']:,} rings holding {s['shops_in_rings']:,} shops"
    )
    print(
        f"recall of planted ring membership: {s['recall']:.4f}  "
        + "  ".join(f"{k}={v:.3f}" for k, v in s["per_kind"].items())
    )
    print(
        f"shops wrongly joined to a ring: {s['wrong']:,} = {100 * s['wrong_share']:.3f}% of shops"
    )


def bench_db(args) -> None:
    base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/coguard")
    os.environ.update(
        {
            "DATABASE_URL": base_url.rsplit("/", 1)[0] + "/coguard_bench_rings",
            "DJANGO_DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "platform_core.settings",
            "CELERY_QUEUE": "coguard-bench-" + uuid.uuid4().hex[:6],  # nothing consumes it
            "MEDIA_ROOT": tempfile.mkdtemp(prefix="coguard-rings-"),
            "DATABASE_POOL": "0",
        }
    )
    import psycopg

    if not args.reuse_db:
        # Any existing database will do to create ours: the server's own.
        admin_url = base_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS coguard_bench_rings WITH (FORCE)")
            conn.execute("CREATE DATABASE coguard_bench_rings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from marketplace.models import ImageStatus, Listing, ListingImage, Seller, Shop
    from networks import services
    from networks.models import RingMember, ShopKey

    call_command("migrate", verbosity=0)
    if args.reuse_db:
        # Time the incremental path again on the catalogue a previous run built.
        listings = list(Listing.objects.order_by("?")[:20_000])
        shops = list(Shop.objects.only("id"))
        print(f"database reused: {Listing.objects.count():,} listings, {len(shops):,} shops")
        time_incremental(args, listings, shops)
        return
    data = synthetic(args.db_listings, args.db_shops, max(args.db_shops // 400, 5), seed=11)
    contact_of = dict(zip(*(a.tolist() for a in data["contact"]), strict=True))
    t0 = time.perf_counter()
    sellers = Seller.objects.bulk_create(
        [
            Seller(
                external_id=f"U-{i}",
                contact_hash=f"{contact_of[i]:064x}" if i in contact_of else "",
            )
            for i in range(args.db_shops)
        ],
        batch_size=5000,
    )
    shops = Shop.objects.bulk_create(
        [
            Shop(
                external_id=f"S-{i}",
                name=f"Shop {i}",
                seller=sellers[i],
                status="suspended" if data["suspended"][i] else "active",
            )
            for i in range(args.db_shops)
        ],
        batch_size=5000,
    )
    city, title, has_ship = data["city"], data["title"], data["has_ship"]
    look = data["look_listing"]

    def listing_row(n: int) -> Listing:
        text = f"item {int(title[n])} for sale"
        signals = []
        if look[n] >= 0:
            token = f"Brandz{int(look[n])}"
            text = f"{token} {text}"
            signals = [
                {"code": "lookalike_name", "evidence": {"spans": [["title", 0, len(token)]]}}
            ]
        return Listing(
            external_id=f"L-{n}",
            shop=shops[int(data["shop"][n])],
            title=text,
            price="10.00",
            currency="CNY",
            ship_from=f"city {int(city[n])}" if has_ship[n] else "",
            risk_signals=signals,
            status="active",
        )

    listings = []
    for start in range(0, args.db_listings, 20_000):
        batch = [listing_row(n) for n in range(start, min(start + 20_000, args.db_listings))]
        listings.extend(Listing.objects.bulk_create(batch, batch_size=5000))
        ListingImage.objects.bulk_create(
            [
                ListingImage(
                    listing=row,
                    position=0,
                    status=ImageStatus.READY,
                    fingerprints=[engine.signed64(int(data["photo"][start + k]))],
                )
                for k, row in enumerate(batch)
            ],
            batch_size=5000,
        )
    print(
        f"database: {args.db_listings:,} listings in {args.db_shops:,} shops stored in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    w0, c0 = time.perf_counter(), cpu()
    result = services.network_rebuild()
    print(
        f"full rebuild through the database: {time.perf_counter() - w0:.1f} s wall, "
        f"{cpu() - c0:.1f} s CPU (this process); {result}; "
        f"{ShopKey.objects.count():,} keys, {RingMember.objects.count():,} shops in rings"
    )
    with connection.cursor() as cur:
        cur.execute("ANALYZE")

    time_incremental(args, listings, shops)


def time_incremental(args, listings, shops) -> None:
    """One new listing at a time in an existing shop, copying a random
    listing's photo, title and ship-from half of the time (so it links)."""
    from marketplace.models import ImageStatus, Listing, ListingImage
    from networks import services

    run = uuid.uuid4().hex[:6]
    gen = np.random.default_rng(9)
    walls, cpus = [], []
    for k in range(args.samples):
        donor = listings[int(gen.integers(0, len(listings)))]
        copy = k % 2 == 0
        new = Listing.objects.create(
            external_id=f"NEW-{run}-{k}",
            shop=shops[int(gen.integers(0, len(shops)))],
            title=donor.title if copy else f"fresh item {k}",
            price="10.00",
            currency="CNY",
            ship_from=donor.ship_from if copy else "",
            risk_signals=donor.risk_signals if copy else [],
            status="active",
        )
        fp = (
            ListingImage.objects.filter(listing=donor).values_list("fingerprints", flat=True)[0]
            if copy
            else [engine.signed64(int(gen.integers(0, 2**63)))]
        )
        ListingImage.objects.create(
            listing=new, position=0, status=ImageStatus.READY, fingerprints=fp
        )
        w0, c0 = time.perf_counter(), cpu()
        services.network_update_for_listings(listing_ids=[new.pk], wait_for_scan=False)
        walls.append(time.perf_counter() - w0)
        cpus.append(cpu() - c0)
    report("one new listing", args.samples, walls, cpus)

    # A listing the catalogue already holds changes its photo and ship-from:
    # what it showed before is dropped (or handed to another listing of its
    # shop still showing it), and its shop is relinked.
    walls, cpus = [], []
    for k in range(args.samples):
        listing = listings[int(gen.integers(0, len(listings)))]
        Listing.objects.filter(pk=listing.pk).update(ship_from=f"moved {run} {k}")
        ListingImage.objects.filter(listing=listing).update(
            fingerprints=[engine.signed64(int(gen.integers(0, 2**63)))]
        )
        w0, c0 = time.perf_counter(), cpu()
        services.network_update_for_listings(listing_ids=[listing.pk], wait_for_scan=False)
        walls.append(time.perf_counter() - w0)
        cpus.append(cpu() - c0)
    report("one changed listing (photo and ship-from replaced)", args.samples, walls, cpus)


def report(what: str, samples: int, walls: list[float], cpus: list[float]) -> None:
    w, c = np.array(walls) * 1000, np.array(cpus) * 1000
    print(
        f"incremental update, {what} ({samples} samples): "
        f"wall median {np.median(w):.1f} ms, p95 {np.percentile(w, 95):.1f} ms, "
        f"max {w.max():.1f} ms; CPU (this process) median {np.median(c):.1f} ms, "
        f"p95 {np.percentile(c, 95):.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listings", type=int, default=1_000_000)
    parser.add_argument("--shops", type=int, default=100_000)
    parser.add_argument("--rings-per-kind", type=int, default=300)
    parser.add_argument("--threshold", type=float, default=0.6)
    parser.add_argument("--max-bucket", type=int, default=200)
    parser.add_argument("--db-listings", type=int, default=200_000)
    parser.add_argument("--db-shops", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--skip-db", action="store_true")
    parser.add_argument("--skip-engine", action="store_true")
    parser.add_argument(
        "--reuse-db", action="store_true", help="time the incremental path on the last database"
    )
    args = parser.parse_args()
    if not args.skip_engine:
        bench_engine(args)
    if not args.skip_db:
        bench_db(args)


if __name__ == "__main__":
    main()
