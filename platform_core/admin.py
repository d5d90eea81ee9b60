"""The reviewer console: Django's admin, opened to platform reviewers.

Reviewers are staff users with the ``reviewer`` role, not superusers, and hold
no model permissions: access is granted by role through ``ReviewerAdminMixin``.
What the console shows is read-only. Decisions (verify, reject, suspend …) are
taken through forms that call the services, so every rule and the audit trail
apply to them exactly as they do to the API.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.admin import UserAdmin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min, Q, QuerySet
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from . import params
from .audit import audit_trail
from .models import AuditEvent, Role, User

AUDIT_TRAIL_ROWS = 100

# Strings of Django's own admin templates that its Simplified Chinese catalogue
# lacks; marked here so that ours carries them (LOCALE_PATHS comes first).
DJANGO_ADMIN_STRINGS = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Error:"),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("In case you’ve forgotten, you are:"),
)


def is_reviewer(user) -> bool:
    """Who may use the console: active staff who are platform reviewers, and
    superusers (who run the platform)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and (user.is_superuser or user.role == Role.REVIEWER)
    )


def admin_change_url(obj) -> str | None:
    opts = obj._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return None


def admin_link(obj, text=None) -> str:
    """``obj`` as a link to its console page, or as text when it has none."""
    if obj is None:
        return "—"
    url = admin_change_url(obj)
    label = text if text is not None else str(obj)
    return format_html('<a href="{}">{}</a>', url, label) if url else label


class ReviewerAdminMixin:
    """View and change admit reviewers and superusers; nothing is added or
    deleted here, and no field is edited in place: the change page is a
    read-only record, and changes of state go through service-backed forms.
    Bulk actions are off (each decision needs its own reason)."""

    actions = None
    # The record's own audit trail below the change page.
    show_audit_trail = True
    change_form_template = "admin/coguard/change_form.html"

    def has_module_permission(self, request):
        return is_reviewer(request.user)

    def response_action(self, request, queryset):
        # A forged selection ("abc") would reach pk__in and end in a 500:
        # keep the ids that can be ids, so an action on nothing says so.
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        if any(params.as_id(pk) is None for pk in selected):
            post = request.POST.copy()
            post.setlist(ACTION_CHECKBOX_NAME, [str(pk) for pk in params.ids(selected)])
            request.POST = post
        return super().response_action(request, queryset)

    def has_view_permission(self, request, obj=None):
        return is_reviewer(request.user)

    def has_change_permission(self, request, obj=None):
        return is_reviewer(request.user)

    def has_add_permission(self, request, *args, **kwargs):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        declared = list(super().get_readonly_fields(request, obj))
        opts = self.model._meta
        model_fields = [f.name for f in (*opts.concrete_fields, *opts.many_to_many)]
        return [*declared, *(name for name in model_fields if name not in declared)]

    def audit_events(self, obj):
        """The events shown under the record; admins may widen it (e.g. an
        organisation's page includes its credentials' events)."""
        return audit_trail(obj)[:AUDIT_TRAIL_ROWS]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The page is a record, not an editor: a POST here would re-save stale
        # values over a decision taken meanwhile.
        if request.method == "POST":
            raise PermissionDenied
        extra_context = {
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            **(extra_context or {}),
        }
        return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.show_audit_trail:
            context.setdefault("audit_events", list(self.audit_events(obj)))
        return super().render_change_form(request, context, add, change, form_url, obj)


class ReviewerInlineMixin:
    """Read-only inline rows for reviewers."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_view_permission(self, request, obj=None):
        return is_reviewer(request.user)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Queues on the console's index ----------------------------------------------------


@dataclass(frozen=True)
class ConsoleQueue:
    """A queue of work waiting for a reviewer, shown on the console's index
    with how much waits, how much is overdue and since when.

    ``waiting`` returns the queryset of what waits; ``overdue`` (optional)
    narrows it to what is past its due time at ``now``; ``since`` names the
    field whose minimum is the oldest wait."""

    key: str
    label: str
    url_name: str
    waiting: Callable[[], QuerySet]
    query: str = ""
    overdue: Callable[[QuerySet, datetime.datetime], QuerySet] | None = None
    since: str = "created_at"
    order: int = 100


CONSOLE_QUEUES: dict[str, ConsoleQueue] = {}


def register_queue(queue: ConsoleQueue) -> ConsoleQueue:
    """Each app's admin declares its queues; the index lists them in ``order``."""
    CONSOLE_QUEUES[queue.key] = queue
    return queue


