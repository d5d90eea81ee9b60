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
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from platform_core.admin import (
    ConsoleQueue,
    ReviewerAdminMixin,
    admin_link,
    is_reviewer,
    private_document_response,
    register_queue,
)
from platform_core.errors import DomainError
from platform_core.models import Role
from rightsholders.admin import DecisionForm

from . import selectors, services
from .models import (
    DECIDABLE_STATUSES,
    REVIEW_QUEUE_STATUSES,
    Complaint,
    ComplaintStatus,
    CounterNotice,
    Decision,
    EnforcementPolicy,
    RepeatInfringerSuspension,
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
        return _time_left_html(obj)

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


def _time_left_html(complaint: Complaint) -> str:
    left = services.complaint_time_left(complaint)
    if left is None:
        return "—"
    minutes = int(left.total_seconds() // 60)
    sign, minutes = ("-", -minutes) if minutes < 0 else ("", minutes)
    text = sign + _("%(hours)sh %(minutes)sm") % {
        "hours": minutes // 60,
        "minutes": f"{minutes % 60:02d}",
    }
    if sign:
        return format_html('<strong class="overdue">{} {}</strong>', text, _("overdue"))
    return text


# --- Counter-notices waiting for a reviewer ----------------------------------------------


class CounterNoticeDecisionForm(ComplaintDecisionForm):
    """The re-decision on a complaint a seller contests, in the seller's terms:
    dismissing the counter-notice upholds the complaint; accepting it rejects
    the complaint (listing restored, strike voided)."""

    decisions = [
        (Decision.Outcome.UPHELD, _("Dismiss the counter-notice: the takedown stands")),
        (
            Decision.Outcome.REJECTED,
            _("Accept the counter-notice: restore the listing and void the strike"),
        ),
        (Decision.Outcome.NEEDS_INFO, _("Ask the complainant to answer the counter-notice")),
    ]
    reason_templates = [
        (
            _("Dismiss"),
            [
                (
                    "cn_no_proof",
                    _(
                        "The counter-notice does not show where the goods came from: no invoice "
                        "or authorisation from the rights holder."
                    ),
                ),
                (
                    "cn_invoice_mismatch",
                    _("The invoice does not cover the goods offered (other model or quantity)."),
                ),
                (
                    "cn_test_purchase",
                    _("The test purchase authenticated the goods as counterfeit."),
                ),
            ],
        ),
        (
            _("Accept"),
            [
                (
                    "cn_supply_chain",
                    _(
                        "The seller shows the goods are genuine: invoices trace them to the "
                        "rights holder's authorised supply chain."
                    ),
                ),
                (
                    "cn_misidentified",
                    _("The complaint misidentified the listing: it does not use the mark."),
                ),
                (
                    "cn_descriptive",
                    _("The brand is named only to describe compatibility, which the rules allow."),
                ),
            ],
        ),
        (
            _("Ask the complainant"),
            [
                (
                    "cn_respond_invoice",
                    _("The seller's counter-notice includes an invoice; please respond to it."),
                ),
                (
                    "cn_respond_authorisation",
                    _(
                        "The seller names an authorisation from you or your distributor; "
                        "confirm or deny it."
                    ),
                ),
            ],
        ),
    ]


@admin.register(CounterNotice)
class CounterNoticeAdmin(ReviewerAdminMixin, admin.ModelAdmin):
    """Counter-notices waiting for a reviewer, the most urgent first, each
    decided on its own page with the seller's case beside the complaint's."""

    change_form_template = "admin/complaints/counternotice/change_form.html"
    list_display = (
        "__str__",
        "time_left",
        "status",
        "seller",
        "listing_link",
        "brand",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = (
        "complaint__listing__external_id",
        "complaint__brand__name",
        "seller__external_id",
        "explanation",
    )
    list_select_related = ("complaint", "complaint__listing", "complaint__brand", "seller")
    show_full_result_count = False
    fields = ("complaint", "seller", "status", "explanation", "filed_by", "created_at")

    def get_ordering(self, request):
        # Pending first, then by the complaint's review target (restarted at
        # filing), oldest first when the clocks are equal.
        waiting = Case(
            When(status=CounterNotice.Status.PENDING, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        return [waiting.asc(), "complaint__due_at", "created_at", "id"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(
                "complaint__listing__shop", "complaint__brand", "complaint__organisation", "seller"
            )
        )

    @admin.display(description=_("time left"), ordering="complaint__due_at")
    def time_left(self, obj):
        if obj.status != CounterNotice.Status.PENDING:
            return "—"
        return _time_left_html(obj.complaint)

    @admin.display(description=_("listing"))
    def listing_link(self, obj):
        return admin_link(obj.complaint.listing, obj.complaint.listing.external_id)

    @admin.display(description=_("brand"), ordering="complaint__brand__name")
    def brand(self, obj):
        return obj.complaint.brand.name

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/decide/",
                view(self.decide_view),
                name="complaints_counternotice_decide",
            ),
            *super().get_urls(),
        ]

    def _decidable(self, obj: CounterNotice) -> bool:
        complaint = obj.complaint
        return (
            obj.status == CounterNotice.Status.PENDING
            and complaint.status == ComplaintStatus.COUNTER_NOTICED
            and not complaint.test_purchases.filter(status=TestPurchase.Status.ORDERED).exists()
        )

    def decide_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_change_permission(request, obj):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        form = CounterNoticeDecisionForm(request.POST)
        back = reverse("admin:complaints_counternotice_change", args=[obj.pk])
        if not form.is_valid():
            errors = " ".join(str(e) for errs in form.errors.values() for e in errs)
            self.message_user(request, _("Nothing recorded: %s") % errors, messages.ERROR)
            return HttpResponseRedirect(back)
        try:
            services.complaint_decide(
                reviewer=request.user,
                complaint=obj.complaint,
                outcome=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                bad_faith=form.cleaned_data.get("bad_faith", False),
            )
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(back)
        self.message_user(request, _("Decision recorded and sent to both sides."), messages.SUCCESS)
        # Back to the queue: the next counter-notice is the reviewer's next task.
        return HttpResponseRedirect(reverse("admin:complaints_counternotice_changelist"))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            complaint = obj.complaint
            evidence = [e for e in complaint.evidence.all() if e.party == "seller"]
            decidable = self._decidable(obj)
            context.update(
                {
                    "counter_notice": obj,
                    "complaint": complaint,
                    "listing": complaint.listing,
                    "time_left": self.time_left(obj),
                    "decisions": list(complaint.decisions.all()),
                    "seller_evidence": [
                        (
                            e,
                            reverse(
                                "admin:complaints_complaint_evidence", args=[complaint.pk, e.pk]
                            ),
                        )
                        for e in evidence
                    ],
                    "complaint_url": reverse(
                        "admin:complaints_complaint_change", args=[complaint.pk]
                    ),
                    "decision_form": CounterNoticeDecisionForm() if decidable else None,
                    "decision_url": reverse("admin:complaints_counternotice_decide", args=[obj.pk]),
                }
            )
        return super().render_change_form(request, context, add, change, form_url, obj)


# --- The repeat-infringer and misuse policy ------------------------------------------------


class EnforcementPolicyForm(forms.ModelForm):
    class Meta:
        model = EnforcementPolicy
        fields = services.POLICY_FIELDS

    def clean(self):
        data = super().clean()
        if not self.errors:
            for name, errors in services.enforcement_policy_errors(data).items():
                for error in errors:
                    self.add_error(name, error)
        return data


@admin.register(EnforcementPolicy)
class EnforcementPolicyAdmin(admin.ModelAdmin):
    """One row reviewers edit; each change goes through the service, which
    validates it and audits the values before and after."""

    form = EnforcementPolicyForm
    change_form_template = "admin/complaints/enforcementpolicy/change_form.html"
    fieldsets = (
        (
            _("Repeat infringers"),
            {"fields": ("repeat_infringer_strikes", "repeat_infringer_window_days")},
        ),
        (
            _("Misuse by complainants"),
            {
                "fields": (
                    "misuse_window_days",
                    "misuse_warning_at",
                    "misuse_suspend_at",
                    "misuse_suspension_days",
                )
            },
        ),
    )

    def has_module_permission(self, request):
        return is_reviewer(request.user)

    def has_view_permission(self, request, obj=None):
        return is_reviewer(request.user)

    def has_change_permission(self, request, obj=None):
        # The service takes reviewers' changes only (superusers may look).
        return is_reviewer(request.user) and request.user.role == Role.REVIEWER

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_object(self, request, object_id, from_field=None):
        # The row exists from first use, also when the first use is this page.
        services.enforcement_policy()
        return super().get_object(request, object_id, from_field)

    def changelist_view(self, request, extra_context=None):
        # A single row: the list is the record.
        if not self.has_view_permission(request):
            raise PermissionDenied
        policy = services.enforcement_policy()
        return redirect(reverse("admin:complaints_enforcementpolicy_change", args=[policy.pk]))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            from platform_core.audit import audit_trail

            context.setdefault("audit_events", list(audit_trail(obj)[:50]))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        services.enforcement_policy_update(
            user=request.user, **{name: form.cleaned_data[name] for name in services.POLICY_FIELDS}
        )


@admin.register(RepeatInfringerSuspension)
class RepeatInfringerSuspensionAdmin(ReviewerAdminMixin, admin.ModelAdmin):
    """Shops the repeat-infringer policy suspended, and whether (and why) the
    suspension was lifted."""

    list_display = ("shop", "seller", "created_at", "lifted_at", "reason")
    list_filter = (("lifted_at", admin.EmptyFieldListFilter),)
    search_fields = ("shop__external_id", "shop__name", "seller__external_id")
    list_select_related = ("shop", "seller")
    show_full_result_count = False


# --- Queues on the console's index ---------------------------------------------------------


def _overdue(qs, now):
    return qs.filter(due_at__lt=now)


register_queue(
    ConsoleQueue(
        key="complaints",
        label=_("Complaints to decide"),
        url_name="admin:complaints_complaint_changelist",
        query="?status__in=submitted,under_review",
        waiting=lambda: Complaint.objects.filter(
            status__in=[ComplaintStatus.SUBMITTED, ComplaintStatus.UNDER_REVIEW]
        ),
        overdue=_overdue,
        order=40,
    )
)
register_queue(
    ConsoleQueue(
        key="counter_notices",
        label=_("Counter-notices to decide"),
        url_name="admin:complaints_counternotice_changelist",
        query="?status__exact=pending",
        waiting=lambda: CounterNotice.objects.filter(
            status=CounterNotice.Status.PENDING,
            complaint__status=ComplaintStatus.COUNTER_NOTICED,
        ),
        overdue=lambda qs, now: qs.filter(complaint__due_at__lt=now),
        order=50,
    )
)
