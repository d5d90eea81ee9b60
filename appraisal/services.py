"""The rules of public appraisal: enrolment, cases, jury draws, secret
voting, closing, appeals, enforcement and the judges' track record.

Every write goes through here (API, admin, pages and beat tasks alike).
Locks: a case row is locked before its seats or ballots change.
"""

from __future__ import annotations

import datetime
import math
import secrets
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from complaints import services as complaint_services
from complaints.models import DECIDABLE_STATUSES, Complaint, ComplaintStatus
from marketplace import services as marketplace_services
from marketplace.models import Listing, Shop
from notifications.services import notify
from platform_core.audit import audit
from platform_core.errors import Conflict, DomainError, Forbidden, NotFound
from platform_core.models import Role, User
from rightsholders.models import Membership

from .models import (
    ALLOWED_TRANSITIONS,
    LIVE_STATUSES,
    Case,
    CaseEvent,
    CaseStatus,
    Choice,
    JudgeProfile,
    JudgeStatus,
    JuryMembership,
    QualificationQuestion,
    Statement,
    Verdict,
    Vote,
)

_rng = secrets.SystemRandom()


def _now() -> datetime.datetime:
    return timezone.now()


def _url(name: str, *args) -> str:
    try:
        return reverse(f"appraisal:{name}", args=args)
    except NoReverseMatch:
        return ""


def _require_reviewer(user: User) -> None:
    if not (user.is_authenticated and (user.role == Role.REVIEWER or user.is_superuser)):
        raise Forbidden(gettext("Only platform reviewers may do this."))


# How the free-text fields are named in messages people read.
TEXT_FIELD_NAMES = {
    "reason": gettext_lazy("Reason"),
    "question": gettext_lazy("Question"),
    "text": gettext_lazy("Text"),
}


def _clean(value: str | None, field: str, *, required: bool = True, limit: int = 5000) -> str:
    value = (value or "").strip()
    name = TEXT_FIELD_NAMES.get(field, field.capitalize())
    if required and not value:
        raise DomainError(
            gettext("%(field)s is required.") % {"field": name},
            fields={field: [gettext("Required.")]},
        )
    if len(value) > limit:
        raise DomainError(
            gettext("%(field)s is too long.") % {"field": name},
            fields={field: [gettext("At most %(n)s characters.") % {"n": limit}]},
        )
    return value


def _locked(case: Case | int) -> Case:
    pk = case.pk if isinstance(case, Case) else case
    try:
        return Case.objects.select_for_update().get(pk=pk)
    except Case.DoesNotExist:
        raise NotFound(gettext("No such case.")) from None


def _transition(case: Case, to: str, *, actor: User | None, reason: str, fields=()) -> None:
    """Move ``case`` (locked) to ``to`` if the status map allows it; history and audit."""
    if to not in ALLOWED_TRANSITIONS[case.status]:
        raise Conflict(
            gettext("Case #%(id)s is %(status)s.")
            % {"id": case.pk, "status": case.get_status_display().lower()},
            code="invalid_transition",
            extra={"status": case.status},
        )
    previous = case.status
    case.status = to
    case.save(update_fields=["status", "updated_at", *fields])
    CaseEvent.objects.create(
        case=case, from_status=previous, to_status=to, actor=actor, reason=reason
    )
    audit(
        actor=actor,
        action=f"appraisal.case.{to}",
        target=case,
        reason=reason,
        previous=previous,
    )


# --- Judges ---------------------------------------------------------------------


def _profile(user: User, *, lock: bool = False) -> JudgeProfile:
    qs = JudgeProfile.objects.select_for_update() if lock else JudgeProfile.objects
    profile, _ = qs.get_or_create(user=user)
    return profile


@transaction.atomic
def judge_verify_identity(*, reviewer: User, judge: User, reason: str) -> JudgeProfile:
    """A reviewer records that ``judge``'s identity was checked."""
    _require_reviewer(reviewer)
    reason = _clean(reason, "reason")
    if judge.role != Role.JUDGE:
        raise DomainError(gettext("Only users with the judge role can be public judges."))
    profile = _profile(judge, lock=True)
    profile.identity_verified_at = _now()
    profile.save(update_fields=["identity_verified_at", "updated_at"])
    audit(actor=reviewer, action="appraisal.judge.identity_verified", target=profile, reason=reason)
    return profile


