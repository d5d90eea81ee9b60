"""Counterfeit networks: keeping shops' blocking keys, links and rings up to
date (incrementally per listing, and in full on a schedule), the reviewers'
actions on a whole ring, and the evidence pack brands export."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections import Counter, defaultdict

import numpy as np
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import ImageStatus, Listing, ListingImage, ListingStatus, Shop, ShopStatus
from marketplace.services import listing_set_live_or_held
from marketplace.signals import listings_status_changed
from platform_core.audit import audit
from platform_core.errors import DomainError, Forbidden
from platform_core.models import Role

from . import engine
from .models import LinkKind, PhotoPrint, Ring, RingMember, ShopKey, ShopLink

# Serialises ring merges (short transactions): two listings arriving at once
# for shops of two rings must not each move the other's members.
_RING_LOCK = 0x6E6574776F726B  # "network"
_MASK64 = (1 << 64) - 1


def params() -> engine.Params:
    return engine.Params(
        threshold=settings.NETWORKS_RING_THRESHOLD,
        max_bucket=settings.NETWORKS_MAX_BUCKET,
        photo_radius=settings.NETWORKS_PHOTO_RADIUS,
    )


def _catalogue_shops() -> int:
    """The planner's estimate of the number of shops: cheap, and rarity only
    needs its order of magnitude."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", ["marketplace_shop"]
        )
        row = cur.fetchone()
    estimate = int(row[0]) if row else -1
    return estimate if estimate > 0 else Shop.objects.count()


def _listing_keys(title: str, description: str, ship_from: str, signals) -> list[tuple[str, str]]:
    """The text keys one listing shows: its ship-from place with its product,
    and the lookalike names its scan found."""
    keys = []
    if sp := engine.ship_product_key(ship_from, title):
        keys.append((engine.SHIP_PRODUCT, sp))
    for name in engine.lookalike_names(title, description, signals):
        keys.append((engine.LOOKALIKE, name))
    return keys


def _photo_hashes(fingerprints) -> list[int]:
    """The whole photo's hash and its mirror's (the first and last crop
    hashes): enough to recognise a reused photo, flipped or not."""
    fps = list(fingerprints or [])
    return sorted({fps[0], fps[-1]}) if fps else []


def _cluster_name(h: int) -> str:
    return f"{int(h) & _MASK64:016x}"


def _photo_cluster(cur, h: int, radius: int) -> str:
    """The cluster of a stored photo within ``radius`` of ``h``, or a new
    cluster named after ``h``. Any match will do (no ordering): a stock photo
    matches tens of thousands of prints, and the first found ends the scan;
    the scheduled rebuild unites clusters that met through different prints."""
    bands = engine.photo_bands(h)
    cur.execute(
        """
        SELECT cluster FROM networks_photoprint
        WHERE (band0 = %s OR band1 = %s OR band2 = %s OR band3 = %s)
          AND bit_count((hash # %s)::bit(64)) <= %s
        LIMIT 1
        """,
        [*bands, h, radius],
    )
    row = cur.fetchone()
    return row[0] if row else _cluster_name(h)


# --- Incremental -------------------------------------------------------------------

Key = tuple[str, str]  # (kind, key)


