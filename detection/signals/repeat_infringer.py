"""Repeat infringer: the seller's history of upheld complaints.

Strikes are recorded by the complaints app when a complaint against one of
the seller's listings is upheld. What counts is the reviewers' repeat-infringer
policy (``complaints.models.EnforcementPolicy``, edited in the console): voided
strikes and those older than its window do not count, and the weight grows
with the strikes towards the number that suspends the seller. A listing from a
seller with strikes gets this signal for every brand it already implicates:
history alone never makes a suspect, it strengthens other evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from .base import Finding, ListingFacts, ScanContext, Signal

# The weight a seller at the suspension threshold gets: strong support for other
# evidence, never a suspect on its own (the suspect threshold is 0.5).
MAX_WEIGHT = 0.45


@dataclass(frozen=True)
class SellerHistory:
    """A seller's active strikes and the policy they were counted under (read
    once per scanned batch, so a policy change applies to the next scan)."""

    strikes: int
    window_days: int
    suspend_at: int

    @property
    def weight(self) -> float:
        """MAX_WEIGHT at the suspension threshold, in equal steps below it."""
        return round(MAX_WEIGHT * min(1.0, self.strikes / max(1, self.suspend_at)), 3)


def repeat_infringer_policy() -> tuple[int, int]:
    """(window in days, strikes that suspend) from the reviewers' policy; the
    settings of the same names where the complaints app is absent."""
    if apps.is_installed("complaints"):
        from complaints.services import enforcement_policy

        policy = enforcement_policy()
        return policy.repeat_infringer_window_days, policy.repeat_infringer_strikes
    return settings.REPEAT_INFRINGER_WINDOW_DAYS, settings.REPEAT_INFRINGER_STRIKES


def seller_histories(seller_ids: set[int]) -> dict[int, SellerHistory]:
    """Sellers with active strikes under the current policy, one query for the
    batch (two when the policy row is first read)."""
    if not seller_ids or not apps.is_installed("complaints"):
        return {}
    strike = apps.get_model("complaints", "Strike")
    window_days, suspend_at = repeat_infringer_policy()
    rows = (
        strike.objects.filter(
            seller_id__in=seller_ids,
            voided_at__isnull=True,
            created_at__gte=timezone.now() - timedelta(days=window_days),
        )
        .values("seller_id")
        .annotate(n=Count("id"))
    )
    return {r["seller_id"]: SellerHistory(r["n"], window_days, suspend_at) for r in rows}


class RepeatInfringer(Signal):
    code = "repeat_infringer"

    def evaluate(self, listing: ListingFacts, ctx: ScanContext) -> list[Finding]:
        history = listing.seller_history
        if history is None or not history.strikes:
            return []
        n = history.strikes
        detail = (
            f"The seller has {n} upheld complaint{'s' if n != 1 else ''} within "
            f"{history.window_days} days ({history.suspend_at} suspend the seller)"
        )
        evidence = {
            "strikes": n,
            "window_days": history.window_days,
            "suspend_at": history.suspend_at,
        }
        return [
            Finding(self.code, brand_id, history.weight, detail, evidence)
            for brand_id in sorted(listing.implicated_brands)
            if not ctx.brands[brand_id].authorises(listing.shop_external_id)
        ]
