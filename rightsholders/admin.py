"""Verification queues in the reviewer console: organisations, trademark
certificates and agents' authorisation letters, each decided with a reason
through ``rightsholders.services``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Value, When
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from platform_core.admin import (
    AUDIT_TRAIL_ROWS,
    ReviewerAdminMixin,
    ReviewerInlineMixin,
    admin_link,
    audit_events_for,
    private_document_response,
)
from platform_core.errors import DomainError

from . import services
from .models import (
    ORGANISATION_TRANSITIONS,
    Authorisation,
    AuthorisedShop,
    Brand,
    CredentialStatus,
    FakeCharacteristic,
    IntegrityEvent,
    Organisation,
    OrganisationStatus,
    ProductModel,
    ReferenceImage,
    Trademark,
)

LEDGER_ROWS = 50


def pending_first(status_field: str = "status"):
    """Queue order: what awaits a decision first, oldest first, so nothing
    waits behind newer submissions."""
    return [
        Case(When(**{status_field: "pending"}, then=Value(0)), default=Value(1)).asc(),
        "created_at",
        "id",
    ]


# --- Decision forms ------------------------------------------------------------------


class DecisionForm(forms.Form):
    """A decision and its reason. Common reasons are offered in a select (no
    script needed): the chosen one and the free text are joined, and at least
    one of them is required: every decision is explained to the applicant."""

    decisions: list[tuple[str, str]] = []
    reason_templates: list[tuple[str, list[tuple[str, str]]]] = []

    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect)
    reason_template = forms.ChoiceField(label=_("Common reason"), required=False)
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 70}),
        help_text=_(
            "Sent to the applicant and kept in the audit trail. Added after the common "
            "reason when both are given."
        ),
    )

    def __init__(self, *args, allowed: set[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = self.decisions
        if allowed is not None:
            # Offer only the transitions open from the current status; the
            # service remains the judge of what is allowed.
            self.fields["decision"].widget.choices = [
                choice for choice in self.decisions if choice[0] in allowed
            ]
        self.fields["reason_template"].choices = [
            ("", _("— none: write the reason below —")),
            *self.reason_templates,
        ]

    def template_text(self, key: str) -> str:
        for _group, options in self.reason_templates:
            for value, text in options:
                if value == key:
                    return str(text)
        return ""

    def clean(self):
        data = super().clean()
        parts = [self.template_text(data.get("reason_template") or ""), data.get("reason") or ""]
        data["reason"] = "\n".join(part.strip() for part in parts if part.strip())
        if not data["reason"] and "reason" not in self.errors:
            self.add_error(
                "reason",
                _("Give the reason for this decision: choose a common reason or write one."),
            )
        return data


_REJECT_REASONS = [
    ("holder_mismatch", _("The holder named on the certificate is not this organisation.")),
    ("illegible", _("The certificate is illegible or incomplete; upload a complete scan.")),
    ("expired", _("The registration has expired or lapsed.")),
    ("classes", _("The Nice classes registered do not cover the goods the brand protects.")),
]


class OrganisationDecisionForm(DecisionForm):
    decisions = [
        (OrganisationStatus.VERIFIED, _("Verify")),
        (OrganisationStatus.REJECTED, _("Reject")),
        (OrganisationStatus.SUSPENDED, _("Suspend")),
    ]
    reason_templates = [
        (
            _("Verify"),
            [
                (
                    "registry_ok",
                    _(
                        "Certificates match the trademark registry: holder, number, classes "
                        "and term checked."
                    ),
                ),
                (
                    "agent_ok",
                    _(
                        "The agent's authorisation letter was confirmed with the rights owner; "
                        "scope and term are valid."
                    ),
                ),
            ],
        ),
        (
            _("Reject"),
            [
                *_REJECT_REASONS,
                (
                    "letter_missing",
                    _("An agent needs a signed authorisation letter from the rights owner."),
                ),
            ],
        ),
        (
            _("Suspend"),
            [
                (
                    "forged",
                    _("The certificate does not match the registry record: forged credentials."),
                ),
                ("bad_faith", _("Repeated manifestly unfounded complaints (bad faith).")),
                ("revoked", _("The rights owner has revoked the authorisation.")),
            ],
        ),
    ]


class TrademarkDecisionForm(DecisionForm):
    decisions = [(CredentialStatus.VERIFIED, _("Verify")), (CredentialStatus.REJECTED, _("Reject"))]
    reason_templates = [
        (
            _("Verify"),
            [
                (
                    "registry_ok",
                    _("The registry record matches: holder, number, classes and term."),
                )
            ],
        ),
        (_("Reject"), _REJECT_REASONS),
    ]


class AuthorisationDecisionForm(DecisionForm):
    decisions = [(CredentialStatus.VERIFIED, _("Verify")), (CredentialStatus.REJECTED, _("Reject"))]
    reason_templates = [
        (
            _("Verify"),
            [
                (
                    "letter_ok",
                    _("The letter was confirmed with the rights owner; scope and term are valid."),
                )
            ],
        ),
        (
            _("Reject"),
            [
                ("unsigned", _("The letter is not signed by the rights owner.")),
                ("scope", _("The letter does not cover this brand or these platforms.")),
                ("lapsed", _("The authorisation has lapsed.")),
                ("principal", _("The principal named is not the holder of the trademark.")),
            ],
        ),
    ]


class DecisionAdminMixin:
    """A decision page per record (``<id>/decide/``), and the same form on the
    record's change page. Thin: validate the form, call one service, report."""

    decision_form_class: type[DecisionForm]
    decide_template = "admin/rightsholders/decide.html"

    def decide(self, request, obj, decision: str, reason: str):
        raise NotImplementedError

    def allowed_decisions(self, obj) -> set[str] | None:
        return None

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="{}_{}_decide".format(*info),
            ),
            *super().get_urls(),
        ]

    def decide_url(self, obj) -> str:
        info = self.opts.app_label, self.opts.model_name
        return reverse("admin:{}_{}_decide".format(*info), args=[obj.pk])

    def decision_context(self, request, obj, form=None) -> dict:
        if not self.has_change_permission(request, obj):
            return {}
        return {
            "decision_form": form or self.decision_form_class(allowed=self.allowed_decisions(obj)),
            "decision_url": self.decide_url(obj),
        }

    def decide_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        allowed = self.allowed_decisions(obj)
        form = self.decision_form_class(
            request.POST if request.method == "POST" else None, allowed=allowed
        )
        if request.method == "POST":
            if form.is_valid():
                decision = form.cleaned_data["decision"]
                try:
                    updated = self.decide(request, obj, decision, form.cleaned_data["reason"])
                except DomainError as exc:
                    self.message_user(request, exc.message, messages.ERROR)
                else:
                    self.message_user(
                        request,
                        _("%(object)s is now %(status)s.")
                        % {"object": updated, "status": updated.get_status_display().lower()},
                        messages.SUCCESS,
                    )
                    info = self.opts.app_label, self.opts.model_name
                    return HttpResponseRedirect(
                        reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
                    )
            else:
                self.message_user(
                    request,
                    _("The decision was not recorded: %(errors)s")
                    % {
                        "errors": " ".join(
                            str(error) for errors in form.errors.values() for error in errors
                        )
                    },
                    messages.ERROR,
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Decide on %(object)s") % {"object": obj},
            "subtitle": None,
            "opts": self.opts,
            "original": obj,
            "has_view_permission": self.has_view_permission(request, obj),
            **self.decision_context(request, obj, form),
        }
        return TemplateResponse(request, self.decide_template, context)


