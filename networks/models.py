"""Counterfeit networks: the blocking keys shops carry, the links between
shops with their evidence, and the rings (connected groups of strong links)."""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from marketplace.models import Listing, Shop


class LinkKind(models.TextChoices):
    PHOTO = "photo", _("Same product photos")
    CONTACT = "contact", _("Same seller contact")
    SHIP_PRODUCT = "ship_product", _("Same shipping origin and products")
    LOOKALIKE = "lookalike", _("Same lookalike brand names")
    REAPPEARANCE = "reappearance", _("Reappeared after a suspension")


class ShopKey(models.Model):
    """A blocking key a shop carries (a photo cluster, a contact hash, a
    ship-from + product pair, a lookalike name), with one listing showing it.
    Shops sharing a key are candidates for a link; nothing compares all pairs."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="network_keys", verbose_name=_("shop")
    )
    kind = models.CharField(_("linked by"), max_length=16, choices=LinkKind.choices)
    key = models.CharField(_("key"), max_length=200)
    listing = models.ForeignKey(
        Listing,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("example listing"),
    )

    class Meta:
        verbose_name = _("shop network key")
        verbose_name_plural = _("shop network keys")
        constraints = [
            models.UniqueConstraint(fields=["shop", "kind", "key"], name="network_shop_key")
        ]
        # The hot lookup: every shop carrying a key (and how many).
        indexes = [models.Index(fields=["kind", "key", "shop"], name="network_key_shops")]

    def __str__(self) -> str:
        return f"{self.kind} key of shop {self.shop_id}"


class PhotoPrint(models.Model):
    """A listing photo's perceptual hash split into four 16-bit bands: a photo
    within Hamming distance 3 shares a band exactly, so four indexed equality
    lookups find every near-duplicate. ``cluster`` names the photo's group."""

    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="+", verbose_name=_("listing")
    )
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop")
    )
    hash = models.BigIntegerField(_("perceptual hash"))
    band0 = models.IntegerField()
    band1 = models.IntegerField()
    band2 = models.IntegerField()
    band3 = models.IntegerField()
    cluster = models.CharField(_("photo group"), max_length=16)

    class Meta:
        verbose_name = _("photo fingerprint")
        verbose_name_plural = _("photo fingerprints")
        constraints = [
            models.UniqueConstraint(fields=["listing", "hash"], name="network_photo_print")
        ]
        indexes = [
            models.Index(fields=["band0"], name="network_photo_band0"),
            models.Index(fields=["band1"], name="network_photo_band1"),
            models.Index(fields=["band2"], name="network_photo_band2"),
            models.Index(fields=["band3"], name="network_photo_band3"),
        ]

    def __str__(self) -> str:
        return f"photo {self.cluster} of listing {self.listing_id}"


class Ring(models.Model):
    """Shops connected by links at or over the ring threshold."""

    size = models.PositiveIntegerField(_("shops in the network"), default=0)
    strength = models.FloatField(
        _("strongest link"), default=0.0, help_text=_("strongest link inside the ring")
    )
    kinds = ArrayField(
        models.CharField(max_length=16), default=list, blank=True, verbose_name=_("linked by")
    )
    created_at = models.DateTimeField(_("found"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("counterfeit network")
        verbose_name_plural = _("counterfeit networks")
        indexes = [models.Index(fields=["-size", "-id"], name="network_ring_size")]

    def __str__(self) -> str:
        return _("Ring #%(id)s (%(size)s shops)") % {"id": self.pk, "size": self.size}


class RingMember(models.Model):
    ring = models.ForeignKey(
        Ring,
        on_delete=models.CASCADE,
        related_name="members",
        verbose_name=_("counterfeit network"),
    )
    shop = models.OneToOneField(
        Shop, on_delete=models.CASCADE, related_name="ring_membership", verbose_name=_("shop")
    )
    joined_at = models.DateTimeField(_("joined"), auto_now_add=True)

    class Meta:
        verbose_name = _("network member")
        verbose_name_plural = _("network members")

    def __str__(self) -> str:
        return f"shop {self.shop_id} in ring {self.ring_id}"


class ShopLink(models.Model):
    """Two shops (``shop_a`` has the smaller id), how strongly they are linked
    and why: ``evidence`` counts the shared keys of each kind."""

    shop_a = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("one shop")
    )
    shop_b = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("other shop")
    )
    strength = models.FloatField(_("strength"))
    kinds = ArrayField(models.CharField(max_length=16), default=list, verbose_name=_("linked by"))
    evidence = models.JSONField(_("evidence"), default=dict)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("shop link")
        verbose_name_plural = _("shop links")
        constraints = [
            models.UniqueConstraint(fields=["shop_a", "shop_b"], name="network_link_pair"),
            models.CheckConstraint(condition=Q(shop_a__lt=F("shop_b")), name="network_link_order"),
        ]
        indexes = [models.Index(fields=["shop_b"], name="network_link_shop_b")]

    def __str__(self) -> str:
        return f"link {self.shop_a_id}-{self.shop_b_id} ({self.strength:.2f})"
