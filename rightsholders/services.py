"""Use cases for rights holders: the one place each rule lives. Portal views,
the admin console, the API and tasks all call these."""

from __future__ import annotations

import datetime
import hashlib
import uuid
from decimal import Decimal

from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from guardian.shortcuts import assign_perm

from platform_core.audit import audit
from platform_core.errors import Conflict, DomainError, Forbidden
from platform_core.files import validate_document
from platform_core.images import ImageRejected, reencode
from platform_core.models import Role, User

from .models import (
    INTEGRITY_BASELINE,
    ORGANISATION_TRANSITIONS,
    Authorisation,
    AuthorisedShop,
    Brand,
    CredentialStatus,
    FakeCharacteristic,
    IntegrityEvent,
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    ProductModel,
    ReferenceImage,
    Trademark,
)
from .signals import brand_assets_changed, organisation_status_changed

ORGANISATION_PERMS = ("view_organisation", "change_organisation")
# Forged or invalid credentials cost standing, whatever else is decided later.
SUSPENSION_PENALTY = -50


def _require_reviewer(user: User) -> None:
    if user.role != Role.REVIEWER:
        raise Forbidden(gettext("Only platform reviewers may take this decision."))


def require_member(user: User, organisation: Organisation) -> None:
    """Only the organisation's own staff add or change its credentials,
    brands and protected assets (reviewers decide on them, never edit them).
    Every such use case checks this, whichever surface calls it."""
    if (
        user is None
        or getattr(user, "role", None) != Role.BRAND
        or not Membership.objects.filter(user=user, organisation=organisation).exists()
    ):
        raise Forbidden(
            gettext("Only the organisation's staff may change its credentials and brands.")
        )


# --- Organisations ------------------------------------------------------------


@transaction.atomic
def organisation_create(
    *, user: User, name: str, country: str, kind: str = OrganisationKind.RIGHTS_OWNER
) -> Organisation:
    """Register an organisation; its creator becomes its administrator."""
    if user.role != Role.BRAND:
        raise Forbidden(gettext("Only brand staff accounts can register an organisation."))
    name = name.strip()
    if not name:
        raise DomainError(
            gettext("A name is required."), fields={"name": [gettext("This field is required.")]}
        )
    org = Organisation(name=name, country=country.upper(), kind=kind, integrity_score=0)
    org.group = Group.objects.create(name=f"organisation-{uuid.uuid4().hex}")
    org.save()
    for perm in ORGANISATION_PERMS:
        assign_perm(f"rightsholders.{perm}", org.group, org)
    member_add(organisation=org, user=user, is_admin=True, actor=user)
    integrity_record(
        organisation=org,
        kind=IntegrityEvent.Kind.BASELINE,
        delta=INTEGRITY_BASELINE,
        reason="Opening balance on registration.",
        actor=user,
    )
    audit(actor=user, action="organisation.created", target=org)
    org.refresh_from_db()
    return org


@transaction.atomic
def member_add(
    *, organisation: Organisation, user: User, is_admin: bool = False, actor: User | None = None
) -> Membership:
    if user.role != Role.BRAND:
        raise DomainError(gettext("Only brand staff accounts can join an organisation."))
    membership, _ = Membership.objects.update_or_create(
        organisation=organisation, user=user, defaults={"is_admin": is_admin}
    )
    user.groups.add(organisation.group)
    audit(actor=actor, action="organisation.member_added", target=organisation, user=user.pk)
    return membership