def console_queues(now: datetime.datetime | None = None) -> list[dict]:
    """Every queue with its counts: one aggregate query per queue."""
    now = now or timezone.now()
    rows = []
    for queue in sorted(CONSOLE_QUEUES.values(), key=lambda q: (q.order, q.key)):
        qs = queue.waiting()
        aggregates = {"waiting": Count("pk"), "oldest": Min(queue.since)}
        if queue.overdue is not None:
            overdue_pks = queue.overdue(qs, now).values("pk")
            aggregates["overdue"] = Count("pk", filter=Q(pk__in=overdue_pks))
        counts = qs.order_by().aggregate(**aggregates)
        try:
            url = reverse(queue.url_name) + queue.query
        except NoReverseMatch:
            continue
        rows.append(
            {
                "key": queue.key,
                "label": queue.label,
                "url": url,
                "waiting": counts["waiting"],
                "overdue": counts.get("overdue"),
                "oldest": counts["oldest"],
            }
        )
    return rows


def _model(label: str):
    # The verification queues are declared here so that the index always has
    # them; looked up by name, the core does not import the apps.
    return apps.get_model(label)


register_queue(
    ConsoleQueue(
        key="organisations",
        label=_("Organisations to verify"),
        url_name="admin:rightsholders_organisation_changelist",
        query="?status__exact=pending",
        waiting=lambda: _model("rightsholders.Organisation").objects.filter(status="pending"),
        order=10,
    )
)
register_queue(
    ConsoleQueue(
        key="trademarks",
        label=_("Trademark certificates to verify"),
        url_name="admin:rightsholders_trademark_changelist",
        query="?status__exact=pending",
        waiting=lambda: _model("rightsholders.Trademark").objects.filter(status="pending"),
        order=20,
    )
)
register_queue(
    ConsoleQueue(
        key="authorisations",
        label=_("Authorisation letters to verify"),
        url_name="admin:rightsholders_authorisation_changelist",
        query="?status__exact=pending",
        waiting=lambda: _model("rightsholders.Authorisation").objects.filter(status="pending"),
        order=30,
    )
)


# --- Private documents ------------------------------------------------------------

_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff_document_type(head: bytes) -> str | None:
    """The content type of a certificate or letter, from its first bytes
    (never from the stored name, which the uploader chose)."""
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def private_document_response(document: FieldFile) -> FileResponse:
    """Stream a private document (certificate, authorisation letter) to a
    reviewer who has already passed the admin's permission check. Shown in the
    browser when it is a PDF or an image, offered as a download otherwise."""
    if not document or not document.name:
        raise Http404
    try:
        handle = document.storage.open(document.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    head = handle.read(16)
    handle.seek(0)
    content_type = sniff_document_type(head)
    response = FileResponse(
        handle,
        content_type=content_type or "application/octet-stream",
        as_attachment=content_type is None,
        filename=os.path.basename(document.name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Audit trail -------------------------------------------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(ReviewerAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "actor", "action", "target_link", "short_reason")
    list_filter = ("action", "target_type")
    search_fields = ("action", "reason", "actor__username")
    list_select_related = ("actor", "target_type")
    show_full_result_count = False
    show_audit_trail = False
    fields = ("created_at", "actor", "action", "target_type", "target_id", "target_link", "reason")
    readonly_fields = ("target_link",)

    @admin.display(description=_("target"))
    def target_link(self, event):
        label = event.target_label
        model = event.target_type.model_class()
        if model is None:
            return label
        try:
            url = reverse(
                f"admin:{model._meta.app_label}_{model._meta.model_name}_change",
                args=[event.target_id],
            )
        except NoReverseMatch:
            return label
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description=_("reason"))
    def short_reason(self, event):
        return event.reason if len(event.reason) <= 80 else event.reason[:79] + "…"


def audit_events_for(targets: dict) -> QuerySet[AuditEvent]:
    """One trail for several records, newest first: ``targets`` maps a model
    to the ids of its records (an organisation and its credentials)."""
    condition = Q(pk__in=[])
    for model, ids in targets.items():
        condition |= Q(target_type=ContentType.objects.get_for_model(model), target_id__in=ids)
    return AuditEvent.objects.filter(condition).select_related("actor", "target_type")


# --- Users (superusers only: reviewers hold no user permissions) -------------------


@admin.register(User)
class CoGuardUserAdmin(UserAdmin):
    list_display = ("username", "email", "role", "is_staff", "is_active", "last_login")
    list_filter = ("role", "is_staff", "is_superuser", "is_active")
    fieldsets = (
        *UserAdmin.fieldsets[:1],
        (_("Role"), {"fields": ("role", "language")}),
        *UserAdmin.fieldsets[1:],
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "role", "password1", "password2")}),
    )
