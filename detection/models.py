"""Detection: the platform's rules, each brand's queue of suspected links, and
the scan jobs that fill it."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketplace.models import Listing
from rightsholders.models import Brand


class SignalCode(models.TextChoices):
    IMAGE_MATCH = "image_match", _("Image match")
    LOGO_SMEAR = "logo_smear", _("Logo smear")
    BRAND_KEYWORD = "brand_keyword", _("Brand keyword")
    HAZE_TERM = "haze_term", _("Haze term")
    BRAND_STACKING = "brand_stacking", _("Brand stacking")
    LOOKALIKE_NAME = "lookalike_name", _("Lookalike name")
    PRICE_ANOMALY = "price_anomaly", _("Price anomaly")
    REPEAT_INFRINGER = "repeat_infringer", _("Repeat infringer")
    MODEL_SCORE = "model_score", _("Learned score")


class DetectionPolicy(models.Model):
    """The thresholds reviewers tune. One row; read through ``policy()``."""

    suspect_threshold = models.FloatField(
        _("suspect threshold"),
        default=0.5,
        help_text=_("A listing scored at or above this becomes a suspect of the brand."),
    )
    block_threshold = models.FloatField(
        _("hold threshold"),
        default=0.9,
        help_text=_("A new listing scored at or above this is held before it goes live."),
    )
    min_labels_for_model = models.PositiveIntegerField(
        _("judgments before a learned score"),
        default=40,
        help_text=_("Judgments needed (of each verdict) before a learned score is trained."),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("detection policy")
        verbose_name_plural = _("detection policy")
        constraints = [
            models.CheckConstraint(
                condition=Q(suspect_threshold__gt=0)
                & Q(suspect_threshold__lte=models.F("block_threshold"))
                & Q(block_threshold__lte=1),
                name="thresholds_ordered",
            )
        ]

    def __str__(self) -> str:
        return _("suspect ≥ %(suspect)s, hold ≥ %(hold)s") % {
            "suspect": self.suspect_threshold,
            "hold": self.block_threshold,
        }


class HazeTerm(models.Model):
    """A platform-wide "haze" term ("same style", "replica", "同款" …) that,
    beside a brand name, signals an imitation."""

    term = models.CharField(_("term"), max_length=80, unique=True)
    weight = models.FloatField(
        _("weight"),
        default=0.7,
        help_text=_("How explicit a sign of copying it is, 0..1 (replica: 0.9)."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("haze term")
        verbose_name_plural = _("haze terms")
        ordering = ["term"]

    def __str__(self) -> str:
        return self.term


class SuspectStatus(models.TextChoices):
    NEW = "new", _("New")
    CONFIRMED = "confirmed", _("Confirmed infringing")
    DISMISSED = "dismissed", _("Dismissed")
    COMPLAINED = "complained", _("Complaint filed")


class Suspect(models.Model):
    """A listing suspected of infringing one brand: one row per (listing, brand),
    updated by every rescan."""

    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="suspects", verbose_name=_("listing")
    )
    brand = models.ForeignKey(
        Brand, on_delete=models.CASCADE, related_name="suspects", verbose_name=_("brand")
    )
    score = models.FloatField(_("score"))
    signals = models.JSONField(_("signals"), default=list)
    status = models.CharField(
        _("status"), max_length=16, choices=SuspectStatus.choices, default=SuspectStatus.NEW
    )
    judged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("judged by"),
    )
    judged_at = models.DateTimeField(_("judged"), null=True, blank=True)
    judgment_note = models.TextField(_("judgment note"), blank=True)
    created_at = models.DateTimeField(_("found"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("suspect")
        verbose_name_plural = _("suspects")
        constraints = [
            models.UniqueConstraint(fields=["listing", "brand"], name="suspect_per_listing_brand")
        ]
        indexes = [
            # The brand's queue: by score, highest first, optionally by status.
            models.Index(fields=["brand", "-score", "-id"], name="suspect_queue"),
            models.Index(fields=["brand", "status", "-score", "-id"], name="suspect_queue_status"),
            models.Index(fields=["-score", "-id"], name="suspect_score"),
        ]

    def __str__(self) -> str:
        return _("listing %(listing)s for brand %(brand)s (%(score)s)") % {
            "listing": self.listing_id,
            "brand": self.brand_id,
            "score": f"{self.score:.2f}",
        }

    @property
    def signal_codes(self) -> list[str]:
        return [s["code"] for s in self.signals]


class ScanStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class ScanJob(models.Model):
    """A sweep of stored listings: for one brand ("stock cleaning") or the
    whole catalogue. Split into chunks that any worker can take."""

    class Kind(models.TextChoices):
        BRAND_SWEEP = "brand_sweep", _("Brand sweep")
        FULL_SWEEP = "full_sweep", _("Full sweep")

    kind = models.CharField(_("sweep type"), max_length=16, choices=Kind.choices)
    brand = models.ForeignKey(
        Brand,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="scan_jobs",
        verbose_name=_("brand"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ScanStatus.choices, default=ScanStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("listings to scan"), default=0)
    done = models.PositiveIntegerField(_("listings scanned"), default=0)
    suspects_found = models.PositiveIntegerField(_("suspects found"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("requested by"),
    )
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished on"), null=True, blank=True)

    class Meta:
        verbose_name = _("sweep")
        verbose_name_plural = _("sweeps")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["brand", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.done}/{self.total})"

    @property
    def progress(self) -> float:
        return self.done / self.total if self.total else 1.0


class ScanChunk(models.Model):
    """One task's share of a job: listings with ids in [first_id, last_id]. A
    chunk counts toward ``done`` once, however often it is delivered."""

    job = models.ForeignKey(
        ScanJob, on_delete=models.CASCADE, related_name="chunks", verbose_name=_("sweep")
    )
    number = models.PositiveIntegerField(_("number"))
    first_id = models.BigIntegerField(_("first listing id"))
    last_id = models.BigIntegerField(_("last listing id"))
    size = models.PositiveIntegerField(_("listings"))
    finished = models.BooleanField(_("done"), default=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When its task was last sent: a chunk unfinished long after that lost its
    # task (a broker restart, a send that failed) and is sent again.
    dispatched_at = models.DateTimeField(_("sent to the queue"), null=True, blank=True)

    class Meta:
        verbose_name = _("sweep chunk")
        verbose_name_plural = _("sweep chunks")
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="scan_chunk_unique")]
        indexes = [
            # What the lost-work requeue reads: unfinished chunks of running
            # sweeps (stopped sweeps' chunks have no time and drop out).
            models.Index(
                fields=["dispatched_at", "id"],
                name="scan_chunk_unfinished",
                condition=models.Q(finished=False, dispatched_at__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"chunk {self.number} of job {self.job_id}"


class ModelVersion(models.Model):
    """A trained learned-score model with its cross-validated quality."""

    created_at = models.DateTimeField(_("trained"), auto_now_add=True)
    labels = models.PositiveIntegerField(_("labels"))
    positives = models.PositiveIntegerField(_("infringing labels"))
    precision = models.FloatField(_("cross-validated precision"))
    recall = models.FloatField(_("cross-validated recall"))
    blob = models.BinaryField(_("trained model"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("learned-score model version")
        verbose_name_plural = _("learned-score model versions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return _("model #%(id)s (P=%(precision)s, R=%(recall)s)") % {
            "id": self.pk,
            "precision": f"{self.precision:.2f}",
            "recall": f"{self.recall:.2f}",
        }
