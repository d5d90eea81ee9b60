from django.dispatch import receiver

from marketplace.models import Listing
from marketplace.signals import listings_changed

from . import services


@receiver(listings_changed, sender=Listing)
def queue_intake_scan(sender, listing_ids, **kwargs):
    services.enqueue_intake_scan(listing_ids)
