"""The incremental update keeps up when evidence goes away: a listing whose
photos, ship-from or title change, that moves to another shop, or that is
deleted stops counting for its shop, and the links and rings built on it
weaken, split or dissolve -- as the nightly rebuild would have them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from marketplace.models import ImageStatus, Listing, ListingImage
from marketplace.services import ListingInput, contact_hash, listings_upsert
from networks import services
from networks.models import PhotoPrint, Ring, RingMember, ShopKey
from tests.conftest import wait_until

from .conftest import (
    index,
    link,
    lookalike_signal,
    make_listing,
    make_shop,
    near,
    random_hash,
    ring_of,
)

pytestmark = pytest.mark.django_db


def partition() -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for shop_id, ring_id in RingMember.objects.values_list("shop_id", "ring_id"):
        groups.setdefault(ring_id, set()).add(shop_id)
    return {frozenset(g) for g in groups.values()}


def assert_rebuild_agrees():
    """The incremental result is what a full rebuild finds from scratch."""
    before = partition()
    services.network_rebuild()
    assert partition() == before


def push(listing: Listing, **changes) -> Listing:
    """Send the listing again through marketplace intake with some fields
    changed (as the marketplace would), then index it."""
    shop = changes.pop("shop", listing.shop)
    values = {
        "title": listing.title,
        "description": listing.description,
        "ship_from": listing.ship_from,
        **changes,
    }
    listings_upsert(
        items=[
            ListingInput(
                external_id=listing.external_id,
                shop_external_id=shop.external_id,
                shop_name=shop.name,
                seller_external_id=shop.seller.external_id,
                price=Decimal(listing.price),
                currency=listing.currency,
                category=listing.category,
                **values,
            )
        ]
    )
    listing.refresh_from_db()
    index(listing)
    return listing


def replace_photos(listing: Listing, hashes: list[int]) -> None:
    """New photos, fingerprinted (what image intake leaves behind)."""
    listing.images.all().delete()
    for pos, h in enumerate(hashes):
        ListingImage.objects.create(
            listing=listing, position=pos, status=ImageStatus.READY, fingerprints=[h]
        )
    index(listing)


def photo_ring(rng, n_shops=3):
    photos = [random_hash(rng) for _ in range(2)]
    shops = [make_shop() for _ in range(n_shops)]
    listings = {
        s.pk: [make_listing(s, photos=[near(h, k % 2)]) for h in photos]
        for k, s in enumerate(shops)
    }
    index(*[x for rows in listings.values() for x in rows])
    assert len({ring_of(s) for s in shops}) == 1 and ring_of(shops[0])
    return photos, shops, listings


def test_changed_photos_take_a_shop_out_of_its_ring(rng):
    _photos, shops, listings = photo_ring(rng)
    ring_id = ring_of(shops[0])
    leaving = shops[2]
    for listing in listings[leaving.pk]:
        replace_photos(listing, [random_hash(rng)])
    assert ring_of(leaving) is None
    assert link(shops[0], leaving) is None and link(shops[1], leaving) is None
    ring = Ring.objects.get(pk=ring_id)
    assert ring.size == 2 and ring_of(shops[0]) == ring_of(shops[1]) == ring_id
    # Its prints and keys are its new photos' only.
    assert PhotoPrint.objects.filter(shop=leaving).count() == 2
    shared = set(ShopKey.objects.filter(shop=shops[0], kind="photo").values_list("key", flat=True))
    assert not shared & set(
        ShopKey.objects.filter(shop=leaving, kind="photo").values_list("key", flat=True)
    )
    assert_rebuild_agrees()


def test_a_photo_another_listing_still_shows_keeps_counting(rng):
    photos, shops, listings = photo_ring(rng, n_shops=2)
    # A third listing of the second shop shows the first photo too.
    extra = make_listing(shops[1], photos=[photos[0]])
    index(extra)
    first = listings[shops[1].pk][0]
    key = ShopKey.objects.get(shop=shops[1], kind="photo", listing=first)
    replace_photos(first, [random_hash(rng)])
    # Still carried (shown now by the other listing), so the ring stands.
    key.refresh_from_db()
    assert key.listing_id == extra.pk
    assert ring_of(shops[0]) == ring_of(shops[1]) is not None
    assert link(shops[0], shops[1]).evidence["photo"] == 2
    assert_rebuild_agrees()


def test_a_place_and_product_or_name_another_listing_still_shows_keeps_counting():
    titles = ["Sport shoe AIR 2025 white", "Runner boost black 42"]
    a, b = make_shop(), make_shop()
    rows = {s.pk: [make_listing(s, title=t, ship_from="Putian") for t in titles] for s in (a, b)}
    token_title = "Adidoss running shoe"
    look = lookalike_signal(token_title, "Adidoss")
    named = [make_listing(s, title=token_title, signals=look) for s in (a, b)]
    index(*rows[a.pk], *rows[b.pk], *named)
    # b lists the first product from Putian twice, and the lookalike name twice.
    twin = make_listing(b, title=titles[0], ship_from="Putian, ")
    named_twin = make_listing(b, title=f"{token_title} v2", signals=look)
    index(twin, named_twin)
    assert link(a, b).evidence == {"ship_product": 2, "lookalike": 1}
    push(rows[b.pk][0], ship_from="Lisbon")
    renamed = named[1]
    renamed.title, renamed.risk_signals = "Plain running shoe", []
    renamed.save()
    index(renamed)
    assert link(a, b).evidence == {"ship_product": 2, "lookalike": 1}
    assert ring_of(a) == ring_of(b) is not None
    examples = dict(
        ShopKey.objects.filter(shop=b).exclude(kind="photo").values_list("kind", "listing")
    )
    assert examples["lookalike"] == named_twin.pk
    assert ShopKey.objects.filter(shop=b, kind="ship_product", listing=twin).exists()
    assert_rebuild_agrees()


def test_a_changed_shipping_origin_weakens_the_link_below_the_ring():
    titles = ["Sport shoe AIR 2025 white", "Runner boost black 42"]
    shops = [make_shop() for _ in range(3)]
    listings = {s.pk: [make_listing(s, title=t, ship_from="Putian") for t in titles] for s in shops}
    index(*[x for rows in listings.values() for x in rows])
    ring_id = ring_of(shops[0])
    assert ring_id and Ring.objects.get(pk=ring_id).size == 3
    push(listings[shops[2].pk][0], ship_from="Lisbon")
    # One place and product still in common: a weak tie, not a ring.
    weak = link(shops[0], shops[2])
    assert weak is not None and weak.strength < 0.6 and weak.evidence == {"ship_product": 1}
    assert ring_of(shops[2]) is None
    assert Ring.objects.get(pk=ring_id).size == 2
    assert_rebuild_agrees()


def test_a_retitled_listing_no_longer_carries_its_lookalike_name():
    shops = [make_shop() for _ in range(2)]
    rows = []
    for s in shops:
        for token in ("Adidoss", "Addidaz"):
            title = f"{token} running shoe"
            rows.append(make_listing(s, title=title, signals=lookalike_signal(title, token)))
    index(*rows)
    assert ring_of(shops[0]) == ring_of(shops[1]) is not None
    renamed = rows[2]  # the second shop's "Adidoss" listing
    renamed.title = "Plain running shoe"
    renamed.risk_signals = []  # its rescan found nothing
    renamed.save()
    index(renamed)
    assert not ShopKey.objects.filter(shop=shops[1], key="adidoss").exists()
    assert ShopKey.objects.filter(shop=shops[1], key="addidaz").exists()
    assert ring_of(shops[0]) is None and ring_of(shops[1]) is None
    assert not Ring.objects.exists()
    assert link(shops[0], shops[1]).evidence == {"lookalike": 1}
    assert_rebuild_agrees()


def test_a_listing_moved_to_another_shop_takes_its_evidence_along():
    titles = ["Sport shoe AIR 2025 white", "Runner boost black 42"]
    a, b, c = (make_shop() for _ in range(3))
    rows = [make_listing(s, title=t, ship_from="Putian") for s in (a, b) for t in titles]
    index(*rows)
    assert ring_of(a) == ring_of(b) is not None
    push(rows[3], shop=c)  # b's second listing now sold by c
    assert link(a, b).evidence == {"ship_product": 1} and ring_of(b) is None
    assert ShopKey.objects.filter(shop=c, listing=rows[3]).exists()
    assert not ShopKey.objects.filter(shop=b, listing=rows[3]).exists()
    assert link(a, c).evidence == {"ship_product": 1}
    assert_rebuild_agrees()


def test_a_ring_splits_where_the_evidence_between_its_halves_went_away(rng):
    """a-b share photos, b-c share photos, c-d share photos: one ring. When b
    replaces the photos it shared with c, two rings remain; the larger part
    (here the first found) keeps the ring's id."""
    pairs = [[random_hash(rng) for _ in range(2)] for _ in range(3)]
    a, b, c, d = shops = [make_shop() for _ in range(4)]
    rows = {}
    for n, (x, y) in enumerate([(a, b), (b, c), (c, d)]):
        rows[(x.pk, n)] = [make_listing(x, photos=[h]) for h in pairs[n]]
        rows[(y.pk, n)] = [make_listing(y, photos=[near(h)]) for h in pairs[n]]
    index(*[x for r in rows.values() for x in r])
    ring_id = ring_of(a)
    assert {ring_of(s) for s in shops} == {ring_id} and Ring.objects.get().size == 4
    for listing in rows[(b.pk, 1)]:
        replace_photos(listing, [random_hash(rng)])
    assert ring_of(a) == ring_of(b) and ring_of(c) == ring_of(d)
    assert ring_of(a) != ring_of(c) and None not in {ring_of(a), ring_of(c)}
    assert ring_id in {ring_of(a), ring_of(c)}
    assert sorted(Ring.objects.values_list("size", flat=True)) == [2, 2]
    assert link(b, c) is None
    assert_rebuild_agrees()