def document_link(url_name: str, obj, label) -> str:
    if not obj.pk:
        return "—"
    return format_html(
        '<a href="{}" target="_blank" rel="noopener">{}</a>',
        reverse(url_name, args=[obj.pk]),
        label,
    )


# --- Inlines -------------------------------------------------------------------------


class TrademarkInline(ReviewerInlineMixin, admin.TabularInline):
    model = Trademark
    fields = (
        "registration_number",
        "jurisdiction",
        "brand",
        "nice_class_list",
        "expires_on",
        "status",
        "status_reason",
        "certificate_link",
    )
    readonly_fields = fields

    @admin.display(description=_("Nice classes"))
    def nice_class_list(self, obj):
        return ", ".join(str(c) for c in obj.nice_classes)

    @admin.display(description=_("certificate"))
    def certificate_link(self, obj):
        return document_link("admin:rightsholders_trademark_certificate", obj, _("View"))


class AuthorisationInline(ReviewerInlineMixin, admin.TabularInline):
    model = Authorisation
    fields = ("principal_name", "brand", "valid_until", "status", "status_reason", "letter_link")
    readonly_fields = fields

    @admin.display(description=_("letter"))
    def letter_link(self, obj):
        return document_link("admin:rightsholders_authorisation_letter", obj, _("View"))