def network_update_for_listings(*, listing_ids: list[int], wait_for_scan: bool = True) -> dict:
    """Index new or changed listings' keys and relink their shops.

    A changed listing's keys are recomputed: a photo, place and product or
    lookalike name it no longer shows (or the shop it moved from) stops
    counting for its shop unless another of the shop's listings still shows
    it, and the links built on it weaken or go; a ring whose links fall under
    the threshold splits or dissolves. Listings whose photos, or scan of their
    current content, are still pending are answered as ``waiting`` (the task
    retries them). Idempotent."""
    listings = list(
        Listing.objects.filter(pk__in=listing_ids)
        .select_related("shop__seller")
        .prefetch_related("images")
    )
    ready, waiting = [], []
    for listing in listings:
        images = list(listing.images.all())
        pending = any(img.status == ImageStatus.PENDING for img in images)
        # Lookalike findings point into the scanned text: a changed title
        # waits for its own rescan, not the last one's spans.
        unscanned = listing.scanned_at is None or listing.scanned_at < listing.updated_at
        if pending or (wait_for_scan and unscanned):
            waiting.append(listing.pk)
        else:
            ready.append((listing, images))
    if not ready:
        return {"indexed": 0, "links": 0, "waiting": waiting}
    p = params()
    ready_ids = [listing.pk for listing, _ in ready]
    shops = {listing.shop_id: listing.shop for listing, _ in ready}
    carried: dict[int, set[Key]] = defaultdict(set)  # keys the shop's updated listings show
    gone: dict[int, set[Key]] = defaultdict(set)  # keys the shop no longer carries
    with transaction.atomic(), connection.cursor() as cur:
        old_prints, old_examples, contacts = _indexed_before(cur, ready_ids, list(shops))
        prints, keys, stale_prints = [], [], []
        example: dict[tuple[int, str, str], int] = {}
        for listing, images in ready:
            shop = listing.shop
            found = _listing_keys(
                listing.title, listing.description, listing.ship_from, listing.risk_signals
            )
            old = old_prints.get(listing.pk, {})
            hashes = sorted({h for img in images for h in _photo_hashes(img.fingerprints)})
            for h in hashes:
                kept = old.get(h)
                if kept and kept[1] == shop.pk:
                    cluster = kept[2]  # an unchanged photo keeps its cluster
                else:
                    # Photos of this same batch are not stored yet: look there first.
                    cluster = next(
                        (x.cluster for x in prints if engine.hamming(x.hash, h) <= p.photo_radius),
                        None,
                    ) or _photo_cluster(cur, h, p.photo_radius)
                    b = engine.photo_bands(h)
                    prints.append(
                        PhotoPrint(
                            listing=listing,
                            shop=shop,
                            hash=h,
                            band0=b[0],
                            band1=b[1],
                            band2=b[2],
                            band3=b[3],
                            cluster=cluster,
                        )
                    )
                found.append((engine.PHOTO, cluster))
            stale_prints += [
                pk for h, (pk, sid, _c) in old.items() if h not in hashes or sid != shop.pk
            ]
            for kind, key in found:
                keys.append(ShopKey(shop=shop, kind=kind, key=key, listing=listing))
                carried[shop.pk].add((kind, key))
                example.setdefault((shop.pk, kind, key), listing.pk)
        settled = _contacts_settle(shops.values(), contacts)
        for sid, (now, lost) in settled.items():
            carried[sid] |= now
            gone[sid] |= lost
            keys.extend(ShopKey(shop_id=sid, kind=kind, key=key) for kind, key in now)
        if stale_prints:
            PhotoPrint.objects.filter(pk__in=stale_prints).delete()
        PhotoPrint.objects.bulk_create(prints, ignore_conflicts=True)
        ShopKey.objects.bulk_create(keys, ignore_conflicts=True)
        # Keys these listings stood as the example of: shown by another of
        # the batch, by another listing of the shop, or by nothing any more.
        orphans, moved = [], []
        for pk, sid, kind, key, lid in old_examples:
            shown_by = example.get((sid, kind, key))
            if shown_by is None:
                orphans.append((pk, sid, kind, key))
            elif shown_by != lid:
                moved.append(ShopKey(pk=pk, listing_id=shown_by))
        ShopKey.objects.bulk_update(moved, ["listing"])
        if orphans:
            for sid, lost in _orphans_settle(orphans, exclude=ready_ids).items():
                gone[sid] |= lost
    linked = 0
    for shop_id in sorted(carried.keys() | gone.keys()):
        linked += _relink_shop(shop_id, carried.get(shop_id, set()), gone.get(shop_id, set()), p)
    return {"indexed": len(ready), "links": linked, "waiting": waiting}


def _indexed_before(cur, listing_ids: list[int], shop_ids: list[int]):
    """What these listings showed when last indexed -- their photos' prints
    ({listing: {hash: (print, shop, cluster)}}) and the keys they stand as
    example of ([(key row, shop, kind, key, listing)]) -- and their shops'
    contact keys ([(key row, shop, key)]): one round trip, which for a new
    listing finds nothing."""
    cur.execute(
        """
        SELECT 'print', id, listing_id, shop_id, hash, cluster FROM networks_photoprint
        WHERE listing_id = ANY(%s)
        UNION ALL
        SELECT kind, id, listing_id, shop_id, NULL, key FROM networks_shopkey
        WHERE listing_id = ANY(%s) AND kind <> %s
        UNION ALL
        SELECT kind, id, listing_id, shop_id, NULL, key FROM networks_shopkey
        WHERE shop_id = ANY(%s) AND kind = %s
        """,
        [listing_ids, listing_ids, engine.CONTACT, shop_ids, engine.CONTACT],
    )
    prints: dict[int, dict[int, tuple[int, int, str]]] = defaultdict(dict)
    examples, contacts = [], []
    for what, pk, lid, sid, h, key in cur.fetchall():
        if what == "print":
            prints[lid][h] = (pk, sid, key)
        elif what == engine.CONTACT:
            contacts.append((pk, sid, key))
        else:
            examples.append((pk, sid, what, key, lid))
    return prints, examples, contacts


