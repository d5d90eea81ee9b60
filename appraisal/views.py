"""Public judges' pages (phone-first): assignments with deadlines, the case
with its evidence and the ballot, the result after close, the track record
and enrolment. Thin: parse a form, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from platform_core.errors import DomainError, NotFound

from . import selectors, services
from .models import Choice, QualificationQuestion


def _case_or_404(user, pk):
    try:
        return selectors.case_get_for_user(user, pk)
    except NotFound:
        raise Http404 from None


@login_required
def judge_home(request):
    record = selectors.judge_record(request.user)
    return render(
        request,
        "appraisal/home.html",
        {
            "assignments": selectors.open_assignments_for(request.user),
            "record": record,
            "profile": record["profile"],
        },
    )


@login_required
def case_detail(request, pk: int):
    case = _case_or_404(request.user, pk)
    seat = selectors.seat_for(request.user, case)
    vote = selectors.own_vote(request.user, case)
    return render(
        request,
        "appraisal/case.html",
        {
            "case": case,
            "seat": seat,
            "vote": vote,
            "can_vote": seat is not None and vote is None and case.status == "voting",
            "choices": Choice.choices,
            "evidence": selectors.evidence_bundle(case),
            "result": selectors.case_result(case),
        },
    )


@login_required
@require_POST
def vote(request, pk: int):
    _case_or_404(request.user, pk)
    try:
        services.vote_cast(
            judge=request.user,
            case=pk,
            choice=request.POST.get("choice", ""),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Your vote is recorded. It stays secret until the case closes.")
        )
    return redirect("appraisal:case", pk)


@login_required
def enrol(request):
    questions = list(QualificationQuestion.objects.filter(active=True).order_by("id"))
    if request.method == "POST":
        try:
            services.judge_enrol(
                user=request.user, guidelines_read=request.POST.get("guidelines_read") == "on"
            )
            answers = {q.pk: request.POST.get(f"q{q.pk}", "") for q in questions}
            services.judge_qualify(user=request.user, answers=answers)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("You qualified; you can now be drawn for juries."))
            return redirect("appraisal:home")
    return render(
        request, "appraisal/enrol.html", {"questions": questions, "choices": Choice.choices[:2]}
    )
