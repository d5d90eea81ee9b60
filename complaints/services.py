"""Complaints decided by the platform's rules: the one place each rule lives.

Filing, review decisions, requests for information, counter-notices, test
purchases and escalation all go through these functions, from the API, the
portal, the reviewer console and tasks alike. Each locks the complaint row
(``select_for_update``), checks ``TRANSITIONS``, writes a ``ComplaintEvent``
and an audit event, and takes its consequences (delisting, strikes,
integrity, notices, webhooks) in the same transaction.

Lock order, to stay free of deadlocks: complaint, then listing, then the
complainant's standing.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from detection.models import SignalCode, Suspect
from detection.services import suspect_mark_complained
from marketplace import services as marketplace_services
from marketplace.models import Listing, ListingStatus, Seller, Shop, ShopStatus
from notifications.services import notify, webhook_emit
from platform_core.audit import audit
from platform_core.errors import Conflict, DomainError, Forbidden
from platform_core.files import validate_document
from platform_core.models import AuditEvent, Role, User
from rightsholders.models import (
    Authorisation,
    Brand,
    CredentialStatus,
    IntegrityEvent,
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Trademark,
)
from rightsholders.services import integrity_record

from .models import (
    DECIDABLE_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    WITHDRAWABLE_STATUSES,
    ComplainantStanding,
    Complaint,
    ComplaintEvent,
    ComplaintKind,
    ComplaintStatus,
    CounterNotice,
    Decision,
    EnforcementPolicy,
    Evidence,
    InfoRequest,
    RepeatInfringerSuspension,
    Strike,
    TestPurchase,
)

MAX_EVIDENCE_FILES = 10
MAX_TEXT = 10_000

# Marketplace categories and the Nice classes that cover their goods: the
# trademark chosen for a one-click complaint is one registered for them.
CATEGORY_CLASSES = {
    "bags": {18},
    "leather": {18},
    "luggage": {18},
    "shoes": {25},
    "footwear": {25},
    "clothing": {25},
    "apparel": {25},
    "sportswear": {25},
    "hats": {25},
    "cosmetics": {3},
    "beauty": {3},
    "perfume": {3},
    "watches": {14},
    "jewellery": {14},
    "jewelry": {14},
    "electronics": {9},
    "phones": {9},
    "toys": {28},
    "sports": {28},
}


# --- Rules and statements of reasons ----------------------------------------------

RULES = {
    ComplaintKind.COUNTERFEIT: (
        "Platform rule 3.1 (counterfeit goods): a listing offering goods that bear a "
        "registered trademark, or a sign indistinguishable from it, without the holder's "
        "consent is removed, and the seller receives a strike."
    ),
    ComplaintKind.TRADEMARK_MISUSE: (
        "Platform rule 3.2 (trademark misuse): a listing may not use a registered trademark "
        "in its title, description or images for goods the holder did not put on the market; "
        "such a listing is removed, and the seller receives a strike."
    ),
    ComplaintKind.SHANZHAI: (
        "Platform rule 3.3 (lookalike marks): a listing using a sign confusingly similar to a "
        "registered trademark for the same class of goods is removed, and the seller "
        "receives a strike."
    ),
    ComplaintKind.IMAGE_THEFT: (
        "Platform rule 3.4 (images): a listing using the rights holder's product or brand "
        "images to sell goods the holder did not make is removed, and the seller receives "
        "a strike."
    ),
    ComplaintKind.OTHER: (
        "Platform rule 3.5 (other infringements of a registered trademark): a listing shown "
        "to infringe the right asserted is removed, and the seller receives a strike."
    ),
}
RULE_REJECTED = (
    "Platform rule 4.1: a complaint is rejected when the evidence does not establish that "
    "the listing infringes the right asserted; the listing stays online or is restored."
)
RULE_UNFOUNDED = (
    "Platform rule 4.2 (manifestly unfounded complaints): a complaint that plainly has no "
    "basis lowers the complainant's integrity score; repeated ones suspend filing."
)
RULE_NEEDS_INFO = (
    "Platform rule 2.3: a complaint must establish the right and the infringement; the "
    "reviewer may ask the complainant for what is missing before deciding."
)
RULE_FAST_TRACK = (
    "Platform rule 2.5 (good-faith fast track): a listing named in a complaint by a "
    "complainant with a record of accurate complaints is taken down at filing, pending "
    "the platform's review; if the review rejects the complaint the listing is restored."
)
RULE_COUNTER_NOTICE = (
    "Platform rule 5.1 (counter-notices): a seller may contest a takedown; a successful "
    "counter-notice restores the listing, voids the strike and counts against the "
    "complainant's accuracy."
)


@dataclass
class _Outcome:
    """What a decision did, for its statement of reasons."""

    remedies: list[str]

    def add(self, text: str) -> None:
        self.remedies.append(text)


def _facts(complaint: Complaint, extra: Sequence[str] = ()) -> str:
    tm = complaint.trademark
    listing = complaint.listing
    lines = [
        f"Complaint #{complaint.pk} by {complaint.organisation.name} for the brand "
        f"{complaint.brand.name}, filed {complaint.created_at:%Y-%m-%d %H:%M} UTC: "
        f"{complaint.get_kind_display().lower()}.",
        f"Right asserted: trademark {tm.jurisdiction} {tm.registration_number} (Nice classes "
        f"{', '.join(str(c) for c in tm.nice_classes)}), in force until {tm.expires_on}.",
        f'Listing {listing.external_id} "{listing.title}" in the shop {listing.shop.name} '
        f"({listing.shop.external_id}), offered at {listing.price} {listing.currency}.",
        f"The complainant states: {complaint.description}",
    ]
    if complaint.detection_signals:
        details = "; ".join(
            f"{s.get('code')}: {s.get('detail')}" for s in complaint.detection_signals
        )
        lines.append(f"Detection evidence (score {complaint.detection_score or 0:.2f}): {details}.")
    lines.extend(extra)
    return "\n".join(lines)


def takedown_statement(complaint: Complaint) -> dict | None:
    """The statement of reasons for a fast-track takedown, which acts on the
    listing before any decision: facts, rule and remedy, as the seller is
    sent them. None when there is no such takedown, or once a decision (upheld
    or rejected) or a withdrawal speaks for itself."""
    if not (
        complaint.fast_track
        and complaint.holds_listing
        and complaint.decided_at is None
        and complaint.status in OPEN_STATUSES
    ):
        return None
    return {
        "facts": _facts(complaint),
        "rule": RULE_FAST_TRACK,
        "remedy": (
            f"The listing {complaint.listing.external_id} is taken down pending review. A "
            f"reviewer decides within {settings.COMPLAINT_REVIEW_TARGET_HOURS} hours of filing; "
            "if the complaint is rejected or withdrawn the listing is restored. If it is upheld "
            "you may file a counter-notice."
        ),
    }


def statement_text(decision: Decision) -> str:
    """The statement of reasons as sent: facts, rule, remedy."""
    return (
        f"Outcome: {decision.get_outcome_display()}.\n\n"
        f"Facts:\n{decision.facts}\n\n"
        f"Rule applied:\n{decision.rule}\n\n"
        f"Remedy:\n{decision.remedy}"
    )


# --- Helpers --------------------------------------------------------------------------


def _now() -> datetime.datetime:
    return timezone.now()


def _due(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or _now()) + datetime.timedelta(hours=settings.COMPLAINT_REVIEW_TARGET_HOURS)


def _portal_url(name: str, *args) -> str:
    try:
        return reverse(f"portal:{name}", args=args)
    except NoReverseMatch:
        return ""


def _require_reviewer(user: User) -> None:
    if user is None or user.role != Role.REVIEWER:
        raise Forbidden(gettext("Only platform reviewers may take this decision."))


def _require_member(user: User, organisation: Organisation) -> None:
    if (
        user.role != Role.BRAND
        or not Membership.objects.filter(user=user, organisation=organisation).exists()
    ):
        raise Forbidden(gettext("Only the complainant organisation's staff may do this."))


def _members(organisation: Organisation) -> list[User]:
    return list(
        User.objects.filter(memberships__organisation=organisation, is_active=True).distinct()
    )


def _seller_users(complaint: Complaint) -> list[User]:
    user = complaint.seller.user
    return [user] if user is not None else []


def _locked(complaint: Complaint | int) -> Complaint:
    """The complaint, row-locked. Its organisation is locked first: suspending an
    organisation locks it and then its complaints, and every path must take the
    two in that order or the two transactions can deadlock."""
    pk = complaint.pk if isinstance(complaint, Complaint) else complaint
    org_id = Complaint.objects.filter(pk=pk).values_list("organisation_id", flat=True).first()
    if org_id is None:
        raise Complaint.DoesNotExist
    list(Organisation.objects.select_for_update().filter(pk=org_id).values_list("pk", flat=True))
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related(
            "organisation", "brand", "trademark", "listing", "listing__shop", "seller__user"
        )
        .get(pk=pk)
    )


def _transition(
    complaint: Complaint, to: str, *, actor: User | None, reason: str = "", fields=()
) -> None:
    """Move a locked complaint to ``to`` if the map allows it; save ``fields``
    too, and record the change."""
    previous = complaint.status
    if to not in TRANSITIONS[previous]:
        raise Conflict(
            gettext("A complaint that is %(status)s cannot become %(to)s.")
            % {
                "status": complaint.get_status_display().lower(),
                "to": ComplaintStatus(to).label.lower(),
            },
            code="invalid_transition",
            extra={"status": previous},
        )
    complaint.status = to
    complaint.save(update_fields=["status", "updated_at", *fields])
    ComplaintEvent.objects.create(
        complaint=complaint, from_status=previous, to_status=to, actor=actor, reason=reason
    )
    audit(actor=actor, action=f"complaint.{to}", target=complaint, reason=reason, previous=previous)


def _save_evidence(
    complaint: Complaint, files: Iterable[UploadedFile], *, party: str, user: User | None
) -> list[Evidence]:
    files = list(files or [])
    if len(files) > MAX_EVIDENCE_FILES:
        raise DomainError(
            gettext("At most %(n)s evidence files.") % {"n": MAX_EVIDENCE_FILES},
            fields={"evidence": [gettext("At most %(n)s files.") % {"n": MAX_EVIDENCE_FILES}]},
        )
    saved = []
    for upload in files:
        validate_document(upload, field="evidence")
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        saved.append(
            Evidence.objects.create(
                complaint=complaint,
                party=party,
                file=upload,
                name=(upload.name or "evidence")[:200],
                sha256=digest.hexdigest(),
                uploaded_by=user,
            )
        )
    return saved


# How the free-text fields are named in messages people read.
TEXT_FIELD_NAMES = {
    "description": gettext_lazy("description"),
    "reason": gettext_lazy("reason"),
    "answer": gettext_lazy("answer"),
    "explanation": gettext_lazy("explanation"),
    "buyer": gettext_lazy("buyer"),
    "appraiser": gettext_lazy("appraiser"),
    "report": gettext_lazy("report"),
}


def _clean_text(value: str, field: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    name = TEXT_FIELD_NAMES.get(field, field)
    if required and not value:
        raise DomainError(
            gettext("The %(field)s is required.") % {"field": name},
            fields={field: [gettext("This field is required.")]},
        )
    if len(value) > MAX_TEXT:
        raise DomainError(
            gettext("The %(field)s is too long.") % {"field": name},
            fields={field: [gettext("At most %(n)s characters.") % {"n": MAX_TEXT}]},
        )
    return value


def _listing_payload(listing: Listing) -> dict:
    return {
        "id": listing.pk,
        "external_id": listing.external_id,
        "shop_external_id": listing.shop.external_id,
        "status": listing.status,
    }


def _complaint_payload(complaint: Complaint) -> dict:
    return {
        "id": complaint.pk,
        "status": complaint.status,
        "brand": complaint.brand_id,
        "listing": _listing_payload(complaint.listing),
        "kind": complaint.kind,
    }


# --- The repeat-infringer and misuse policy -----------------------------------------

POLICY_FIELDS = (
    "repeat_infringer_strikes",
    "repeat_infringer_window_days",
    "misuse_window_days",
    "misuse_warning_at",
    "misuse_suspend_at",
    "misuse_suspension_days",
)


def enforcement_policy() -> EnforcementPolicy:
    """The policy row; created on first use from the settings of the same
    names (``REPEAT_INFRINGER_STRIKES`` …), which are its defaults only."""
    policy, _created = EnforcementPolicy.objects.get_or_create(
        pk=1, defaults={name: getattr(settings, name.upper()) for name in POLICY_FIELDS}
    )
    return policy


def enforcement_policy_errors(values: dict) -> dict[str, list[str]]:
    """What is wrong with proposed policy values, by field; empty when valid."""
    errors: dict[str, list[str]] = {}
    for name in POLICY_FIELDS:
        value = values.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            errors[name] = [gettext("A whole number of at least 1.")]
        elif value > 32767:
            errors[name] = [gettext("At most 32767.")]
    warning, suspend = values.get("misuse_warning_at"), values.get("misuse_suspend_at")
    both_valid = "misuse_warning_at" not in errors and "misuse_suspend_at" not in errors
    if both_valid and suspend <= warning:
        errors["misuse_suspend_at"] = [
            gettext(
                "Filing is suspended only after a warning: this must be more than "
                "the warning count (%(warning)s)."
            )
            % {"warning": warning}
        ]
    return errors


@transaction.atomic
def enforcement_policy_update(*, user: User, **values: int) -> EnforcementPolicy:
    """A reviewer changes the repeat-infringer and misuse policy. It applies to
    the next strike and the next manifestly unfounded complaint; every change
    is audited with the values before and after."""
    _require_reviewer(user)
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise DomainError(
            gettext("Unknown policy fields."), fields={name: ["Unknown field."] for name in unknown}
        )
    policy = EnforcementPolicy.objects.select_for_update().get(pk=enforcement_policy().pk)
    proposed = {name: values.get(name, getattr(policy, name)) for name in POLICY_FIELDS}
    if errors := enforcement_policy_errors(proposed):
        raise DomainError(gettext("The policy values are not valid."), fields=errors)
    previous = {name: getattr(policy, name) for name in POLICY_FIELDS}
    changed = {name: value for name, value in proposed.items() if previous[name] != value}
    if not changed:
        return policy
    for name, value in changed.items():
        setattr(policy, name, value)
    policy.save()
    audit(
        actor=user,
        action="complaints.policy_changed",
        target=policy,
        reason=", ".join(f"{name}: {previous[name]} → {value}" for name, value in changed.items()),
        previous={name: previous[name] for name in changed},
        current=changed,
    )
    return policy


# --- Standing: who may file, fast track -----------------------------------------------


def standing_for(organisation: Organisation, *, lock: bool = False) -> ComplainantStanding:
    standing, _ = ComplainantStanding.objects.get_or_create(organisation=organisation)
    if lock:
        standing = ComplainantStanding.objects.select_for_update().get(pk=standing.pk)
    return standing


def filing_refusal(organisation: Organisation) -> DomainError | None:
    """Why the organisation may not file now, or None."""
    if organisation.status == OrganisationStatus.SUSPENDED:
        return Forbidden(
            gettext("The organisation is suspended and may not file complaints."),
            code="organisation_suspended",
        )
    if organisation.status != OrganisationStatus.VERIFIED:
        return Forbidden(
            gettext("Only verified organisations file complaints; this one is %(status)s.")
            % {"status": organisation.get_status_display().lower()},
            code="organisation_not_verified",
        )
    until = organisation.filing_suspended_until
    if until and until > _now():
        return Forbidden(
            gettext(
                "Filing is suspended until %(until)s UTC for repeated manifestly unfounded "
                "complaints."
            )
            % {"until": f"{until:%Y-%m-%d %H:%M}"},
            code="filing_suspended",
            extra={"filing_suspended_until": until.isoformat()},
        )
    return None


def _check_trademark(brand: Brand, trademark: Trademark) -> None:
    if trademark.brand_id != brand.pk:
        raise DomainError(
            gettext("The trademark is not one of this brand's."),
            code="trademark_not_brands",
            fields={"trademark": [gettext("Not a trademark of this brand.")]},
        )
    if trademark.status != CredentialStatus.VERIFIED:
        raise DomainError(
            gettext("The trademark has not been verified."),
            code="trademark_not_verified",
            fields={"trademark": [gettext("Not verified.")]},
        )
    if trademark.expires_on < timezone.localdate():
        raise DomainError(
            gettext("The trademark expired on %(date)s.") % {"date": trademark.expires_on},
            code="trademark_expired",
            fields={"trademark": [gettext("Expired.")]},
        )


def covering_trademark(brand: Brand, listing: Listing) -> Trademark:
    """The brand's trademark in force for the listing: one registered for the
    listing's category when there is one, the longest-lived otherwise."""
    in_force = list(
        Trademark.objects.filter(
            brand=brand,
            status=CredentialStatus.VERIFIED,
            expires_on__gte=timezone.localdate(),
        ).order_by("-expires_on", "-id")
    )
    if not in_force:
        raise DomainError(
            gettext("The brand has no verified trademark in force to base a complaint on."),
            code="no_trademark_in_force",
            fields={"trademark": [gettext("No verified trademark in force.")]},
        )
    classes = CATEGORY_CLASSES.get((listing.category or "").strip().lower(), set())
    for tm in in_force:
        if classes & set(tm.nice_classes):
            return tm
    return in_force[0]


