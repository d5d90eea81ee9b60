"""The results measures, each defined once, computed in the database.

Every measure takes a ``Scope`` (which brands and organisations count: one
brand's, one organisation's or the whole platform's) and a ``Window`` (date
range and period, month or week) and returns ``{period_start: {series: value}}``.
The definitions (also on the pages and in the README):

- **Suspects found**: suspects raised for the scope's brands, by the day the
  suspect was first raised (a rescan updates a suspect, it does not raise a new one).
- **Lookalike brands found**: those suspects whose evidence includes the
  ``lookalike_name`` signal (homoglyphs, near spellings of a protected name).
- **Complaints filed**: by filing day. **Upheld** and **rejected**: complaints
  whose current status is upheld / rejected, by the day of the decision (a
  complaint upheld, counter-noticed and then rejected counts as rejected).
- **Takedown**: a listing that is down now, delisted or held. Its takedown
  time is ``delisted_at``; a held listing (release interception: held before it
  went live) has no delisting, so it counts from when it was listed.
  A listing later restored (a successful counter-notice) no longer counts.
- **Proactive removal**: a takedown with no complaint — by anyone — filed for
  the listing at or before the takedown: the platform acted first (detection's
  interception, a reviewer, a repeat-infringer shop suspension). For a brand,
  its proactive removals are those of listings that are its suspects.
- **Removal after complaint**: a takedown preceded by an upheld complaint (of
  the scope) on the listing. A fast-track takedown still pending review counts
  once it is upheld.
- **Time to takedown**: for removals after complaint, hours from the earliest
  such complaint's filing to the takedown; the median per period
  (``percentile_cont(0.5)``).
- **Detection precision**: of suspects brands judged (confirmed, complained or
  dismissed), the share judged infringing (confirmed or complained), by the day
  of judgment.
- **Median time to decision** (transparency report): hours from filing to a
  complaint's first upheld or rejected decision.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import (
    Aggregate,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils.translation import gettext

from appraisal.models import Case as AppraisalCase
from appraisal.models import CaseStatus
from complaints.models import (
    Complaint,
    ComplaintKind,
    ComplaintStatus,
    CounterNotice,
    Decision,
)
from detection.models import ModelVersion, ScanJob, ScanStatus, SignalCode, Suspect, SuspectStatus
from marketplace.models import Listing, ListingStatus
from platform_core.errors import NotFound
from platform_core.models import AuditEvent, Role
from rightsholders.models import Brand
from rightsholders.selectors import brands_for, organisation_ids_for

TRUNC = {"month": TruncMonth, "week": TruncWeek}
DOWN = (ListingStatus.DELISTED, ListingStatus.HELD)
JUDGED = (SuspectStatus.CONFIRMED, SuspectStatus.COMPLAINED, SuspectStatus.DISMISSED)
INFRINGING = (SuspectStatus.CONFIRMED, SuspectStatus.COMPLAINED)


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5)``: the median, interpolated."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def _hours(expression) -> Func:
    return Func(
        expression,
        template="EXTRACT(EPOCH FROM %(expressions)s) / 3600.0",
        output_field=FloatField(),
    )


# --- Scope and window -------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose numbers. ``brand_ids`` None is the whole platform (reviewers);
    ``organisation_ids`` None means complaints of any organisation count."""

    brand_ids: tuple[int, ...] | None
    organisation_ids: tuple[int, ...] | None

    @property
    def platform(self) -> bool:
        return self.brand_ids is None

    def suspects(self, qs: QuerySet | None = None) -> QuerySet[Suspect]:
        qs = Suspect.objects.all() if qs is None else qs
        return qs if self.brand_ids is None else qs.filter(brand_id__in=self.brand_ids)

    def complaints(self, qs: QuerySet | None = None, prefix: str = "") -> QuerySet:
        qs = Complaint.objects.all() if qs is None else qs
        if self.brand_ids is not None:
            qs = qs.filter(**{f"{prefix}brand_id__in": self.brand_ids})
        if self.organisation_ids is not None:
            qs = qs.filter(**{f"{prefix}organisation_id__in": self.organisation_ids})
        return qs


PLATFORM = Scope(brand_ids=None, organisation_ids=None)


def results_brands_for(user) -> QuerySet[Brand]:
    """The brands a user may pick on the results pages."""
    if not user.is_authenticated or user.role not in (Role.BRAND, Role.REVIEWER):
        raise PermissionDenied
    return brands_for(user).select_related("organisation").order_by("name", "id")