@transaction.atomic
def judge_enrol(*, user: User, guidelines_read: bool) -> JudgeProfile:
    """Enrol after reading the guidelines; the qualification set comes next."""
    if user.role != Role.JUDGE:
        raise Forbidden(gettext("Only users with the judge role can enrol as public judges."))
    if not guidelines_read:
        raise DomainError(
            gettext("Read and accept the guidelines first."),
            fields={"guidelines_read": [gettext("Required.")]},
        )
    profile = _profile(user, lock=True)
    if profile.identity_verified_at is None:
        raise Conflict(
            gettext("Your identity must be verified before you enrol."),
            code="identity_not_verified",
        )
    if profile.guidelines_accepted_at is None:
        profile.guidelines_accepted_at = _now()
        profile.save(update_fields=["guidelines_accepted_at", "updated_at"])
        audit(actor=user, action="appraisal.judge.enrolled", target=profile)
    return profile


@transaction.atomic
def judge_qualify(*, user: User, answers: dict[int, str]) -> JudgeProfile:
    """Grade the qualification set; a pass makes the judge eligible for draws."""
    profile = _profile(user, lock=True)
    if profile.guidelines_accepted_at is None:
        raise Conflict(gettext("Enrol and accept the guidelines first."), code="not_enrolled")
    if profile.status == JudgeStatus.REMOVED:
        raise Conflict(gettext("You were removed from the pool of judges."), code="judge_removed")
    questions = list(QualificationQuestion.objects.filter(active=True))
    if not questions:
        raise Conflict(
            gettext("No qualification set is published yet."), code="no_qualification_set"
        )
    missing = [q.pk for q in questions if q.pk not in answers]
    if missing:
        raise DomainError(
            gettext("Answer every qualification question."),
            fields={"answers": [f"Missing question {pk}." for pk in missing]},
        )
    correct = sum(1 for q in questions if answers[q.pk] == q.answer)
    score = correct / len(questions)
    audit(actor=user, action="appraisal.judge.qualification", target=profile, score=score)
    if score < settings.APPRAISAL_QUALIFICATION_PASS:
        raise DomainError(
            gettext("You answered %(correct)s of %(total)s correctly; %(needed)s are needed.")
            % {
                "correct": correct,
                "total": len(questions),
                "needed": math.ceil(settings.APPRAISAL_QUALIFICATION_PASS * len(questions)),
            },
            code="qualification_failed",
        )
    profile.status = JudgeStatus.ACTIVE
    profile.qualified_at = _now()
    profile.save(update_fields=["status", "qualified_at", "updated_at"])
    return profile


def eligible_judges_q(now: datetime.datetime | None = None) -> Q:
    now = now or _now()
    return (
        Q(role=Role.JUDGE, is_active=True)
        & Q(judge_profile__status=JudgeStatus.ACTIVE)
        & Q(judge_profile__identity_verified_at__isnull=False)
        & Q(judge_profile__guidelines_accepted_at__isnull=False)
        & (
            Q(judge_profile__suspended_until__isnull=True)
            | Q(judge_profile__suspended_until__lte=now)
        )
    )


def _record_weight(profile: JudgeProfile) -> float:
    """Laplace-smoothed share of known answers right and final outcomes
    matched, times two: 1.0 for a judge without a record."""
    hits = profile.known_answer_correct + profile.outcome_agreed
    total = profile.known_answer_total + profile.outcome_total
    return 2.0 * (hits + 1) / (total + 2)


# --- Draws ----------------------------------------------------------------------


def weighted_sample(candidates: Sequence[tuple[int, float]], k: int, rng=None) -> list[int]:
    """Pick ``k`` distinct ids, each with probability proportional to its
    weight (Efraimidis–Spirakis: the k largest ``u ** (1 / w)``)."""
    rng = rng or _rng
    keyed = []
    for ident, weight in candidates:
        if weight <= 0:
            continue
        u = rng.random() or 1e-12
        keyed.append((u ** (1.0 / weight), ident))
    keyed.sort(reverse=True)
    return [ident for _, ident in keyed[:k]]