def _check_agent(organisation: Organisation, brand: Brand) -> None:
    if organisation.kind != OrganisationKind.AGENT:
        return
    if not Authorisation.objects.filter(
        organisation=organisation,
        brand=brand,
        status=CredentialStatus.VERIFIED,
        valid_until__gte=timezone.localdate(),
    ).exists():
        raise Forbidden(
            gettext("An agent needs a verified authorisation in force for this brand to file."),
            code="authorisation_missing",
        )


def _kind_from_signals(signals: list[dict]) -> str:
    codes = {s.get("code") for s in signals}
    if SignalCode.LOOKALIKE_NAME in codes:
        return ComplaintKind.SHANZHAI
    if codes and codes <= {SignalCode.IMAGE_MATCH, SignalCode.MODEL_SCORE}:
        return ComplaintKind.IMAGE_THEFT
    return ComplaintKind.COUNTERFEIT


# --- Filing -----------------------------------------------------------------------------


@transaction.atomic
def complaint_file(
    *,
    user: User,
    brand: Brand,
    listing: Listing,
    kind: str,
    description: str,
    trademark: Trademark | None = None,
    suspect: Suspect | None = None,
    evidence: Sequence[UploadedFile] = (),
) -> Complaint:
    """File a complaint against ``listing`` for ``brand``.

    Refused when the organisation is not verified, is suspended or may not
    file for misuse; when the trademark is not the brand's, not verified or
    expired; when the listing is already delisted; or when the brand already
    has an open complaint on the listing (409 naming it). A fast-track
    complainant's listing comes down at filing, pending review.
    """
    organisation = brand.organisation
    _require_member(user, organisation)
    if refusal := filing_refusal(organisation):
        raise refusal
    _check_agent(organisation, brand)
    if kind not in ComplaintKind.values:
        raise DomainError(
            gettext("Unknown complaint kind."), fields={"kind": [gettext("Not a valid choice.")]}
        )
    description = _clean_text(description, "description")
    if trademark is None:
        trademark = covering_trademark(brand, listing)
    else:
        _check_trademark(brand, trademark)

    # The listing's row lock serialises filings on it: two concurrent filings
    # by the same brand see each other, so only one complaint is created.
    listing = (
        Listing.objects.select_for_update(of=("self",))
        .select_related("shop__seller")
        .get(pk=listing.pk)
    )
    if listing.status == ListingStatus.DELISTED:
        raise Conflict(gettext("The listing is already delisted."), code="listing_delisted")
    existing = (
        Complaint.objects.filter(brand=brand, listing=listing, status__in=OPEN_STATUSES)
        .order_by("pk")
        .first()
    )
    if existing is not None:
        raise Conflict(
            gettext("Complaint #%(id)s by this brand on this listing is still open.")
            % {"id": existing.pk},
            code="duplicate_complaint",
            extra={"complaint": existing.pk},
        )
    if suspect is None:
        suspect = Suspect.objects.filter(listing=listing, brand=brand).first()
    now = _now()
    standing = standing_for(organisation)
    complaint = Complaint.objects.create(
        organisation=organisation,
        brand=brand,
        trademark=trademark,
        listing=listing,
        seller=listing.shop.seller,
        suspect=suspect,
        kind=kind,
        description=description,
        detection_score=suspect.score if suspect else None,
        detection_signals=suspect.signals if suspect else [],
        filed_by=user,
        fast_track=standing.fast_track,
        due_at=_due(now),
    )
    ComplaintEvent.objects.create(
        complaint=complaint, to_status=ComplaintStatus.SUBMITTED, actor=user, reason="Filed."
    )
    audit(
        actor=user,
        action="complaint.filed",
        target=complaint,
        listing=listing.pk,
        fast_track=standing.fast_track,
    )
    _save_evidence(complaint, evidence, party=Evidence.Party.BRAND, user=user)
    if suspect is not None:
        suspect_mark_complained(suspect=suspect, user=user)
    complaint.listing = listing

    if standing.fast_track:
        # Good-faith fast track: down now, put back as it was (live, or held
        # by detection) if the review rejects it.
        complaint.listing_prior_status = listing.status
        marketplace_services.listing_delist(
            listing=listing,
            actor=user,
            reason=f"Fast-track takedown pending review of complaint #{complaint.pk}.",
        )
        complaint.holds_listing = True
        complaint.save(update_fields=["holds_listing", "listing_prior_status"])
        listing.refresh_from_db()
        statement = takedown_statement(complaint)
        notify(
            users=_seller_users(complaint),
            kind="complaint.fast_track_takedown",
            title=f"Listing {listing.external_id} taken down pending review",
            body=(
                f'Your listing "{listing.title}" was taken down pending review of a '
                f"{complaint.get_kind_display().lower()} complaint by {brand.name} "
                f"(complaint #{complaint.pk}).\n\n"
                f"Facts:\n{statement['facts']}\n\n"
                f"Rule applied:\n{statement['rule']}\n\n"
                f"Remedy:\n{statement['remedy']}"
            ),
            url=_portal_url("seller-action", complaint.pk),
            target=complaint,
        )
        webhook_emit(
            event="listing.delisted",
            data={
                "listing": _listing_payload(listing),
                "complaint": complaint.pk,
                "reason": "fast_track_pending_review",
            },
            marketplace=True,
        )
    webhook_emit(
        event="complaint.filed", data=_complaint_payload(complaint), organisation=organisation
    )
    return complaint


