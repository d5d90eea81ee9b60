import threading

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from marketplace.models import Listing, Seller, Shop
from marketplace.signals import listings_scanned, sellers_changed

from . import tasks


@receiver(listings_scanned, sender=Listing)
def queue_network_update(sender, listing_ids, **kwargs):
    # Sent after commit, once the listings' photos are fingerprinted and their
    # scan written: the update reads both. (A listing changed again meanwhile
    # is answered "waiting" and comes back with its own scan.)
    tasks.update_for_listings.delay(list(listing_ids))


# Shops whose listings were deleted in this thread, sent as one task at commit:
# deleting a shop's thousand listings is one update, not a thousand. (After a
# rollback the ids ride along with the next commit: a harmless extra update.)
_forgotten = threading.local()


@receiver(post_delete, sender=Listing)
def queue_network_forget(sender, instance, **kwargs):
    # The deleted listing's photos and keys no longer count for its shop.
    _forgotten.__dict__.setdefault("shop_ids", set()).add(instance.shop_id)
    transaction.on_commit(_send_forgotten)


def _send_forgotten():
    if shop_ids := _forgotten.__dict__.pop("shop_ids", None):
        tasks.update_for_shops.delay(sorted(shop_ids))


@receiver(sellers_changed, sender=Seller)
def queue_contact_update(sender, seller_ids, **kwargs):
    # Sent after commit: a seller's new contact links (and the old one
    # unlinks) their shops now, not at the next listing or nightly rebuild.
    shop_ids = list(Shop.objects.filter(seller_id__in=seller_ids).values_list("pk", flat=True))
    if shop_ids:
        tasks.update_for_shops.delay(shop_ids)
