from django.dispatch import receiver

from marketplace.models import Listing
from marketplace.signals import listings_changed

from . import tasks


@receiver(listings_changed, sender=Listing)
def queue_network_update(sender, listing_ids, **kwargs):
    # Sent after commit. The task waits for the listing's images and scan.
    tasks.update_for_listings.delay(list(listing_ids))