@transaction.atomic
def complaint_file_from_suspect(
    *,
    user: User,
    suspect: Suspect,
    kind: str | None = None,
    description: str = "",
    evidence: Sequence[UploadedFile] = (),
) -> Complaint:
    """One click: brand, covering trademark, listing and detection evidence
    come from the suspect; filing implies the brand's infringing judgment."""
    suspect = Suspect.objects.select_related("brand__organisation", "listing").get(pk=suspect.pk)
    signals = suspect.signals or []
    if not description.strip():
        details = "; ".join(f"{s.get('code')}: {s.get('detail')}" for s in signals)
        description = (
            f"Identified by {suspect.brand.name}'s brand protection team as infringing. "
            f"CoGuard detection scored the listing {suspect.score:.2f}"
            + (f" ({details})." if details else ".")
        )
    return complaint_file(
        user=user,
        brand=suspect.brand,
        listing=suspect.listing,
        kind=kind or _kind_from_signals(signals),
        description=description,
        suspect=suspect,
        evidence=evidence,
    )


@dataclass
class BulkRow:
    """One row of a bulk filing, already parsed by the caller."""

    suspect: Suspect | None = None
    brand: Brand | None = None
    listing: Listing | None = None
    trademark: Trademark | None = None
    kind: str = ""
    description: str = ""
    error: DomainError | None = None


def complaints_file_bulk(*, user: User, rows: Sequence[BulkRow]) -> list[Complaint | DomainError]:
    """File each row on its own (its own transaction): a refused row never
    sinks the others. Answers one complaint or one error per row, in order."""
    if len(rows) > settings.COMPLAINT_BULK_MAX:
        raise DomainError(
            gettext("At most %(n)s complaints per request.") % {"n": settings.COMPLAINT_BULK_MAX},
            code="too_many_items",
        )
    results: list[Complaint | DomainError] = []
    for row in rows:
        if row.error is not None:
            results.append(row.error)
            continue
        try:
            if row.suspect is not None:
                results.append(
                    complaint_file_from_suspect(
                        user=user,
                        suspect=row.suspect,
                        kind=row.kind or None,
                        description=row.description,
                    )
                )
            else:
                results.append(
                    complaint_file(
                        user=user,
                        brand=row.brand,
                        listing=row.listing,
                        trademark=row.trademark,
                        kind=row.kind,
                        description=row.description,
                    )
                )
        except DomainError as exc:
            results.append(exc)
    return results


# --- Review ----------------------------------------------------------------------------


@transaction.atomic
def complaint_start_review(*, reviewer: User, complaint: Complaint) -> Complaint:
    """A reviewer takes the complaint: it is under review, and theirs."""
    _require_reviewer(reviewer)
    c = _locked(complaint)
    if c.status not in DECIDABLE_STATUSES:
        # A question waits on the brand (its answer restarts the clock), a jury
        # or a decision has the complaint: nothing for a reviewer to take.
        raise Conflict(
            gettext(
                "Complaint #%(id)s is %(status)s; only a complaint awaiting review can be taken."
            )
            % {"id": c.pk, "status": c.get_status_display().lower()},
            code="invalid_transition",
            extra={"status": c.status},
        )
    c.reviewer = reviewer
    if c.status != ComplaintStatus.SUBMITTED:
        # Under review, or counter-noticed (it keeps that status until re-decided).
        c.save(update_fields=["reviewer", "updated_at"])
        audit(actor=reviewer, action="complaint.assigned", target=c)
        return c
    _transition(
        c,
        ComplaintStatus.UNDER_REVIEW,
        actor=reviewer,
        reason="Review started.",
        fields=["reviewer"],
    )
    return c


