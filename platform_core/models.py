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

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.BRAND)
    # The last choice made with the language switch, on any device: e-mails are
    # written in it, and a browser without the language cookie starts in it.
    language = models.CharField(
        _("language"),
        max_length=16,
        blank=True,
        help_text=_("Set with the language switch; e-mails are written in it."),
    )

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
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
        verbose_name=_("who"),
    )
    action = models.CharField(_("action"), max_length=64)
    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, verbose_name=_("type of record")
    )
    target_id = models.BigIntegerField(_("record id"))
    target = GenericForeignKey("target_type", "target_id")
    reason = models.TextField(_("why"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-created_at"])]

    def __str__(self) -> str:
        return _("%(action)s on %(target)s") % {"action": self.action, "target": self.target_label}

    @property
    def target_label(self) -> str:
        """The record acted on, named in the reader's language ("complaint #7")."""
        model = self.target_type.model_class()
        name = model._meta.verbose_name if model is not None else self.target_type.model
        return f"{name} #{self.target_id}"


class IdempotencyRecord(models.Model):
    """The first answer to a creating POST, replayed for a retry with the same
    ``Idempotency-Key``. The unique constraint is what makes two concurrent
    retries create one object."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, verbose_name=_("user"))
    key = models.CharField(_("Idempotency-Key"), max_length=255)
    path = models.CharField(_("path"), max_length=512)
    request_hash = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True)
    response_body = models.JSONField(_("response body"), null=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["user", "key", "path"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} on {self.path}"