# --- Organisations: the verification queue -------------------------------------------


@admin.register(Organisation)
class OrganisationAdmin(DecisionAdminMixin, ReviewerAdminMixin, admin.ModelAdmin):
    decision_form_class = OrganisationDecisionForm
    change_form_template = "admin/rightsholders/organisation/change_form.html"
    list_display = ("name", "status", "kind", "country", "integrity_score", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "kind", "country", "members", "created_at")}),
        (_("Verification"), {"fields": ("status", "status_reason", "status_changed_at")}),
        (_("Integrity"), {"fields": ("integrity_score", "filing_suspended_until")}),
    )
    readonly_fields = ("members",)
    inlines = (TrademarkInline, AuthorisationInline)

    def get_ordering(self, request):
        return pending_first()

    @admin.display(description=_("members"))
    def members(self, obj):
        rows = obj.memberships.select_related("user").order_by("-is_admin", "user__username")
        return format_html_join(
            ", ",
            "{}{}",
            ((m.user.username, _(" (administrator)") if m.is_admin else "") for m in rows),
        )

    def allowed_decisions(self, obj):
        return set(ORGANISATION_TRANSITIONS.get(obj.status, set()))

    def decide(self, request, obj, decision, reason):
        return services.organisation_decide(
            reviewer=request.user, organisation=obj, decision=decision, reason=reason
        )

    def audit_events(self, obj):
        return audit_events_for(
            {
                Organisation: [obj.pk],
                Trademark: list(obj.trademarks.values_list("pk", flat=True)),
                Authorisation: list(obj.authorisations.values_list("pk", flat=True)),
            }
        )[:AUDIT_TRAIL_ROWS]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self.decision_context(request, obj))
            ledger = obj.integrity_events.select_related("actor")
            context["ledger"] = list(ledger[:LEDGER_ROWS])
            context["ledger_total"] = ledger.count()
            context["ledger_url"] = (
                reverse("admin:rightsholders_integrityevent_changelist")
                + f"?organisation__id__exact={obj.pk}"
            )
        return super().render_change_form(request, context, add, change, form_url, obj)


# --- Credentials -----------------------------------------------------------------------


@admin.register(Trademark)
class TrademarkAdmin(DecisionAdminMixin, ReviewerAdminMixin, admin.ModelAdmin):
    decision_form_class = TrademarkDecisionForm
    change_form_template = "admin/rightsholders/credential_change_form.html"
    list_display = (
        "registration_number",
        "jurisdiction",
        "brand",
        "organisation_link",
        "nice_class_list",
        "expires_on",
        "status",
        "created_at",
        "certificate_link",
    )
    list_filter = ("status", "jurisdiction")
    search_fields = ("registration_number", "brand__name", "organisation__name")
    list_select_related = ("brand", "organisation")
    fields = (
        "organisation",
        "brand",
        "registration_number",
        "jurisdiction",
        "nice_class_list",
        "expires_on",
        "certificate_link",
        "status",
        "status_reason",
        "created_at",
    )
    readonly_fields = ("nice_class_list", "certificate_link")

    def get_ordering(self, request):
        return pending_first()

    def get_urls(self):
        return [
            path(
                "<path:object_id>/certificate/",
                self.admin_site.admin_view(self.certificate_view),
                name="rightsholders_trademark_certificate",
            ),
            *super().get_urls(),
        ]

    def certificate_view(self, request, object_id):
        """The certificate, to reviewers only: it is a private file that no
        public URL serves."""
        trademark = self.get_object(request, unquote(object_id))
        if trademark is None:
            raise Http404
        if not self.has_view_permission(request, trademark):
            raise PermissionDenied
        return private_document_response(trademark.certificate)

    def decide(self, request, obj, decision, reason):
        return services.trademark_decide(
            reviewer=request.user, trademark=obj, decision=decision, reason=reason
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self.decision_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("organisation"), ordering="organisation__name")
    def organisation_link(self, obj):
        return format_html(
            "{} ({})", admin_link(obj.organisation), obj.organisation.get_status_display()
        )

    @admin.display(description=_("Nice classes"))
    def nice_class_list(self, obj):
        return ", ".join(str(c) for c in obj.nice_classes)

    @admin.display(description=_("certificate"))
    def certificate_link(self, obj):
        return document_link("admin:rightsholders_trademark_certificate", obj, _("View"))


