"""Shared base: the user model, the audit trail and idempotency records."""

from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MARKETPLACE = "marketplace", _("Marketplace integrator")
    REVIEWER = "reviewer", _("Platform reviewer")
    BRAND = "brand", _("Brand staff")
    JUDGE = "judge", _("Public judge")
    SELLER = "seller", _("Seller")


class User(AbstractUser):
    """Every person or system that signs in. What a user may see follows from
    ``role`` and, for brand staff, from organisation membership."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.BRAND)

    @property
    def is_reviewer(self) -> bool:
        return self.role == Role.REVIEWER

    @property
    def is_marketplace(self) -> bool:
        return self.role == Role.MARKETPLACE

    @property
    def is_brand_staff(self) -> bool:
        return self.role == Role.BRAND


class AuditEvent(models.Model):
    """Who did what to which object, when and why. Written by services, never
    edited: the trail a reviewer or a court can rely on."""

    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    action = models.CharField(max_length=64)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    target_id = models.BigIntegerField()
    target = GenericForeignKey("target_type", "target_id")
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.action} on {self.target_type.model} #{self.target_id}"


class IdempotencyRecord(models.Model):
    """The first answer to a creating POST, replayed for a retry with the same
    ``Idempotency-Key``. The unique constraint is what makes two concurrent
    retries create one object."""

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    path = models.CharField(max_length=512)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key", "path"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} on {self.path}"