def network_update_for_shops(*, shop_ids: list[int]) -> dict:
    """After listings were deleted or a seller's contact changed: each key a
    deleted listing stood as the example of (its row's listing now empty) is
    kept when another listing of the shop shows it and dropped otherwise, a
    contact the seller no longer has is dropped and a new one added, and the
    shops are relinked (rings grow, shrink, split or dissolve). Idempotent."""
    p = params()
    shops = list(Shop.objects.filter(pk__in=shop_ids).select_related("seller"))
    gone: dict[int, set[Key]] = defaultdict(set)
    with transaction.atomic():
        contacts = ShopKey.objects.filter(shop__in=shops, kind=engine.CONTACT).values_list(
            "pk", "shop_id", "key"
        )
        contacts = list(contacts)
        before: dict[int, set[Key]] = defaultdict(set)
        for _pk, sid, key in contacts:
            before[sid].add((engine.CONTACT, key))
        settled = _contacts_settle(shops, contacts)
        added = {sid: now - before[sid] for sid, (now, _lost) in settled.items()}
        ShopKey.objects.bulk_create(
            [
                ShopKey(shop_id=sid, kind=kind, key=key)
                for sid, (now, _lost) in settled.items()
                for kind, key in now
            ],
            ignore_conflicts=True,
        )
        for sid, (_now, lost) in settled.items():
            gone[sid] |= lost
        orphans = list(
            ShopKey.objects.filter(shop__in=shops, listing__isnull=True)
            .exclude(kind=engine.CONTACT)
            .values_list("pk", "shop_id", "kind", "key")
        )
        for sid, lost in _orphans_settle(orphans, exclude=[]).items():
            gone[sid] |= lost
    linked = 0
    for shop_id in sorted(set(gone) | {sid for sid, keys in added.items() if keys}):
        linked += _relink_shop(shop_id, added.get(shop_id, set()), gone.get(shop_id, set()), p)
    return {"shops": len(shops), "links": linked}


def _contacts_settle(shops, stored) -> dict[int, tuple[set[Key], set[Key]]]:
    """Each shop's contact key as its seller's contact now is, and the stored
    ones (``stored``: [(key row, shop, key)]) it no longer has -- a seller who
    changed number -- which are deleted: {shop: (now, gone)}."""
    current = {s.pk: s.seller.contact_hash for s in shops}
    stale = [(pk, sid, key) for pk, sid, key in stored if key != current.get(sid, key)]
    if stale:
        ShopKey.objects.filter(pk__in=[pk for pk, _, _ in stale]).delete()
    return {
        sid: (
            {(engine.CONTACT, h)} if h else set(),
            {(engine.CONTACT, key) for _, s, key in stale if s == sid},
        )
        for sid, h in current.items()
    }


def _orphans_settle(orphans, *, exclude: list[int]) -> dict[int, set[Key]]:
    """Keys (ShopKey pk, shop, kind, key) that lost their example listing:
    another listing of the shop (not in ``exclude``, whose keys the caller
    has just recomputed) that still shows the key becomes its example;
    otherwise the shop no longer carries it. Returns {shop: keys dropped}."""
    by_shop: dict[int, dict[Key, int]] = defaultdict(dict)
    for pk, sid, kind, key in orphans:
        by_shop[sid][(kind, key)] = pk
    gone: dict[int, set[Key]] = defaultdict(set)
    moved: dict[int, int] = {}
    for sid, need in by_shop.items():
        photos = [key for kind, key in need if kind == engine.PHOTO]
        if photos:
            for cluster, lid in (
                PhotoPrint.objects.filter(shop_id=sid, cluster__in=photos)
                .exclude(listing_id__in=exclude)
                .values_list("cluster", "listing_id")
            ):
                if (pk := need.pop((engine.PHOTO, cluster), None)) is not None:
                    moved[pk] = lid
        text_kinds = {kind for kind, _ in need if kind != engine.PHOTO}
        if text_kinds:
            # Text keys cannot be matched in SQL (normalised words, scan
            # spans): read the shop's other listings that could show one
            # until all are found.
            could = Q()
            if engine.SHIP_PRODUCT in text_kinds:
                could |= ~Q(ship_from="")
            if engine.LOOKALIKE in text_kinds:
                could |= Q(risk_signals__contains=[{"code": "lookalike_name"}])
            rows = (
                Listing.objects.filter(could, shop_id=sid)
                .exclude(pk__in=exclude)
                .values_list("pk", "title", "description", "ship_from", "risk_signals")
                .order_by("pk")
            )
            for lid, title, description, ship_from, signals in rows.iterator(chunk_size=2000):
                for found in _listing_keys(title, description, ship_from, signals):
                    if (pk := need.pop(found, None)) is not None:
                        moved[pk] = lid
                if not any(kind != engine.PHOTO for kind, _ in need):
                    break
        gone[sid] = set(need)
    ShopKey.objects.bulk_update(
        [ShopKey(pk=pk, listing_id=lid) for pk, lid in moved.items()], ["listing"]
    )
    dropped = [pk for need in by_shop.values() for pk in need.values()]
    ShopKey.objects.filter(pk__in=dropped).delete()
    return {sid: keys for sid, keys in gone.items() if keys}


