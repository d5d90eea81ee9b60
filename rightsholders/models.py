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
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, help_text=_("ISO 3166-1 alpha-2"))
    kind = models.CharField(
        max_length=16, choices=OrganisationKind.choices, default=OrganisationKind.RIGHTS_OWNER
    )
    status = models.CharField(
        max_length=16, choices=OrganisationStatus.choices, default=OrganisationStatus.PENDING
    )
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    # Members get the organisation's object permissions through this group.
    group = models.OneToOneField(Group, on_delete=models.PROTECT, related_name="organisation")
    # Denormalised sum of the integrity ledger, updated in the same transaction.
    integrity_score = models.IntegerField(default=INTEGRITY_BASELINE)
    filing_suspended_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.status == OrganisationStatus.VERIFIED


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    is_admin = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
        Organisation, on_delete=models.CASCADE, related_name="integrity_events"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    delta = models.IntegerField()
    reason = models.TextField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.delta:+d} {self.kind}"


class Brand(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="brands")
    name = models.CharField(max_length=120)
    # Latin, CJK and known misspellings the brand wants treated as its name.
    aliases = ArrayField(models.CharField(max_length=120), default=list, blank=True)
    default_currency = models.CharField(max_length=3, default="CNY")
    created_at = models.DateTimeField(auto_now_add=True)
    assets_changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
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
        Organisation, on_delete=models.CASCADE, related_name="trademarks"
    )
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="trademarks")
    registration_number = models.CharField(max_length=64)
    jurisdiction = models.CharField(max_length=16, help_text=_("e.g. CN, EU, US, WIPO"))
    nice_classes = ArrayField(models.PositiveSmallIntegerField())
    expires_on = models.DateField()
    certificate = models.FileField(upload_to="private/certificates/%Y/%m/")
    status = models.CharField(
        max_length=16, choices=CredentialStatus.choices, default=CredentialStatus.PENDING
    )
    status_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
        Organisation, on_delete=models.CASCADE, related_name="authorisations"
    )
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="authorisations")
    principal_name = models.CharField(max_length=200)
    letter = models.FileField(upload_to="private/authorisations/%Y/%m/")
    valid_until = models.DateField()
    status = models.CharField(
        max_length=16, choices=CredentialStatus.choices, default=CredentialStatus.PENDING
    )
    status_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"authorisation from {self.principal_name}"


class ProductModel(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="product_models")
    name = models.CharField(max_length=200)
    model_number = models.CharField(max_length=64, blank=True)
    msrp = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.model_number})" if self.model_number else self.name


class ReferenceImage(models.Model):
    class Kind(models.TextChoices):
        LOGO = "logo", _("Logo")
        PRODUCT = "product", _("Product photo")

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="reference_images")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    product_model = models.ForeignKey(
        ProductModel, null=True, blank=True, on_delete=models.SET_NULL, related_name="images"
    )
    image = models.ImageField(
        upload_to="references/%Y/%m/", width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    # Perceptual fingerprints (signed 64-bit pHashes of several crops) and the
    # crops' 16×16 thumbnails that confirm a hash hit; computed once.
    fingerprints = ArrayField(models.BigIntegerField(), default=list, blank=True)
    fingerprint_thumbs = models.BinaryField(default=b"", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} image of brand {self.brand_id}"


class FakeCharacteristic(models.Model):
    class Kind(models.TextChoices):
        KEYWORD = "keyword", _("Tell-tale keyword")
        PRICE_FLOOR = "price_floor", _("Price floor")
        NOTE = "note", _("Note")

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="fake_characteristics")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    value = models.CharField(max_length=500)
    currency = models.CharField(max_length=3, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="price_floor") | ~Q(currency=""),
                name="price_floor_has_currency",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


class AuthorisedShop(models.Model):
    """A shop the brand says sells genuine goods. Keyed by the marketplace's
    shop id so it can be declared before the shop is first seen."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="authorised_shops")
    shop_external_id = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shop_external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "shop_external_id"], name="authorised_shop_unique"
            )
        ]
        indexes = [models.Index(fields=["shop_external_id"])]

    def __str__(self) -> str:
        return self.shop_external_id
