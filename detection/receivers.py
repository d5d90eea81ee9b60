from django.dispatch import receiver

from marketplace.models import Listing
from marketplace.signals import listings_changed
from rightsholders.models import Brand
from rightsholders.signals import brand_assets_changed

from . import services, tasks


@receiver(listings_changed, sender=Listing)
def queue_intake_scan(sender, listing_ids, **kwargs):
    services.enqueue_intake_scan(listing_ids)


@receiver(brand_assets_changed, sender=Brand)
def queue_brand_sweep(sender, brand_id, **kwargs):
    tasks.brand_assets_changed.delay(brand_id)
