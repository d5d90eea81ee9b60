"""Complaints against listings, their decisions and statements of reasons,
counter-notices, test purchases, sellers' strikes and complainants' standing."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketplace.models import Listing, Seller
from rightsholders.models import Brand, Organisation, Trademark


class ComplaintKind(models.TextChoices):
    COUNTERFEIT = "counterfeit", _("Counterfeit")
    TRADEMARK_MISUSE = "trademark_misuse", _("Trademark misuse")
    SHANZHAI = "shanzhai", _("Shanzhai (lookalike brand)")
    IMAGE_THEFT = "image_theft", _("Image theft")
    OTHER = "other", _("Other")


class ComplaintStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    NEEDS_INFO = "needs_info", _("Needs information")
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")
    COUNTER_NOTICED = "counter_noticed", _("Counter-noticed")
    IN_APPRAISAL = "in_appraisal", _("In public appraisal")
    WITHDRAWN = "withdrawn", _("Withdrawn")


S = ComplaintStatus

# Every change of status a complaint may make. Services check this map and
# nothing else; each change writes a ``ComplaintEvent``.
TRANSITIONS: dict[str, set[str]] = {
    S.SUBMITTED: {S.UNDER_REVIEW, S.NEEDS_INFO, S.UPHELD, S.REJECTED, S.IN_APPRAISAL, S.WITHDRAWN},
    S.UNDER_REVIEW: {S.NEEDS_INFO, S.UPHELD, S.REJECTED, S.IN_APPRAISAL, S.WITHDRAWN},
    # The brand answers (the clock restarts), withdraws, or lets it lapse.
    S.NEEDS_INFO: {S.UNDER_REVIEW, S.REJECTED, S.WITHDRAWN},
    # The seller contests within the window.
    S.UPHELD: {S.COUNTER_NOTICED},
    S.REJECTED: set(),
    # The re-decision after a counter-notice.
    S.COUNTER_NOTICED: {S.UPHELD, S.REJECTED, S.NEEDS_INFO, S.IN_APPRAISAL, S.WITHDRAWN},
    # Decided by the jury through ``complaint_appraisal_decide``; withdrawn
    # only when voided (the complainant's credentials were forged).
    S.IN_APPRAISAL: {S.UPHELD, S.REJECTED, S.WITHDRAWN},
    S.WITHDRAWN: set(),
}

# Awaiting an outcome: at most one per brand and listing.
OPEN_STATUSES = frozenset(
    {S.SUBMITTED, S.UNDER_REVIEW, S.NEEDS_INFO, S.COUNTER_NOTICED, S.IN_APPRAISAL}
)
# What the reviewers' queue shows (needs_info waits on the brand, in_appraisal on a jury).
REVIEW_QUEUE_STATUSES = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.COUNTER_NOTICED})
DECIDABLE_STATUSES = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.COUNTER_NOTICED})
# What the complainant may withdraw (a jury's case is not theirs to stop).
WITHDRAWABLE_STATUSES = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.NEEDS_INFO, S.COUNTER_NOTICED})


class Complaint(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("complainant"),
    )
    brand = models.ForeignKey(
        Brand, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("brand")
    )
    trademark = models.ForeignKey(
        Trademark, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("trademark")
    )
    listing = models.ForeignKey(
        Listing, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("listing")
    )
    # The seller at filing time: strikes and notices go to them.
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("seller")
    )
    suspect = models.ForeignKey(
        "detection.Suspect",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints",
        verbose_name=_("suspect"),
    )
    kind = models.CharField(_("complaint type"), max_length=20, choices=ComplaintKind.choices)
    description = models.TextField(_("description"))
    # The detection evidence as it stood at filing: score and signals.
    detection_score = models.FloatField(_("detection score"), null=True, blank=True)
    detection_signals = models.JSONField(_("detection signals"), default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.SUBMITTED,
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="complaints_filed",
        verbose_name=_("filed by"),
    )
    # Filed under good-faith fast track: the listing came down at filing.
    fast_track = models.BooleanField(_("fast track"), default=False)
    # This complaint is why the listing is down (fast track or upheld): a
    # rejection, a successful counter-notice or a withdrawal puts it back.
    holds_listing = models.BooleanField(_("keeps the listing down"), default=False)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="complaints_reviewed",
        verbose_name=_("reviewer"),
    )
    # The review target; restarts when the brand answers or a seller counter-notices.
    due_at = models.DateTimeField(_("decision due"), null=True, blank=True)
    info_requested_at = models.DateTimeField(_("information requested"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    counter_notice_deadline = models.DateTimeField(
        _("counter-notice deadline"), null=True, blank=True
    )
    bad_faith = models.BooleanField(_("manifestly unfounded"), default=False)
    # The listing's status when this complaint took it down (fast track or
    # upheld): releasing it puts that status back, so a listing detection held
    # before the takedown goes back to held, not live.
    listing_prior_status = models.CharField(
        _("listing status before the takedown"), max_length=16, blank=True
    )
    created_at = models.DateTimeField(_("filed on"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-id"]
        constraints = [
            # The service answers 409 first; the database makes it hold under races too.
            models.UniqueConstraint(
                fields=["brand", "listing"],
                condition=Q(
                    status__in=[
                        "submitted",
                        "under_review",
                        "needs_info",
                        "counter_noticed",
                        "in_appraisal",
                    ]
                ),
                name="one_open_complaint_per_brand_listing",
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "-id"]),
            models.Index(fields=["brand", "-id"]),
            models.Index(fields=["listing", "brand"]),
            models.Index(fields=["seller", "-id"]),
            models.Index(
                fields=["-fast_track", "due_at"],
                name="complaint_review_queue",
                condition=Q(status__in=["submitted", "under_review", "counter_noticed"]),
            ),
            # The console's "appraisal cases to open" queue.
            models.Index(
                fields=["updated_at"],
                name="complaint_in_appraisal",
                condition=Q(status="in_appraisal"),
            ),
        ]

    def __str__(self) -> str:
        return _("Complaint #%(id)s (%(kind)s)") % {"id": self.pk, "kind": self.get_kind_display()}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ComplaintEvent(models.Model):
    """One row per change of status: who, when, why."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="events", verbose_name=_("complaint")
    )
    from_status = models.CharField(_("from status"), max_length=16, blank=True)
    to_status = models.CharField(_("to status"), max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("who"),
    )
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("complaint status change")
        verbose_name_plural = _("complaint status changes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class Evidence(models.Model):
    """A file or note attached to a complaint by one of the parties."""

    class Party(models.TextChoices):
        BRAND = "brand", _("Complainant")
        SELLER = "seller", _("Seller")
        PLATFORM = "platform", _("Platform")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("complaint")
    )
    party = models.CharField(_("submitted by (party)"), max_length=16, choices=Party.choices)
    file = models.FileField(_("file"), upload_to="private/complaints/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.name


class InfoRequest(models.Model):
    """A reviewer's question and the brand's answer."""

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.CASCADE,
        related_name="info_requests",
        verbose_name=_("complaint"),
    )
    question = models.TextField(_("question"))
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("asked by"),
    )
    asked_at = models.DateTimeField(_("asked"), auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("request for information")
        verbose_name_plural = _("requests for information")
        ordering = ["asked_at", "id"]

    def __str__(self) -> str:
        return _("question on complaint %(complaint)s") % {"complaint": self.complaint_id}


class Decision(models.Model):
    """A decision with its statement of reasons: the facts, the rule applied
    and the remedy, as sent to the complainant and the seller."""

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", _("Rejected")
        NEEDS_INFO = "needs_info", _("More information needed")

    class Source(models.TextChoices):
        REVIEWER = "reviewer", _("Platform reviewer")
        TEST_PURCHASE = "test_purchase", _("Test purchase")
        APPRAISAL = "appraisal", _("Public appraisal")
        LAPSED = "lapsed", _("No answer in time")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("complaint")
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    source = models.CharField(
        _("decided through"), max_length=16, choices=Source.choices, default=Source.REVIEWER
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("decided by"),
    )
    reason = models.TextField(_("reason"))
    bad_faith = models.BooleanField(_("manifestly unfounded"), default=False)
    # Re-decision after a counter-notice.
    on_counter_notice = models.BooleanField(_("after a counter-notice"), default=False)
    facts = models.TextField(_("facts"))
    rule = models.TextField(_("rule applied"))
    remedy = models.TextField(_("remedy"))
    created_at = models.DateTimeField(_("decided"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return _("%(outcome)s on complaint %(complaint)s") % {
            "outcome": self.get_outcome_display(),
            "complaint": self.complaint_id,
        }


class CounterNotice(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        ACCEPTED = "accepted", _("Successful: listing restored")
        DISMISSED = "dismissed", _("Dismissed: takedown stands")

    complaint = models.OneToOneField(
        Complaint,
        on_delete=models.CASCADE,
        related_name="counter_notice",
        verbose_name=_("complaint"),
    )
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="counter_notices", verbose_name=_("seller")
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("filed by"),
    )
    explanation = models.TextField(_("explanation"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("filed on"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    class Meta:
        verbose_name = _("counter-notice")
        verbose_name_plural = _("counter-notices")
        indexes = [
            # The console's counter-notice queue and its count.
            models.Index(
                fields=["created_at"], name="counter_notice_pending", condition=Q(status="pending")
            )
        ]

    def __str__(self) -> str:
        return _("counter-notice on complaint %(complaint)s") % {"complaint": self.complaint_id}


class TestPurchase(models.Model):
    """A sample buy and its authentication. Its result decides the complaint,
    whatever the brand's own identification said."""

    __test__ = False  # not a pytest test class

    class Status(models.TextChoices):
        ORDERED = "ordered", _("Ordered")
        COMPLETED = "completed", _("Authenticated")
        CANCELLED = "cancelled", _("Cancelled")

    class Result(models.TextChoices):
        GENUINE = "genuine", _("Genuine")
        COUNTERFEIT = "counterfeit", _("Counterfeit")
        INCONCLUSIVE = "inconclusive", _("Inconclusive")

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.CASCADE,
        related_name="test_purchases",
        verbose_name=_("complaint"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ORDERED
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("ordered by"),
    )
    instructions = models.TextField(_("instructions"), blank=True)
    ordered_at = models.DateTimeField(_("ordered on"), auto_now_add=True)
    buyer = models.CharField(
        _("buyer"), max_length=200, blank=True, help_text=_("who made the purchase")
    )
    purchased_at = models.DateTimeField(_("bought on"), null=True, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    result = models.CharField(
        _("authentication result"), max_length=16, choices=Result.choices, blank=True
    )
    appraiser = models.CharField(_("appraiser"), max_length=200, blank=True)
    report = models.TextField(_("appraiser's report"), blank=True)
    report_file = models.FileField(
        _("report file"), upload_to="private/test-purchases/%Y/%m/", blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("test purchase")
        verbose_name_plural = _("test purchases")
        ordering = ["ordered_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"],
                condition=Q(status="ordered"),
                name="one_test_purchase_under_way",
            )
        ]

    def __str__(self) -> str:
        return _("test purchase for complaint %(complaint)s") % {"complaint": self.complaint_id}


class Strike(models.Model):
    """An upheld complaint against a seller; a successful counter-notice voids it."""

    seller = models.ForeignKey(
        Seller, on_delete=models.CASCADE, related_name="strikes", verbose_name=_("seller")
    )
    complaint = models.OneToOneField(
        Complaint, on_delete=models.CASCADE, related_name="strike", verbose_name=_("complaint")
    )
    created_at = models.DateTimeField(_("given"), auto_now_add=True)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)

    class Meta:
        verbose_name = _("strike")
        verbose_name_plural = _("strikes")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["seller", "voided_at", "created_at"])]

    def __str__(self) -> str:
        return f"strike on {self.seller_id} for complaint {self.complaint_id}"


class ComplainantStanding(models.Model):
    """A complainant organisation's standing: good-faith fast track, and the
    misuse warning that precedes a filing suspension."""

    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="complaint_standing",
        verbose_name=_("complainant"),
    )
    fast_track = models.BooleanField(_("fast track"), default=False)
    fast_track_since = models.DateTimeField(_("fast track since"), null=True, blank=True)
    # After losing fast track, it cannot be regained before this.
    cooldown_until = models.DateTimeField(_("fast track not before"), null=True, blank=True)
    decided = models.PositiveIntegerField(_("complaints decided"), default=0)
    upheld_rate = models.FloatField(_("share upheld"), default=0.0)
    counter_notice_rate = models.FloatField(_("share counter-noticed"), default=0.0)
    evaluated_at = models.DateTimeField(_("evaluated"), null=True, blank=True)
    misuse_warned_at = models.DateTimeField(_("warned for misuse"), null=True, blank=True)
    # Unfounded complaints count again from here after a filing suspension.
    misuse_suspended_at = models.DateTimeField(
        _("filing suspended for misuse"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("complainant standing")
        verbose_name_plural = _("complainant standings")

    def __str__(self) -> str:
        return f"standing of {self.organisation_id}"


class AppraisalQueueEntry(Complaint):
    """A complaint escalated to public appraisal, seen from the console's
    queue of appraisal cases waiting to be opened."""

    class Meta:
        proxy = True
        verbose_name = _("appraisal case to open")
        verbose_name_plural = _("appraisal cases to open")


class EnforcementPolicy(models.Model):
    """The repeat-infringer and misuse policies reviewers edit in the console.
    One row (pk 1), created from the settings of the same names on first use
    and read through ``services.enforcement_policy()``."""

    repeat_infringer_strikes = models.PositiveSmallIntegerField(
        _("strikes that suspend a seller"),
        default=3,
        help_text=_("Upheld complaints within the window that suspend the seller's shops."),
    )
    repeat_infringer_window_days = models.PositiveSmallIntegerField(
        _("strike window (days)"),
        default=180,
        help_text=_("Strikes older than this, or voided, do not count."),
    )
    misuse_window_days = models.PositiveSmallIntegerField(
        _("misuse window (days)"),
        default=180,
        help_text=_("Window for manifestly unfounded complaints."),
    )
    misuse_warning_at = models.PositiveSmallIntegerField(
        _("warning at"),
        default=2,
        help_text=_("Manifestly unfounded complaints within the window that earn a warning."),
    )
    misuse_suspend_at = models.PositiveSmallIntegerField(
        _("suspend filing at"),
        default=3,
        help_text=_("After a warning, this many suspend filing. More than the warning count."),
    )
    misuse_suspension_days = models.PositiveSmallIntegerField(
        _("filing suspension (days)"),
        default=30,
        help_text=_("How long filing stays suspended."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("repeat-infringer and misuse policy")
        verbose_name_plural = _("repeat-infringer and misuse policy")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="enforcement_policy_single_row"),
            models.CheckConstraint(
                condition=Q(repeat_infringer_strikes__gte=1)
                & Q(repeat_infringer_window_days__gte=1)
                & Q(misuse_window_days__gte=1)
                & Q(misuse_warning_at__gte=1)
                & Q(misuse_suspend_at__gt=models.F("misuse_warning_at"))
                & Q(misuse_suspension_days__gte=1),
                name="enforcement_policy_valid",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Repeat-infringer and misuse policy"))


class RepeatInfringerSuspension(models.Model):
    """A shop suspended automatically under the repeat-infringer policy, and
    what that suspension took down: lifted (the shop reinstated, those
    listings put back) if voided strikes bring the seller under the threshold.
    A suspension a reviewer or a jury made has no such row and is never lifted
    here."""

    seller = models.ForeignKey(
        Seller,
        on_delete=models.CASCADE,
        related_name="repeat_infringer_suspensions",
        verbose_name=_("seller"),
    )
    shop = models.ForeignKey(
        "marketplace.Shop",
        on_delete=models.CASCADE,
        related_name="repeat_infringer_suspensions",
        verbose_name=_("shop"),
    )
    reason = models.TextField(_("reason"))
    # {listing id: its status before the suspension} for what it delisted.
    listings = models.JSONField(_("listings taken down"), default=dict, blank=True)
    created_at = models.DateTimeField(_("suspended on"), auto_now_add=True)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_reason = models.TextField(_("why lifted"), blank=True)

    class Meta:
        verbose_name = _("repeat-infringer suspension")
        verbose_name_plural = _("repeat-infringer suspensions")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["seller"],
                name="ri_suspension_in_force",
                condition=Q(lifted_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return _("repeat-infringer suspension of shop %(shop)s") % {"shop": self.shop_id}