def _relink_shop(shop_id: int, keys: set[Key], gone: set[Key], p: engine.Params) -> int:
    """Recompute the links between this shop and every shop sharing one of
    ``keys`` (indexed lookups only) and, when it lost keys (``gone``), every
    shop it was linked to; then merge rings over strong links and split its
    ring when a link inside it fell under the threshold."""
    kinds = [k for k, _ in keys]
    values = [v for _, v in keys]
    candidates: set[int] = set()
    # Counting stops past the cap: a stock photo's 30,000 shops are not read.
    with connection.cursor() as cur:
        if keys:
            cur.execute(
                """
                WITH sized AS (
                    SELECT w.kind, w.key
                    FROM unnest(%s::text[], %s::text[]) AS w(kind, key)
                    CROSS JOIN LATERAL (
                        SELECT count(*) AS n FROM (
                            SELECT 1 FROM networks_shopkey k
                            WHERE k.kind = w.kind AND k.key = w.key LIMIT %s
                        ) capped
                    ) c
                    WHERE c.n BETWEEN 2 AND %s
                )
                SELECT DISTINCT k.shop_id FROM networks_shopkey k JOIN sized s USING (kind, key)
                WHERE k.shop_id <> %s
                """,
                [kinds, values, p.max_bucket + 1, p.max_bucket, shop_id],
            )
            candidates.update(r[0] for r in cur.fetchall())
        before: dict[int, float] = {}
        if gone:
            # A lost key can only have weakened links this shop already has.
            cur.execute(
                """
                SELECT CASE WHEN shop_a_id = %s THEN shop_b_id ELSE shop_a_id END, strength
                FROM networks_shoplink WHERE shop_a_id = %s OR shop_b_id = %s
                """,
                [shop_id, shop_id, shop_id],
            )
            before = dict(cur.fetchall())
            candidates.update(before)
        if not candidates:
            return 0
        # Everything each candidate shares with this shop, with each key's
        # spread. Only this shop's keys within the cap can weigh anything, and
        # filtering them first keeps a stock photo's bucket from being read.
        cur.execute(
            """
            WITH mine AS MATERIALIZED (
                SELECT m.kind, m.key, c.shops
                FROM networks_shopkey m
                CROSS JOIN LATERAL (
                    SELECT count(*) AS shops FROM (
                        SELECT 1 FROM networks_shopkey k
                        WHERE k.kind = m.kind AND k.key = m.key LIMIT %s
                    ) capped
                ) c
                WHERE m.shop_id = %s
            )
            SELECT o.shop_id, o.kind, mine.shops
            FROM mine JOIN networks_shopkey o ON o.kind = mine.kind AND o.key = mine.key
            WHERE mine.shops BETWEEN 2 AND %s AND o.shop_id = ANY(%s)
            """,
            [p.max_bucket + 1, shop_id, p.max_bucket, sorted(candidates)],
        )
        rows = cur.fetchall()
    shared: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for other, kind, shops in rows:
        shared[other].append((kind, shops))
    info = {
        s.pk: s
        for s in Shop.objects.filter(pk__in=[shop_id, *shared]).only("id", "status", "created_at")
    }
    me = info[shop_id]
    n = _catalogue_shops()
    links, strong, unlinked = [], [], []
    weakened = False
    for other in sorted(candidates):
        keys_shared = shared.get(other)
        ev = engine.PairEvidence()
        if keys_shared:
            o = info[other]
            ev = engine.pair_strength(
                keys_shared,
                catalogue_shops=n,
                params=p,
                reappearance=engine.is_reappearance(
                    a_suspended=me.status == ShopStatus.SUSPENDED,
                    b_suspended=o.status == ShopStatus.SUSPENDED,
                    a_created=me.created_at.timestamp(),
                    b_created=o.created_at.timestamp(),
                ),
            )
        if before.get(other, 0.0) >= p.threshold > ev.strength:
            weakened = True
        a, b = sorted((shop_id, other))
        if ev.strength <= 0:
            if other in before:
                unlinked.append((a, b))
            continue
        links.append(
            ShopLink(
                shop_a_id=a, shop_b_id=b, strength=ev.strength, kinds=ev.kinds, evidence=ev.counts
            )
        )
        if ev.strength >= p.threshold:
            strong.append(other)
    if unlinked:
        gone_links = Q()
        for a, b in unlinked:
            gone_links |= Q(shop_a_id=a, shop_b_id=b)
        ShopLink.objects.filter(gone_links).delete()
    ShopLink.objects.bulk_create(
        links,
        update_conflicts=True,
        unique_fields=["shop_a", "shop_b"],
        update_fields=["strength", "kinds", "evidence", "updated_at"],
    )
    if strong:
        _merge_rings([shop_id, *strong], p)
    if weakened:
        _ring_split(shop_id, p)
    return len(links)


