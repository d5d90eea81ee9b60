"""Thin Celery tasks: ids in, one service call. Safe to run twice."""

from celery import shared_task
from celery.exceptions import MaxRetriesExceededError

from . import services


@shared_task(bind=True, max_retries=60)
def update_for_listings(self, listing_ids: list[int]) -> dict:
    """Link new or changed listings' shops once their photos are fingerprinted
    and their scan has run; listings still waiting are retried shortly."""
    result = services.network_update_for_listings(listing_ids=listing_ids)
    waiting = result.pop("waiting", [])
    if waiting:
        try:
            raise self.retry(args=[waiting], countdown=min(2 + self.request.retries, 30))
        except MaxRetriesExceededError:
            pass  # never scanned: the scheduled rebuild picks it up
    return result


@shared_task
def update_for_shops(shop_ids: list[int]) -> dict:
    """Drop what deleted listings showed from their shops' keys and links."""
    return services.network_update_for_shops(shop_ids=shop_ids)


@shared_task
def rebuild() -> dict:
    return services.network_rebuild()