def _dispute_cases(case: Case) -> Q:
    q = Q(pk=case.pk)
    if case.complaint_id:
        q |= Q(complaint_id=case.complaint_id)
    listing_id = case.listing_id or (case.complaint.listing_id if case.complaint_id else None)
    if listing_id:
        q |= Q(listing_id=listing_id) | Q(complaint__listing_id=listing_id)
    if case.shop_id:
        q |= Q(shop_id=case.shop_id)
    return q


def conflicted_judges(case: Case) -> set[int]:
    """Members of the complaining organisation, the seller, and anyone who
    sat on the same dispute before (any level, replaced or not)."""
    ids: set[int] = set()
    # The complaining organisation; for a listing or a shop, any organisation
    # that complained about it.
    if case.complaint_id:
        orgs = Q(organisation_id=case.complaint.organisation_id)
    elif case.listing_id:
        orgs = Q(organisation__complaints__listing_id=case.listing_id)
    else:
        orgs = Q(organisation__complaints__listing__shop_id=case.shop_id)
    ids |= set(Membership.objects.filter(orgs).values_list("user_id", flat=True))
    seller = None
    if case.complaint_id:
        seller = case.complaint.seller
    elif case.listing_id:
        seller = case.listing.shop.seller
    elif case.shop_id:
        seller = case.shop.seller
    if seller is not None and seller.user_id:
        ids.add(seller.user_id)
    ids |= set(
        JuryMembership.objects.filter(
            case__in=Case.objects.filter(_dispute_cases(case))
        ).values_list("judge_id", flat=True)
    )
    return ids


def jury_candidates(case: Case, *, now: datetime.datetime | None = None) -> list[tuple[int, float]]:
    """Eligible judges free of conflicts for ``case``, with their draw weights."""
    excluded = conflicted_judges(case)
    rows = (
        User.objects.filter(eligible_judges_q(now))
        .exclude(pk__in=excluded)
        .values_list("pk", "judge_profile__weight")
    )
    return [(pk, weight) for pk, weight in rows]


def _seat(
    case: Case, count: int, *, due_at: datetime.datetime, round_: int
) -> list[JuryMembership]:
    chosen = weighted_sample(jury_candidates(case), count)
    seats = JuryMembership.objects.bulk_create(
        [JuryMembership(case=case, judge_id=pk, due_at=due_at, round=round_) for pk in chosen]
    )
    judges = User.objects.filter(pk__in=chosen)
    notify(
        users=judges,
        kind="appraisal.assigned",
        title=f"You were drawn for appraisal case #{case.pk}",
        body=f"{case.question}\nPlease vote by {due_at:%Y-%m-%d %H:%M} UTC.",
        url=_url("case", case.pk),
        target=case,
    )
    return seats


@transaction.atomic
def jury_draw(*, case: Case, now: datetime.datetime | None = None) -> list[JuryMembership]:
    """Draw the case's full jury and open voting; a pool too small for it
    (after conflicts) is refused rather than seating a smaller jury."""
    now = now or _now()
    case = _locked(case)
    if case.status != CaseStatus.COLLECTING:
        raise Conflict(
            gettext("The jury for this case was already drawn."), code="invalid_transition"
        )
    available = len(jury_candidates(case, now=now))
    if available < case.jury_size:
        raise Conflict(
            gettext(
                "Only %(available)s eligible judges are free of conflicts; a jury of %(size)s "
                "is needed."
            )
            % {"available": available, "size": case.jury_size},
            code="not_enough_judges",
        )
    case.voting_opened_at = now
    case.deadline = now + datetime.timedelta(hours=settings.APPRAISAL_VOTING_HOURS)
    seats = _seat(case, case.jury_size, due_at=case.deadline, round_=0)
    _transition(
        case,
        CaseStatus.VOTING,
        actor=None,
        reason=f"{len(seats)} judges drawn.",
        fields=["voting_opened_at", "deadline"],
    )
    return seats


def _quorum(jury_size: int) -> int:
    return max(1, math.ceil(jury_size * settings.APPRAISAL_QUORUM))


# --- Cases ----------------------------------------------------------------------


