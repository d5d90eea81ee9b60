"""Tenancy-enforcing reads for detection: a brand's staff see their brands'
suspects and scans; reviewers see all."""

from __future__ import annotations

from django.db.models import QuerySet

from platform_core.errors import NotFound
from platform_core.models import Role
from platform_core.params import as_id
from rightsholders.selectors import brands_for

from .models import ScanJob, Suspect


def suspects_for(user) -> QuerySet[Suspect]:
    qs = Suspect.objects.select_related("listing", "listing__shop", "brand")
    if user.is_authenticated and user.role == Role.REVIEWER:
        return qs
    return qs.filter(brand__in=brands_for(user).values("id"))


def suspect_get_for_user(user, suspect_id) -> Suspect:
    try:
        return suspects_for(user).get(pk=int(suspect_id))
    except (Suspect.DoesNotExist, TypeError, ValueError):
        raise NotFound("No such suspect.") from None


def scans_for(user) -> QuerySet[ScanJob]:
    qs = ScanJob.objects.select_related("brand")
    if user.is_authenticated and user.role == Role.REVIEWER:
        return qs
    return qs.filter(brand__in=brands_for(user).values("id"))


def scan_get_for_user(user, scan_id) -> ScanJob:
    try:
        return scans_for(user).get(pk=int(scan_id))
    except (ScanJob.DoesNotExist, TypeError, ValueError):
        raise NotFound("No such scan.") from None


def suspects_filtered(qs: QuerySet[Suspect], params) -> QuerySet[Suspect]:
    """The queue's filters, shared by the API and the portal. Values that name
    nothing the user can see simply match nothing."""
    from platform_core.errors import DomainError

    fields: dict[str, list[str]] = {}
    if brand := params.get("brand"):
        qs = qs.filter(brand_id=pk) if (pk := as_id(brand)) is not None else qs.none()
    if status := params.get("status"):
        qs = qs.filter(status=status)
    if signal := params.get("signal"):
        qs = qs.filter(signals__contains=[{"code": signal}])
    if (min_score := params.get("min_score")) not in (None, ""):
        try:
            qs = qs.filter(score__gte=float(min_score))
        except ValueError:
            fields["min_score"] = ["A number between 0 and 1."]
    for name, lookup in (("since", "created_at__date__gte"), ("until", "created_at__date__lte")):
        if value := params.get(name):
            import datetime

            try:
                qs = qs.filter(**{lookup: datetime.date.fromisoformat(value)})
            except ValueError:
                fields[name] = ["A date like 2027-05-31."]
    if fields:
        raise DomainError("Some filters are invalid.", code="validation_error", fields=fields)
    return qs
