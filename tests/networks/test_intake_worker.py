"""Listings arriving through the API are linked by a real Celery worker once
their scan has run: the incremental path, end to end."""

from __future__ import annotations

import pytest

from networks.models import PhotoPrint, Ring, RingMember, ShopKey, ShopLink
from tests.conftest import wait_until
from tests.images import b64, jpeg_bytes


@pytest.mark.usefixtures("worker")
def test_listings_pushed_with_one_contact_form_a_ring(api, mo):
    client = api(mo)
    items = [
        {
            "external_id": f"L-NET-{n}",
            "shop": {
                "external_id": f"S-NET-{n}",
                "name": f"Outlet {n}",
                "seller_external_id": f"U-NET-{n}",
                "contact": "+86 755 8888 0000" if n < 3 else f"+1 555 010{n}",
            },
            "title": f"Leather tote {n}",
            "price": "59.00",
            "currency": "CNY",
            "ship_from": "Shenzhen",
        }
        for n in range(4)
    ]
    r = client.post("/api/v1/listings/", items, format="json")
    assert r.status_code == 200, r.content
    wait_until(
        lambda: (
            RingMember.objects.count() == 3
            and ShopLink.objects.filter(strength__gte=0.6).count() == 3
        ),
        timeout=60,
        message="the worker did not link the three shops",
    )
    ring = Ring.objects.get()
    assert ring.size == 3 and ring.kinds == ["contact"]
    assert set(ring.members.values_list("shop__external_id", flat=True)) == {
        "S-NET-0",
        "S-NET-1",
        "S-NET-2",
    }


@pytest.mark.usefixtures("worker")
def test_listings_are_indexed_for_networks_once_their_intake_and_scan_commit(api, mo):
    """No contact, no seller change: only the intake's own signal can index these."""
    shared_photo = b64(jpeg_bytes(11))
    items = [
        {
            "external_id": f"L-IDX-{n}",
            "shop": {
                "external_id": f"S-IDX-{n}",
                "name": f"Store {n}",
                "seller_external_id": "U-IDX",
            },
            "title": f"Canvas tote {n}",
            "price": "59.00",
            "currency": "CNY",
            "ship_from": "Yiwu",
            "images": [{"content_base64": shared_photo}],
        }
        for n in range(2)
    ]
    assert api(mo).post("/api/v1/listings/", items, format="json").status_code == 200
    prints = PhotoPrint.objects.filter(listing__external_id__startswith="L-IDX-")
    wait_until(
        lambda: prints.values("listing").distinct().count() == 2,
        timeout=60,
        message="the listings' photos were not indexed after their intake",
    )
    clusters = [
        set(prints.filter(listing__external_id=f"L-IDX-{n}").values_list("cluster", flat=True))
        for n in range(2)
    ]
    assert clusters[0] == clusters[1], "the same photo (and its mirror) share their clusters"
    assert ShopKey.objects.filter(shop__external_id="S-IDX-1", listing__isnull=False).exists()
