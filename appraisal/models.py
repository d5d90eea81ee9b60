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
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="judge_profile"
    )
    status = models.CharField(
        max_length=16, choices=JudgeStatus.choices, default=JudgeStatus.ENROLLED
    )
    identity_verified_at = models.DateTimeField(null=True, blank=True)
    guidelines_accepted_at = models.DateTimeField(null=True, blank=True)
    qualified_at = models.DateTimeField(null=True, blank=True)
    # Repeated no-shows pause eligibility until then.
    suspended_until = models.DateTimeField(null=True, blank=True)
    known_answer_total = models.PositiveIntegerField(default=0)
    known_answer_correct = models.PositiveIntegerField(default=0)
    outcome_total = models.PositiveIntegerField(default=0)
    outcome_agreed = models.PositiveIntegerField(default=0)
    # Draw weight from the track record; 1.0 for a judge without one.
    weight = models.FloatField(default=1.0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Judge {self.user}"


class QualificationQuestion(models.Model):
    """One known-answer item of the qualification set a judge passes to enrol."""

    question = models.CharField(max_length=500)
    evidence = models.TextField(blank=True)
    answer = models.CharField(
        max_length=16,
        choices=[("infringing", _("Infringing")), ("not_infringing", _("Not infringing"))],
    )
    active = models.BooleanField(default=True)

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

    subject = models.CharField(max_length=16, choices=Subject.choices)
    complaint = models.ForeignKey(
        "complaints.Complaint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appraisal_cases",
    )
    listing = models.ForeignKey(
        "marketplace.Listing",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appraisal_cases",
    )
    shop = models.ForeignKey(
        "marketplace.Shop",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appraisal_cases",
    )
    question = models.CharField(max_length=500)
    jury_size = models.PositiveSmallIntegerField()
    level = models.PositiveSmallIntegerField(default=0)
    parent = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="appeal"
    )
    # Known-answer cases look like any other to judges; they test the jurors.
    known_answer = models.CharField(max_length=16, choices=Verdict.choices, blank=True)
    status = models.CharField(
        max_length=16, choices=CaseStatus.choices, default=CaseStatus.COLLECTING
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    statements_until = models.DateTimeField(null=True, blank=True)
    voting_opened_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    replacement_rounds = models.PositiveSmallIntegerField(default=0)
    result = models.CharField(max_length=16, choices=Result.choices, blank=True)
    # Filled at close and never before: what the secrecy rule protects.
    tally = models.JSONField(default=dict, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    appeal_until = models.DateTimeField(null=True, blank=True)
    final_verdict = models.CharField(max_length=16, choices=Verdict.choices, blank=True)
    enforced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
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
        return f"Case #{self.pk}: {self.question}"

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

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


class Statement(models.Model):
    class Party(models.TextChoices):
        COMPLAINANT = "complainant", _("Complainant")
        SELLER = "seller", _("Seller")
        REVIEWER = "reviewer", _("Reviewer")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="statements")
    party = models.CharField(max_length=16, choices=Party.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_party_display()} statement on case #{self.case_id}"


class JuryMembership(models.Model):
    """A judge's seat on a case: drawn, due by a deadline, maybe replaced."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="jurors")
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jury_seats"
    )
    round = models.PositiveSmallIntegerField(default=0)
    drawn_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField()
    voted_at = models.DateTimeField(null=True, blank=True)
    # Missed the deadline (whether or not a fresh judge took the seat).
    no_show = models.BooleanField(default=False)
    replaced = models.BooleanField(default=False)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "judge"], name="appraisal_one_seat_per_judge")
        ]

    def __str__(self) -> str:
        return f"Seat of {self.judge_id} on case #{self.case_id}"


class Vote(models.Model):
    """A secret ballot. The unique constraint is what makes one vote per
    judge hold under concurrent posts."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="votes")
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="appraisal_votes"
    )
    choice = models.CharField(max_length=16, choices=Choice.choices)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "judge"], name="appraisal_one_vote_per_judge")
        ]

    def __str__(self) -> str:
        # Never the choice: a ballot is secret until its case closes.
        return f"Ballot on case #{self.case_id}"
