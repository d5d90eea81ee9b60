"""The marketplace's catalogue as CoGuard sees it: sellers, shops, listings."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Seller(models.Model):
    external_id = models.CharField(_("marketplace id"), max_length=128, unique=True)
    # The seller's own CoGuard login, for counter-notices; absent until linked.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="seller",
        verbose_name=_("CoGuard login"),
    )
    # Keyed hash (HMAC-SHA256) of the seller's phone or e-mail as the
    # marketplace sent it: links shops run by one person without keeping the
    # contact itself. Empty when none was sent.
    contact_hash = models.CharField(
        _("contact (keyed hash)"), max_length=64, blank=True, db_index=True
    )
    created_at = models.DateTimeField(_("first seen"), auto_now_add=True)

    class Meta:
        verbose_name = _("seller")
        verbose_name_plural = _("sellers")

    def __str__(self) -> str:
        return self.external_id


class ShopStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class Shop(models.Model):
    external_id = models.CharField(_("marketplace id"), max_length=128, unique=True)
    name = models.CharField(_("name"), max_length=200)
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="shops", verbose_name=_("seller")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ShopStatus.choices, default=ShopStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("first seen"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"


class ListingStatus(models.TextChoices):
    PENDING = "pending", _("Pending scan")
    ACTIVE = "active", _("Active")
    HELD = "held", _("Held for review")
    DELISTED = "delisted", _("Delisted")


class Listing(models.Model):
    external_id = models.CharField(_("marketplace id"), max_length=128, unique=True)
    shop = models.ForeignKey(
        Shop, on_delete=models.PROTECT, related_name="listings", verbose_name=_("shop")
    )
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    category = models.CharField(_("category"), max_length=100, blank=True)
    # Optional intake fields: where the item ships from (city or region) and
    # units sold so far, when the marketplace sends them.
    ship_from = models.CharField(_("ships from"), max_length=100, blank=True)
    units_sold = models.PositiveIntegerField(_("units sold"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ListingStatus.choices, default=ListingStatus.PENDING
    )
    # The latest detection result: the highest-risk view over all brands.
    risk_score = models.FloatField(_("risk score"), default=0.0)
    risk_signals = models.JSONField(_("risk signals"), default=list, blank=True)
    scanned_at = models.DateTimeField(_("scanned"), null=True, blank=True)
    # Bumped on every upsert that changes content: a scan result computed for
    # an older revision must not overwrite a newer one.
    revision = models.PositiveIntegerField(_("revision"), default=1)
    created_at = models.DateTimeField(_("first seen"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    went_live_at = models.DateTimeField(_("went live"), null=True, blank=True)
    delisted_at = models.DateTimeField(_("delisted on"), null=True, blank=True)
    # When its photo intake and scan were last sent to the queue; empty only
    # when sending failed (the broker was down). Work still waiting long after it
    # was sent was lost and is sent again (detection.services).
    intake_queued_at = models.DateTimeField(
        _("queued for intake"), null=True, blank=True, default=timezone.now
    )

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        indexes = [
            models.Index(fields=["status", "id"]),
            models.Index(fields=["shop", "status"]),
            models.Index(fields=["-updated_at", "-id"]),
            models.Index(
                fields=["intake_queued_at"],
                name="listing_waiting_intake",
                condition=models.Q(status="pending"),
            ),
            models.Index(
                fields=["id"],
                name="listing_intake_unsent",
                condition=models.Q(intake_queued_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_id}: {self.title[:60]}"


class ImageStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for intake")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class ListingImage(models.Model):
    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="images", verbose_name=_("listing")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    source_url = models.URLField(_("source URL"), max_length=2000, blank=True)
    # Sha-256 of the bytes as received (URL images: after download); identifies
    # an unchanged image on upsert so it is not fetched and hashed again.
    source_sha256 = models.CharField(_("SHA-256 as received"), max_length=64, blank=True)
    staged = models.CharField(
        _("staged upload"), max_length=300, blank=True, help_text=_("raw upload awaiting intake")
    )
    image = models.ImageField(_("image"), upload_to="listings/%Y/%m/", blank=True)
    thumbnail = models.ImageField(_("thumbnail"), upload_to="listings/thumbs/%Y/%m/", blank=True)
    width = models.PositiveIntegerField(_("width (px)"), default=0)
    height = models.PositiveIntegerField(_("height (px)"), default=0)
    fingerprints = ArrayField(
        models.BigIntegerField(), default=list, blank=True, verbose_name=_("fingerprints")
    )
    fingerprint_thumbs = models.BinaryField(_("fingerprint thumbnails"), default=b"", blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ImageStatus.choices, default=ImageStatus.PENDING
    )
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("listing photo")
        verbose_name_plural = _("listing photos")
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
        return _("image %(position)s of listing %(listing)s") % {
            "position": self.position,
            "listing": self.listing_id,
        }