@transaction.atomic
def _merge_rings(shop_ids: list[int], p: engine.Params) -> Ring:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [_RING_LOCK])
    current = dict(
        RingMember.objects.filter(shop_id__in=shop_ids).values_list("shop_id", "ring_id")
    )
    ring_ids = set(current.values())
    if ring_ids:
        target = Ring.objects.filter(pk__in=ring_ids).order_by("-size", "id").first()
        others = ring_ids - {target.pk}
        if others:
            RingMember.objects.filter(ring_id__in=others).update(ring=target)
            Ring.objects.filter(pk__in=others).delete()
    else:
        target = Ring.objects.create()
    RingMember.objects.bulk_create(
        [RingMember(ring=target, shop_id=s) for s in shop_ids if s not in current],
        ignore_conflicts=True,
    )
    _ring_refresh(target, p)
    return target


@transaction.atomic
def _ring_split(shop_id: int, p: engine.Params) -> None:
    """Regroup this shop's ring by the strong links left inside it: the
    largest group keeps the ring (and its id), other groups of two or more
    become rings of their own, and shops left alone leave."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [_RING_LOCK])
    ring = Ring.objects.filter(members__shop_id=shop_id).first()
    if ring is None:
        return
    members = list(RingMember.objects.filter(ring=ring).values_list("shop_id", flat=True))
    index = {s: i for i, s in enumerate(members)}
    strong = ShopLink.objects.filter(
        shop_a__in=members, shop_b__in=members, strength__gte=p.threshold
    ).values_list("shop_a_id", "shop_b_id")
    ends = np.array([(index[a], index[b]) for a, b in strong], np.int64).reshape(-1, 2)
    groups: dict[int, list[int]] = defaultdict(list)
    for s, label in zip(
        members, engine.components(len(members), ends[:, 0], ends[:, 1]), strict=True
    ):
        groups[int(label)].append(s)
    rings = sorted((g for g in groups.values() if len(g) >= 2), key=lambda g: (-len(g), min(g)))
    if not rings:
        ring.delete()
        return
    RingMember.objects.filter(ring=ring).exclude(shop_id__in=rings[0]).delete()
    _ring_refresh(ring, p)
    for group in rings[1:]:
        split = Ring.objects.create()
        RingMember.objects.bulk_create([RingMember(ring=split, shop_id=s) for s in group])
        _ring_refresh(split, p)


def _ring_refresh(ring: Ring, p: engine.Params) -> None:
    members = RingMember.objects.filter(ring=ring).values("shop_id")
    links = ShopLink.objects.filter(
        shop_a__in=members, shop_b__in=members, strength__gte=p.threshold
    ).values_list("strength", "kinds")
    strengths, kinds = [0.0], set()
    for strength, ks in links:
        strengths.append(strength)
        kinds.update(ks)
    ring.size = RingMember.objects.filter(ring=ring).count()
    ring.strength = max(strengths)
    ring.kinds = [k for k in engine.LINK_KINDS if k in kinds]
    ring.save(update_fields=["size", "strength", "kinds", "updated_at"])


# --- Full rebuild --------------------------------------------------------------------


def network_rebuild() -> dict:
    """Recompute every key, link and ring from the catalogue (the schedule's
    full pass): photo clusters are merged across the whole catalogue, stale
    keys dropped, and rings keep their ids where most of their shops remain."""
    p = params()
    shop_rows = list(
        Shop.objects.values_list("id", "status", "created_at", "seller__contact_hash").order_by(
            "id"
        )
    )
    shop_ids = np.array([r[0] for r in shop_rows], dtype=np.int64)
    pos = {sid: i for i, sid in enumerate(shop_ids.tolist())}
    suspended = np.array([r[1] == ShopStatus.SUSPENDED for r in shop_rows], dtype=bool)
    created = np.array([r[2].timestamp() for r in shop_rows], dtype=np.float64)
    contact = {r[0]: r[3] for r in shop_rows}

    key_codes: dict[str, dict[str, int]] = {k: {} for k in engine.KEY_KINDS}
    obs: dict[str, tuple[list[int], list[int]]] = {k: ([], []) for k in engine.KEY_KINDS}
    example: dict[tuple[int, str, str], int | None] = {}
    for sid, h in contact.items():
        if h:
            _observe(key_codes, obs, example, pos[sid], sid, engine.CONTACT, h, None)
    listing_fields = ("id", "shop_id", "title", "description", "ship_from", "risk_signals")
    for lid, sid, title, description, ship_from, signals in Listing.objects.values_list(
        *listing_fields
    ).iterator(chunk_size=5000):
        if sp := engine.ship_product_key(ship_from, title):
            _observe(key_codes, obs, example, pos[sid], sid, engine.SHIP_PRODUCT, sp, lid)
        for name in engine.lookalike_names(title, description, signals):
            _observe(key_codes, obs, example, pos[sid], sid, engine.LOOKALIKE, name, lid)
    photo_listing, photo_shop, photo_hash = [], [], []
    for lid, sid, fps in (
        ListingImage.objects.filter(status=ImageStatus.READY)
        .values_list("listing_id", "listing__shop_id", "fingerprints")
        .iterator(chunk_size=5000)
    ):
        for h in _photo_hashes(fps):
            photo_listing.append(lid)
            photo_shop.append(pos[sid])
            photo_hash.append(h)

    net = engine.build_network(
        n_shops=len(shop_rows),
        keys={k: (np.array(v[0], np.int64), np.array(v[1], np.int64)) for k, v in obs.items()},
        photos=(np.array(photo_shop, np.int64), np.array(photo_hash, np.int64)),
        suspended=suspended,
        created=created,
        params=p,
    )
    cluster_of = dict(
        zip(
            net.photo_hashes.tolist(),
            (_cluster_name(c) for c in net.photo_cluster.tolist()),
            strict=True,
        )
    )
    with transaction.atomic():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_RING_LOCK])
        PhotoPrint.objects.all().delete()
        ShopKey.objects.all().delete()
        prints, seen = [], set()
        for lid, sp, h in zip(photo_listing, photo_shop, photo_hash, strict=True):
            if (lid, h) in seen:
                continue
            seen.add((lid, h))
            b = engine.photo_bands(h)
            cluster = cluster_of[int(h) & _MASK64]
            prints.append(
                PhotoPrint(
                    listing_id=lid,
                    shop_id=int(shop_ids[sp]),
                    hash=h,
                    band0=b[0],
                    band1=b[1],
                    band2=b[2],
                    band3=b[3],
                    cluster=cluster,
                )
            )
            example.setdefault((int(shop_ids[sp]), engine.PHOTO, cluster), lid)
        PhotoPrint.objects.bulk_create(prints, batch_size=5000)
        ShopKey.objects.bulk_create(
            [
                ShopKey(shop_id=sid, kind=kind, key=key, listing_id=lid)
                for (sid, kind, key), lid in example.items()
            ],
            batch_size=5000,
        )
        stored = _store_links(net, shop_ids, p)
        rings = _store_rings(net, shop_ids, p)
    return {"shops": len(shop_rows), "links": stored, "rings": rings}


def _observe(key_codes, obs, example, shop_pos, shop_id, kind, key, listing_id) -> None:
    codes = key_codes[kind]
    code = codes.setdefault(key, len(codes))
    obs[kind][0].append(shop_pos)
    obs[kind][1].append(code)
    example.setdefault((shop_id, kind, key), listing_id)


def _store_links(net: engine.Network, shop_ids: np.ndarray, p: engine.Params) -> int:
    """Links at half the ring threshold or more: the strong ones make rings,
    the weaker ones still show on a shop's network as weaker ties."""
    ShopLink.objects.all().delete()
    keep = np.flatnonzero(net.strength >= p.threshold / 2)
    rows = []
    for i in keep.tolist():
        counts = {k: int(net.counts[k][i]) for k in engine.LINK_KINDS if net.counts[k][i]}
        rows.append(
            ShopLink(
                shop_a_id=int(shop_ids[net.a[i]]),
                shop_b_id=int(shop_ids[net.b[i]]),
                strength=round(float(net.strength[i]), 4),
                kinds=[k for k in engine.LINK_KINDS if k in counts],
                evidence=counts,
            )
        )
    ShopLink.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _store_rings(net: engine.Network, shop_ids: np.ndarray, p: engine.Params) -> int:
    old = dict(RingMember.objects.values_list("shop_id", "ring_id"))
    groups = sorted(net.rings().values(), key=len, reverse=True)
    claimed: set[int] = set()
    members: list[RingMember] = []
    rings: list[Ring] = []
    for group in groups:
        ids = [int(shop_ids[i]) for i in group]
        votes = Counter(old[s] for s in ids if s in old and old[s] not in claimed)
        ring_id = votes.most_common(1)[0][0] if votes else None
        if ring_id is not None:
            claimed.add(ring_id)
        rings.append(Ring(pk=ring_id, size=len(ids)))
        members.extend(RingMember(ring=rings[-1], shop_id=s) for s in ids)
    RingMember.objects.all().delete()
    Ring.objects.exclude(pk__in=claimed).delete()
    kept = {r.pk: r for r in Ring.objects.filter(pk__in=claimed)}
    fresh = [r for r in rings if r.pk is None]
    Ring.objects.bulk_create(fresh, batch_size=5000)
    for r in rings:
        if r.pk in kept:
            r.created_at = kept[r.pk].created_at
    for m in members:
        m.ring_id = m.ring.pk
    RingMember.objects.bulk_create(members, batch_size=5000)
    # Size, strongest link and kinds per ring, from the stored links.
    with connection.cursor() as cur:
        cur.execute(
            """
            UPDATE networks_ring r SET size = s.size, strength = s.strength, kinds = s.kinds,
                updated_at = now()
            FROM (
                SELECT m.ring_id, count(DISTINCT m.shop_id) AS size,
                       coalesce(max(l.strength), 0) AS strength,
                       coalesce(array_agg(DISTINCT k) FILTER (WHERE k IS NOT NULL), '{}') AS kinds
                FROM networks_ringmember m
                LEFT JOIN networks_shoplink l
                  ON l.shop_a_id = m.shop_id AND l.strength >= %s
                 AND l.shop_b_id IN (
                     SELECT shop_id FROM networks_ringmember x WHERE x.ring_id = m.ring_id
                 )
                LEFT JOIN LATERAL unnest(l.kinds) AS k ON true
                GROUP BY m.ring_id
            ) s WHERE r.id = s.ring_id
            """,
            [p.threshold],
        )
    return len(rings)


