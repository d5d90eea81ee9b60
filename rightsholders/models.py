"""Rights holders: organisations, their credentials and their protected assets."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OrganisationStatus(models.TextChoices):
    PENDING = "pending", _("Pending verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Suspended")


class OrganisationKind(models.TextChoices):
    RIGHTS_OWNER = "rights_owner", _("Rights owner")
    AGENT = "agent", _("Authorised agent")


# Verification decisions a reviewer may take from each status. Suspension is
# possible from any status: forged credentials can surface at any time.
ORGANISATION_TRANSITIONS: dict[str, set[str]] = {
    OrganisationStatus.PENDING: {
        OrganisationStatus.VERIFIED,
        OrganisationStatus.REJECTED,
        OrganisationStatus.SUSPENDED,
    },
    OrganisationStatus.REJECTED: {OrganisationStatus.VERIFIED, OrganisationStatus.SUSPENDED},
    OrganisationStatus.VERIFIED: {OrganisationStatus.SUSPENDED, OrganisationStatus.REJECTED},
    OrganisationStatus.SUSPENDED: {OrganisationStatus.VERIFIED},
}

INTEGRITY_BASELINE = 100


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(
        _("country or region"), max_length=2, help_text=_("ISO 3166-1 alpha-2")
    )
    kind = models.CharField(
        _("organisation type"),
        max_length=16,
        choices=OrganisationKind.choices,
        default=OrganisationKind.RIGHTS_OWNER,
    )
    status = models.CharField(
        _("verification status"),
        max_length=16,
        choices=OrganisationStatus.choices,
        default=OrganisationStatus.PENDING,
    )
    status_reason = models.TextField(_("reviewer's reason"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    # Members get the organisation's object permissions through this group.
    group = models.OneToOneField(
        Group,
        on_delete=models.PROTECT,
        related_name="organisation",
        verbose_name=_("permission group"),
    )
    # Denormalised sum of the integrity ledger, updated in the same transaction.
    integrity_score = models.IntegerField(_("integrity score"), default=INTEGRITY_BASELINE)
    filing_suspended_until = models.DateTimeField(
        _("filing suspended until"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.status == OrganisationStatus.VERIFIED


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    is_admin = models.BooleanField(_("administrator"), default=False)
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.organisation_id}"


class IntegrityEvent(models.Model):
    """One line of an organisation's integrity ledger: the score is their sum."""

    class Kind(models.TextChoices):
        BASELINE = "baseline", _("Opening balance")
        COMPLAINT_UPHELD = "complaint_upheld", _("Complaint upheld")
        COMPLAINT_REJECTED = "complaint_rejected", _("Complaint rejected")
        UNFOUNDED = "unfounded", _("Manifestly unfounded complaint")
        COUNTER_NOTICE = "counter_notice", _("Successful counter-notice")
        CREDENTIALS = "credentials", _("Credentials decision")
        ADJUSTMENT = "adjustment", _("Reviewer adjustment")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="integrity_events",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(_("type"), max_length=32, choices=Kind.choices)
    delta = models.IntegerField(_("points"))
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("integrity ledger line")
        verbose_name_plural = _("integrity ledger")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.delta:+d} {self.get_kind_display()}"


class Brand(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="brands",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=120)
    # Latin, CJK and known misspellings the brand wants treated as its name.
    aliases = ArrayField(
        models.CharField(max_length=120), default=list, blank=True, verbose_name=_("aliases")
    )
    default_currency = models.CharField(_("default currency"), max_length=3, default="CNY")
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    assets_changed_at = models.DateTimeField(_("protected assets changed"), default=timezone.now)

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="brand_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def all_names(self) -> list[str]:
        return [self.name, *self.aliases]


