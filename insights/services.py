"""Use cases of the results pages: the charts for a scope and window, the
transparency report, and the portal home's "what needs me today"."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from platform_core.models import Role

from . import selectors
from .charts import Chart, Line
from .models import PortalVisit
from .selectors import Scope, Window

# Views of the home page closer together than this are one visit: reloading
# must not empty "since your last visit".
VISIT_GAP = datetime.timedelta(minutes=30)
HOME_LIST_LIMIT = 20


def results_charts(scope: Scope, window: Window) -> list[Chart]:
    """The results charts, in the order the pages show them."""
    periods = window.periods()
    suspects = selectors.suspects_found(scope, window)
    complaints = selectors.complaints_outcomes(scope, window)
    removals = selectors.removals(scope, window)

    def chart(slug, title, description, series, values, unit, decimals=0):
        return Chart(
            slug=slug,
            title=title,
            description=description,
            unit=unit,
            periods=periods,
            period_kind=window.period,
            series=series,
            values=values,
            decimals=decimals,
        )

    return [
        chart(
            "removals",
            _("Proactive removals vs removals after complaint"),
            _(
                "Listings taken down (delisted or held) before any complaint was filed for "
                "them, against those taken down after an upheld complaint."
            ),
            [
                Line("proactive", _("Proactive")),
                Line("after_complaint", _("After complaint")),
            ],
            removals,
            _("listings"),
        ),
        chart(
            "suspects",
            _("Suspects found"),
            _("Suspected infringing listings raised by detection, by the day first raised."),
            [Line("found", _("Suspects found"))],
            suspects,
            _("suspects"),
        ),
        chart(
            "complaints",
            _("Complaints filed, upheld and rejected"),
            _("Filed by filing day; upheld and rejected by decision day (current outcome)."),
            [
                Line("filed", _("Filed")),
                Line("upheld", _("Upheld")),
                Line("rejected", _("Rejected")),
            ],
            complaints,
            _("complaints"),
        ),
        chart(
            "time-to-takedown",
            _("Median time to takedown after complaint"),
            _("Hours from filing the complaint to the listing coming down, median per period."),
            [Line("median_hours", _("Median hours"))],
            removals,
            _("hours"),
            decimals=1,
        ),
        chart(
            "lookalikes",
            _("Lookalike brands found"),
            _("Suspects whose evidence includes a lookalike (shanzhai) name."),
            [Line("lookalike", _("Lookalike suspects"))],
            suspects,
            _("suspects"),
        ),
    ]


def transparency_charts(window: Window) -> list[Chart]:
    """The report's month-by-month (or week-by-week) view of notices and removals."""
    periods = window.periods()
    values = selectors.complaints_outcomes(selectors.PLATFORM, window)
    for period, row in selectors.removals(selectors.PLATFORM, window).items():
        values.setdefault(period, {}).update(row)
    return [
        Chart(
            slug="notices-and-removals",
            title=_("Notices received and removals"),
            description=_(
                "Complaints received, and listings taken down proactively or after an "
                "upheld complaint."
            ),
            unit=_("count"),
            periods=periods,
            period_kind=window.period,
            series=[
                Line("filed", _("Notices received")),
                Line("proactive", _("Proactive removals")),
                Line("after_complaint", _("Removals after complaint")),
            ],
            values=values,
        )
    ]


# --- Portal home ------------------------------------------------------------------


@transaction.atomic
def visit_mark(*, user, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """Record a view of the home page; answer the previous visit's time, from
    which "since your last visit" counts (None on the first visit)."""
    now = now or timezone.now()
    visit, created = PortalVisit.objects.select_for_update().get_or_create(
        user=user, defaults={"last_seen_at": now}
    )
    if created:
        return None
    if now - visit.last_seen_at >= VISIT_GAP:
        visit.previous_visit_at = visit.last_seen_at
    visit.last_seen_at = now
    visit.save(update_fields=["previous_visit_at", "last_seen_at"])
    return visit.previous_visit_at


def home_overview(*, user) -> dict:
    """What needs a brand user today. Marks the visit."""
    if not user.is_authenticated or user.role != Role.BRAND:
        return {}
    since = visit_mark(user=user)
    decisions = selectors.decisions_since(user, since)
    return {
        "since": since,
        "new_suspects": selectors.new_suspects_by_brand(user, since),
        "needs_info": list(selectors.complaints_needing_info(user)[:HOME_LIST_LIMIT]),
        "decisions": list(decisions[:HOME_LIST_LIMIT]),
        "decisions_count": decisions.count(),
        "sweeps": list(selectors.sweeps_in_progress(user)[:HOME_LIST_LIMIT]),
        "standings": selectors.standings_for(user),
    }
