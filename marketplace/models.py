"""The marketplace's catalogue as CoGuard sees it: sellers, shops, listings."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class Seller(models.Model):
    external_id = models.CharField(max_length=128, unique=True)
    # The seller's own CoGuard login, for counter-notices; absent until linked.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="seller",
    )
    # Keyed hash (HMAC-SHA256) of the seller's phone or e-mail as the
    # marketplace sent it: links shops run by one person without keeping the
    # contact itself. Empty when none was sent.
    contact_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.external_id


class ShopStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class Shop(models.Model):
    external_id = models.CharField(max_length=128, unique=True)
    name = models.CharField(max_length=200)
    seller = models.ForeignKey(Seller, on_delete=models.PROTECT, related_name="shops")
    status = models.CharField(max_length=16, choices=ShopStatus.choices, default=ShopStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"


class ListingStatus(models.TextChoices):
    PENDING = "pending", _("Pending scan")
    ACTIVE = "active", _("Active")
    HELD = "held", _("Held for review")
    DELISTED = "delisted", _("Delisted")


class Listing(models.Model):
    external_id = models.CharField(max_length=128, unique=True)
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="listings")
    title = models.CharField(max_length=500)
    description = models.TextField(blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    category = models.CharField(max_length=100, blank=True)
    # Optional intake fields: where the item ships from (city or region) and
    # units sold so far, when the marketplace sends them.
    ship_from = models.CharField(max_length=100, blank=True)
    units_sold = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ListingStatus.choices, default=ListingStatus.PENDING
    )
    # The latest detection result: the highest-risk view over all brands.
    risk_score = models.FloatField(default=0.0)
    risk_signals = models.JSONField(default=list, blank=True)
    scanned_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every upsert that changes content: a scan result computed for
    # an older revision must not overwrite a newer one.
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    went_live_at = models.DateTimeField(null=True, blank=True)
    delisted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "id"]),
            models.Index(fields=["shop", "status"]),
            models.Index(fields=["-updated_at", "-id"]),
        ]

    def __str__(self) -> str:
        return f"{self.external_id}: {self.title[:60]}"


class ImageStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for intake")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class ListingImage(models.Model):
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveSmallIntegerField()
    source_url = models.URLField(max_length=2000, blank=True)
    # Sha-256 of the bytes as received (URL images: after download); identifies
    # an unchanged image on upsert so it is not fetched and hashed again.
    source_sha256 = models.CharField(max_length=64, blank=True)
    staged = models.CharField(max_length=300, blank=True, help_text=_("raw upload awaiting intake"))
    image = models.ImageField(upload_to="listings/%Y/%m/", blank=True)
    thumbnail = models.ImageField(upload_to="listings/thumbs/%Y/%m/", blank=True)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    fingerprints = ArrayField(models.BigIntegerField(), default=list, blank=True)
    fingerprint_thumbs = models.BinaryField(default=b"", blank=True)
    status = models.CharField(
        max_length=16, choices=ImageStatus.choices, default=ImageStatus.PENDING
    )
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["listing_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["listing", "position"], name="listing_image_position")
        ]
        indexes = [
            models.Index(
                fields=["status"],
                name="listing_image_pending",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"image {self.position} of listing {self.listing_id}"