def scope_for(user, brand_id: int | None = None) -> Scope:
    """Brand staff: their organisations' brands and complaints, or one of their
    brands; reviewers: the platform, or any one brand. Another organisation's
    brand is NotFound, as everywhere else."""
    brands = results_brands_for(user)
    if brand_id is not None:
        if not brands.filter(pk=brand_id).exists():
            raise NotFound(gettext("No such brand."))
        brand_ids: tuple[int, ...] | None = (brand_id,)
    elif user.role == Role.REVIEWER:
        brand_ids = None
    else:
        brand_ids = tuple(brands.values_list("id", flat=True))
    if user.role == Role.REVIEWER:
        return Scope(brand_ids=brand_ids, organisation_ids=None)
    orgs = tuple(organisation_ids_for(user).values_list("id", flat=True))
    return Scope(brand_ids=brand_ids, organisation_ids=orgs)


@dataclass(frozen=True)
class Window:
    """``[start, end)`` in aware datetimes, bucketed by ``period``."""

    start: datetime.datetime
    end: datetime.datetime
    period: str  # "month" | "week"

    def trunc(self, field: str):
        return TRUNC[self.period](field)

    def periods(self) -> list[datetime.date]:
        """Every bucket in the window, empty ones included, in the database's
        truncation (weeks start on Monday, as PostgreSQL's ``date_trunc``)."""
        day = self.start.date()
        last = (self.end - datetime.timedelta(microseconds=1)).date()
        if self.period == "month":
            day = day.replace(day=1)
        else:
            day -= datetime.timedelta(days=day.weekday())
        out = []
        while day <= last:
            out.append(day)
            if self.period == "month":
                day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
            else:
                day += datetime.timedelta(days=7)
        return out

    def range(self, field: str) -> Q:
        return Q(**{f"{field}__gte": self.start, f"{field}__lt": self.end})


Series = dict[datetime.date, dict[str, float]]


def _collect(rows, keys: list[str]) -> Series:
    out: Series = {}
    for row in rows:
        period = (
            row["period"].date() if isinstance(row["period"], datetime.datetime) else row["period"]
        )
        bucket = out.setdefault(period, {})
        for key in keys:
            value = row.get(key)
            if value is not None:
                bucket[key] = bucket.get(key, 0) + value
    return out


# --- Measures ---------------------------------------------------------------------


def suspects_found(scope: Scope, window: Window) -> Series:
    """``found`` and ``lookalike`` suspects by the period they were raised."""
    rows = (
        scope.suspects()
        .filter(window.range("created_at"))
        .annotate(period=window.trunc("created_at"))
        .values("period")
        .annotate(
            found=Count("id"),
            lookalike=Count(
                "id", filter=Q(signals__contains=[{"code": SignalCode.LOOKALIKE_NAME}])
            ),
        )
        .order_by("period")
    )
    return _collect(rows, ["found", "lookalike"])


def complaints_outcomes(scope: Scope, window: Window) -> Series:
    """``filed`` by filing period; ``upheld`` / ``rejected`` by decision period."""
    filed = (
        scope.complaints()
        .filter(window.range("created_at"))
        .annotate(period=window.trunc("created_at"))
        .values("period")
        .annotate(filed=Count("id"))
        .order_by("period")
    )
    decided = (
        scope.complaints()
        .filter(window.range("decided_at"))
        .filter(status__in=[ComplaintStatus.UPHELD, ComplaintStatus.REJECTED])
        .annotate(period=window.trunc("decided_at"))
        .values("period")
        .annotate(
            upheld=Count("id", filter=Q(status=ComplaintStatus.UPHELD)),
            rejected=Count("id", filter=Q(status=ComplaintStatus.REJECTED)),
        )
        .order_by("period")
    )
    out = _collect(filed, ["filed"])
    for period, values in _collect(decided, ["upheld", "rejected"]).items():
        out.setdefault(period, {}).update(values)
    return out


def takedowns() -> QuerySet[Listing]:
    """Listings down now, each with its takedown time."""
    return Listing.objects.filter(status__in=DOWN).annotate(
        takedown_at=Case(
            When(status=ListingStatus.DELISTED, delisted_at__isnull=False, then=F("delisted_at")),
            default=F("created_at"),
        )
    )


def _complaints_before_takedown() -> QuerySet[Complaint]:
    return Complaint.objects.filter(
        listing_id=OuterRef("pk"), created_at__lte=OuterRef("takedown_at")
    )


def proactive_removals(scope: Scope) -> QuerySet[Listing]:
    qs = takedowns().filter(~Exists(_complaints_before_takedown()))
    if scope.brand_ids is not None:
        qs = qs.filter(
            Exists(Suspect.objects.filter(listing_id=OuterRef("pk"), brand_id__in=scope.brand_ids))
        )
    return qs


