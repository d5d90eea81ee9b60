"""What the results pages keep of their own: each user's last visit to the
portal home, so it can show what changed since."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PortalVisit(models.Model):
    """A user's visits to the portal home. ``previous_visit_at`` is the
    baseline "since your last visit" is measured from; it moves only when a new
    visit starts (a view after a gap), so reloading the page keeps the list."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="portal_visit",
        verbose_name=_("user"),
    )
    previous_visit_at = models.DateTimeField(_("previous visit"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("portal visit")
        verbose_name_plural = _("portal visits")

    def __str__(self) -> str:
        return f"{self.user_id} last seen {self.last_seen_at:%Y-%m-%d %H:%M}"