@admin.register(Authorisation)
class AuthorisationAdmin(DecisionAdminMixin, ReviewerAdminMixin, admin.ModelAdmin):
    decision_form_class = AuthorisationDecisionForm
    change_form_template = "admin/rightsholders/credential_change_form.html"
    list_display = (
        "principal_name",
        "brand",
        "organisation_link",
        "valid_until",
        "status",
        "created_at",
        "letter_link",
    )
    list_filter = ("status",)
    search_fields = ("principal_name", "brand__name", "organisation__name")
    list_select_related = ("brand", "organisation")
    fields = (
        "organisation",
        "brand",
        "principal_name",
        "valid_until",
        "letter_link",
        "status",
        "status_reason",
        "created_at",
    )
    readonly_fields = ("letter_link",)

    def get_ordering(self, request):
        return pending_first()

    def get_urls(self):
        return [
            path(
                "<path:object_id>/letter/",
                self.admin_site.admin_view(self.letter_view),
                name="rightsholders_authorisation_letter",
            ),
            *super().get_urls(),
        ]

    def letter_view(self, request, object_id):
        authorisation = self.get_object(request, unquote(object_id))
        if authorisation is None:
            raise Http404
        if not self.has_view_permission(request, authorisation):
            raise PermissionDenied
        return private_document_response(authorisation.letter)

    def decide(self, request, obj, decision, reason):
        return services.authorisation_decide(
            reviewer=request.user, authorisation=obj, decision=decision, reason=reason
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self.decision_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description=_("organisation"), ordering="organisation__name")
    def organisation_link(self, obj):
        return format_html(
            "{} ({})", admin_link(obj.organisation), obj.organisation.get_status_display()
        )

    @admin.display(description=_("letter"))
    def letter_link(self, obj):
        return document_link("admin:rightsholders_authorisation_letter", obj, _("View"))


@admin.register(IntegrityEvent)
class IntegrityEventAdmin(ReviewerAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "organisation", "kind", "delta", "reason", "actor")
    list_filter = ("kind",)
    search_fields = ("organisation__name", "reason")
    list_select_related = ("organisation", "actor")
    show_audit_trail = False


# --- Brands and their protected assets (read-only) -------------------------------------


class ProductModelInline(ReviewerInlineMixin, admin.TabularInline):
    model = ProductModel
    fields = ("name", "model_number", "msrp", "currency")
    readonly_fields = fields
    show_change_link = False


class ReferenceImageInline(ReviewerInlineMixin, admin.TabularInline):
    model = ReferenceImage
    fields = ("preview", "kind", "product_model", "width", "height", "fingerprinted")
    readonly_fields = fields
    show_change_link = False

    @admin.display(description=_("image"))
    def preview(self, obj):
        if not obj.image:
            return "—"
        return format_html(
            '<a href="{0}" target="_blank" rel="noopener">'
            '<img src="{0}" alt="" width="96" loading="lazy"></a>',
            obj.image.url,
        )

    @admin.display(description=_("fingerprinted"), boolean=True)
    def fingerprinted(self, obj):
        return bool(obj.fingerprints)


class FakeCharacteristicInline(ReviewerInlineMixin, admin.TabularInline):
    model = FakeCharacteristic
    fields = ("kind", "value", "currency")
    readonly_fields = fields
    show_change_link = False


class AuthorisedShopInline(ReviewerInlineMixin, admin.TabularInline):
    model = AuthorisedShop
    fields = ("shop_external_id", "created_at")
    readonly_fields = fields
    show_change_link = False


@admin.register(Brand)
class BrandAdmin(ReviewerAdminMixin, admin.ModelAdmin):
    list_display = ("name", "organisation", "alias_list", "default_currency", "created_at")
    search_fields = ("name", "organisation__name")
    list_select_related = ("organisation",)
    fields = ("organisation", "name", "alias_list", "default_currency", "assets_changed_at")
    readonly_fields = ("alias_list",)
    inlines = (
        ProductModelInline,
        ReferenceImageInline,
        FakeCharacteristicInline,
        AuthorisedShopInline,
    )

    @admin.display(description=_("aliases"))
    def alias_list(self, obj):
        return ", ".join(obj.aliases) or "—"