def test_a_seller_who_changed_contact_no_longer_links_through_the_old_one():
    old = [make_shop(contact="+1 555 0199") for _ in range(3)]
    index(*[make_listing(s) for s in old])
    assert Ring.objects.get().size == 3
    seller = old[0].seller
    seller.contact_hash = contact_hash("+1 555 0142")
    seller.save()
    index(make_listing(old[0]))
    assert ring_of(old[0]) is None and link(old[0], old[1]) is None
    assert Ring.objects.get().size == 2
    assert set(
        ShopKey.objects.filter(shop=old[0], kind="contact").values_list("key", flat=True)
    ) == {contact_hash("+1 555 0142")}
    assert_rebuild_agrees()


def test_a_deleted_listing_stops_counting(rng):
    _photos, shops, listings = photo_ring(rng, n_shops=2)
    gone = listings[shops[1].pk][0]
    gone.delete()
    services.network_update_for_shops(shop_ids=[shops[1].pk])
    # One photo in common is a weak tie, not a ring.
    assert link(shops[0], shops[1]).evidence == {"photo": 1}
    assert not Ring.objects.exists()
    assert_rebuild_agrees()


def test_a_changed_listing_waits_for_its_rescan(rng):
    shops = [make_shop() for _ in range(2)]
    rows = [
        make_listing(s, title="Adidoss shoe", signals=lookalike_signal("Adidoss shoe", "Adidoss"))
        for s in shops
    ]
    Listing.objects.filter(pk__in=[x.pk for x in rows]).update(scanned_at=timezone.now())
    rows[0].refresh_from_db()
    rows[0].title = "Plain shoe, changed after its scan"
    rows[0].save()
    result = services.network_update_for_listings(listing_ids=[x.pk for x in rows])
    assert result["waiting"] == [rows[0].pk] and result["indexed"] == 1
    # The old scan's spans would have read "Plain s" as a lookalike name.
    assert not ShopKey.objects.filter(key="plain s").exists()


