"""Tenancy-enforcing reads for complaints: brand staff see their
organisations' complaints, sellers the actions on their listings, reviewers
everything; anything else is 404."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from platform_core.errors import DomainError, NotFound
from platform_core.models import Role
from platform_core.params import as_id
from rightsholders.models import ReferenceImage
from rightsholders.selectors import organisation_ids_for

from .models import REVIEW_QUEUE_STATUSES, Complaint, ComplaintStatus, Evidence


def seller_visible_q() -> Q:
    """What a seller sees of complaints against their listings: those that
    acted on a listing or were decided, not ones still quietly under review."""
    return (
        Q(fast_track=True)
        | Q(decided_at__isnull=False)
        | Q(status__in=[ComplaintStatus.COUNTER_NOTICED, ComplaintStatus.IN_APPRAISAL])
    )


def complaints_for(user) -> QuerySet[Complaint]:
    qs = Complaint.objects.select_related(
        "organisation", "brand", "trademark", "listing", "listing__shop", "seller"
    )
    if not user.is_authenticated:
        return qs.none()
    if user.role == Role.REVIEWER:
        return qs
    if user.role == Role.BRAND:
        return qs.filter(organisation__in=organisation_ids_for(user))
    if user.role == Role.SELLER:
        return qs.filter(seller__user=user).filter(seller_visible_q())
    return qs.none()


def complaint_get_for_user(user, complaint_id) -> Complaint:
    try:
        return complaints_for(user).get(pk=int(complaint_id))
    except (Complaint.DoesNotExist, TypeError, ValueError):
        raise NotFound("No such complaint.") from None


def complaints_filtered(qs: QuerySet[Complaint], params) -> QuerySet[Complaint]:
    """The list's filters; a value naming something the user cannot see
    simply matches nothing."""
    fields: dict[str, list[str]] = {}
    if status := params.get("status"):
        statuses = [s for s in str(status).split(",") if s]
        if any(s not in ComplaintStatus.values for s in statuses):
            fields["status"] = [f"One of: {', '.join(ComplaintStatus.values)}."]
        else:
            qs = qs.filter(status__in=statuses)
    for name in ("brand", "listing", "organisation"):
        if value := params.get(name):
            pk = as_id(value)
            qs = qs.filter(**{f"{name}_id": pk}) if pk is not None else qs.none()
    if kind := params.get("kind"):
        qs = qs.filter(kind=kind)
    if fields:
        raise DomainError("Some filters are invalid.", code="validation_error", fields=fields)
    return qs


def review_queue(qs: QuerySet[Complaint] | None = None) -> QuerySet[Complaint]:
    """Reviewers' queue: fast-track complainants first, then by due time."""
    qs = qs if qs is not None else Complaint.objects.all()
    return qs.filter(status__in=REVIEW_QUEUE_STATUSES).order_by("-fast_track", "due_at", "id")


def evidence_get_for_user(user, complaint: Complaint, evidence_id) -> Evidence:
    """Brand staff and reviewers see all evidence; a seller sees their own."""
    qs = complaint.evidence.all()
    if user.role == Role.SELLER:
        qs = qs.filter(party=Evidence.Party.SELLER)
    try:
        return qs.get(pk=int(evidence_id))
    except (Evidence.DoesNotExist, TypeError, ValueError):
        raise NotFound("No such evidence.") from None


def matched_references(complaint: Complaint) -> list[ReferenceImage]:
    """The brand's reference images the detection evidence matched the listing
    against (``evidence.reference_image`` of its signals), each with
    ``matched_by`` (the signal code) and ``match_detail`` (its reason). Only
    the complaint's own brand's images: evidence naming any other is ignored."""
    signals: dict[int, dict] = {}
    for signal in complaint.detection_signals or []:
        evidence = signal.get("evidence") if isinstance(signal, dict) else None
        ref = evidence.get("reference_image") if isinstance(evidence, dict) else None
        if isinstance(ref, int) and not isinstance(ref, bool):
            signals.setdefault(ref, signal)
    if not signals:
        return []
    refs = list(
        ReferenceImage.objects.filter(pk__in=signals, brand_id=complaint.brand_id).select_related(
            "product_model"
        )
    )
    for ref in refs:
        ref.matched_by = signals[ref.pk].get("code", "")
        ref.match_detail = signals[ref.pk].get("detail", "")
    refs.sort(key=lambda r: list(signals).index(r.pk))
    return refs


def references_visible_to(user) -> bool:
    """The brand's reference library is its own: brand staff and reviewers
    see the matched images, the seller the statement that names the match."""
    return user.is_authenticated and user.role in (Role.BRAND, Role.REVIEWER)