@transaction.atomic
def organisation_decide(
    *, reviewer: User, organisation: Organisation, decision: str, reason: str
) -> Organisation:
    """A reviewer verifies, rejects or suspends an organisation, with a reason.

    Verifying also verifies the trademarks and authorisations pending then.
    Suspending (e.g. forged credentials) costs integrity and stops filing;
    other apps react to ``organisation_status_changed`` (open complaints are
    voided there).
    """
    _require_reviewer(reviewer)
    reason = (reason or "").strip()
    if decision not in OrganisationStatus.values or decision == OrganisationStatus.PENDING:
        raise DomainError(
            gettext("Decision must be verified, rejected or suspended."),
            fields={"decision": [gettext("Not a valid choice.")]},
        )
    if decision != OrganisationStatus.VERIFIED and not reason:
        raise DomainError(
            gettext("A reason is required for this decision."),
            fields={"reason": [gettext("Required.")]},
        )
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if decision not in ORGANISATION_TRANSITIONS[org.status]:
        raise Conflict(
            gettext("An organisation that is %(status)s cannot become %(to)s.")
            % {
                "status": org.get_status_display().lower(),
                "to": OrganisationStatus(decision).label.lower()
                if decision in OrganisationStatus.values
                else decision,
            },
            code="invalid_transition",
        )
    previous = org.status
    org.status = decision
    org.status_reason = reason
    org.status_changed_at = timezone.now()
    org.save(update_fields=["status", "status_reason", "status_changed_at"])
    if decision == OrganisationStatus.VERIFIED:
        for model in (Trademark, Authorisation):
            for pending in model.objects.filter(organisation=org, status=CredentialStatus.PENDING):
                pending.status = CredentialStatus.VERIFIED
                pending.status_reason = "Verified with the organisation."
                pending.save(update_fields=["status", "status_reason"])
                audit(
                    actor=reviewer,
                    action=f"{model._meta.model_name}.verified",
                    target=pending,
                    reason="Verified with the organisation.",
                )
    if decision == OrganisationStatus.SUSPENDED:
        integrity_record(
            organisation=org,
            kind=IntegrityEvent.Kind.CREDENTIALS,
            delta=SUSPENSION_PENALTY,
            reason=f"Organisation suspended: {reason}",
            actor=reviewer,
        )
    audit(
        actor=reviewer,
        action=f"organisation.{decision}",
        target=org,
        reason=reason,
        previous=previous,
    )
    organisation_status_changed.send(
        sender=Organisation, organisation=org, previous=previous, actor=reviewer, reason=reason
    )
    org.refresh_from_db()
    return org


@transaction.atomic
def integrity_record(
    *, organisation: Organisation, kind: str, delta: int, reason: str, actor: User | None = None
) -> IntegrityEvent:
    event = IntegrityEvent.objects.create(
        organisation=organisation, kind=kind, delta=delta, reason=reason, actor=actor
    )
    Organisation.objects.filter(pk=organisation.pk).update(
        integrity_score=F("integrity_score") + delta
    )
    return event


# --- Credentials ----------------------------------------------------------------


def _brand_of(organisation: Organisation, brand: Brand) -> Brand:
    if brand.organisation_id != organisation.pk:
        raise DomainError(
            gettext("The brand belongs to another organisation."),
            fields={"brand": [gettext("Unknown brand.")]},
        )
    return brand


@transaction.atomic
def trademark_add(
    *,
    user: User,
    organisation: Organisation,
    brand: Brand,
    registration_number: str,
    jurisdiction: str,
    nice_classes: list[int],
    expires_on: datetime.date,
    certificate: UploadedFile,
) -> Trademark:
    require_member(user, organisation)
    _brand_of(organisation, brand)
    validate_document(certificate, field="certificate")
    if any(not 1 <= c <= 45 for c in nice_classes) or not nice_classes:
        raise DomainError(
            gettext("Nice classes are numbers from 1 to 45."),
            fields={"nice_classes": [gettext("Each class must be between 1 and 45.")]},
        )
    if expires_on < timezone.localdate():
        raise DomainError(
            gettext("This registration has expired."),
            fields={"expires_on": [gettext("The date is in the past.")]},
        )
    registration_number = registration_number.strip()
    jurisdiction = jurisdiction.strip().upper()
    if Trademark.objects.filter(
        organisation=organisation,
        jurisdiction=jurisdiction,
        registration_number=registration_number,
    ).exists():
        raise Conflict(
            gettext("This registration is already on file for the organisation."),
            code="duplicate_trademark",
        )
    trademark = Trademark.objects.create(
        organisation=organisation,
        brand=brand,
        registration_number=registration_number,
        jurisdiction=jurisdiction,
        nice_classes=sorted(set(nice_classes)),
        expires_on=expires_on,
        certificate=certificate,
    )
    audit(actor=user, action="trademark.submitted", target=trademark)
    return trademark