def _subject_for_complaint(reviewer: User, complaint: Complaint, question: str) -> Complaint:
    c = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if c.status in DECIDABLE_STATUSES:
        complaint_services.complaint_escalate(reviewer=reviewer, complaint=c, reason=question)
        c.refresh_from_db()
    if c.status != ComplaintStatus.IN_APPRAISAL:
        raise Conflict(
            gettext("Complaint #%(id)s is %(status)s and cannot go to appraisal.")
            % {"id": c.pk, "status": c.get_status_display().lower()},
            code="invalid_transition",
            extra={"status": c.status},
        )
    if Case.objects.filter(complaint=c, status__in=LIVE_STATUSES).exists():
        raise Conflict(
            gettext("Complaint #%(id)s already has an open case.") % {"id": c.pk},
            code="case_exists",
        )
    return c


@transaction.atomic
def case_open(
    *,
    reviewer: User,
    question: str,
    complaint: Complaint | None = None,
    listing: Listing | None = None,
    shop: Shop | None = None,
    jury_size: int | None = None,
    statement_hours: int | None = None,
    known_answer: str = "",
    now: datetime.datetime | None = None,
) -> Case:
    """Open a case on exactly one of a complaint, a listing or a shop. A
    complaint not yet in appraisal is escalated. Voting opens at once unless
    the parties get ``statement_hours`` for statements first."""
    _require_reviewer(reviewer)
    now = now or _now()
    question = _clean(question, "question", limit=500)
    subjects = [s for s in (complaint, listing, shop) if s is not None]
    if len(subjects) != 1:
        raise DomainError(
            gettext("Name exactly one of a complaint, a listing or a shop."),
            fields={"complaint": [gettext("Give exactly one of complaint, listing, shop.")]},
        )
    jury_size = jury_size or settings.APPRAISAL_JURY_SIZE
    if jury_size < 3 or jury_size % 2 == 0 or jury_size > 101:
        raise DomainError(
            gettext("The jury size must be an odd number from 3 to 101."),
            fields={"jury_size": [gettext("An odd number from 3 to 101.")]},
        )
    if known_answer and known_answer not in Verdict.values:
        raise DomainError(
            gettext("Not a valid known answer."), fields={"known_answer": [gettext("Invalid.")]}
        )
    if statement_hours is None:
        statement_hours = settings.APPRAISAL_STATEMENT_HOURS
    if statement_hours < 0:
        raise DomainError(
            gettext("Not a valid period."), fields={"statement_hours": [gettext("At least 0.")]}
        )
    if complaint is not None:
        if known_answer:
            raise DomainError(gettext("A known-answer case cannot decide a real complaint."))
        complaint = _subject_for_complaint(reviewer, complaint, question)
        subject = Case.Subject.COMPLAINT
    elif listing is not None:
        subject = Case.Subject.LISTING
    else:
        subject = Case.Subject.SHOP
    live = Case.objects.filter(status__in=LIVE_STATUSES)
    if (listing and live.filter(listing=listing).exists()) or (
        shop and live.filter(shop=shop).exists()
    ):
        raise Conflict(gettext("This dispute already has an open case."), code="case_exists")
    case = Case.objects.create(
        subject=subject,
        complaint=complaint,
        listing=listing,
        shop=shop,
        question=question,
        jury_size=jury_size,
        known_answer=known_answer,
        opened_by=reviewer,
        statements_until=now + datetime.timedelta(hours=statement_hours),
    )
    CaseEvent.objects.create(
        case=case, to_status=CaseStatus.COLLECTING, actor=reviewer, reason=question
    )
    audit(actor=reviewer, action="appraisal.case.opened", target=case, reason=question)
    notify(
        users=_party_users_flat(case),
        kind="appraisal.case_opened",
        title=f"Public appraisal case #{case.pk} opened",
        body=f"{question}\nYou may add a statement until voting opens.",
        target=case,
    )
    if statement_hours == 0:
        jury_draw(case=case, now=now)
        case.refresh_from_db()
    return case


def _party_users(case: Case) -> dict[str, list[User]]:
    """Users who speak for each side of the case's dispute."""
    root = case.root
    seller = None
    complainants: list[User] = []
    if root.complaint_id:
        complainants = list(
            User.objects.filter(memberships__organisation_id=root.complaint.organisation_id)
        )
        seller = root.complaint.seller
    elif root.listing_id:
        seller = root.listing.shop.seller
    elif root.shop_id:
        seller = root.shop.seller
    sellers = [seller.user] if seller is not None and seller.user_id else []
    return {Statement.Party.COMPLAINANT: complainants, Statement.Party.SELLER: sellers}


