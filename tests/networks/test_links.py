"""Links and rings: planted rings are recovered from each link kind, through
the incremental path and the full rebuild; common keys link nothing; a
suspended shop's return is linked."""

from __future__ import annotations

import numpy as np
import pytest

from networks import engine, services
from networks.models import Ring, ShopLink

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


def assert_one_ring(shops, outsiders=()):
    rings = {ring_of(s) for s in shops}
    assert len(rings) == 1 and None not in rings, rings
    for s in outsiders:
        assert ring_of(s) not in rings
    ring = Ring.objects.get(pk=rings.pop())
    assert ring.size == len(shops)
    return ring


def test_shared_photos_make_a_ring(rng):
    photos = [random_hash(rng) for _ in range(3)]
    shops = [make_shop() for _ in range(3)]
    listings = []
    for n, shop in enumerate(shops):
        # Each shop re-uses the ring's photos, recompressed.
        listings += [make_listing(shop, photos=[near(h, n % 2)]) for h in photos]
    loner = make_shop()
    listings.append(make_listing(loner, photos=[random_hash(rng)]))
    index(*listings)
    ring = assert_one_ring(shops, [loner])
    assert "photo" in ring.kinds
    assert link(shops[0], shops[1]).evidence["photo"] >= 1


def test_same_contact_makes_a_ring():
    shops = [make_shop(contact=" +86 138-0013-8000 ") for _ in range(2)]
    # The same number written differently is the same contact.
    shops.append(make_shop(contact="0086 13800138000"))
    other = make_shop(contact="someone@example.com")
    index(*[make_listing(s) for s in [*shops, other]])
    ring = assert_one_ring(shops, [other])
    assert ring.kinds == ["contact"]


def test_same_origin_and_products_make_a_ring():
    titles = ["Sport shoe AIR 2025 white", "Runner boost black 42", "Classic tee logo big"]
    shops = [make_shop() for _ in range(4)]
    listings = [
        make_listing(s, title=t, ship_from="Putian, Fujian") for s in shops for t in titles[:2]
    ]
    # Same products from elsewhere, or same place with other products: no link.
    far = make_shop()
    listings += [make_listing(far, title=t, ship_from="Lisbon") for t in titles[:2]]
    index(*listings)
    ring = assert_one_ring(shops, [far])
    assert ring.kinds == ["ship_product"]
    assert link(shops[0], far) is None


def test_same_lookalike_names_make_a_ring():
    shops = [make_shop() for _ in range(3)]
    listings = []
    for s in shops:
        for token in ("Adidoss", "Addidaz"):
            title = f"{token} running shoe"
            listings.append(make_listing(s, title=title, signals=lookalike_signal(title, token)))
    index(*listings)
    ring = assert_one_ring(shops)
    assert ring.kinds == ["lookalike"]


def test_a_suspended_shop_reappearing_is_linked(rng):
    photos = [random_hash(rng) for _ in range(2)]
    banned = make_shop(contact="fake.seller@example.com", status="suspended")
    index(*[make_listing(banned, photos=[h]) for h in photos])
    back = make_shop(contact="Fake.Seller@Example.com ")
    index(make_listing(back, photos=[near(photos[0])]), make_listing(back, photos=[photos[1]]))
    found = link(banned, back)
    assert found is not None and "reappearance" in found.kinds
    assert found.strength >= 0.95
    assert_one_ring([banned, back])


def test_one_stock_photo_shared_with_a_suspended_shop_is_no_reappearance(rng):
    stock = random_hash(rng)
    banned = make_shop(status="suspended")
    index(make_listing(banned, photos=[stock]))
    newcomer = make_shop()
    index(make_listing(newcomer, photos=[stock]))
    found = link(banned, newcomer)
    assert found is None or "reappearance" not in found.kinds
    assert ring_of(newcomer) is None


def test_a_key_common_to_many_shops_links_nothing(settings, rng):
    settings.NETWORKS_MAX_BUCKET = 5
    stock = [random_hash(rng) for _ in range(2)]
    shops = [make_shop() for _ in range(7)]
    index(*[make_listing(s, photos=[h]) for s in shops for h in stock])
    assert not ShopLink.objects.exists()
    assert not Ring.objects.exists()


