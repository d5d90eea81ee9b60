"""Network fixtures: shops and listings with the keys links come from, and
suspects of alice's and bob's brands on them."""

from __future__ import annotations

import itertools
import random

import pytest

from detection.models import Suspect
from marketplace.models import ImageStatus, ListingImage, ListingStatus, Seller
from marketplace.services import contact_hash
from networks import engine, services
from networks.models import RingMember, ShopLink
from tests.factories import ListingFactory, ShopFactory

_n = itertools.count()


def ring_of(shop):
    member = RingMember.objects.filter(shop=shop).first()
    return member.ring_id if member else None


def link(a, b):
    x, y = sorted((a.pk, b.pk))
    return ShopLink.objects.filter(shop_a_id=x, shop_b_id=y).first()


def random_hash(rng: random.Random) -> int:
    return engine.signed64(rng.getrandbits(64))


def near(h: int, bits: int = 1) -> int:
    """The same photo recompressed: a bit or two flipped."""
    for b in range(bits):
        h ^= 1 << (7 + 13 * b)
    return engine.signed64(h)


def make_shop(*, contact: str = "", status: str = "active", name: str = ""):
    n = next(_n)
    seller = Seller.objects.create(
        external_id=f"NU-{n}",
        contact_hash=contact_hash(contact) if contact else "",
    )
    return ShopFactory(
        seller=seller, external_id=f"NS-{n}", name=name or f"Net shop {n}", status=status
    )


def make_listing(shop, *, photos=(), title="", ship_from="", signals=None, description=""):
    n = next(_n)
    listing = ListingFactory(
        shop=shop,
        external_id=f"NL-{n}",
        title=title or f"Unrelated item {n} {random.random()}",
        description=description,
        ship_from=ship_from,
        risk_signals=signals or [],
        status=ListingStatus.ACTIVE,
    )
    for pos, h in enumerate(photos):
        ListingImage.objects.create(
            listing=listing, position=pos, status=ImageStatus.READY, fingerprints=[h]
        )
    return listing


def index(*listings):
    return services.network_update_for_listings(
        listing_ids=[x.pk for x in listings], wait_for_scan=False
    )


def lookalike_signal(title: str, token: str) -> list[dict]:
    start = title.index(token)
    return [
        {
            "code": "lookalike_name",
            "weight": 0.7,
            "detail": f'"{token}" looks like a protected name',
            "evidence": {"spans": [["title", start, start + len(token)]]},
        }
    ]


def suspect(listing, brand, score=0.8, status="new"):
    return Suspect.objects.create(
        listing=listing,
        brand=brand,
        score=score,
        status=status,
        signals=[{"code": "brand_keyword", "weight": 0.8, "detail": f"{brand.name} named"}],
    )


@pytest.fixture
def rng():
    return random.Random(42)