@pytest.mark.usefixtures("worker")
def test_deleting_a_listing_shrinks_its_ring_through_the_worker(rng):
    _photos, shops, listings = photo_ring(rng)
    ring_id = ring_of(shops[0])
    with transaction.atomic():  # as the console's "delete selected" does
        Listing.objects.filter(pk__in=[x.pk for x in listings[shops[2].pk]]).delete()
    wait_until(
        lambda: RingMember.objects.filter(ring_id=ring_id).count() == 2,
        timeout=60,
        message="the worker did not drop the deleted listings' evidence",
    )
    assert ring_of(shops[2]) is None
    wait_until(lambda: link(shops[0], shops[2]) is None, timeout=30)


@pytest.mark.usefixtures("worker")
def test_a_contact_sent_alone_links_the_shop_through_the_worker():
    """The marketplace re-sends a listing unchanged but for its seller's
    contact: the shop joins the ring that contact runs, without waiting for
    a changed listing or the nightly rebuild."""
    ring_shops = [make_shop(contact="+1 555 0199") for _ in range(3)]
    index(*[make_listing(s) for s in ring_shops])
    ring = Ring.objects.get()
    newcomer = make_shop()
    listing = make_listing(newcomer)
    index(listing)
    assert ring_of(newcomer) is None

    listings_upsert(
        items=[
            ListingInput(
                external_id=listing.external_id,
                shop_external_id=newcomer.external_id,
                shop_name=newcomer.name,
                seller_external_id=newcomer.seller.external_id,
                title=listing.title,
                description=listing.description,
                ship_from=listing.ship_from,
                price=Decimal(listing.price),
                currency=listing.currency,
                category=listing.category,
                contact="+1 555 0199",
            )
        ]
    )
    wait_until(
        lambda: ring_of(newcomer) == ring.pk,
        timeout=60,
        message="the worker did not link the shop through its seller's new contact",
    )
    assert link(newcomer, ring_shops[0]).evidence.get("contact")