# --- Reviewers' actions on a ring ----------------------------------------------------


def _require_reviewer(user) -> None:
    if not (user and user.is_authenticated and user.role == Role.REVIEWER):
        raise Forbidden(_("Only platform reviewers act on whole rings."))


def _ring_listing_ids(ring: Ring):
    return Listing.objects.filter(shop__ring_membership__ring=ring)


@transaction.atomic
def ring_hold_listings(*, reviewer, ring: Ring, reason: str) -> int:
    """Hold every live or pending listing of the ring's shops for review
    (released one by one by a reviewer, as any held listing)."""
    _require_reviewer(reviewer)
    reason = (reason or "").strip() or _("Held as part of counterfeit network #%(ring)s.") % {
        "ring": ring.pk
    }
    held = []
    rows = (
        _ring_listing_ids(ring)
        .filter(status__in=[ListingStatus.ACTIVE, ListingStatus.PENDING])
        .select_for_update()
        .order_by("pk")
    )
    for listing in rows:
        previous = listing.status
        listing_set_live_or_held(listing=listing, hold=True)
        if listing.status == ListingStatus.HELD:
            listing.save(update_fields=["status", "updated_at"])
            audit(
                actor=reviewer,
                action="listing.held",
                target=listing,
                reason=reason,
                previous=previous,
                ring=ring.pk,
            )
            held.append(listing.pk)
    audit(actor=reviewer, action="ring.held", target=ring, reason=reason, listings=len(held))
    if held:
        transaction.on_commit(
            lambda: listings_status_changed.send(
                sender=Listing, listing_ids=held, status=ListingStatus.HELD
            )
        )
    return len(held)


