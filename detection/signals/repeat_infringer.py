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

from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from .base import Finding, ListingFacts, ScanContext, Signal

# The weight a seller at the suspension threshold gets: strong support for other
# evidence, never a suspect on its own (the suspect threshold is 0.5).
MAX_WEIGHT = 0.45


class Strikes(int):
    """A seller's active strikes, with the policy they were counted under (read
    once per scanned batch, so a policy change applies to the next scan)."""

    window_days: int
    suspend_at: int

    def __new__(cls, n: int, *, window_days: int, suspend_at: int) -> Strikes:
        strikes = super().__new__(cls, n)
        strikes.window_days = window_days
        strikes.suspend_at = suspend_at
        return strikes


def repeat_infringer_policy() -> tuple[int, int]:
    """(window in days, strikes that suspend) from the reviewers' policy; the
    settings of the same names where the complaints app is absent."""
    if apps.is_installed("complaints"):
        from complaints.services import enforcement_policy

        policy = enforcement_policy()
        return policy.repeat_infringer_window_days, policy.repeat_infringer_strikes
    return settings.REPEAT_INFRINGER_WINDOW_DAYS, settings.REPEAT_INFRINGER_STRIKES


def seller_strikes(seller_ids: set[int]) -> dict[int, Strikes]:
    """Active strikes per seller under the current policy, one query for the batch
    (two when the policy row is first read)."""
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
    return {
        r["seller_id"]: Strikes(r["n"], window_days=window_days, suspend_at=suspend_at)
        for r in rows
    }


def strike_weight(strikes: int) -> float:
    """MAX_WEIGHT at the policy's suspension threshold, in equal steps below it."""
    suspend_at = max(1, getattr(strikes, "suspend_at", settings.REPEAT_INFRINGER_STRIKES))
    return round(MAX_WEIGHT * min(1.0, strikes / suspend_at), 3)


class RepeatInfringer(Signal):
    code = "repeat_infringer"

    def evaluate(self, listing: ListingFacts, ctx: ScanContext) -> list[Finding]:
        n = listing.seller_strikes
        if not n:
            return []
        window = getattr(n, "window_days", settings.REPEAT_INFRINGER_WINDOW_DAYS)
        suspend_at = getattr(n, "suspend_at", settings.REPEAT_INFRINGER_STRIKES)
        detail = (
            f"The seller has {n} upheld complaint{'s' if n != 1 else ''} within "
            f"{window} days ({suspend_at} suspend the seller)"
        )
        evidence = {"strikes": int(n), "window_days": window, "suspend_at": suspend_at}
        return [
            Finding(self.code, brand_id, strike_weight(n), detail, evidence)
            for brand_id in sorted(listing.implicated_brands)
            if not ctx.brands[brand_id].authorises(listing.shop_external_id)
        ]
