"""The reviewers' complaint queue: due time first (fast-track complainants
ahead), the evidence side by side, and the decisions, test purchases and
escalations taken through forms that call ``complaints.services``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from platform_core.admin import ReviewerAdminMixin, admin_link, private_document_response
from platform_core.errors import DomainError
from rightsholders.admin import DecisionForm

from . import selectors, services
from .models import (
    DECIDABLE_STATUSES,
    REVIEW_QUEUE_STATUSES,
    Complaint,
    ComplaintStatus,
    Decision,
    TestPurchase,
)


class ComplaintDecisionForm(DecisionForm):
    decisions = [
        (Decision.Outcome.UPHELD, _("Uphold")),
        (Decision.Outcome.REJECTED, _("Reject")),
        (Decision.Outcome.NEEDS_INFO, _("Ask for more information")),
    ]
    reason_templates = [
        (
            _("Uphold"),
            [
                (
                    "logo_copy",
                    _("The listing shows the registered mark on goods the holder did not make."),
                ),
                (
                    "price_and_signs",
                    _(
                        "Price far below the genuine product, haze terms ('1:1', 'replica') "
                        "beside the brand name, and photos copied from the brand."
                    ),
                ),
                (
                    "lookalike",
                    _("The sign is confusingly similar to the registered mark for the same goods."),
                ),
            ],
        ),
        (
            _("Reject"),
            [
                (
                    "no_evidence",
                    _("The evidence does not show that the goods infringe the right asserted."),
                ),
                (
                    "genuine",
                    _("The seller shows the goods are genuine (authorised supply chain)."),
                ),
                (
                    "other_goods",
                    _("The trademark's classes do not cover the goods offered."),
                ),
                (
                    "unfounded",
                    _("Manifestly unfounded: the listing has nothing to do with the brand."),
                ),
            ],
        ),
        (
            _("Ask for more information"),
            [
                (
                    "which_model",
                    _("Which genuine product model is imitated, and how does it differ?"),
                ),
                ("certificate", _("Send the current registration or renewal certificate.")),
                (
                    "counter_evidence",
                    _("The seller's counter-notice includes an invoice; please respond to it."),
                ),
            ],
        ),
    ]

    bad_faith = forms.BooleanField(
        label=_("Manifestly unfounded / bad faith"),
        required=False,
        help_text=_("With a rejection only: lowers the complainant's integrity score."),
    )


class TestPurchaseOrderForm(forms.Form):
    instructions = forms.CharField(
        label=_("Instructions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 70}),
    )


TestPurchaseOrderForm.__test__ = False  # type: ignore[attr-defined]


class TestPurchaseResultForm(forms.Form):
    buyer = forms.CharField(label=_("Bought by"), max_length=200)
    purchased_at = forms.DateTimeField(label=_("Bought at"), help_text=_("YYYY-MM-DD HH:MM, UTC"))
    cost = forms.DecimalField(label=_("Cost"), max_digits=12, decimal_places=2, min_value=0)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="CNY")
    result = forms.ChoiceField(label=_("Authentication"), choices=TestPurchase.Result.choices)
    appraiser = forms.CharField(label=_("Appraiser"), max_length=200)
    report = forms.CharField(
        label=_("Appraiser's report"), widget=forms.Textarea(attrs={"rows": 4, "cols": 70})
    )
    report_file = forms.FileField(label=_("Report file"), required=False)
    bad_faith = forms.BooleanField(
        label=_("Manifestly unfounded (genuine goods only)"), required=False
    )


TestPurchaseResultForm.__test__ = False  # type: ignore[attr-defined]


class EscalateForm(forms.Form):
    reason = forms.CharField(
        label=_("Question for the jury"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 70}),
        help_text=_("Why the case needs public appraisal (e.g. a lookalike with its own mark)."),
    )


@admin.register(Complaint)
class ComplaintAdmin(ReviewerAdminMixin, admin.ModelAdmin):
    change_form_template = "admin/complaints/complaint/change_form.html"
    list_display = (
        "__str__",
        "fast_track_badge",
        "time_left",
        "status",
        "brand",
        "listing_link",
        "complainant_score",
        "created_at",
    )
    list_filter = ("status", "kind", "fast_track")
    search_fields = ("listing__external_id", "listing__title", "brand__name", "organisation__name")
    list_select_related = ("brand", "listing", "organisation")
    show_full_result_count = False
    fields = (
        "status",
        "kind",
        "organisation",
        "brand",
        "trademark",
        "listing",
        "seller",
        "description",
        "fast_track",
        "due_at",
        "decided_at",
        "counter_notice_deadline",
        "filed_by",
        "reviewer",
        "created_at",
    )

    def get_ordering(self, request):
        # The queue: what awaits a reviewer first, fast-track complainants
        # ahead, then by due time (the 24-hour target).
        waiting = Case(
            When(status__in=list(REVIEW_QUEUE_STATUSES), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return [waiting.asc(), "-fast_track", "due_at", "-id"]

    @admin.display(description=_("fast track"), boolean=True, ordering="fast_track")
    def fast_track_badge(self, obj):
        return obj.fast_track

    @admin.display(description=_("time left"), ordering="due_at")
    def time_left(self, obj):
        left = services.complaint_time_left(obj)
        if left is None:
            return "—"
        minutes = int(left.total_seconds() // 60)
        sign, minutes = ("-", -minutes) if minutes < 0 else ("", minutes)
        text = f"{sign}{minutes // 60}h {minutes % 60:02d}m"
        if sign:
            return format_html('<strong class="overdue">{} {}</strong>', text, _("overdue"))
        return text

    @admin.display(description=_("listing"))
    def listing_link(self, obj):
        return admin_link(obj.listing, obj.listing.external_id)

    @admin.display(description=_("integrity"), ordering="organisation__integrity_score")
    def complainant_score(self, obj):
        return obj.organisation.integrity_score

    # --- Actions (each its own URL, POST only, one service call) ------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/decide/",
                view(self.decide_view),
                name="{}_{}_decide".format(*info),
            ),
            path(
                "<path:object_id>/review/",
                view(self.review_view),
                name="{}_{}_review".format(*info),
            ),
            path(
                "<path:object_id>/test-purchase/",
                view(self.test_purchase_view),
                name="{}_{}_test_purchase".format(*info),
            ),
            path(
                "<path:object_id>/test-purchase/<int:purchase_id>/result/",
                view(self.test_purchase_result_view),
                name="{}_{}_test_purchase_result".format(*info),
            ),
            path(
                "<path:object_id>/escalate/",
                view(self.escalate_view),
                name="{}_{}_escalate".format(*info),
            ),
            path(
                "<path:object_id>/evidence/<int:evidence_id>/",
                view(self.evidence_view),
                name="{}_{}_evidence".format(*info),
            ),
            *super().get_urls(),
        ]

    def _url(self, name, *args):
        return reverse(f"admin:complaints_complaint_{name}", args=args)

    def _complaint_or_deny(self, request, object_id) -> Complaint:
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def _run(self, request, obj, form, action, success):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if form is not None and not form.is_valid():
            errors = " ".join(str(e) for errs in form.errors.values() for e in errs)
            self.message_user(request, _("Nothing recorded: %s") % errors, messages.ERROR)
        else:
            try:
                action(form.cleaned_data if form is not None else None)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, success, messages.SUCCESS)
        return HttpResponseRedirect(self._url("change", obj.pk))

    def decide_view(self, request, object_id):
        obj = self._complaint_or_deny(request, object_id)
        form = ComplaintDecisionForm(request.POST or None)

        def act(data):
            services.complaint_decide(
                reviewer=request.user,
                complaint=obj,
                outcome=data["decision"],
                reason=data["reason"],
                bad_faith=data.get("bad_faith", False),
            )

        return self._run(request, obj, form, act, _("Decision recorded and sent to both sides."))

    def review_view(self, request, object_id):
        obj = self._complaint_or_deny(request, object_id)
        return self._run(
            request,
            obj,
            None,
            lambda _data: services.complaint_start_review(reviewer=request.user, complaint=obj),
            _("The complaint is under your review."),
        )

    def test_purchase_view(self, request, object_id):
        obj = self._complaint_or_deny(request, object_id)
        form = TestPurchaseOrderForm(request.POST or None)
        return self._run(
            request,
            obj,
            form,
            lambda data: services.test_purchase_order(
                reviewer=request.user, complaint=obj, instructions=data["instructions"]
            ),
            _("Test purchase ordered."),
        )

    def test_purchase_result_view(self, request, object_id, purchase_id):
        obj = self._complaint_or_deny(request, object_id)
        purchase = obj.test_purchases.filter(pk=purchase_id).first()
        if purchase is None:
            raise PermissionDenied
        form = TestPurchaseResultForm(request.POST or None, request.FILES or None)
        return self._run(
            request,
            obj,
            form,
            lambda data: services.test_purchase_record(
                reviewer=request.user, purchase=purchase, **data
            ),
            _("Test purchase recorded; the complaint follows its result."),
        )

    def escalate_view(self, request, object_id):
        obj = self._complaint_or_deny(request, object_id)
        form = EscalateForm(request.POST or None)
        return self._run(
            request,
            obj,
            form,
            lambda data: services.complaint_escalate(
                reviewer=request.user, complaint=obj, reason=data["reason"]
            ),
            _("Sent to public appraisal."),
        )

    def evidence_view(self, request, object_id, evidence_id):
        obj = self._complaint_or_deny(request, object_id)
        evidence = obj.evidence.filter(pk=evidence_id).first()
        if evidence is None:
            raise PermissionDenied
        return private_document_response(evidence.file)

    # --- The record page -------------------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(self._panels(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _panels(self, request, obj: Complaint) -> dict:
        listing = obj.listing
        evidence = list(obj.evidence.all())
        pending = obj.test_purchases.filter(status=TestPurchase.Status.ORDERED).first()
        decidable = obj.status in DECIDABLE_STATUSES and pending is None
        return {
            "complaint": obj,
            "listing": listing,
            "listing_images": [img for img in listing.images.all() if img.thumbnail],
            "reference_images": selectors.matched_references(obj),
            "brand_evidence": [
                (e, self._url("evidence", obj.pk, e.pk)) for e in evidence if e.party == "brand"
            ],
            "seller_evidence": [
                (e, self._url("evidence", obj.pk, e.pk)) for e in evidence if e.party == "seller"
            ],
            "counter_notice": getattr(obj, "counter_notice", None),
            "questions": list(obj.info_requests.all()),
            "decisions": list(obj.decisions.all()),
            "test_purchases": list(obj.test_purchases.all()),
            "events": list(obj.events.select_related("actor")),
            "time_left": self.time_left(obj),
            "now": timezone.now(),
            "can_review": obj.status == ComplaintStatus.SUBMITTED,
            "review_url": self._url("review", obj.pk),
            "decision_form": ComplaintDecisionForm() if decidable else None,
            "decision_url": self._url("decide", obj.pk),
            "test_purchase_form": TestPurchaseOrderForm()
            if obj.status in DECIDABLE_STATUSES and pending is None
            else None,
            "test_purchase_url": self._url("test_purchase", obj.pk),
            "pending_purchase": pending,
            "result_form": TestPurchaseResultForm() if pending else None,
            "result_url": self._url("test_purchase_result", obj.pk, pending.pk) if pending else "",
            "escalate_form": EscalateForm() if decidable else None,
            "escalate_url": self._url("escalate", obj.pk),
        }
