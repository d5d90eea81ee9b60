"""Repeat infringer: the seller's history of upheld complaints.

Strikes are recorded by the complaints app when a complaint against one of
the seller's listings is upheld; voided strikes and those older than the
repeat-infringer window do not count. A listing from a seller with strikes gets
this signal for every brand it already implicates: history alone never makes
a suspect, it strengthens other evidence.
"""

from django.apps import apps

from .base import Finding, ListingFacts, ScanContext, Signal

WEIGHT_PER_STRIKE = 0.15
MAX_WEIGHT = 0.45


def seller_strikes(seller_ids: set[int]) -> dict[int, int]:
    """Active strikes per seller, one query for the batch."""
    if not seller_ids or not apps.is_installed("complaints"):
        return {}
    try:
        strike = apps.get_model("complaints", "Strike")
    except LookupError:
        return {}
    from datetime import timedelta

    from django.conf import settings
    from django.db.models import Count
    from django.utils import timezone

    window = timedelta(days=getattr(settings, "REPEAT_INFRINGER_WINDOW_DAYS", 180))
    rows = (
        strike.objects.filter(
            seller_id__in=seller_ids,
            voided_at__isnull=True,
            created_at__gte=timezone.now() - window,
        )
        .values("seller_id")
        .annotate(n=Count("id"))
    )
    return {r["seller_id"]: r["n"] for r in rows}


class RepeatInfringer(Signal):
    code = "repeat_infringer"

    def evaluate(self, listing: ListingFacts, ctx: ScanContext) -> list[Finding]:
        if not listing.seller_strikes:
            return []
        weight = min(MAX_WEIGHT, WEIGHT_PER_STRIKE * listing.seller_strikes)
        n = listing.seller_strikes
        return [
            Finding(
                self.code,
                brand_id,
                weight,
                f"The seller has {n} upheld complaint{'s' if n != 1 else ''} on record",
                {"strikes": n},
            )
            for brand_id in sorted(listing.implicated_brands)
            if not ctx.brands[brand_id].authorises(listing.shop_external_id)
        ]