@transaction.atomic
def trademark_decide(
    *, reviewer: User, trademark: Trademark, decision: str, reason: str
) -> Trademark:
    _require_reviewer(reviewer)
    if decision not in (CredentialStatus.VERIFIED, CredentialStatus.REJECTED):
        raise DomainError(
            gettext("Decision must be verified or rejected."),
            fields={"decision": [gettext("Not a valid choice.")]},
        )
    if decision == CredentialStatus.REJECTED and not (reason or "").strip():
        raise DomainError(
            gettext("A reason is required to reject."), fields={"reason": [gettext("Required.")]}
        )
    tm = Trademark.objects.select_for_update().get(pk=trademark.pk)
    tm.status = decision
    tm.status_reason = reason or ""
    tm.save(update_fields=["status", "status_reason"])
    audit(actor=reviewer, action=f"trademark.{decision}", target=tm, reason=reason or "")
    return tm


@transaction.atomic
def authorisation_add(
    *,
    user: User,
    organisation: Organisation,
    brand: Brand,
    principal_name: str,
    letter: UploadedFile,
    valid_until: datetime.date,
) -> Authorisation:
    require_member(user, organisation)
    _brand_of(organisation, brand)
    validate_document(letter, field="letter")
    if valid_until < timezone.localdate():
        raise DomainError(
            gettext("This authorisation has lapsed."),
            fields={"valid_until": [gettext("The date is in the past.")]},
        )
    auth = Authorisation.objects.create(
        organisation=organisation,
        brand=brand,
        principal_name=principal_name.strip(),
        letter=letter,
        valid_until=valid_until,
    )
    if organisation.kind != OrganisationKind.AGENT:
        Organisation.objects.filter(pk=organisation.pk).update(kind=OrganisationKind.AGENT)
    audit(actor=user, action="authorisation.submitted", target=auth)
    return auth


@transaction.atomic
def authorisation_decide(
    *, reviewer: User, authorisation: Authorisation, decision: str, reason: str
) -> Authorisation:
    _require_reviewer(reviewer)
    if decision not in (CredentialStatus.VERIFIED, CredentialStatus.REJECTED):
        raise DomainError(gettext("Decision must be verified or rejected."))
    if decision == CredentialStatus.REJECTED and not (reason or "").strip():
        raise DomainError(
            gettext("A reason is required to reject."), fields={"reason": [gettext("Required.")]}
        )
    auth = Authorisation.objects.select_for_update().get(pk=authorisation.pk)
    auth.status = decision
    auth.status_reason = reason or ""
    auth.save(update_fields=["status", "status_reason"])
    audit(actor=reviewer, action=f"authorisation.{decision}", target=auth, reason=reason or "")
    return auth


# --- Brands and protected assets -------------------------------------------------


def _clean_aliases(name: str, aliases: list[str]) -> list[str]:
    cleaned: list[str] = []
    for alias in aliases:
        alias = " ".join(str(alias).split())
        if not alias:
            raise DomainError(
                gettext("Aliases cannot be empty."),
                fields={"aliases": [gettext("An alias is empty.")]},
            )
        if alias.casefold() != name.casefold() and alias not in cleaned:
            cleaned.append(alias)
    return cleaned


def _touch_assets(brand: Brand, actor: User | None) -> None:
    """Assets changed: note it, and sweep the catalogue for this brand once the
    change is committed ("stock cleaning")."""
    Brand.objects.filter(pk=brand.pk).update(assets_changed_at=timezone.now())
    transaction.on_commit(
        lambda: brand_assets_changed.send(sender=Brand, brand_id=brand.pk, actor=actor)
    )


@transaction.atomic
def brand_create(
    *,
    user: User,
    organisation: Organisation,
    name: str,
    aliases: list[str] | None = None,
    default_currency: str = "CNY",
) -> Brand:
    require_member(user, organisation)
    name = " ".join(name.split())
    if not name:
        raise DomainError(
            gettext("A brand name is required."), fields={"name": [gettext("Required.")]}
        )
    if Brand.objects.filter(organisation=organisation, name__iexact=name).exists():
        raise Conflict(
            gettext("The organisation already has a brand of this name."), code="duplicate_brand"
        )
    brand = Brand.objects.create(
        organisation=organisation,
        name=name,
        aliases=_clean_aliases(name, aliases or []),
        default_currency=default_currency.upper(),
    )
    audit(actor=user, action="brand.created", target=brand)
    _touch_assets(brand, user)
    return brand