def _party_users_flat(case: Case) -> list[User]:
    parties = _party_users(case)
    return [*parties[Statement.Party.COMPLAINANT], *parties[Statement.Party.SELLER]]


def party_of(user: User, case: Case) -> str | None:
    if user.role == Role.REVIEWER:
        return Statement.Party.REVIEWER
    for party, users in _party_users(case).items():
        if any(u.pk == user.pk for u in users):
            return party
    return None


@transaction.atomic
def statement_add(*, user: User, case: Case, text: str) -> Statement:
    """A party (or the reviewer) adds a statement while statements are open."""
    case = _locked(case)
    party = party_of(user, case)
    if party is None:
        raise NotFound(gettext("No such case."))
    text = _clean(text, "text")
    if case.status != CaseStatus.COLLECTING:
        raise Conflict(
            gettext("Voting has opened; statements are closed."), code="statements_closed"
        )
    statement = Statement.objects.create(case=case, party=party, author=user, text=text)
    audit(actor=user, action="appraisal.statement.added", target=case, party=party)
    return statement


@transaction.atomic
def voting_open(*, reviewer: User, case: Case) -> Case:
    """End the statement period early and draw the jury."""
    _require_reviewer(reviewer)
    jury_draw(case=case)
    return Case.objects.get(pk=case.pk)


# --- Voting ---------------------------------------------------------------------


@transaction.atomic
def vote_cast(*, judge: User, case: Case | int, choice: str, reason: str = "", now=None) -> Vote:
    """Record ``judge``'s secret ballot; close the case when the last seat votes."""
    now = now or _now()
    if choice not in Choice.values:
        raise DomainError(
            gettext("Choose infringing, not_infringing or abstain."),
            fields={"choice": [gettext("Not a valid choice.")]},
        )
    reason = _clean(reason, "reason", required=False)
    case = _locked(case)
    seat = (
        JuryMembership.objects.select_for_update()
        .filter(case=case, judge=judge, replaced=False)
        .first()
    )
    if seat is None:
        raise NotFound(gettext("No such case."))
    if seat.voted_at is not None:
        raise Conflict(gettext("You have already voted on this case."), code="already_voted")
    if case.status != CaseStatus.VOTING or seat.due_at <= now:
        raise Conflict(gettext("Voting on this case is closed."), code="voting_closed")
    try:
        with transaction.atomic():
            vote = Vote.objects.create(case=case, judge=judge, choice=choice, reason=reason)
    except IntegrityError:
        raise Conflict(
            gettext("You have already voted on this case."), code="already_voted"
        ) from None
    seat.voted_at = now
    seat.save(update_fields=["voted_at"])
    # The audit row names the voter, never the choice.
    audit(actor=judge, action="appraisal.vote.cast", target=case)
    if not JuryMembership.objects.filter(case=case, replaced=False, voted_at__isnull=True).exists():
        _close(case, now=now, reason="Every juror has voted.")
    return vote


def _count(case: Case) -> dict[str, int]:
    tally = dict.fromkeys(Choice.values, 0)
    for choice in Vote.objects.filter(case=case).values_list("choice", flat=True):
        tally[choice] += 1
    return tally