@transaction.atomic
def complaint_decide(
    *, reviewer: User, complaint: Complaint, outcome: str, reason: str, bad_faith: bool = False
) -> Complaint:
    """A reviewer upholds, rejects or asks for more information, with a reason.

    From ``submitted`` or ``under_review``, and from ``counter_noticed`` for
    the re-decision after a seller's counter-notice (rejecting then means the
    counter-notice succeeded). Two reviewers deciding at once: the row lock
    makes the second one see the first decision and answer 409.
    """
    _require_reviewer(reviewer)
    reason = _clean_text(reason, "reason")
    if outcome not in Decision.Outcome.values:
        raise DomainError(
            gettext("Outcome must be upheld, rejected or needs_info."),
            fields={"outcome": [gettext("Not a valid choice.")]},
        )
    if bad_faith and outcome != Decision.Outcome.REJECTED:
        raise DomainError(
            gettext("Only a rejected complaint can be marked manifestly unfounded."),
            fields={"bad_faith": [gettext("Only with outcome rejected.")]},
        )
    c = _locked(complaint)
    if c.status not in DECIDABLE_STATUSES:
        raise Conflict(
            gettext("Complaint #%(id)s is %(status)s and cannot be decided now.")
            % {"id": c.pk, "status": c.get_status_display().lower()},
            code="invalid_transition",
            extra={"status": c.status},
        )
    if c.test_purchases.filter(status=TestPurchase.Status.ORDERED).exists():
        raise Conflict(
            gettext("A test purchase is under way; record its result first."),
            code="test_purchase_under_way",
        )
    c.reviewer = reviewer
    if outcome == Decision.Outcome.UPHELD:
        _uphold(c, actor=reviewer, reason=reason, source=Decision.Source.REVIEWER)
    elif outcome == Decision.Outcome.REJECTED:
        _reject(
            c, actor=reviewer, reason=reason, bad_faith=bad_faith, source=Decision.Source.REVIEWER
        )
    else:
        _ask_info(c, actor=reviewer, question=reason)
    return c


def _send_decision(c: Complaint, decision: Decision, *, to_seller: bool = True) -> None:
    text = statement_text(decision)
    outcome = decision.get_outcome_display().lower()
    title = f"Complaint #{c.pk} on listing {c.listing.external_id}: {outcome}"
    notify(
        users=_members(c.organisation),
        kind=f"complaint.{decision.outcome}",
        title=title,
        body=text,
        url=_portal_url("complaint", c.pk),
        target=c,
    )
    if to_seller:
        notify(
            users=_seller_users(c),
            kind=f"complaint.{decision.outcome}",
            title=title,
            body=text,
            url=_portal_url("seller-action", c.pk),
            target=c,
        )
    webhook_emit(
        event="complaint.needs_info"
        if decision.outcome == Decision.Outcome.NEEDS_INFO
        else "complaint.decided",
        data={
            **_complaint_payload(c),
            "decision": {
                "outcome": decision.outcome,
                "reason": decision.reason,
                "bad_faith": decision.bad_faith,
                "facts": decision.facts,
                "rule": decision.rule,
                "remedy": decision.remedy,
            },
        },
        organisation=c.organisation,
    )


def _uphold(
    c: Complaint, *, actor: User | None, reason: str, source: str, facts: Sequence[str] = ()
) -> Decision:
    """Uphold a locked complaint: delist, strike, integrity, notices."""
    now = _now()
    pending_cn = _pending_counter_notice(c)
    out = _Outcome([])
    fields = ["decided_at", "reviewer", "holds_listing"]
    c.decided_at = now
    if pending_cn is None:
        c.counter_notice_deadline = now + datetime.timedelta(
            days=settings.COUNTER_NOTICE_WINDOW_DAYS
        )
        fields.append("counter_notice_deadline")
    listing = Listing.objects.select_for_update(of=("self",)).get(pk=c.listing_id)
    if listing.status != ListingStatus.DELISTED:
        c.listing_prior_status = listing.status
        fields.append("listing_prior_status")
        marketplace_services.listing_delist(
            listing=listing, actor=actor, reason=f"Complaint #{c.pk} upheld: {reason}"
        )
        c.holds_listing = True
        webhook_emit(
            event="listing.delisted",
            data={
                "listing": {**_listing_payload(listing), "status": ListingStatus.DELISTED},
                "complaint": c.pk,
                "reason": "complaint_upheld",
            },
            marketplace=True,
        )
        out.add(f"The listing {listing.external_id} is delisted.")
    elif c.holds_listing:
        out.add(f"The listing {listing.external_id}, taken down at filing, stays delisted.")
    else:
        # Down already because another complaint stands: this one keeps it down
        # too, so that complaint's counter-notice alone cannot bring it back.
        if Complaint.objects.filter(listing=listing, holds_listing=True).exclude(pk=c.pk).exists():
            c.holds_listing = True
        out.add(f"The listing {listing.external_id} was already delisted and stays so.")
    _transition(c, ComplaintStatus.UPHELD, actor=actor, reason=reason, fields=fields)
    c.listing.refresh_from_db()

    if pending_cn is not None:
        pending_cn.status = CounterNotice.Status.DISMISSED
        pending_cn.resolved_at = now
        pending_cn.save(update_fields=["status", "resolved_at"])
        audit(actor=actor, action="counter_notice.dismissed", target=c, reason=reason)
        out.add("The seller's counter-notice is dismissed: the takedown stands.")
    _strike, created = Strike.objects.get_or_create(seller=c.seller, complaint=c)
    if created:
        policy = enforcement_policy()
        count = _active_strikes(c.seller, now, policy)
        out.add(
            f"A strike is recorded against the seller ({count} of "
            f"{policy.repeat_infringer_strikes} within "
            f"{policy.repeat_infringer_window_days} days before the shop is suspended)."
        )
        if settings.COMPLAINT_UPHELD_DELTA:
            integrity_record(
                organisation=c.organisation,
                kind=IntegrityEvent.Kind.COMPLAINT_UPHELD,
                delta=settings.COMPLAINT_UPHELD_DELTA,
                reason=f"Complaint #{c.pk} upheld.",
                actor=actor,
            )
    if pending_cn is None:
        out.add(
            "The seller may file a counter-notice until "
            f"{c.counter_notice_deadline:%Y-%m-%d %H:%M} UTC."
        )
    decision = Decision.objects.create(
        complaint=c,
        outcome=Decision.Outcome.UPHELD,
        source=source,
        decided_by=actor,
        reason=reason,
        on_counter_notice=pending_cn is not None,
        facts=_facts(c, [*_counter_notice_facts(pending_cn), *facts, f"Findings: {reason}"]),
        rule=RULES[c.kind] + (f"\n{RULE_COUNTER_NOTICE}" if pending_cn else ""),
        remedy=" ".join(out.remedies),
    )
    _send_decision(c, decision)
    if created:
        _repeat_infringer_check(c.seller, actor=actor, now=now)
    standing_evaluate(organisation=c.organisation)
    return decision


def _reject(
    c: Complaint,
    *,
    actor: User | None,
    reason: str,
    bad_faith: bool,
    source: str,
    facts: Sequence[str] = (),
) -> Decision:
    """Reject a locked complaint: restore what it took down, account for a
    successful counter-notice or a manifestly unfounded complaint."""
    now = _now()
    pending_cn = _pending_counter_notice(c)
    out = _Outcome([])
    c.decided_at = now
    c.bad_faith = bad_faith
    if pending_cn is not None:
        # First: voiding the strike may lift the shop's suspension, which
        # would otherwise keep this complaint's listing down.
        _counter_notice_succeeds(c, pending_cn, actor=actor, now=now)
    restored = _release_listing(c, actor=actor, reason=f"Complaint #{c.pk} rejected: {reason}")
    if restored:
        out.add(f"The listing {c.listing.external_id} is restored.")
    elif c.listing.status == ListingStatus.DELISTED:
        out.add(f"The listing {c.listing.external_id} stays delisted for other reasons.")
    else:
        out.add(f"The listing {c.listing.external_id} stays online.")
    _transition(
        c,
        ComplaintStatus.REJECTED,
        actor=actor,
        reason=reason,
        fields=["decided_at", "reviewer", "bad_faith", "holds_listing"],
    )
    if pending_cn is not None:
        out.add(
            "The seller's counter-notice succeeds: the strike is voided and the complaint "
            "counts against the complainant's accuracy "
            f"(integrity {settings.COMPLAINT_COUNTER_NOTICE_DELTA:+d})."
        )
    if bad_faith:
        integrity_record(
            organisation=c.organisation,
            kind=IntegrityEvent.Kind.UNFOUNDED,
            delta=settings.COMPLAINT_UNFOUNDED_DELTA,
            reason=f"Complaint #{c.pk} rejected as manifestly unfounded: {reason}",
            actor=actor,
        )
        out.add(
            "The complaint is manifestly unfounded: the complainant's integrity score changes "
            f"by {settings.COMPLAINT_UNFOUNDED_DELTA:+d}."
        )
    elif settings.COMPLAINT_REJECTED_DELTA and pending_cn is None:
        integrity_record(
            organisation=c.organisation,
            kind=IntegrityEvent.Kind.COMPLAINT_REJECTED,
            delta=settings.COMPLAINT_REJECTED_DELTA,
            reason=f"Complaint #{c.pk} rejected.",
            actor=actor,
        )
    rule = RULE_REJECTED
    if bad_faith:
        rule += f"\n{RULE_UNFOUNDED}"
    if pending_cn is not None:
        rule += f"\n{RULE_COUNTER_NOTICE}"
    decision = Decision.objects.create(
        complaint=c,
        outcome=Decision.Outcome.REJECTED,
        source=source,
        decided_by=actor,
        reason=reason,
        bad_faith=bad_faith,
        on_counter_notice=pending_cn is not None,
        facts=_facts(c, [*_counter_notice_facts(pending_cn), *facts, f"Findings: {reason}"]),
        rule=rule,
        remedy=" ".join(out.remedies),
    )
    _send_decision(c, decision)
    if bad_faith:
        _misuse_check(c.organisation, actor=actor, now=now)
    standing_evaluate(organisation=c.organisation)
    return decision