class CredentialStatus(models.TextChoices):
    PENDING = "pending", _("Pending verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


class Trademark(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="trademarks",
        verbose_name=_("organisation"),
    )
    brand = models.ForeignKey(
        Brand, on_delete=models.CASCADE, related_name="trademarks", verbose_name=_("brand")
    )
    registration_number = models.CharField(_("registration number"), max_length=64)
    jurisdiction = models.CharField(
        _("jurisdiction"), max_length=16, help_text=_("e.g. CN, EU, US, WIPO")
    )
    nice_classes = ArrayField(models.PositiveSmallIntegerField(), verbose_name=_("Nice classes"))
    expires_on = models.DateField(_("expires on"))
    certificate = models.FileField(
        _("registration certificate"), upload_to="private/certificates/%Y/%m/"
    )
    status = models.CharField(
        _("verification status"),
        max_length=16,
        choices=CredentialStatus.choices,
        default=CredentialStatus.PENDING,
    )
    status_reason = models.TextField(_("reviewer's reason"), blank=True)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    class Meta:
        verbose_name = _("trademark")
        verbose_name_plural = _("trademarks")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "jurisdiction", "registration_number"],
                name="trademark_registration_unique",
            )
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.jurisdiction} {self.registration_number}"

    def is_in_force(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.status == CredentialStatus.VERIFIED and self.expires_on >= on


class Authorisation(models.Model):
    """An agent's letter of authorisation from the rights owner."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="authorisations",
        verbose_name=_("agent"),
    )
    brand = models.ForeignKey(
        Brand, on_delete=models.CASCADE, related_name="authorisations", verbose_name=_("brand")
    )
    principal_name = models.CharField(_("rights owner (principal)"), max_length=200)
    letter = models.FileField(_("letter"), upload_to="private/authorisations/%Y/%m/")
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("verification status"),
        max_length=16,
        choices=CredentialStatus.choices,
        default=CredentialStatus.PENDING,
    )
    status_reason = models.TextField(_("reviewer's reason"), blank=True)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    class Meta:
        verbose_name = _("authorisation")
        verbose_name_plural = _("authorisations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return _("authorisation from %(principal)s") % {"principal": self.principal_name}


class ProductModel(models.Model):
    brand = models.ForeignKey(
        Brand, on_delete=models.CASCADE, related_name="product_models", verbose_name=_("brand")
    )
    name = models.CharField(_("name"), max_length=200)
    model_number = models.CharField(_("model number"), max_length=64, blank=True)
    msrp = models.DecimalField(_("MSRP"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("product model")
        verbose_name_plural = _("product models")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.model_number})" if self.model_number else self.name


class ReferenceImage(models.Model):
    class Kind(models.TextChoices):
        LOGO = "logo", _("Logo")
        PRODUCT = "product", _("Product photo")

    brand = models.ForeignKey(
        Brand, on_delete=models.CASCADE, related_name="reference_images", verbose_name=_("brand")
    )
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    product_model = models.ForeignKey(
        ProductModel,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="images",
        verbose_name=_("product model"),
    )
    image = models.ImageField(
        _("image"), upload_to="references/%Y/%m/", width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(_("width (px)"), default=0)
    height = models.PositiveIntegerField(_("height (px)"), default=0)
    # Perceptual fingerprints (signed 64-bit pHashes of several crops) and the
    # crops' 16×16 thumbnails that confirm a hash hit; computed once.
    fingerprints = ArrayField(
        models.BigIntegerField(), default=list, blank=True, verbose_name=_("fingerprints")
    )
    fingerprint_thumbs = models.BinaryField(_("fingerprint thumbnails"), default=b"", blank=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("reference image")
        verbose_name_plural = _("reference images")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return _("%(kind)s image of brand %(brand)s") % {
            "kind": self.get_kind_display(),
            "brand": self.brand_id,
        }


class FakeCharacteristic(models.Model):
    class Kind(models.TextChoices):
        KEYWORD = "keyword", _("Tell-tale keyword")
        PRICE_FLOOR = "price_floor", _("Price floor")
        NOTE = "note", _("Note")

    brand = models.ForeignKey(
        Brand,
        on_delete=models.CASCADE,
        related_name="fake_characteristics",
        verbose_name=_("brand"),
    )
    kind = models.CharField(_("type"), max_length=16, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=500)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("fake characteristic")
        verbose_name_plural = _("fake characteristics")
        ordering = ["kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="price_floor") | ~Q(currency=""),
                name="price_floor_has_currency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class AuthorisedShop(models.Model):
    """A shop the brand says sells genuine goods. Keyed by the marketplace's
    shop id so it can be declared before the shop is first seen."""

    brand = models.ForeignKey(
        Brand, on_delete=models.CASCADE, related_name="authorised_shops", verbose_name=_("brand")
    )
    shop_external_id = models.CharField(_("marketplace shop id"), max_length=128)
    created_at = models.DateTimeField(_("declared"), auto_now_add=True)

    class Meta:
        verbose_name = _("authorised shop")
        verbose_name_plural = _("authorised shops")
        ordering = ["shop_external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "shop_external_id"], name="authorised_shop_unique"
            )
        ]
        indexes = [models.Index(fields=["shop_external_id"])]

    def __str__(self) -> str:
        return self.shop_external_id