def ring_open_appraisal(
    *, reviewer, ring: Ring, question: str, jury_size: int | None = None
) -> dict:
    """Open a public appraisal case on each of the ring's shops (one jury per
    shop: each shop's outcome is enforced on its own). Shops with a case
    already open are skipped."""
    from appraisal import services as appraisal_services

    _require_reviewer(reviewer)
    question = (question or "").strip()
    if not question:
        raise DomainError(
            _("Give the question for the jury."), fields={"question": [_("Required.")]}
        )
    opened, skipped, refused = [], [], {}
    for shop in Shop.objects.filter(ring_membership__ring=ring).order_by("pk"):
        try:
            case = appraisal_services.case_open(
                reviewer=reviewer, question=question, shop=shop, jury_size=jury_size
            )
            opened.append(case.pk)
        except DomainError as exc:
            # Each shop's case stands alone: one refusal (no jury available)
            # does not undo the others.
            if exc.code == "case_exists":
                skipped.append(shop.pk)
            else:
                refused[shop.pk] = exc.message
    with transaction.atomic():
        audit(
            actor=reviewer,
            action="ring.appraisal_opened",
            target=ring,
            reason=question,
            cases=opened,
            skipped_shops=skipped,
            refused_shops=refused,
        )
    return {"opened": opened, "skipped": skipped, "refused": refused}