def _ask_info(c: Complaint, *, actor: User, question: str) -> Decision:
    now = _now()
    c.info_requested_at = now
    c.due_at = None  # the clock stops while the brand answers
    _transition(
        c,
        ComplaintStatus.NEEDS_INFO,
        actor=actor,
        reason=question,
        fields=["info_requested_at", "due_at", "reviewer"],
    )
    InfoRequest.objects.create(complaint=c, question=question, asked_by=actor)
    deadline = now + datetime.timedelta(days=settings.COMPLAINT_NEEDS_INFO_DAYS)
    listing_note = (
        "The listing stays down meanwhile (fast-track takedown)."
        if c.holds_listing
        else "No action is taken on the listing meanwhile."
    )
    decision = Decision.objects.create(
        complaint=c,
        outcome=Decision.Outcome.NEEDS_INFO,
        decided_by=actor,
        reason=question,
        facts=_facts(c, [f"The reviewer asks: {question}"]),
        rule=RULE_NEEDS_INFO,
        remedy=(
            f"The complainant is asked to answer by {deadline:%Y-%m-%d %H:%M} UTC; without an "
            f"answer the complaint is closed as rejected. {listing_note}"
        ),
    )
    _send_decision(c, decision, to_seller=c.holds_listing)
    return decision


@transaction.atomic
def complaint_answer_info(
    *, user: User, complaint: Complaint, answer: str, evidence: Sequence[UploadedFile] = ()
) -> Complaint:
    """The brand answers a request for information: back to review, and the
    review clock restarts."""
    _require_member(user, complaint.organisation)
    answer = _clean_text(answer, "answer")
    c = _locked(complaint)
    if c.status != ComplaintStatus.NEEDS_INFO:
        raise Conflict(
            gettext("No question is waiting for an answer on this complaint."),
            code="invalid_transition",
            extra={"status": c.status},
        )
    now = _now()
    request = c.info_requests.filter(answered_at__isnull=True).order_by("-asked_at").first()
    if request is not None:
        request.answer, request.answered_by, request.answered_at = answer, user, now
        request.save(update_fields=["answer", "answered_by", "answered_at"])
    _save_evidence(c, evidence, party=Evidence.Party.BRAND, user=user)
    c.due_at = _due(now)
    _transition(
        c, ComplaintStatus.UNDER_REVIEW, actor=user, reason=f"Answered: {answer}", fields=["due_at"]
    )
    if c.reviewer is not None:
        notify(
            users=[c.reviewer],
            kind="complaint.answered",
            title=f"Complaint #{c.pk}: the complainant answered",
            body=answer,
            target=c,
        )
    return c


@transaction.atomic
def complaint_withdraw(*, user: User, complaint: Complaint, reason: str = "") -> Complaint:
    """The complainant withdraws. What the complaint took down is restored; a
    withdrawal after a counter-notice concedes it."""
    _require_member(user, complaint.organisation)
    c = _locked(complaint)
    if c.status not in WITHDRAWABLE_STATUSES:
        raise Conflict(
            gettext("A complaint that is %(status)s cannot be withdrawn.")
            % {"status": c.get_status_display().lower()},
            code="invalid_transition",
            extra={"status": c.status},
        )
    reason = (reason or "").strip() or "Withdrawn by the complainant."
    _close_without_decision(c, actor=user, reason=reason, event="complaint.withdrawn")
    standing_evaluate(organisation=c.organisation)
    return c


def _close_without_decision(c: Complaint, *, actor: User | None, reason: str, event: str) -> None:
    now = _now()
    pending_cn = _pending_counter_notice(c)
    if pending_cn is not None:
        _counter_notice_succeeds(c, pending_cn, actor=actor, now=now)
    restored = _release_listing(c, actor=actor, reason=f"Complaint #{c.pk} {reason}")
    _transition(c, ComplaintStatus.WITHDRAWN, actor=actor, reason=reason, fields=["holds_listing"])
    body = f"Complaint #{c.pk} on listing {c.listing.external_id} is withdrawn: {reason}"
    if restored:
        body += " The listing is restored."
    notify(
        users=_members(c.organisation),
        kind=event,
        title=f"Complaint #{c.pk} withdrawn",
        body=body,
        url=_portal_url("complaint", c.pk),
        target=c,
    )
    if restored or c.decided_at is not None:
        notify(
            users=_seller_users(c),
            kind=event,
            title=f"Complaint #{c.pk} on your listing {c.listing.external_id} withdrawn",
            body=body,
            url=_portal_url("seller-action", c.pk),
            target=c,
        )
    webhook_emit(event=event, data=_complaint_payload(c), organisation=c.organisation)


def _release_listing(c: Complaint, *, actor: User | None, reason: str) -> bool:
    """Restore the listing if this complaint is why it is down and nothing
    else keeps it down (another complaint, a suspended shop)."""
    if not c.holds_listing:
        return False
    c.holds_listing = False
    listing = (
        Listing.objects.select_for_update(of=("self",)).select_related("shop").get(pk=c.listing_id)
    )
    others = Complaint.objects.filter(listing=listing, holds_listing=True).exclude(pk=c.pk).exists()
    if others or listing.shop.status == ShopStatus.SUSPENDED:
        return False
    if listing.status != ListingStatus.DELISTED:
        return False
    # Back as it was before this complaint took it down: a listing detection
    # had held stays held for a reviewer to release.
    status = (
        ListingStatus.HELD if c.listing_prior_status == ListingStatus.HELD else ListingStatus.ACTIVE
    )
    marketplace_services.listing_restore(listing=listing, actor=actor, reason=reason, status=status)
    c.listing.refresh_from_db()
    webhook_emit(
        event="listing.restored",
        data={"listing": _listing_payload(c.listing), "complaint": c.pk, "reason": reason},
        marketplace=True,
    )
    return True


# --- Counter-notices ------------------------------------------------------------------------


def _pending_counter_notice(c: Complaint) -> CounterNotice | None:
    return CounterNotice.objects.filter(complaint=c, status=CounterNotice.Status.PENDING).first()


def _counter_notice_facts(cn: CounterNotice | None) -> list[str]:
    if cn is None:
        return []
    return [
        f"Counter-notice filed {cn.created_at:%Y-%m-%d %H:%M} UTC; the seller states: "
        f"{cn.explanation}"
    ]


def _counter_notice_succeeds(
    c: Complaint, cn: CounterNotice, *, actor: User | None, now: datetime.datetime
) -> None:
    cn.status = CounterNotice.Status.ACCEPTED
    cn.resolved_at = now
    cn.save(update_fields=["status", "resolved_at"])
    voided = Strike.objects.filter(complaint=c, voided_at__isnull=True).update(voided_at=now)
    if settings.COMPLAINT_COUNTER_NOTICE_DELTA:
        integrity_record(
            organisation=c.organisation,
            kind=IntegrityEvent.Kind.COUNTER_NOTICE,
            delta=settings.COMPLAINT_COUNTER_NOTICE_DELTA,
            reason=f"Successful counter-notice against complaint #{c.pk}.",
            actor=actor,
        )
    audit(actor=actor, action="counter_notice.accepted", target=c)
    if voided:
        _repeat_infringer_relief(c.seller, actor=actor, now=now)


