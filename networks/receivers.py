from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from marketplace.models import Listing, Seller, Shop
from marketplace.signals import listings_changed, sellers_changed

from . import tasks


@receiver(listings_changed, sender=Listing)
def queue_network_update(sender, listing_ids, **kwargs):
    # Sent after commit. The task waits for the listing's images and scan.
    tasks.update_for_listings.delay(list(listing_ids))


@receiver(post_delete, sender=Listing)
def queue_network_forget(sender, instance, **kwargs):
    # The deleted listing's photos and keys no longer count for its shop.
    shop_id = instance.shop_id
    transaction.on_commit(lambda: tasks.update_for_shops.delay([shop_id]))


@receiver(sellers_changed, sender=Seller)
def queue_contact_update(sender, seller_ids, **kwargs):
    # Sent after commit: a seller's new contact links (and the old one
    # unlinks) their shops now, not at the next listing or nightly rebuild.
    shop_ids = list(Shop.objects.filter(seller_id__in=seller_ids).values_list("pk", flat=True))
    if shop_ids:
        tasks.update_for_shops.delay(shop_ids)
