"""Portal pages for complaints: brand staff file and follow theirs; sellers
read the statement of reasons for each action on their listings and file a
counter-notice. Thin: parse a form, call one service, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from detection.selectors import suspect_get_for_user
from marketplace.models import Listing
from notifications.models import Notification
from notifications.services import notifications_mark_read
from platform_core.errors import DomainError, NotFound
from platform_core.models import Role
from platform_core.params import as_id, safe_next
from rightsholders.selectors import brands_for, trademarks_for

from . import selectors, services
from .forms import AnswerForm, BulkForm, ComplaintForm, CounterNoticeForm, WithdrawForm
from .models import WITHDRAWABLE_STATUSES, ComplaintStatus


def _or_404(user, pk):
    try:
        return selectors.complaint_get_for_user(user, pk)
    except NotFound:
        raise Http404 from None


def _form_error(form, exc: DomainError) -> None:
    if exc.fields:
        for field, errors in exc.fields.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.message)


@login_required
def complaint_list(request):
    qs = selectors.complaints_for(request.user).prefetch_related("decisions")
    try:
        qs = selectors.complaints_filtered(qs, request.GET)
    except DomainError as exc:
        messages.error(request, exc.message)
        qs = qs.none()
    page = Paginator(qs.order_by("-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/list.html",
        {
            "page": page,
            "is_seller": request.user.role == Role.SELLER,
            "is_brand": request.user.role == Role.BRAND,
            "statuses": ComplaintStatus.choices,
            "filters": request.GET,
        },
    )


@login_required
def complaint_detail(request, pk):
    complaint = _or_404(request.user, pk)
    role = request.user.role
    counter_notice = getattr(complaint, "counter_notice", None)
    can_counter = (
        role == Role.SELLER
        and complaint.status == ComplaintStatus.UPHELD
        and counter_notice is None
        and (
            complaint.counter_notice_deadline is None
            or complaint.counter_notice_deadline > timezone.now()
        )
    )
    evidence = complaint.evidence.all()
    if role == Role.SELLER:
        evidence = evidence.filter(party="seller")
    return render(
        request,
        "complaints/detail.html",
        {
            "complaint": complaint,
            "decisions": complaint.decisions.order_by("created_at", "id"),
            "takedown_statement": services.takedown_statement(complaint),
            "events": complaint.events.all() if role != Role.SELLER else [],
            "questions": complaint.info_requests.all(),
            "evidence": evidence,
            "listing_images": [img for img in complaint.listing.images.all() if img.thumbnail],
            "reference_images": selectors.matched_references(complaint)
            if selectors.references_visible_to(request.user)
            else None,
            "counter_notice": counter_notice,
            "time_left": services.complaint_time_left(complaint),
            "is_seller": role == Role.SELLER,
            "counter_form": CounterNoticeForm() if can_counter else None,
            "answer_form": AnswerForm()
            if role == Role.BRAND and complaint.status == ComplaintStatus.NEEDS_INFO
            else None,
            "withdraw_form": WithdrawForm()
            if role == Role.BRAND and complaint.status in WITHDRAWABLE_STATUSES
            else None,
        },
    )


@login_required
@require_POST
def counter_notice(request, pk):
    complaint = _or_404(request.user, pk)
    form = CounterNoticeForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.counter_notice_file(
                user=request.user,
                complaint=complaint,
                explanation=form.cleaned_data["explanation"],
                evidence=form.cleaned_data["evidence"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Counter-notice filed: a reviewer will re-decide."))
    else:
        messages.error(request, _("Give an explanation and confirm the declaration."))
    return redirect("portal:complaint", pk=complaint.pk)


@login_required
@require_POST
def complaint_answer(request, pk):
    complaint = _or_404(request.user, pk)
    form = AnswerForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Write an answer."))
    else:
        try:
            services.complaint_answer_info(
                user=request.user,
                complaint=complaint,
                answer=form.cleaned_data["answer"],
                evidence=form.cleaned_data["evidence"],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Answer sent: the complaint is back under review."))
    return redirect("portal:complaint", pk=complaint.pk)


@login_required
@require_POST
def complaint_withdraw(request, pk):
    complaint = _or_404(request.user, pk)
    form = WithdrawForm(request.POST)
    form.is_valid()
    try:
        services.complaint_withdraw(
            user=request.user, complaint=complaint, reason=form.cleaned_data.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Complaint withdrawn."))
    return redirect("portal:complaint", pk=complaint.pk)


@login_required
@require_POST
def complaint_from_suspect(request, pk):
    """One click from a suspect's page."""
    try:
        suspect = suspect_get_for_user(request.user, pk)
    except NotFound:
        raise Http404 from None
    try:
        complaint = services.complaint_file_from_suspect(user=request.user, suspect=suspect)
    except DomainError as exc:
        messages.error(request, exc.message)
        if existing := exc.extra.get("complaint"):
            return redirect("portal:complaint", pk=existing)
        return redirect(safe_next(request, "portal:complaints"))
    messages.success(request, _("Complaint #%(id)d filed.") % {"id": complaint.pk})
    return redirect("portal:complaint", pk=complaint.pk)


@login_required
def complaint_new(request):
    if request.user.role != Role.BRAND:
        raise Http404
    brands = brands_for(request.user).order_by("name")
    form = ComplaintForm(
        request.POST or None,
        request.FILES or None,
        brands=brands,
        trademarks=trademarks_for(request.user).select_related("brand"),
        initial={"listing_external_id": request.GET.get("listing", "")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        listing = Listing.objects.filter(external_id=data["listing_external_id"].strip()).first()
        if listing is None:
            form.add_error("listing_external_id", _("No such listing."))
        else:
            try:
                complaint = services.complaint_file(
                    user=request.user,
                    brand=data["brand"],
                    listing=listing,
                    trademark=data["trademark"],
                    kind=data["kind"],
                    description=data["description"],
                    evidence=data["evidence"],
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("Complaint #%(id)d filed.") % {"id": complaint.pk})
                return redirect("portal:complaint", pk=complaint.pk)
    return render(request, "complaints/new.html", {"form": form})


@login_required
def complaint_bulk(request):
    if request.user.role != Role.BRAND:
        raise Http404
    from .api import _csv_rows, resolve_row

    form = BulkForm(request.POST or None, request.FILES or None)
    results = None
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["file"].read().decode("utf-8-sig", errors="replace")
        try:
            items = _csv_rows(text)
            if len(items) > settings.COMPLAINT_BULK_MAX:
                raise DomainError(
                    _("At most %(n)d rows per upload.") % {"n": settings.COMPLAINT_BULK_MAX}
                )
            rows = [resolve_row(request.user, _typed(item)) for item in items]
            results = list(
                enumerate(services.complaints_file_bulk(user=request.user, rows=rows), 1)
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
    return render(request, "complaints/bulk.html", {"form": form, "results": results})


def _typed(item: dict) -> dict:
    out = dict(item)
    for key in ("suspect", "listing", "brand", "trademark"):
        if key in out:
            out[key] = -1 if (pk := as_id(out[key])) is None else pk
    return out


@login_required
def notification_list(request):
    if request.method == "POST":
        notifications_mark_read(user=request.user)
        return redirect("portal:notifications")
    page = Paginator(Notification.objects.filter(user=request.user), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "complaints/notifications.html", {"page": page})