def removals_after_complaint(scope: Scope) -> QuerySet[Listing]:
    """With ``complained_at``: the earliest upheld complaint (of the scope)
    filed at or before the takedown."""
    upheld = scope.complaints(_complaints_before_takedown()).filter(status=ComplaintStatus.UPHELD)
    return (
        takedowns()
        # Uncorrelated first: lets PostgreSQL start from the scope's few upheld
        # complaints instead of every listing that is down (EXPLAIN: 228 ms →
        # a few ms for one organisation at 1M listings).
        .filter(
            pk__in=scope.complaints().filter(status=ComplaintStatus.UPHELD).values("listing_id")
        )
        .filter(Exists(upheld))
        .annotate(complained_at=Subquery(upheld.order_by("created_at").values("created_at")[:1]))
    )


def removals(scope: Scope, window: Window) -> Series:
    """``proactive``, ``after_complaint`` and ``median_hours`` (time to takedown
    after complaint) by takedown period."""
    proactive = (
        proactive_removals(scope)
        .filter(window.range("takedown_at"))
        .annotate(period=window.trunc("takedown_at"))
        .values("period")
        .annotate(proactive=Count("id"))
        .order_by("period")
    )
    reactive = (
        removals_after_complaint(scope)
        .filter(window.range("takedown_at"))
        .annotate(period=window.trunc("takedown_at"))
        .values("period")
        .annotate(
            after_complaint=Count("id"),
            median_hours=Median(_hours(F("takedown_at") - F("complained_at"))),
        )
        .order_by("period")
    )
    out = _collect(proactive, ["proactive"])
    for period, values in _collect(reactive, ["after_complaint", "median_hours"]).items():
        out.setdefault(period, {}).update(values)
    return out


def totals(series: Series, keys: list[str]) -> dict[str, float]:
    return {k: sum(v.get(k, 0) for v in series.values()) for k in keys}


def removal_totals(scope: Scope, window: Window) -> dict:
    """Whole-window figures: counts and the median over the whole window (a
    median of medians would be wrong)."""
    proactive = proactive_removals(scope).filter(window.range("takedown_at")).count()
    reactive = (
        removals_after_complaint(scope)
        .filter(window.range("takedown_at"))
        .aggregate(
            n=Count("id"), median_hours=Median(_hours(F("takedown_at") - F("complained_at")))
        )
    )
    return {
        "proactive": proactive,
        "after_complaint": reactive["n"],
        "median_hours": reactive["median_hours"],
    }


def precision_by_brand(scope: Scope, window: Window) -> list[dict]:
    rows = (
        scope.suspects()
        .filter(window.range("judged_at"), status__in=JUDGED)
        .values("brand_id", "brand__name")
        .annotate(
            judged=Count("id"),
            infringing=Count("id", filter=Q(status__in=INFRINGING)),
        )
        .order_by("brand__name", "brand_id")
    )
    return [
        {
            "brand": r["brand__name"],
            "judged": r["judged"],
            "infringing": r["infringing"],
            "precision": r["infringing"] / r["judged"] if r["judged"] else None,
        }
        for r in rows
    ]


def precision_by_signal(scope: Scope, window: Window) -> list[dict]:
    """One query: a filtered count per signal code."""
    aggregates = {}
    for code in SignalCode.values:
        has = Q(signals__contains=[{"code": code}])
        aggregates[f"{code}__judged"] = Count("id", filter=has)
        aggregates[f"{code}__infringing"] = Count("id", filter=has & Q(status__in=INFRINGING))
    row = (
        scope.suspects()
        .filter(window.range("judged_at"), status__in=JUDGED)
        .aggregate(**aggregates)
    )
    out = []
    for code, label in SignalCode.choices:
        judged, infringing = row[f"{code}__judged"], row[f"{code}__infringing"]
        out.append(
            {
                "signal": label,
                "code": code,
                "judged": judged,
                "infringing": infringing,
                "precision": infringing / judged if judged else None,
            }
        )
    return out


def model_versions(limit: int = 20) -> QuerySet[ModelVersion]:
    return ModelVersion.objects.defer("blob").order_by("-created_at", "-id")[:limit]


# --- Transparency report ----------------------------------------------------------