@transaction.atomic
def brand_update(*, user: User, brand: Brand, aliases: list[str]) -> Brand:
    require_member(user, brand.organisation)
    brand.aliases = _clean_aliases(brand.name, aliases)
    brand.save(update_fields=["aliases"])
    audit(actor=user, action="brand.aliases_changed", target=brand, aliases=brand.aliases)
    _touch_assets(brand, user)
    return brand


@transaction.atomic
def authorised_shop_add(*, user: User, brand: Brand, shop_external_id: str) -> AuthorisedShop:
    require_member(user, brand.organisation)
    shop_external_id = shop_external_id.strip()
    if not shop_external_id:
        raise DomainError(
            gettext("A shop id is required."), fields={"shop_external_id": [gettext("Required.")]}
        )
    shop, created = AuthorisedShop.objects.get_or_create(
        brand=brand, shop_external_id=shop_external_id
    )
    if created:
        audit(actor=user, action="brand.shop_authorised", target=brand, shop=shop_external_id)
        _touch_assets(brand, user)
    return shop


@transaction.atomic
def authorised_shop_remove(*, user: User, shop: AuthorisedShop) -> None:
    brand = shop.brand
    require_member(user, brand.organisation)
    audit(actor=user, action="brand.shop_deauthorised", target=brand, shop=shop.shop_external_id)
    shop.delete()
    _touch_assets(brand, user)


@transaction.atomic
def product_model_add(
    *, user: User, brand: Brand, name: str, model_number: str, msrp: Decimal, currency: str
) -> ProductModel:
    require_member(user, brand.organisation)
    if msrp <= 0:
        raise DomainError(
            gettext("MSRP must be positive."), fields={"msrp": [gettext("Must be above zero.")]}
        )
    pm = ProductModel.objects.create(
        brand=brand,
        name=name.strip(),
        model_number=model_number.strip(),
        msrp=msrp,
        currency=currency.upper(),
    )
    audit(actor=user, action="brand.product_model_added", target=brand, product_model=pm.pk)
    _touch_assets(brand, user)
    return pm


@transaction.atomic
def fake_characteristic_add(
    *, user: User, brand: Brand, kind: str, value: str, currency: str = ""
) -> FakeCharacteristic:
    require_member(user, brand.organisation)
    value = value.strip()
    if not value:
        raise DomainError(gettext("A value is required."), fields={"value": [gettext("Required.")]})
    if kind == FakeCharacteristic.Kind.PRICE_FLOOR:
        try:
            if Decimal(value) <= 0:
                raise ValueError
        except (ArithmeticError, ValueError):
            raise DomainError(
                gettext("A price floor is a positive amount."),
                fields={"value": [gettext("Not a positive amount.")]},
            ) from None
        currency = (currency or brand.default_currency).upper()
    fc = FakeCharacteristic.objects.create(brand=brand, kind=kind, value=value, currency=currency)
    audit(actor=user, action="brand.fake_characteristic_added", target=brand, characteristic=fc.pk)
    _touch_assets(brand, user)
    return fc


@transaction.atomic
def reference_image_add(
    *,
    user: User,
    brand: Brand,
    content: bytes,
    kind: str,
    product_model: ProductModel | None = None,
) -> ReferenceImage:
    """Store a brand's reference image, re-encoded without metadata. Its
    fingerprints are computed by the detection pipeline, which then sweeps
    the catalogue for the brand."""
    require_member(user, brand.organisation)
    if kind not in ReferenceImage.Kind.values:
        raise DomainError(
            gettext("Kind must be logo or product."),
            fields={"kind": [gettext("Not a valid choice.")]},
        )
    if product_model is not None and product_model.brand_id != brand.pk:
        raise DomainError(
            gettext("The product model belongs to another brand."),
            fields={"product_model": [gettext("Unknown product model.")]},
        )
    try:
        clean = reencode(content)
    except ImageRejected as exc:
        raise DomainError(
            exc.message, code=exc.code, fields={"image": [exc.message]}, status=exc.status
        ) from None
    ref = ReferenceImage(brand=brand, kind=kind, product_model=product_model)
    digest = hashlib.sha256(clean.content).hexdigest()[:16]
    ref.image.save(f"{brand.pk}-{digest}.{clean.extension}", ContentFile(clean.content), save=False)
    ref.width, ref.height = clean.width, clean.height
    ref.save()
    audit(actor=user, action="brand.reference_image_added", target=brand, reference_image=ref.pk)
    _touch_assets(brand, user)
    return ref