@transaction.atomic
def counter_notice_file(
    *,
    user: User,
    complaint: Complaint,
    explanation: str,
    evidence: Sequence[UploadedFile] = (),
) -> CounterNotice:
    """The listing's seller contests an upheld complaint within the window;
    the complaint goes back to review (and its clock restarts)."""
    seller = Seller.objects.filter(user=user).first()
    if user.role != Role.SELLER or seller is None or complaint.seller_id != seller.pk:
        raise Forbidden(gettext("Only the seller of the listing may file a counter-notice."))
    explanation = _clean_text(explanation, "explanation")
    c = _locked(complaint)
    if CounterNotice.objects.filter(complaint=c).exists():
        raise Conflict(
            gettext("A counter-notice was already filed for this complaint."),
            code="counter_notice_exists",
        )
    if c.status != ComplaintStatus.UPHELD:
        raise Conflict(
            gettext("A counter-notice contests an upheld complaint; this one is %(status)s.")
            % {"status": c.get_status_display().lower()},
            code="invalid_transition",
            extra={"status": c.status},
        )
    now = _now()
    if c.counter_notice_deadline and now > c.counter_notice_deadline:
        raise Conflict(
            gettext("The counter-notice window closed on %(date)s UTC.")
            % {"date": f"{c.counter_notice_deadline:%Y-%m-%d %H:%M}"},
            code="counter_notice_window_closed",
        )
    cn = CounterNotice.objects.create(
        complaint=c, seller=seller, filed_by=user, explanation=explanation
    )
    _save_evidence(c, evidence, party=Evidence.Party.SELLER, user=user)
    c.due_at = _due(now)
    _transition(
        c,
        ComplaintStatus.COUNTER_NOTICED,
        actor=user,
        reason=f"Counter-notice: {explanation}",
        fields=["due_at"],
    )
    notify(
        users=_members(c.organisation),
        kind="complaint.counter_noticed",
        title=f"Counter-notice against complaint #{c.pk}",
        body=(
            f"The seller of listing {c.listing.external_id} contests complaint #{c.pk}: "
            f"{explanation}\nA reviewer will re-decide; if the counter-notice succeeds the "
            "listing is restored and the complaint counts against your accuracy."
        ),
        url=_portal_url("complaint", c.pk),
        target=c,
    )
    notify(
        users=_seller_users(c),
        kind="complaint.counter_noticed",
        title=f"Counter-notice received for listing {c.listing.external_id}",
        body=(
            f"Your counter-notice against complaint #{c.pk} was received. A reviewer will "
            f"re-decide within {settings.COMPLAINT_REVIEW_TARGET_HOURS} hours."
        ),
        url=_portal_url("seller-action", c.pk),
        target=c,
    )
    webhook_emit(
        event="complaint.counter_noticed",
        data={**_complaint_payload(c), "explanation": explanation},
        organisation=c.organisation,
    )
    return cn


# --- Test purchases and escalation -----------------------------------------------------------


@transaction.atomic
def test_purchase_order(
    *, reviewer: User, complaint: Complaint, instructions: str = ""
) -> TestPurchase:
    """Order a sample buy. The seller is not told (it would spoil the sample);
    the complaint waits for the result, which decides it."""
    _require_reviewer(reviewer)
    c = _locked(complaint)
    if c.status not in DECIDABLE_STATUSES:
        raise Conflict(
            gettext(
                "Complaint #%(id)s is %(status)s; a test purchase is ordered while it is being "
                "reviewed."
            )
            % {"id": c.pk, "status": c.get_status_display().lower()},
            code="invalid_transition",
            extra={"status": c.status},
        )
    if c.test_purchases.filter(status=TestPurchase.Status.ORDERED).exists():
        raise Conflict(
            gettext("A test purchase is already under way."), code="test_purchase_under_way"
        )
    purchase = TestPurchase.objects.create(
        complaint=c, ordered_by=reviewer, instructions=(instructions or "").strip()
    )
    c.reviewer = reviewer
    if c.status == ComplaintStatus.SUBMITTED:
        _transition(
            c,
            ComplaintStatus.UNDER_REVIEW,
            actor=reviewer,
            reason="Test purchase ordered.",
            fields=["reviewer"],
        )
    else:
        c.save(update_fields=["reviewer", "updated_at"])
    audit(actor=reviewer, action="test_purchase.ordered", target=c, purchase=purchase.pk)
    return purchase


test_purchase_order.__test__ = False  # type: ignore[attr-defined]


@transaction.atomic
def test_purchase_record(
    *,
    reviewer: User,
    purchase: TestPurchase,
    buyer: str,
    purchased_at: datetime.datetime,
    cost: Decimal,
    currency: str,
    result: str,
    appraiser: str,
    report: str,
    report_file: UploadedFile | None = None,
    bad_faith: bool = False,
) -> TestPurchase:
    """Record who bought, when, for how much, and the authentication. The
    decision follows from it, even against the brand's own identification:
    counterfeit upholds, genuine rejects, inconclusive leaves it to the reviewer."""
    _require_reviewer(reviewer)
    if result not in TestPurchase.Result.values:
        raise DomainError(
            gettext("Result must be genuine, counterfeit or inconclusive."),
            fields={"result": [gettext("Not a valid choice.")]},
        )
    if bad_faith and result != TestPurchase.Result.GENUINE:
        raise DomainError(
            gettext("Only a complaint against genuine goods can be marked manifestly unfounded."),
            fields={"bad_faith": [gettext("Only with a genuine result.")]},
        )
    buyer = _clean_text(buyer, "buyer")
    appraiser = _clean_text(appraiser, "appraiser")
    report = _clean_text(report, "report")
    if cost is None or cost < 0:
        raise DomainError(
            gettext("The cost is a positive amount."), fields={"cost": [gettext("Not an amount.")]}
        )
    if report_file is not None:
        validate_document(report_file, field="report_file")
    c = _locked(purchase.complaint_id)
    p = TestPurchase.objects.select_for_update().get(pk=purchase.pk)
    if p.status != TestPurchase.Status.ORDERED:
        raise Conflict(
            gettext("This test purchase was already recorded."), code="invalid_transition"
        )
    p.buyer, p.purchased_at, p.cost, p.currency = buyer, purchased_at, cost, currency.upper()
    p.result, p.appraiser, p.report = result, appraiser, report
    p.recorded_by, p.completed_at = reviewer, _now()
    p.status = TestPurchase.Status.COMPLETED
    if report_file is not None:
        p.report_file = report_file
    p.save()
    audit(actor=reviewer, action="test_purchase.recorded", target=c, purchase=p.pk, result=result)
    fact = (
        f"Test purchase: bought by {buyer} on {purchased_at:%Y-%m-%d} for {cost} "
        f"{p.currency}; authenticated by {appraiser} as {p.get_result_display().lower()}. "
        f"Report: {report}"
    )
    if c.status not in DECIDABLE_STATUSES or result == TestPurchase.Result.INCONCLUSIVE:
        return p
    c.reviewer = reviewer
    if result == TestPurchase.Result.COUNTERFEIT:
        _uphold(
            c,
            actor=reviewer,
            reason=f"The test purchase was authenticated as counterfeit by {appraiser}.",
            source=Decision.Source.TEST_PURCHASE,
            facts=[fact],
        )
    else:
        _reject(
            c,
            actor=reviewer,
            reason=(
                f"The test purchase was authenticated as genuine by {appraiser}, contrary to "
                "the complainant's identification."
            ),
            bad_faith=bad_faith,
            source=Decision.Source.TEST_PURCHASE,
            facts=[fact],
        )
    return p


test_purchase_record.__test__ = False  # type: ignore[attr-defined]


@transaction.atomic
def complaint_escalate(*, reviewer: User, complaint: Complaint, reason: str) -> Complaint:
    """Send the complaint to public appraisal; it waits in ``in_appraisal``
    until the jury's verdict comes back through ``complaint_appraisal_decide``."""
    _require_reviewer(reviewer)
    reason = _clean_text(reason, "reason")
    c = _locked(complaint)
    if c.status not in DECIDABLE_STATUSES:
        raise Conflict(
            gettext("Complaint #%(id)s is %(status)s and cannot be escalated.")
            % {"id": c.pk, "status": c.get_status_display().lower()},
            code="invalid_transition",
            extra={"status": c.status},
        )
    if c.test_purchases.filter(status=TestPurchase.Status.ORDERED).exists():
        raise Conflict(
            gettext("A test purchase is under way; record its result first."),
            code="test_purchase_under_way",
        )
    c.reviewer = reviewer
    c.due_at = None
    _transition(
        c,
        ComplaintStatus.IN_APPRAISAL,
        actor=reviewer,
        reason=reason,
        fields=["reviewer", "due_at"],
    )
    body = (
        f"Complaint #{c.pk} on listing {c.listing.external_id} goes to public appraisal: "
        f"{reason}\nA jury of public judges decides; both sides hear the outcome."
    )
    notify(
        users=_members(c.organisation),
        kind="complaint.escalated",
        title=f"Complaint #{c.pk} sent to public appraisal",
        body=body,
        url=_portal_url("complaint", c.pk),
        target=c,
    )
    notify(
        users=_seller_users(c),
        kind="complaint.escalated",
        title=f"Complaint #{c.pk} on your listing sent to public appraisal",
        body=body,
        url=_portal_url("seller-action", c.pk),
        target=c,
    )
    webhook_emit(
        event="complaint.escalated",
        data={**_complaint_payload(c), "reason": reason},
        organisation=c.organisation,
    )
    return c