def transparency(window: Window) -> dict:
    """The platform-wide report for ``window`` (a year or a month)."""
    complaints = Complaint.objects.filter(window.range("created_at"))
    by_kind = dict(complaints.values_list("kind").annotate(n=Count("id")).order_by())
    notices = {
        "total": sum(by_kind.values()),
        "by_kind": [(kind, label, by_kind.get(kind, 0)) for kind, label in ComplaintKind.choices],
        "fast_track": complaints.filter(fast_track=True).count(),
    }
    decisions = Decision.objects.filter(window.range("created_at"))
    decision_counts = decisions.aggregate(
        upheld=Count("id", filter=Q(outcome=Decision.Outcome.UPHELD)),
        rejected=Count("id", filter=Q(outcome=Decision.Outcome.REJECTED)),
        needs_info=Count("id", filter=Q(outcome=Decision.Outcome.NEEDS_INFO)),
        bad_faith=Count("id", filter=Q(bad_faith=True)),
        by_test_purchase=Count("id", filter=Q(source=Decision.Source.TEST_PURCHASE)),
        by_appraisal=Count("id", filter=Q(source=Decision.Source.APPRAISAL)),
    )
    first_decision = (
        Decision.objects.filter(
            complaint_id=OuterRef("pk"),
            outcome__in=[Decision.Outcome.UPHELD, Decision.Outcome.REJECTED],
        )
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )
    timing = (
        Complaint.objects.annotate(first_decided_at=Subquery(first_decision))
        .filter(window.range("first_decided_at"))
        .aggregate(
            n=Count("id"),
            median_hours=Median(_hours(F("first_decided_at") - F("created_at"))),
        )
    )
    actions = AuditEvent.objects.filter(window.range("created_at")).aggregate(
        delisted=Count("id", filter=Q(action="listing.delisted")),
        restored=Count("id", filter=Q(action="listing.restored")),
        shops_suspended=Count("id", filter=Q(action="shop.suspended")),
        filing_suspended=Count("id", filter=Q(action="organisation.filing_suspended")),
        misuse_warnings=Count("id", filter=Q(action="organisation.misuse_warning")),
        repeat_infringers=Count("id", filter=Q(action="seller.repeat_infringer")),
    )
    counter = CounterNotice.objects.aggregate(
        received=Count("id", filter=window.range("created_at")),
        accepted=Count(
            "id",
            filter=window.range("resolved_at") & Q(status=CounterNotice.Status.ACCEPTED),
        ),
        dismissed=Count(
            "id",
            filter=window.range("resolved_at") & Q(status=CounterNotice.Status.DISMISSED),
        ),
    )
    # Known-answer cases test jurors; they are not disputes.
    cases = AppraisalCase.objects.filter(known_answer="")
    appraisal = {
        "opened": cases.filter(window.range("created_at"), level=0).count(),
        "appeals": cases.filter(window.range("created_at"), level__gt=0).count(),
        **cases.filter(window.range("enforced_at"), status=CaseStatus.FINAL).aggregate(
            infringing=Count("id", filter=Q(final_verdict="infringing")),
            not_infringing=Count("id", filter=Q(final_verdict="not_infringing")),
        ),
        "returned": cases.filter(window.range("closed_at"), status=CaseStatus.RETURNED).count(),
    }
    return {
        "notices": notices,
        "decisions": decision_counts,
        "timing": timing,
        "actions": actions,
        "removals": removal_totals(PLATFORM, window),
        "counter_notices": counter,
        "appraisal": appraisal,
    }


# --- Portal home ------------------------------------------------------------------


def new_suspects_by_brand(user, since: datetime.datetime | None) -> list[dict]:
    brands = brands_for(user).values("id")
    rows = (
        Suspect.objects.filter(brand__in=brands, status=SuspectStatus.NEW)
        .values("brand_id", "brand__name")
        .annotate(
            total=Count("id"),
            since=Count("id", filter=Q(created_at__gt=since)) if since else Count("id"),
        )
        .order_by("-total", "brand__name")
    )
    return list(rows)


def complaints_needing_info(user) -> QuerySet[Complaint]:
    return (
        Complaint.objects.filter(
            organisation__in=organisation_ids_for(user), status=ComplaintStatus.NEEDS_INFO
        )
        .select_related("brand", "listing")
        .order_by("info_requested_at", "id")
    )


def decisions_since(user, since: datetime.datetime | None) -> QuerySet[Decision]:
    qs = Decision.objects.filter(complaint__organisation__in=organisation_ids_for(user))
    if since is not None:
        qs = qs.filter(created_at__gt=since)
    return qs.select_related("complaint", "complaint__brand", "complaint__listing").order_by(
        "-created_at", "-id"
    )


def sweeps_in_progress(user) -> QuerySet[ScanJob]:
    return (
        ScanJob.objects.filter(
            brand__in=brands_for(user).values("id"),
            status__in=[ScanStatus.QUEUED, ScanStatus.RUNNING],
        )
        .select_related("brand")
        .order_by("-created_at", "-id")
    )


def standings_for(user) -> list[dict]:
    from rightsholders.selectors import organisations_for

    orgs = organisations_for(user).select_related("complaint_standing").order_by("name")
    out = []
    for org in orgs:
        standing = getattr(org, "complaint_standing", None)
        out.append(
            {
                "organisation": org,
                "integrity_score": org.integrity_score,
                "fast_track": bool(standing and standing.fast_track),
                "cooldown_until": standing.cooldown_until if standing else None,
                "filing_suspended_until": org.filing_suspended_until,
            }
        )
    return out


def brand_get_for_results(user, brand_id) -> Brand:
    try:
        return results_brands_for(user).get(pk=int(brand_id))
    except (Brand.DoesNotExist, TypeError, ValueError):
        raise NotFound(gettext("No such brand.")) from None