@transaction.atomic
def ring_refer_to_brands(*, reviewer, ring: Ring, note: str = "") -> int:
    """Pass the ring to the complaints flow: complaints are filed by rights
    holders, so each organisation with open suspects in the ring is told, with
    a link to the ring, where it can file for all of them at once. Returns the
    number of organisations told."""
    from detection.models import Suspect, SuspectStatus
    from notifications.services import notify
    from platform_core.models import User

    _require_reviewer(reviewer)
    open_suspects = (
        Suspect.objects.filter(
            listing__shop__ring_membership__ring=ring,
            status__in=[SuspectStatus.NEW, SuspectStatus.CONFIRMED],
        )
        .values_list("brand__organisation_id")
        .order_by()
    )
    per_org = Counter(org for (org,) in open_suspects)
    from django.urls import reverse

    url = reverse("portal:ring", args=[ring.pk])
    for org_id, count in per_org.items():
        users = User.objects.filter(memberships__organisation_id=org_id, is_active=True).distinct()
        notify(
            users=users,
            kind="ring.referred",
            title=_("A counterfeit network holds %(n)s of your suspects") % {"n": count},
            body=_(
                "Platform review links %(shops)s shops into network #%(ring)s, where %(n)s of "
                "your suspects are listed. You can file complaints for all of them from the "
                "network's page."
            )
            % {"shops": ring.size, "ring": ring.pk, "n": count}
            + (f"\n\n{note.strip()}" if note.strip() else ""),
            url=url,
            target=ring,
        )
    audit(
        actor=reviewer,
        action="ring.referred",
        target=ring,
        reason=note,
        organisations=sorted(per_org),
    )
    return len(per_org)


def ring_file_complaints(*, user, ring: Ring) -> list:
    """Brand staff: file complaints (one click each, through the complaints
    flow's bulk filing) for all of their organisation's open suspects in the
    ring. Answers one complaint or one refusal per suspect."""
    from complaints import services as complaint_services
    from detection.models import Suspect, SuspectStatus
    from rightsholders.selectors import brands_for

    if user.role != Role.BRAND:
        raise Forbidden(_("Only brand staff file complaints."))
    suspects = list(
        Suspect.objects.filter(
            listing__shop__ring_membership__ring=ring,
            brand__in=brands_for(user).values("id"),
            status__in=[SuspectStatus.NEW, SuspectStatus.CONFIRMED],
        ).order_by("-score", "pk")[: settings.COMPLAINT_BULK_MAX]
    )
    results = complaint_services.complaints_file_bulk(
        user=user, rows=[complaint_services.BulkRow(suspect=s) for s in suspects]
    )
    with transaction.atomic():
        audit(
            actor=user,
            action="ring.complaints_filed",
            target=ring,
            filed=sum(1 for r in results if not isinstance(r, DomainError)),
            refused=sum(1 for r in results if isinstance(r, DomainError)),
        )
    return results


# --- Evidence pack -------------------------------------------------------------------


def evidence_pack(*, user, ring: Ring) -> tuple[bytes, str]:
    """A ZIP for law enforcement or a court: ``manifest.json`` (shops, links,
    listings with prices, sales, ship-from, detection evidence, and the
    exporter's own organisation's suspects, judgments and complaint
    decisions, with timestamps), the listings' images, and ``SHA256SUMS``
    over every other file. Returns (bytes, sha-256 of the ZIP); audited."""
    from . import selectors

    view = selectors.ring_view(user, ring, max_listings=settings.NETWORKS_PACK_MAX_LISTINGS)
    files: dict[str, bytes] = {}
    listings_out = []
    for item in view["listings"]:
        names = []
        for img in item.pop("_images"):
            if not img.image:
                continue
            try:
                with default_storage.open(img.image.name, "rb") as fh:
                    data = fh.read()
            except FileNotFoundError:
                continue
            ext = img.image.name.rsplit(".", 1)[-1].lower()
            name = f"images/{item['external_id']}-{img.position}.{ext}"
            files[name] = data
            names.append({"file": name, "sha256": hashlib.sha256(data).hexdigest()})
        item["images"] = names
        listings_out.append(item)
    generated_at = timezone.now()
    manifest = {
        "generated_at": generated_at.isoformat(),
        "generated_by": user.username,
        "organisations": view["organisations"],
        "ring": view["ring"],
        "shops": view["shops"],
        "links": view["links"],
        "listings": listings_out,
        "listings_truncated": view["listings_truncated"],
    }
    files["manifest.json"] = json.dumps(
        manifest, indent=2, ensure_ascii=False, default=str
    ).encode()
    sums = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())
    )
    files["SHA256SUMS"] = sums.encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in [
            "SHA256SUMS",
            "manifest.json",
            *sorted(n for n in files if n.startswith("images/")),
        ]:
            info = zipfile.ZipInfo(name, date_time=generated_at.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, files[name])
    data = buf.getvalue()
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        audit(
            actor=user,
            action="ring.evidence_pack_exported",
            target=ring,
            sha256=digest,
            sums_sha256=hashlib.sha256(files["SHA256SUMS"]).hexdigest(),
            listings=len(listings_out),
            images=len(files) - 2,
        )
    return data, digest


__all__ = [
    "LinkKind",
    "evidence_pack",
    "network_rebuild",
    "network_update_for_listings",
    "network_update_for_shops",
    "ring_file_complaints",
    "ring_hold_listings",
    "ring_open_appraisal",
    "ring_refer_to_brands",
]
