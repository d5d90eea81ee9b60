"""Public appraisal: judges, cases, juries and secret ballots.

A ballot is stored from the moment it is cast but read only through
``appraisal.selectors``, which show tallies and other judges' votes only
once the case has closed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class JudgeStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled, not yet qualified")
    ACTIVE = "active", _("Active")
    REMOVED = "removed", _("Removed for an unreliable record")


class JudgeProfile(models.Model):
    """A public judge's enrolment, qualification, eligibility and track record."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="judge_profile",
        verbose_name=_("user"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=JudgeStatus.choices, default=JudgeStatus.ENROLLED
    )
    identity_verified_at = models.DateTimeField(_("identity verified"), null=True, blank=True)
    guidelines_accepted_at = models.DateTimeField(_("guidelines accepted"), null=True, blank=True)
    qualified_at = models.DateTimeField(_("qualified"), null=True, blank=True)
    # Repeated no-shows pause eligibility until then.
    suspended_until = models.DateTimeField(_("not drawn until"), null=True, blank=True)
    known_answer_total = models.PositiveIntegerField(_("known-answer cases"), default=0)
    known_answer_correct = models.PositiveIntegerField(_("known-answer cases right"), default=0)
    outcome_total = models.PositiveIntegerField(_("closed cases voted on"), default=0)
    outcome_agreed = models.PositiveIntegerField(_("votes agreeing with the verdict"), default=0)
    # Draw weight from the track record; 1.0 for a judge without one.
    weight = models.FloatField(_("draw weight"), default=1.0)
    created_at = models.DateTimeField(_("enrolled"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("public judge")
        verbose_name_plural = _("public judges")

    def __str__(self) -> str:
        return _("Judge %(user)s") % {"user": self.user}


class QualificationQuestion(models.Model):
    """One known-answer item of the qualification set a judge passes to enrol."""

    question = models.CharField(_("question"), max_length=500)
    evidence = models.TextField(_("evidence"), blank=True)
    answer = models.CharField(
        _("correct answer"),
        max_length=16,
        choices=[("infringing", _("Infringing")), ("not_infringing", _("Not infringing"))],
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("qualification question")
        verbose_name_plural = _("qualification questions")

    def __str__(self) -> str:
        return self.question


class Choice(models.TextChoices):
    INFRINGING = "infringing", _("Infringing")
    NOT_INFRINGING = "not_infringing", _("Not infringing")
    ABSTAIN = "abstain", _("Abstain")


class Verdict(models.TextChoices):
    INFRINGING = "infringing", _("Infringing")
    NOT_INFRINGING = "not_infringing", _("Not infringing")


class CaseStatus(models.TextChoices):
    COLLECTING = "collecting", _("Collecting statements")
    VOTING = "voting", _("Voting")
    CLOSED = "closed", _("Closed, appeal window open")
    APPEALED = "appealed", _("Appealed")
    RETURNED = "returned", _("Returned to the reviewer")
    FINAL = "final", _("Final")


S = CaseStatus
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    S.COLLECTING: frozenset({S.VOTING}),
    S.VOTING: frozenset({S.CLOSED, S.RETURNED, S.FINAL}),
    S.CLOSED: frozenset({S.APPEALED, S.FINAL}),
    S.RETURNED: frozenset({S.FINAL}),
    S.APPEALED: frozenset(),
    S.FINAL: frozenset(),
}
# A dispute has at most one case in these at a time.
LIVE_STATUSES = (S.COLLECTING, S.VOTING, S.CLOSED, S.RETURNED)


class Case(models.Model):
    class Subject(models.TextChoices):
        COMPLAINT = "complaint", _("Complaint")
        LISTING = "listing", _("Listing")
        SHOP = "shop", _("Shop")

    class Result(models.TextChoices):
        INFRINGING = "infringing", _("Infringing")
        NOT_INFRINGING = "not_infringing", _("Not infringing")
        TIE = "tie", _("Tie")
        NO_QUORUM = "no_quorum", _("No quorum")

    subject = models.CharField(_("subject"), max_length=16, choices=Subject.choices)
    complaint = models.ForeignKey(
        "complaints.Complaint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appraisal_cases",
        verbose_name=_("complaint"),
    )
    listing = models.ForeignKey(
        "marketplace.Listing",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appraisal_cases",
        verbose_name=_("listing"),
    )
    shop = models.ForeignKey(
        "marketplace.Shop",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appraisal_cases",
        verbose_name=_("shop"),
    )
    question = models.CharField(_("question for the jury"), max_length=500)
    jury_size = models.PositiveSmallIntegerField(_("jury size"))
    level = models.PositiveSmallIntegerField(_("appeal level"), default=0)
    parent = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeal",
        verbose_name=_("appealed case"),
    )
    # Known-answer cases look like any other to judges; they test the jurors.
    known_answer = models.CharField(
        _("known answer"), max_length=16, choices=Verdict.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.COLLECTING
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("opened by"),
    )
    statements_until = models.DateTimeField(_("statements until"), null=True, blank=True)
    voting_opened_at = models.DateTimeField(_("voting opened"), null=True, blank=True)
    deadline = models.DateTimeField(_("voting deadline"), null=True, blank=True)
    replacement_rounds = models.PositiveSmallIntegerField(_("replacement rounds"), default=0)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices, blank=True)
    # Filled at close and never before: what the secrecy rule protects.
    tally = models.JSONField(_("tally"), default=dict, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    appeal_until = models.DateTimeField(_("appeal until"), null=True, blank=True)
    final_verdict = models.CharField(
        _("final verdict"), max_length=16, choices=Verdict.choices, blank=True
    )
    enforced_at = models.DateTimeField(_("enforced"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("appraisal case")
        verbose_name_plural = _("appraisal cases")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(subject="complaint", complaint__isnull=False)
                    | Q(subject="listing", listing__isnull=False)
                    | Q(subject="shop", shop__isnull=False)
                ),
                name="appraisal_case_has_subject",
            ),
            models.UniqueConstraint(
                fields=["complaint"],
                condition=Q(status__in=["collecting", "voting", "closed", "returned"]),
                name="appraisal_one_live_case_per_complaint",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return _("Case #%(id)s: %(question)s") % {"id": self.pk, "question": self.question}

    @property
    def is_closed(self) -> bool:
        return self.status in (S.CLOSED, S.APPEALED, S.RETURNED, S.FINAL)

    @property
    def root(self) -> Case:
        case = self
        while case.parent_id:
            case = case.parent
        return case


class CaseEvent(models.Model):
    """One row per status transition: who, when, why."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="events", verbose_name=_("appraisal case")
    )
    from_status = models.CharField(_("from status"), max_length=16, blank=True)
    to_status = models.CharField(_("to status"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("who"),
    )
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("case status change")
        verbose_name_plural = _("case status changes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


class Statement(models.Model):
    class Party(models.TextChoices):
        COMPLAINANT = "complainant", _("Complainant")
        SELLER = "seller", _("Seller")
        REVIEWER = "reviewer", _("Reviewer")

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="statements", verbose_name=_("appraisal case")
    )
    party = models.CharField(_("party"), max_length=16, choices=Party.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("statement"))
    created_at = models.DateTimeField(_("made"), auto_now_add=True)

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return _("%(party)s statement on case #%(case)s") % {
            "party": self.get_party_display(),
            "case": self.case_id,
        }


class JuryMembership(models.Model):
    """A judge's seat on a case: drawn, due by a deadline, maybe replaced."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="jurors", verbose_name=_("appraisal case")
    )
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="jury_seats",
        verbose_name=_("judge"),
    )
    round = models.PositiveSmallIntegerField(_("draw round"), default=0)
    drawn_at = models.DateTimeField(_("drawn"), auto_now_add=True)
    due_at = models.DateTimeField(_("vote by"))
    voted_at = models.DateTimeField(_("voted on"), null=True, blank=True)
    # Missed the deadline (whether or not a fresh judge took the seat).
    no_show = models.BooleanField(_("no-show"), default=False)
    replaced = models.BooleanField(_("replaced"), default=False)
    replaced_at = models.DateTimeField(_("replaced on"), null=True, blank=True)

    class Meta:
        verbose_name = _("jury seat")
        verbose_name_plural = _("jury seats")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "judge"], name="appraisal_one_seat_per_judge")
        ]

    def __str__(self) -> str:
        return _("Seat of %(judge)s on case #%(case)s") % {
            "judge": self.judge_id,
            "case": self.case_id,
        }


class Vote(models.Model):
    """A secret ballot. The unique constraint is what makes one vote per
    judge hold under concurrent posts."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="votes", verbose_name=_("appraisal case")
    )
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="appraisal_votes",
        verbose_name=_("judge"),
    )
    choice = models.CharField(_("vote"), max_length=16, choices=Choice.choices)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("cast"), auto_now_add=True)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [
            models.UniqueConstraint(fields=["case", "judge"], name="appraisal_one_vote_per_judge")
        ]

    def __str__(self) -> str:
        # Never the choice: a ballot is secret until its case closes.
        return _("Ballot on case #%(case)s") % {"case": self.case_id}