def test_rings_merge_when_a_listing_bridges_them(rng):
    photos = [random_hash(rng) for _ in range(2)]
    a = [make_shop(contact="+1 555 0100") for _ in range(2)]
    b = [make_shop(contact="+1 555 0199") for _ in range(2)]
    index(*[make_listing(s) for s in [*a, *b]], *[make_listing(a[0], photos=[h]) for h in photos])
    assert ring_of(a[0]) != ring_of(b[0])
    bridge = make_shop(contact="+1 555 0100")
    index(make_listing(bridge))
    # The bridge shares the first ring's contact only: still two rings.
    assert ring_of(bridge) == ring_of(a[0]) != ring_of(b[0])
    # b's first shop starts selling with a's photos: one ring.
    index(*[make_listing(b[0], photos=[near(h)]) for h in photos])
    assert ring_of(b[0]) == ring_of(a[0]) == ring_of(b[1])
    assert Ring.objects.count() == 1
    assert Ring.objects.get().size == 5
    assert set(Ring.objects.get().kinds) == {"contact", "photo"}


def test_full_rebuild_finds_the_same_rings_and_keeps_their_ids(rng):
    photos = [random_hash(rng) for _ in range(2)]
    photo_ring = [make_shop() for _ in range(3)]
    contact_ring = [make_shop(contact="ring@example.com") for _ in range(2)]
    listings = [
        make_listing(s, photos=[near(h, k)]) for k, s in enumerate(photo_ring) for h in photos
    ]
    listings += [make_listing(s) for s in contact_ring]
    index(*listings)
    before = {s.pk: ring_of(s) for s in [*photo_ring, *contact_ring]}
    result = services.network_rebuild()
    assert result["rings"] == 2
    after = {s.pk: ring_of(s) for s in [*photo_ring, *contact_ring]}
    assert after == before
    assert Ring.objects.get(pk=ring_of(photo_ring[0])).size == 3


def test_engine_recovers_planted_rings_of_each_kind():
    """The pure engine on a catalogue of 3,000 shops with a planted ring of
    each kind among noise (stock photos, common places and titles)."""
    gen = np.random.default_rng(3)
    n_shops = 3000
    shops = np.repeat(np.arange(n_shops), 5)
    photos = gen.integers(0, 2**63, shops.shape[0], dtype=np.int64)
    stock = gen.integers(0, 2**63, 20, dtype=np.int64)
    noisy = gen.random(shops.shape[0]) < 0.3
    photos[noisy] = stock[gen.integers(0, 20, int(noisy.sum()))]
    ship = gen.integers(0, 5, shops.shape[0]) * 1000 + gen.integers(0, 10, shops.shape[0])
    planted = {
        "photo": [10, 11, 12],
        "contact": [20, 21, 22, 23],
        "ship_product": [30, 31, 32],
        "lookalike": [40, 41, 42],
    }
    ring_photos = gen.integers(0, 2**63, 3, dtype=np.int64)
    for s in planted["photo"]:
        photos[s * 5 : s * 5 + 3] = ring_photos
    for s in planted["ship_product"]:
        ship[s * 5 : s * 5 + 2] = [10**6, 10**6 + 1]
    contact = (np.arange(n_shops), np.arange(n_shops))
    contact[1][planted["contact"]] = 10**7
    look = (np.repeat(planted["lookalike"], 2), np.tile([7, 8], 3))
    suspended = np.zeros(n_shops, bool)
    suspended[50] = True
    photos[51 * 5 : 51 * 5 + 2] = photos[50 * 5 : 50 * 5 + 2]  # shop 51 is shop 50 back
    planted["reappearance"] = [50, 51]
    net = engine.build_network(
        n_shops=n_shops,
        keys={"contact": contact, "ship_product": (shops, ship), "lookalike": look},
        photos=(shops, photos),
        suspended=suspended,
        created=np.arange(n_shops),
    )
    for kind, members in planted.items():
        labels = set(net.ring[members].tolist())
        assert len(labels) == 1 and -1 not in labels, kind
        assert (net.ring == labels.pop()).sum() == len(members), kind
    assert (net.ring >= 0).sum() == sum(len(m) for m in planted.values())
