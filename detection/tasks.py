"""Thin Celery tasks: ids in, a service call, nothing else."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def intake_and_scan(listing_ids: list[int]) -> dict:
    """Image intake, then a scan, for one chunk of listings. Safe to redeliver:
    intake skips finished images and the scan upserts its results."""
    return services.listings_intake_and_scan(listing_ids=listing_ids)
