"""Detection use cases: scanning listings and keeping each brand's queue."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from marketplace import services as marketplace_services
from marketplace.models import Listing

INTAKE_CHUNK = marketplace_services.INTAKE_CHUNK


def enqueue_intake_scan(listing_ids: list[int]) -> None:
    from .tasks import intake_and_scan

    for start in range(0, len(listing_ids), INTAKE_CHUNK):
        intake_and_scan.delay(listing_ids[start : start + INTAKE_CHUNK])


def listings_intake_and_scan(*, listing_ids: list[int]) -> dict:
    images = marketplace_services.listing_images_intake(listing_ids=listing_ids)
    scanned = listings_scan(listing_ids=listing_ids)
    return {**images, "scanned": scanned}


def listings_scan(*, listing_ids: list[int]) -> int:
    now = timezone.now()
    count = 0
    with transaction.atomic():
        for listing in Listing.objects.select_for_update().filter(pk__in=listing_ids):
            marketplace_services.listing_set_live_or_held(listing=listing, hold=False)
            listing.scanned_at = now
            listing.save(update_fields=["status", "went_live_at", "scanned_at"])
            count += 1
    return count
