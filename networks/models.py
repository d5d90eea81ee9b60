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

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="network_keys")
    kind = models.CharField(max_length=16, choices=LinkKind.choices)
    key = models.CharField(max_length=200)
    listing = models.ForeignKey(
        Listing, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
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

    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    hash = models.BigIntegerField()
    band0 = models.IntegerField()
    band1 = models.IntegerField()
    band2 = models.IntegerField()
    band3 = models.IntegerField()
    cluster = models.CharField(max_length=16)

    class Meta:
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

    size = models.PositiveIntegerField(default=0)
    strength = models.FloatField(default=0.0, help_text="strongest link inside the ring")
    kinds = ArrayField(models.CharField(max_length=16), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["-size", "-id"], name="network_ring_size")]

    def __str__(self) -> str:
        return f"Ring #{self.pk} ({self.size} shops)"


class RingMember(models.Model):
    ring = models.ForeignKey(Ring, on_delete=models.CASCADE, related_name="members")
    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="ring_membership")
    joined_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"shop {self.shop_id} in ring {self.ring_id}"


class ShopLink(models.Model):
    """Two shops (``shop_a`` has the smaller id), how strongly they are linked
    and why: ``evidence`` counts the shared keys of each kind."""

    shop_a = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    shop_b = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    strength = models.FloatField()
    kinds = ArrayField(models.CharField(max_length=16), default=list)
    evidence = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop_a", "shop_b"], name="network_link_pair"),
            models.CheckConstraint(condition=Q(shop_a__lt=F("shop_b")), name="network_link_order"),
        ]
        indexes = [models.Index(fields=["shop_b"], name="network_link_shop_b")]

    def __str__(self) -> str:
        return f"link {self.shop_a_id}-{self.shop_b_id} ({self.strength:.2f})"
