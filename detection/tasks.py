"""Thin Celery tasks: ids in, one service call, nothing else. Every task is
safe to run twice (acks_late redelivers work a killed worker had taken)."""

from celery import shared_task

from . import services


@shared_task
def intake_and_scan(listing_ids: list[int]) -> dict:
    """Image intake, then a scan, for one chunk of new or changed listings."""
    return services.listings_intake_and_scan(listing_ids=listing_ids)


@shared_task
def scan_chunk(chunk_id: int) -> None:
    services.scan_chunk_run(chunk_id=chunk_id)


@shared_task
def brand_assets_changed(brand_id: int) -> None:
    services.brand_sweep_on_assets_change(brand_id=brand_id)


@shared_task
def requeue_lost_work() -> dict:
    return {
        "listings": services.intake_requeue_lost(),
        "chunks": services.sweep_chunks_requeue(),
    }


@shared_task
def full_sweep() -> None:
    services.scan_start(user=None)


@shared_task
def retrain_model() -> None:
    from . import learning

    learning.train()