def _close(case: Case, *, now: datetime.datetime, reason: str) -> None:
    """Count the ballots of a locked case in voting and record the result."""
    tally = _count(case)
    cast = sum(tally.values())
    if cast < _quorum(case.jury_size):
        result = Case.Result.NO_QUORUM
    elif tally[Choice.INFRINGING] > tally[Choice.NOT_INFRINGING]:
        result = Case.Result.INFRINGING
    elif tally[Choice.NOT_INFRINGING] > tally[Choice.INFRINGING]:
        result = Case.Result.NOT_INFRINGING
    else:
        result = Case.Result.TIE
    case.tally = tally
    case.result = result
    case.closed_at = now
    fields = ["tally", "result", "closed_at"]
    summary = (
        f"{tally[Choice.INFRINGING]} infringing, {tally[Choice.NOT_INFRINGING]} not infringing, "
        f"{tally[Choice.ABSTAIN]} abstaining of a jury of {case.jury_size}"
    )
    if case.known_answer:
        _transition(
            case, CaseStatus.FINAL, actor=None, reason=f"{reason} {summary}.", fields=fields
        )
        _score_known_answers(case)
        return
    if result in (Case.Result.NO_QUORUM, Case.Result.TIE):
        _transition(
            case, CaseStatus.RETURNED, actor=None, reason=f"{reason} {summary}.", fields=fields
        )
        notify(
            users=[case.opened_by] if case.opened_by else [],
            kind="appraisal.returned",
            title=f"Appraisal case #{case.pk} came back without a verdict",
            body=f"{case.get_result_display()}: {summary}. Decide it yourself.",
            target=case,
        )
        return
    if case.level < settings.APPRAISAL_MAX_LEVEL:
        case.appeal_until = now + datetime.timedelta(days=settings.APPRAISAL_APPEAL_DAYS)
    fields.append("appeal_until")
    _transition(case, CaseStatus.CLOSED, actor=None, reason=f"{reason} {summary}.", fields=fields)
    notify(
        users=[*_party_users_flat(case), *(s.judge for s in case.jurors.select_related("judge"))],
        kind="appraisal.closed",
        title=f"Appraisal case #{case.pk} closed: {case.get_result_display().lower()}",
        body=(
            f"{case.question}\nThe jury found: {case.get_result_display().lower()} ({summary})."
            + (
                f"\nEither party may appeal until {case.appeal_until:%Y-%m-%d %H:%M} UTC."
                if case.appeal_until
                else ""
            )
        ),
        url=_url("case", case.pk),
        target=case,
    )
    if case.appeal_until is None:
        _finalise(case, verdict=result, actor=None, now=now)


def _summary(case: Case) -> str:
    t = case.tally
    level = f" (appeal level {case.level})" if case.level else ""
    return (
        f"Public appraisal case #{case.pk}{level}, a jury of {case.jury_size} judges "
        f"asked '{case.question}', found {case.get_result_display().lower()}: "
        f"{t.get('infringing', 0)} infringing, {t.get('not_infringing', 0)} not infringing, "
        f"{t.get('abstain', 0)} abstaining."
    )


def _finalise(case: Case, *, verdict: str, actor: User | None, now, reason: str = "") -> None:
    """Enforce ``verdict`` on the locked case's dispute, then score the jurors."""
    root = case.root
    statement = reason or _summary(case)
    if root.complaint_id:
        complaint_services.complaint_appraisal_decide(
            complaint=root.complaint, verdict=verdict, reason=statement, actor=actor
        )
    elif verdict == Verdict.INFRINGING and root.listing_id:
        marketplace_services.listing_delist(listing=root.listing, actor=actor, reason=statement)
    elif verdict == Verdict.INFRINGING and root.shop_id:
        marketplace_services.shop_suspend(shop=root.shop, actor=actor, reason=statement)
    # Not infringing on a listing or a shop: dismissed, left up.
    case.final_verdict = verdict
    case.enforced_at = now
    _transition(
        case,
        CaseStatus.FINAL,
        actor=actor,
        reason=f"Enforced: {verdict.replace('_', ' ')}. {statement}",
        fields=["final_verdict", "enforced_at"],
    )
    notify(
        users=_party_users_flat(case),
        kind="appraisal.final",
        title=f"Appraisal case #{case.pk} decided: {verdict.replace('_', ' ')}",
        body=statement,
        target=case,
    )
    _score_outcomes(case, verdict)


def _score_outcomes(case: Case, verdict: str) -> None:
    """Every ballot cast on any level of the dispute counts towards its
    judge's agreement with the final outcome."""
    chain = [case]
    while chain[-1].parent_id:
        chain.append(chain[-1].parent)
    votes = Vote.objects.filter(case__in=chain).exclude(choice=Choice.ABSTAIN)
    for vote in votes:
        profile = _profile(vote.judge, lock=True)
        profile.outcome_total += 1
        profile.outcome_agreed += int(vote.choice == verdict)
        _save_record(profile)


def _score_known_answers(case: Case) -> None:
    for vote in Vote.objects.filter(case=case).exclude(choice=Choice.ABSTAIN):
        profile = _profile(vote.judge, lock=True)
        profile.known_answer_total += 1
        profile.known_answer_correct += int(vote.choice == case.known_answer)
        _save_record(profile)


