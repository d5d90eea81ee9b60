"""The reviewer console for public appraisal: open a case, follow cases
(no tally before close), decide cases that came back, verify judges'
identity and keep the qualification set."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from complaints.models import AppraisalQueueEntry, Complaint, ComplaintEvent, ComplaintStatus
from marketplace.models import Listing, Shop
from platform_core.admin import (
    ConsoleQueue,
    ReviewerAdminMixin,
    admin_link,
    is_reviewer,
    register_queue,
)
from platform_core.errors import DomainError

from . import services
from .models import (
    LIVE_STATUSES,
    Case,
    CaseStatus,
    JudgeProfile,
    QualificationQuestion,
    Verdict,
)

# Shown only once a case has closed: the secrecy rule holds in the console too.
SECRET_FIELDS = ("tally", "result", "final_verdict")


class OpenCaseForm(forms.Form):
    complaint = forms.IntegerField(required=False, label=_("Complaint id"))
    listing = forms.IntegerField(required=False, label=_("Listing id"))
    shop = forms.IntegerField(required=False, label=_("Shop id"))
    question = forms.CharField(
        label=_("Question for the jury"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 70}),
        help_text=_("e.g. Does shop X's brand 'Adidos' imitate Adidas?"),
    )
    jury_size = forms.IntegerField(
        label=_("Jury size"),
        required=False,
        min_value=3,
        max_value=101,
        help_text=_("Empty: the platform's default."),
    )
    statement_hours = forms.IntegerField(
        label=_("Hours for statements"),
        required=False,
        min_value=0,
        max_value=720,
        help_text=_("Empty: the platform's default."),
    )
    known_answer = forms.ChoiceField(
        label=_("Known answer"),
        required=False,
        choices=[("", _("— a real case —")), *Verdict.choices],
        help_text=_("Known-answer cases test judges; they are never announced as such."),
    )


class ReviewerDecideForm(forms.Form):
    verdict = forms.ChoiceField(label=_("Verdict"), choices=Verdict.choices)
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3, "cols": 70})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2, "cols": 70})
    )


def _object(model, pk):
    if pk is None:
        return None
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise DomainError(
            _("No %(model)s #%(id)s.") % {"model": model._meta.verbose_name, "id": pk}
        )
    return obj


@admin.register(Case)
class CaseAdmin(ReviewerAdminMixin, admin.ModelAdmin):
    list_display = (
        "id",
        "question",
        "subject",
        "status",
        "level",
        "jury_size",
        "deadline",
        "outcome",
    )
    list_filter = ("status", "subject", "level")
    search_fields = ("question",)
    change_list_template = "appraisal/admin/case_changelist.html"
    change_form_template = "appraisal/admin/case_change_form.html"

    @admin.display(description=_("Outcome"))
    def outcome(self, obj):
        return obj.get_result_display() if obj.is_closed else "—"

    def get_fields(self, request, obj=None):
        fields = [f.name for f in Case._meta.concrete_fields if f.name != "id"]
        if obj is None or not obj.is_closed:
            fields = [f for f in fields if f not in SECRET_FIELDS]
        return fields

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("open/", view(self.open_view), name="appraisal_case_open"),
            path("<path:object_id>/decide/", view(self.decide_view), name="appraisal_case_decide"),
            path(
                "<path:object_id>/start-voting/",
                view(self.start_voting_view),
                name="appraisal_case_start_voting",
            ),
            *super().get_urls(),
        ]

    def open_view(self, request):
        if not is_reviewer(request.user):
            raise PermissionDenied
        # From the queue of cases to open: the complaint and its escalation
        # reason come filled in.
        initial = {
            name: request.GET[name] for name in ("complaint", "question") if name in request.GET
        }
        form = OpenCaseForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                case = services.case_open(
                    reviewer=request.user,
                    question=data["question"],
                    complaint=_object(Complaint, data["complaint"]),
                    listing=_object(Listing, data["listing"]),
                    shop=_object(Shop, data["shop"]),
                    jury_size=data["jury_size"],
                    statement_hours=data["statement_hours"],
                    known_answer=data["known_answer"],
                )
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, _("Case opened."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:appraisal_case_change", args=[case.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": _("Open an appraisal case"),
        }
        return render(request, "appraisal/admin/open_case.html", context)

    def _case(self, request, object_id) -> Case:
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def _back(self, obj):
        return HttpResponseRedirect(reverse("admin:appraisal_case_change", args=[obj.pk]))

    def decide_view(self, request, object_id):
        obj = self._case(request, object_id)
        form = ReviewerDecideForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.case_reviewer_decide(
                    reviewer=request.user,
                    case=obj,
                    verdict=form.cleaned_data["verdict"],
                    reason=form.cleaned_data["reason"],
                )
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, _("Decided and enforced."), messages.SUCCESS)
        return self._back(obj)

    def start_voting_view(self, request, object_id):
        obj = self._case(request, object_id)
        if request.method == "POST":
            try:
                services.voting_open(reviewer=request.user, case=obj)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, _("Jury drawn; voting is open."), messages.SUCCESS)
        return self._back(obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["decide_form"] = (
                ReviewerDecideForm() if obj.status == CaseStatus.RETURNED else None
            )
            context["can_start_voting"] = obj.status == CaseStatus.COLLECTING
            context["jurors"] = obj.jurors.select_related("judge")
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(JudgeProfile)
class JudgeProfileAdmin(ReviewerAdminMixin, admin.ModelAdmin):
    list_display = (
        "user",
        "status",
        "identity_verified_at",
        "qualified_at",
        "suspended_until",
        "weight",
        "known_answer_correct",
        "known_answer_total",
        "outcome_agreed",
        "outcome_total",
    )
    list_filter = ("status",)
    search_fields = ("user__username",)
    change_form_template = "appraisal/admin/judge_change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/verify/",
                view(self.verify_view),
                name="appraisal_judgeprofile_verify",
            ),
            *super().get_urls(),
        ]

    def verify_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.has_change_permission(request, obj):
            raise PermissionDenied
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.judge_verify_identity(
                    reviewer=request.user, judge=obj.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, _("Identity verified."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:appraisal_judgeprofile_change", args=[obj.pk]))

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["verify_form"] = ReasonForm()
        return super().render_change_form(request, context, add, change, form_url, obj)


@admin.register(QualificationQuestion)
class QualificationQuestionAdmin(admin.ModelAdmin):
    """The qualification set is plain content reviewers keep up to date."""

    list_display = ("question", "answer", "active")

    def has_module_permission(self, request):
        return is_reviewer(request.user)

    def has_view_permission(self, request, obj=None):
        return is_reviewer(request.user)

    def has_add_permission(self, request):
        return is_reviewer(request.user)

    def has_change_permission(self, request, obj=None):
        return is_reviewer(request.user)

    def has_delete_permission(self, request, obj=None):
        return False


# --- Appraisal cases to open ----------------------------------------------------------------


def complaints_awaiting_a_case():
    """Complaints escalated to public appraisal that no live case decides yet:
    a reviewer has to open one (and draw the jury)."""
    live = Case.objects.filter(complaint=OuterRef("pk"), status__in=LIVE_STATUSES)
    return AppraisalQueueEntry.objects.filter(status=ComplaintStatus.IN_APPRAISAL).filter(
        ~Exists(live)
    )


def _escalations():
    return ComplaintEvent.objects.filter(
        complaint=OuterRef("pk"), to_status=ComplaintStatus.IN_APPRAISAL
    ).order_by("-id")


@admin.register(AppraisalQueueEntry)
class AppraisalQueueAdmin(ReviewerAdminMixin, admin.ModelAdmin):
    """The queue of appraisal cases to open, oldest escalation first; each row
    links to the "Open a case" form with the complaint and question filled in."""

    list_display = ("complaint_link", "brand", "listing_link", "escalated_at", "question", "open")
    list_select_related = ("brand", "listing")
    search_fields = ("listing__external_id", "brand__name", "organisation__name")
    show_full_result_count = False
    show_audit_trail = False

    def get_queryset(self, request):
        return complaints_awaiting_a_case().annotate(
            escalated_at=Subquery(_escalations().values("created_at")[:1]),
            escalation_reason=Subquery(_escalations().values("reason")[:1]),
        )

    def get_ordering(self, request):
        return ["escalated_at", "id"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The complaint's own record is the place to read it.
        return HttpResponseRedirect(reverse("admin:complaints_complaint_change", args=[object_id]))

    @admin.display(description=_("complaint"))
    def complaint_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:complaints_complaint_change", args=[obj.pk]),
            Complaint.__str__(obj),
        )

    @admin.display(description=_("listing"))
    def listing_link(self, obj):
        return admin_link(obj.listing, obj.listing.external_id)

    @admin.display(description=_("escalated"), ordering="escalated_at")
    def escalated_at(self, obj):
        return obj.escalated_at

    @admin.display(description=_("question for the jury"))
    def question(self, obj):
        reason = obj.escalation_reason or ""
        return reason if len(reason) <= 120 else reason[:119] + "…"

    @admin.display(description=_("open"))
    def open(self, obj):
        query = urlencode({"complaint": obj.pk, "question": (obj.escalation_reason or "")[:500]})
        return format_html(
            '<a class="button" href="{}?{}">{}</a>',
            reverse("admin:appraisal_case_open"),
            query,
            _("Open a case"),
        )


register_queue(
    ConsoleQueue(
        key="appraisal_to_open",
        label=_("Appraisal cases to open"),
        url_name="admin:complaints_appraisalqueueentry_changelist",
        waiting=complaints_awaiting_a_case,
        since="updated_at",
        order=60,
    )
)
register_queue(
    ConsoleQueue(
        key="appraisal_returned",
        label=_("Appraisal cases returned to the reviewer"),
        url_name="admin:appraisal_case_changelist",
        query="?status__exact=returned",
        waiting=lambda: Case.objects.filter(status=CaseStatus.RETURNED),
        since="updated_at",
        order=70,
    )
)