@transaction.atomic
def complaint_appraisal_decide(
    *, complaint: Complaint, verdict: str, reason: str, actor: User | None = None
) -> Complaint:
    """Enforce a public appraisal jury's verdict on a complaint in appraisal.

    For the appraisal app, once a case opened from this complaint closes:
    ``verdict`` is ``infringing`` (upheld) or ``not_infringing`` (rejected, not
    as bad faith: a close call a jury had to make is not manifestly unfounded).
    ``reason`` summarises the jury's outcome and goes into the statement of reasons.
    """
    if verdict not in ("infringing", "not_infringing"):
        raise DomainError(
            gettext("Verdict must be infringing or not_infringing."),
            fields={"verdict": [gettext("Not a valid choice.")]},
        )
    reason = _clean_text(reason, "reason")
    c = _locked(complaint)
    if c.status != ComplaintStatus.IN_APPRAISAL:
        raise Conflict(
            gettext("Complaint #%(id)s is not in public appraisal.") % {"id": c.pk},
            code="invalid_transition",
            extra={"status": c.status},
        )
    fact = f"Public appraisal verdict: {verdict.replace('_', ' ')}. {reason}"
    if verdict == "infringing":
        _uphold(c, actor=actor, reason=reason, source=Decision.Source.APPRAISAL, facts=[fact])
    else:
        _reject(
            c,
            actor=actor,
            reason=reason,
            bad_faith=False,
            source=Decision.Source.APPRAISAL,
            facts=[fact],
        )
    return c