def _save_record(profile: JudgeProfile) -> None:
    profile.weight = _record_weight(profile)
    fields = ["known_answer_total", "known_answer_correct", "outcome_total", "outcome_agreed"]
    if (
        profile.status == JudgeStatus.ACTIVE
        and profile.known_answer_total >= settings.APPRAISAL_TRACK_MIN_CASES
        and profile.known_answer_correct / profile.known_answer_total
        < settings.APPRAISAL_MIN_ACCURACY
    ):
        profile.status = JudgeStatus.REMOVED
        fields.append("status")
        audit(
            actor=None,
            action="appraisal.judge.removed",
            target=profile,
            reason="Known-answer accuracy below the floor.",
            correct=profile.known_answer_correct,
            total=profile.known_answer_total,
        )
    profile.save(update_fields=[*fields, "weight", "updated_at"])


# --- Appeals and the reviewer's decision ------------------------------------------


@transaction.atomic
def case_appeal(*, user: User, case: Case, reason: str, now=None) -> Case:
    """A party appeals a closed case within the window: a new jury of 2n+1
    judges none of whom sat on the dispute before, one level up."""
    now = now or _now()
    case = _locked(case)
    party = party_of(user, case)
    if party in (None, Statement.Party.REVIEWER):
        raise NotFound(gettext("No such case."))
    reason = _clean(reason, "reason")
    if case.status != CaseStatus.CLOSED:
        raise Conflict(gettext("Only a closed case can be appealed."), code="invalid_transition")
    if case.appeal_until is None or case.level >= settings.APPRAISAL_MAX_LEVEL:
        raise Conflict(
            gettext("This case is at the highest level of appeal."), code="no_further_appeal"
        )
    if now > case.appeal_until:
        raise Conflict(gettext("The appeal window has closed."), code="appeal_window_closed")
    _transition(case, CaseStatus.APPEALED, actor=user, reason=reason)
    appeal = Case.objects.create(
        subject=case.subject,
        complaint=case.complaint,
        listing=case.listing,
        shop=case.shop,
        question=case.question,
        jury_size=2 * case.jury_size + 1,
        level=case.level + 1,
        parent=case,
        opened_by=case.opened_by,
        statements_until=now,
    )
    Statement.objects.bulk_create(
        [
            Statement(case=appeal, party=s.party, author_id=s.author_id, text=s.text)
            for s in case.statements.all()
        ]
        + [Statement(case=appeal, party=party, author=user, text=f"Appeal: {reason}")]
    )
    CaseEvent.objects.create(
        case=appeal, to_status=CaseStatus.COLLECTING, actor=user, reason=f"Appeal: {reason}"
    )
    audit(actor=user, action="appraisal.case.appeal_opened", target=appeal, reason=reason)
    jury_draw(case=appeal, now=now)
    appeal.refresh_from_db()
    return appeal


@transaction.atomic
def case_reviewer_decide(*, reviewer: User, case: Case, verdict: str, reason: str) -> Case:
    """A case that came back (tie or no quorum) is decided by the reviewer."""
    _require_reviewer(reviewer)
    reason = _clean(reason, "reason")
    if verdict not in Verdict.values:
        raise DomainError(
            gettext("Not a valid verdict."), fields={"verdict": [gettext("Not a valid choice.")]}
        )
    case = _locked(case)
    if case.status != CaseStatus.RETURNED:
        raise Conflict(
            gettext("Only a returned case is decided by a reviewer."), code="invalid_transition"
        )
    statement = (
        f"{_summary(case)} Without a jury verdict, reviewer {reviewer.username} decided: {reason}"
    )
    _finalise(case, verdict=verdict, actor=reviewer, now=_now(), reason=statement)
    return case


# --- Deadlines (beat) -------------------------------------------------------------


def _mark_no_shows(case: Case, now: datetime.datetime) -> list[JuryMembership]:
    """Seats of a locked case whose judge let the deadline pass without voting."""
    missing = list(
        JuryMembership.objects.select_for_update().filter(
            case=case, replaced=False, voted_at__isnull=True
        )
    )
    for seat in missing:
        seat.no_show = True
    JuryMembership.objects.bulk_update(missing, ["no_show"])
    for seat in missing:
        _no_show(seat.judge_id, now)
    return missing


