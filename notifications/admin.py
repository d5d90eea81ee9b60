"""Read-only console pages: the webhook delivery log (what was sent to which
integrator, every attempt's outcome) and the notifications users were sent."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from platform_core.admin import ReviewerAdminMixin

from .models import Notification, WebhookDelivery


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReviewerAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "event",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    )
    list_filter = ("status", "endpoint", "event")
    search_fields = ("=event_id", "event", "endpoint__url")
    list_select_related = ("endpoint",)
    show_full_result_count = False
    # Audit events name the endpoint, not its deliveries.
    show_audit_trail = False
    fields = (
        "event",
        "event_id",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "created_at",
        "attempts_table",
        "payload_pretty",
    )
    readonly_fields = ("attempts_table", "payload_pretty")

    @admin.display(description=_("attempt log"))
    def attempts_table(self, obj):
        if not obj.attempt_log:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (entry.get("at", ""), entry.get("status_code") or "—", entry.get("error") or "")
                for entry in obj.attempt_log
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("at"),
            _("status"),
            _("error"),
            rows,
        )

    @admin.display(description=_("payload"))
    def payload_pretty(self, obj):
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.payload, indent=2, sort_keys=True, ensure_ascii=False)
        )


class _ReadFilter(admin.SimpleListFilter):
    title = _("read")
    parameter_name = "read"

    def lookups(self, request, model_admin):
        return [("yes", _("Read")), ("no", _("Unread"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(read_at__isnull=self.value() == "no")
        return queryset


@admin.register(Notification)
class NotificationAdmin(ReviewerAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "user", "kind", "title", "read_at", "emailed_at")
    list_filter = ("kind", _ReadFilter)
    search_fields = ("title", "user__username", "user__email")
    list_select_related = ("user",)
    show_full_result_count = False
    show_audit_trail = False
    fields = (
        "created_at",
        "user",
        "kind",
        "title",
        "body",
        "url",
        "target_type",
        "target_id",
        "read_at",
        "emailed_at",
    )
