"""Reviewer console: counterfeit networks, largest first, and actions on
whole rings (each calls one service, and each service audits)."""

from django.contrib import admin, messages
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from platform_core.admin import ReviewerAdminMixin
from platform_core.errors import DomainError

from . import selectors, services
from .models import LinkKind, Ring


@admin.register(Ring)
class RingAdmin(ReviewerAdminMixin, admin.ModelAdmin):
    list_display = ["id", "size", "strength", "linked_by", "updated_at"]
    list_filter = ["updated_at"]
    ordering = ["-size", "-id"]
    fields = ["size", "strength", "linked_by", "created_at", "updated_at", "shops", "links"]
    readonly_fields = fields
    actions = ["hold_listings", "open_appraisal", "refer_to_brands"]

    @admin.display(description=_("linked by"))
    def linked_by(self, obj):
        labels = dict(LinkKind.choices)
        return ", ".join(str(labels.get(kind, kind)) for kind in obj.kinds) or "—"

    @admin.display(description=_("Shops"))
    def shops(self, obj):
        rows = selectors.ring_shops(self._request.user, obj) if hasattr(self, "_request") else []
        return format_html_join(
            "\n",
            "<div>{} ({}) · {} · {} {} · {} {} · {}</div>",
            (
                (
                    s["name"],
                    s["external_id"],
                    s["status"],
                    s["listings"],
                    _("listings"),
                    s["takedowns"],
                    _("taken down"),
                    ", ".join(s["ship_from"]) or "—",
                )
                for s in rows
            ),
        )

    @admin.display(description=_("Links"))
    def links(self, obj):
        ids = list(obj.members.values_list("shop_id", flat=True))
        return format_html_join(
            "\n",
            "<div>{} ↔ {}: {} ({})</div>",
            (
                (
                    link["shop_a"],
                    link["shop_b"],
                    f"{link['strength']:.2f}",
                    "; ".join(link["reasons"]),
                )
                for link in selectors.links_among(ids, examples=False)
            ),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._request = request
        return super().change_view(request, object_id, form_url, extra_context)

    def _each(self, request, queryset, action, done_message):
        for ring in queryset:
            try:
                result = action(ring)
            except DomainError as exc:
                self.message_user(request, f"#{ring.pk}: {exc.message}", messages.ERROR)
                continue
            self.message_user(request, done_message % {"ring": ring.pk, "result": result})

    @admin.action(description=_("Hold all listings of the selected rings pending review"))
    def hold_listings(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda ring: services.ring_hold_listings(reviewer=request.user, ring=ring, reason=""),
            _("Ring #%(ring)s: %(result)s listings held."),
        )

    @admin.action(description=_("Open public appraisal cases for every shop of the selected rings"))
    def open_appraisal(self, request, queryset):
        def run(ring):
            result = services.ring_open_appraisal(
                reviewer=request.user,
                ring=ring,
                question=str(
                    _(
                        "These shops are linked as counterfeit network #%(ring)s. Do they sell "
                        "infringing goods?"
                    )
                    % {"ring": ring.pk}
                ),
            )
            return len(result["opened"])

        self._each(request, queryset, run, _("Ring #%(ring)s: %(result)s appraisal cases opened."))

    @admin.action(description=_("Refer the selected rings to the brands with suspects in them"))
    def refer_to_brands(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda ring: services.ring_refer_to_brands(reviewer=request.user, ring=ring),
            _("Ring #%(ring)s: %(result)s organisations told to file complaints."),
        )