@transaction.atomic
def complaints_close_unanswered(*, now: datetime.datetime | None = None) -> int:
    """Close complaints whose request for information went unanswered for
    ``COMPLAINT_NEEDS_INFO_DAYS`` as rejected (not as bad faith)."""
    now = now or _now()
    cutoff = now - datetime.timedelta(days=settings.COMPLAINT_NEEDS_INFO_DAYS)
    ids = list(
        Complaint.objects.filter(
            status=ComplaintStatus.NEEDS_INFO, info_requested_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    closed = 0
    for pk in ids:
        with transaction.atomic():
            c = _locked(pk)
            if c.status != ComplaintStatus.NEEDS_INFO:
                continue
            _reject(
                c,
                actor=None,
                reason=(
                    "The complainant did not answer the request for information within "
                    f"{settings.COMPLAINT_NEEDS_INFO_DAYS} days."
                ),
                bad_faith=False,
                source=Decision.Source.LAPSED,
            )
            closed += 1
    return closed


# --- Repeat infringers ------------------------------------------------------------------------


def _active_strikes(
    seller: Seller, now: datetime.datetime, policy: EnforcementPolicy | None = None
) -> int:
    policy = policy or enforcement_policy()
    since = now - datetime.timedelta(days=policy.repeat_infringer_window_days)
    return Strike.objects.filter(
        seller=seller, voided_at__isnull=True, created_at__gte=since
    ).count()


def _repeat_infringer_check(seller: Seller, *, actor: User | None, now: datetime.datetime) -> None:
    """The policy's number of upheld complaints within its window suspend the
    seller's shops and delist all their listings, with notice. Each automatic
    suspension is recorded with what it took down, so that it can be lifted."""
    policy = enforcement_policy()
    threshold, window = policy.repeat_infringer_strikes, policy.repeat_infringer_window_days
    count = _active_strikes(seller, now, policy)
    seller_user = [seller.user] if seller.user_id else []
    if count < threshold:
        notify(
            users=seller_user,
            kind="seller.strike",
            title=f"Strike {count} of {threshold}",
            body=(
                f"An upheld complaint added a strike to your account: {count} within "
                f"{window} days. At {threshold} your shops are suspended and all their "
                "listings delisted under the repeat-infringer policy."
            ),
            url=_portal_url("seller-actions"),
        )
        return
    reason = (
        f"Repeat-infringer policy: {count} upheld complaints within {window} days "
        f"(threshold {threshold})."
    )
    for shop in seller.shops.filter(status=ShopStatus.ACTIVE):
        taken_down = dict(
            shop.listings.exclude(status=ListingStatus.DELISTED).values_list("pk", "status")
        )
        listing_ids = list(
            Listing.objects.filter(pk__in=taken_down).values_list("external_id", flat=True)
        )
        delisted = marketplace_services.shop_suspend(shop=shop, actor=actor, reason=reason)
        RepeatInfringerSuspension.objects.create(
            seller=seller,
            shop=shop,
            reason=reason,
            listings={str(pk): status for pk, status in taken_down.items()},
        )
        audit(actor=actor, action="seller.repeat_infringer", target=seller, reason=reason)
        notify(
            users=seller_user,
            kind="shop.suspended",
            title=f"Shop {shop.name} suspended",
            body=(
                f"{reason} Your shop {shop.name} ({shop.external_id}) is suspended and its "
                f"{delisted} live listings are delisted."
            ),
            url=_portal_url("seller-actions"),
        )
        webhook_emit(
            event="shop.suspended",
            data={
                "shop": {"external_id": shop.external_id, "name": shop.name},
                "seller_external_id": seller.external_id,
                "reason": reason,
                "delisted_listings": listing_ids,
            },
            marketplace=True,
        )


def _repeat_infringer_relief(seller: Seller, *, actor: User | None, now: datetime.datetime) -> int:
    """Strikes were voided: once the seller is back under the threshold, the
    suspensions the policy made are lifted — the shop reinstated and what the
    suspension took down put back as it was — with notice. A suspension that
    came after (a reviewer's or a jury's) stands, and so does a listing another
    complaint still holds down. Returns how many shops were reinstated."""
    in_force = list(
        RepeatInfringerSuspension.objects.select_for_update()
        .filter(seller=seller, lifted_at__isnull=True)
        .select_related("shop")
    )
    if not in_force:
        return 0
    policy = enforcement_policy()
    count = _active_strikes(seller, now, policy)
    if count >= policy.repeat_infringer_strikes:
        return 0
    reason = (
        f"Repeat-infringer policy: strikes were voided and {count} remain within "
        f"{policy.repeat_infringer_window_days} days (threshold "
        f"{policy.repeat_infringer_strikes}); the automatic suspension is lifted."
    )
    shop_type = ContentType.objects.get_for_model(Shop)
    seller_user = [seller.user] if seller.user_id else []
    lifted = 0
    for suspension in in_force:
        shop = suspension.shop
        suspension.lifted_at, suspension.lifted_reason = now, reason
        # Suspended again since (by a reviewer or a jury): that decision stands.
        later = AuditEvent.objects.filter(
            action="shop.suspended",
            target_type=shop_type,
            target_id=shop.pk,
            created_at__gt=suspension.created_at,
        ).exists()
        if shop.status != ShopStatus.SUSPENDED or later:
            suspension.lifted_reason = f"{reason} Not reinstated: suspended again since."
            suspension.save(update_fields=["lifted_at", "lifted_reason"])
            continue
        held_down = set(
            Complaint.objects.filter(
                listing_id__in=[int(pk) for pk in suspension.listings], holds_listing=True
            ).values_list("listing_id", flat=True)
        )
        restore = {
            int(pk): status
            for pk, status in suspension.listings.items()
            if int(pk) not in held_down
        }
        restored = marketplace_services.shop_reinstate(
            shop=shop, actor=actor, reason=reason, listings=restore
        )
        suspension.save(update_fields=["lifted_at", "lifted_reason"])
        lifted += 1
        audit(actor=actor, action="seller.repeat_infringer_lifted", target=seller, reason=reason)
        notify(
            users=seller_user,
            kind="shop.reinstated",
            title=f"Shop {shop.name} reinstated",
            body=(
                f"{reason} Your shop {shop.name} ({shop.external_id}) is active again and "
                f"{len(restored)} of its listings are back as they were before the suspension."
            ),
            url=_portal_url("seller-actions"),
        )
        for listing in restored:
            webhook_emit(
                event="listing.restored",
                data={
                    "listing": _listing_payload(listing),
                    "reason": "repeat_infringer_suspension_lifted",
                },
                marketplace=True,
            )
    return lifted


# --- Complainant standing: fast track and misuse ---------------------------------------------


@dataclass
class Accuracy:
    decided: int
    upheld: int
    counter_notices: int

    @property
    def upheld_rate(self) -> float:
        return self.upheld / self.decided if self.decided else 0.0

    @property
    def counter_notice_rate(self) -> float:
        return self.counter_notices / self.decided if self.decided else 0.0


def accuracy(organisation: Organisation, *, now: datetime.datetime | None = None) -> Accuracy:
    """Complaints decided in the fast-track window, how many stand upheld, and
    how many were overturned by a successful counter-notice."""
    now = now or _now()
    since = now - datetime.timedelta(days=settings.FAST_TRACK_WINDOW_DAYS)
    decided = Complaint.objects.filter(
        organisation=organisation,
        decided_at__gte=since,
        status__in=[
            ComplaintStatus.UPHELD,
            ComplaintStatus.COUNTER_NOTICED,
            ComplaintStatus.REJECTED,
        ],
    )
    total = decided.count()
    upheld = decided.exclude(status=ComplaintStatus.REJECTED).count()
    counter_notices = CounterNotice.objects.filter(
        complaint__organisation=organisation,
        status=CounterNotice.Status.ACCEPTED,
        resolved_at__gte=since,
    ).count()
    return Accuracy(decided=total, upheld=upheld, counter_notices=counter_notices)


@transaction.atomic
def standing_evaluate(
    *, organisation: Organisation, now: datetime.datetime | None = None
) -> ComplainantStanding:
    """Grant or withdraw good-faith fast track from the last window's record.
    Losing it starts a cool-down during which it cannot be regained."""
    now = now or _now()
    standing = standing_for(organisation, lock=True)
    org = Organisation.objects.get(pk=organisation.pk)
    acc = accuracy(org, now=now)
    eligible = (
        acc.decided >= settings.FAST_TRACK_MIN_COMPLAINTS
        and acc.upheld_rate >= settings.FAST_TRACK_MIN_UPHELD_RATE
        and acc.counter_notice_rate <= settings.FAST_TRACK_MAX_COUNTER_NOTICE_RATE
        and filing_refusal(org) is None
    )
    standing.decided = acc.decided
    standing.upheld_rate = round(acc.upheld_rate, 4)
    standing.counter_notice_rate = round(acc.counter_notice_rate, 4)
    standing.evaluated_at = now
    changed = None
    summary = (
        f"{acc.decided} complaints decided in {settings.FAST_TRACK_WINDOW_DAYS} days, "
        f"{acc.upheld_rate:.0%} upheld, {acc.counter_notice_rate:.0%} overturned by "
        "counter-notice"
    )
    if eligible and not standing.fast_track:
        if standing.cooldown_until is None or standing.cooldown_until <= now:
            standing.fast_track, standing.fast_track_since = True, now
            changed = "gained"
    elif not eligible and standing.fast_track:
        standing.fast_track, standing.fast_track_since = False, None
        standing.cooldown_until = now + datetime.timedelta(days=settings.FAST_TRACK_COOLDOWN_DAYS)
        changed = "lost"
    standing.save()
    if changed:
        reason = f"Fast track {changed}: {summary}."
        audit(actor=None, action=f"organisation.fast_track_{changed}", target=org, reason=reason)
        if changed == "gained":
            body = (
                f"{reason} Listings you complain about now come down at filing, pending "
                "review; a rejected complaint puts the listing back."
            )
        else:
            body = (
                f"{reason} The thresholds are {settings.FAST_TRACK_MIN_UPHELD_RATE:.0%} upheld "
                f"and at most {settings.FAST_TRACK_MAX_COUNTER_NOTICE_RATE:.0%} overturned, "
                f"over at least {settings.FAST_TRACK_MIN_COMPLAINTS} complaints. It can be "
                f"regained after {standing.cooldown_until:%Y-%m-%d}."
            )
        notify(
            users=_members(org),
            kind=f"organisation.fast_track_{changed}",
            title=f"Fast-track takedown {changed}",
            body=body,
        )
        webhook_emit(
            event="organisation.fast_track_changed",
            data={"organisation": org.pk, "fast_track": standing.fast_track, "reason": reason},
            organisation=org,
        )
    return standing


def standings_refresh(*, now: datetime.datetime | None = None) -> int:
    """Re-evaluate every organisation with fast track or recent decisions:
    the window slides even when nothing new is decided."""
    now = now or _now()
    since = now - datetime.timedelta(days=settings.FAST_TRACK_WINDOW_DAYS)
    ids = set(
        ComplainantStanding.objects.filter(fast_track=True).values_list(
            "organisation_id", flat=True
        )
    ) | set(
        Complaint.objects.filter(decided_at__gte=since).values_list("organisation_id", flat=True)
    )
    for org in Organisation.objects.filter(pk__in=ids):
        standing_evaluate(organisation=org, now=now)
    return len(ids)


def _misuse_check(
    organisation: Organisation, *, actor: User | None, now: datetime.datetime
) -> None:
    """Manifestly unfounded complaints (the policy's window): at its warning
    count a warning; after it, at its suspension count filing is suspended."""
    standing = standing_for(organisation, lock=True)
    policy = enforcement_policy()
    since = now - datetime.timedelta(days=policy.misuse_window_days)
    if standing.misuse_suspended_at and standing.misuse_suspended_at > since:
        since = standing.misuse_suspended_at
    count = Decision.objects.filter(
        complaint__organisation=organisation,
        outcome=Decision.Outcome.REJECTED,
        bad_faith=True,
        created_at__gte=since,
    ).count()
    warned = standing.misuse_warned_at is not None and standing.misuse_warned_at >= since
    members = _members(organisation)
    if warned and standing.misuse_warned_at < now and count >= policy.misuse_suspend_at:
        until = now + datetime.timedelta(days=policy.misuse_suspension_days)
        Organisation.objects.filter(pk=organisation.pk).update(filing_suspended_until=until)
        standing.misuse_suspended_at, standing.misuse_warned_at = now, None
        standing.save(update_fields=["misuse_suspended_at", "misuse_warned_at"])
        reason = (
            f"{count} manifestly unfounded complaints within {policy.misuse_window_days} days "
            f"after a warning: filing suspended until {until:%Y-%m-%d %H:%M} UTC."
        )
        audit(
            actor=actor, action="organisation.filing_suspended", target=organisation, reason=reason
        )
        notify(
            users=members,
            kind="organisation.filing_suspended",
            title="Filing suspended",
            body=reason,
        )
        webhook_emit(
            event="organisation.filing_suspended",
            data={"organisation": organisation.pk, "until": until.isoformat(), "reason": reason},
            organisation=organisation,
        )
    elif not warned and count >= policy.misuse_warning_at:
        standing.misuse_warned_at = now
        standing.save(update_fields=["misuse_warned_at"])
        reason = (
            f"{count} manifestly unfounded complaints within {policy.misuse_window_days} days. "
            f"At {policy.misuse_suspend_at}, filing is suspended for "
            f"{policy.misuse_suspension_days} days."
        )
        audit(actor=actor, action="organisation.misuse_warning", target=organisation, reason=reason)
        notify(
            users=members,
            kind="organisation.misuse_warning",
            title="Warning: manifestly unfounded complaints",
            body=reason,
        )


# --- Forged credentials: void what is open ---------------------------------------------------


def complaints_void_for_organisation(
    *, organisation: Organisation, actor: User | None, reason: str
) -> int:
    """The organisation was suspended (e.g. forged credentials): its open
    complaints are void, and listings they took down come back."""
    ids = list(
        Complaint.objects.filter(organisation=organisation, status__in=OPEN_STATUSES).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        with transaction.atomic():
            c = _locked(pk)
            if c.status not in OPEN_STATUSES:
                continue
            # A voided complaint is no one's fault but the complainant's: a
            # pending counter-notice is granted along with it.
            _close_without_decision(
                c,
                actor=actor,
                reason=f"voided: the complainant organisation was suspended ({reason})",
                event="complaint.voided",
            )
    standing = standing_for(organisation, lock=True)
    if standing.fast_track:
        standing_evaluate(organisation=organisation)
    return len(ids)


# --- Reads for the sides ------------------------------------------------------------------------


def complaint_time_left(complaint: Complaint, now: datetime.datetime | None = None):
    """Time until the review target; negative when overdue, None when no clock runs."""
    if complaint.due_at is None or complaint.status not in DECIDABLE_STATUSES:
        return None
    return complaint.due_at - (now or _now())


def seller_for(user: User) -> Seller | None:
    if not user.is_authenticated or user.role != Role.SELLER:
        return None
    return Seller.objects.filter(user=user).first()


def open_complaint_q() -> Q:
    return Q(status__in=OPEN_STATUSES)