def _no_show(judge_id: int, now: datetime.datetime) -> None:
    since = now - datetime.timedelta(days=settings.APPRAISAL_NO_SHOW_WINDOW_DAYS)
    misses = JuryMembership.objects.filter(
        judge_id=judge_id, no_show=True, due_at__gte=since
    ).count()
    if misses >= settings.APPRAISAL_NO_SHOW_LIMIT:
        profile = JudgeProfile.objects.select_for_update().get(user_id=judge_id)
        profile.suspended_until = now + datetime.timedelta(
            days=settings.APPRAISAL_NO_SHOW_SUSPENSION_DAYS
        )
        profile.save(update_fields=["suspended_until", "updated_at"])
        audit(
            actor=None,
            action="appraisal.judge.suspended",
            target=profile,
            reason=f"{misses} no-shows in {settings.APPRAISAL_NO_SHOW_WINDOW_DAYS} days.",
        )


@transaction.atomic
def case_deadline_pass(*, case_id: int, now: datetime.datetime | None = None) -> str:
    """At a voting case's deadline: close with a quorum, else replace the
    no-shows with fresh draws, else (rounds spent) return it to the reviewer."""
    now = now or _now()
    case = _locked(case_id)
    if case.status != CaseStatus.VOTING or case.deadline is None or case.deadline > now:
        return "skipped"
    cast = Vote.objects.filter(case=case).count()
    missing = _mark_no_shows(case, now)
    if cast >= _quorum(case.jury_size):
        _close(case, now=now, reason="The deadline passed with a quorum.")
        return "closed"
    if case.replacement_rounds >= settings.APPRAISAL_REPLACEMENT_ROUNDS:
        _close(case, now=now, reason="The deadline passed without a quorum.")
        return "closed"
    for seat in missing:
        seat.replaced = True
        seat.replaced_at = now
    JuryMembership.objects.bulk_update(missing, ["replaced", "replaced_at"])
    case.replacement_rounds += 1
    case.deadline = now + datetime.timedelta(hours=settings.APPRAISAL_VOTING_HOURS)
    case.save(update_fields=["replacement_rounds", "deadline", "updated_at"])
    fresh = _seat(case, len(missing), due_at=case.deadline, round_=case.replacement_rounds)
    CaseEvent.objects.create(
        case=case,
        from_status=case.status,
        to_status=case.status,
        reason=f"{len(missing)} no-shows replaced by {len(fresh)} fresh draws.",
    )
    audit(
        actor=None,
        action="appraisal.jury.replaced",
        target=case,
        replaced=len(missing),
        drawn=len(fresh),
    )
    return "replaced"


@transaction.atomic
def case_appeal_window_pass(*, case_id: int, now: datetime.datetime | None = None) -> bool:
    now = now or _now()
    case = _locked(case_id)
    if case.status != CaseStatus.CLOSED or case.appeal_until is None or case.appeal_until > now:
        return False
    _finalise(case, verdict=case.result, actor=None, now=now)
    return True


def cases_sweep(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """What the beat runs: open voting after statement periods, pass voting
    deadlines, enforce verdicts whose appeal window closed. Each case in its
    own transaction, so one failure does not hold up the rest."""
    now = now or _now()
    counts = {"opened": 0, "closed": 0, "replaced": 0, "enforced": 0}
    collecting = Case.objects.filter(status=CaseStatus.COLLECTING, statements_until__lte=now)
    for pk in collecting.values_list("pk", flat=True):
        try:
            jury_draw(case=Case(pk=pk), now=now)
            counts["opened"] += 1
        except Conflict:
            continue  # pool short: retry on the next sweep
    due = Case.objects.filter(status=CaseStatus.VOTING, deadline__lte=now)
    for pk in due.values_list("pk", flat=True):
        outcome = case_deadline_pass(case_id=pk, now=now)
        if outcome in counts:
            counts[outcome] += 1
    ripe = Case.objects.filter(status=CaseStatus.CLOSED, appeal_until__lte=now)
    for pk in ripe.values_list("pk", flat=True):
        counts["enforced"] += int(case_appeal_window_pass(case_id=pk, now=now))
    return counts


def judges_in(cases: Iterable[Case]) -> set[int]:
    return set(
        JuryMembership.objects.filter(case__in=list(cases)).values_list("judge_id", flat=True)
    )
