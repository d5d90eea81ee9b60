"""In-app notifications (mirrored by email) and signed webhooks for integrators."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One message to one user about a change they should know of."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("event"), max_length=64, help_text=_("e.g. complaint.upheld"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"))
    # Where the user reads more: a portal path, and the object it is about.
    url = models.CharField(_("link"), max_length=500, blank=True)
    target_type = models.CharField(_("type of record"), max_length=64, blank=True)
    target_id = models.BigIntegerField(_("record id"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    read_at = models.DateTimeField(_("read on"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at", "-id"], name="notification_inbox")]

    def __str__(self) -> str:
        return _("%(event)s for %(user)s") % {"event": self.kind, "user": self.user_id}


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """An integrator's URL. The marketplace's endpoints (no organisation) get
    marketplace events (delist, restore, shop suspension); a brand's get its
    organisation's complaint events."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("owner"),
    )
    organisation = models.ForeignKey(
        "rightsholders.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("organisation"),
    )
    url = models.URLField(_("URL"), max_length=2000)
    secret = models.CharField(_("signing secret"), max_length=200, default=new_secret)
    # Event names to send; empty means every event the endpoint may receive.
    events = models.JSONField(_("events"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event: str) -> bool:
        return not self.events or event in self.events


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one endpoint, with every attempt's outcome: the log an
    integrator reads when something did not arrive."""

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("webhook endpoint"),
    )
    event = models.CharField(_("event"), max_length=64)
    event_id = models.UUIDField(_("event id"))
    payload = models.JSONField(_("payload"))
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(
        _("last HTTP status"), null=True, blank=True
    )
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    attempt_log = models.JSONField(_("attempt log"), default=list, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered on"), null=True, blank=True)
    created_at = models.DateTimeField(_("queued"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["endpoint", "-id"])]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint_id} ({self.status})"
