"""Detection use cases: scanning listings, scan jobs, and each brand's queue.

Scanning is batch work: a chunk of listings is loaded once, every signal runs
over the batch, suspects are upserted per (listing, brand), and listing risk
is written back — all idempotent, so a redelivered chunk does no harm.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

import kombu.exceptions
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from marketplace import services as marketplace_services
from marketplace.models import ImageStatus, Listing, ListingImage, ListingStatus
from marketplace.signals import listings_scanned
from platform_core.audit import audit
from platform_core.errors import Conflict, DomainError, Forbidden, ServiceUnavailable
from platform_core.models import Role
from rightsholders.models import Brand

from .models import (
    DetectionPolicy,
    HazeTerm,
    ScanChunk,
    ScanJob,
    ScanStatus,
    Suspect,
    SuspectStatus,
)

log = logging.getLogger(__name__)

INTAKE_CHUNK = marketplace_services.INTAKE_CHUNK


def policy() -> DetectionPolicy:
    return DetectionPolicy.objects.order_by("pk").first() or DetectionPolicy.objects.create()


@transaction.atomic
def policy_update(
    *, user, suspect_threshold: float, block_threshold: float, min_labels_for_model: int
) -> DetectionPolicy:
    """Reviewers tune the thresholds; new scores use them at once."""
    if not 0 < suspect_threshold <= block_threshold <= 1:
        raise DomainError(
            "Thresholds must satisfy 0 < suspect ≤ hold ≤ 1.",
            fields={"block_threshold": ["Must be at least the suspect threshold, at most 1."]},
        )
    pol = DetectionPolicy.objects.select_for_update().get(pk=policy().pk)
    previous = (pol.suspect_threshold, pol.block_threshold, pol.min_labels_for_model)
    pol.suspect_threshold, pol.block_threshold = suspect_threshold, block_threshold
    pol.min_labels_for_model = min_labels_for_model
    pol.save()
    audit(actor=user, action="detection.policy_changed", target=pol, previous=list(previous))
    return pol


@transaction.atomic
def haze_term_save(*, user, term: HazeTerm) -> HazeTerm:
    """Add or change a platform haze term; workers pick it up on their next chunk."""
    term.term = " ".join(term.term.split())
    if not term.term:
        raise DomainError("A haze term cannot be empty.", fields={"term": ["Required."]})
    if not 0 < term.weight <= 1:
        raise DomainError("Weight is between 0 and 1.", fields={"weight": ["Out of range."]})
    created = term.pk is None
    term.save()
    audit(
        actor=user,
        action="detection.haze_term_added" if created else "detection.haze_term_changed",
        target=term,
        term=term.term,
        weight=term.weight,
        active=term.active,
    )
    return term


# --- Intake and scanning -----------------------------------------------------------


def enqueue_intake_scan(listing_ids: list[int]) -> None:
    """Queue image intake and a scan for these (committed) listings. If the
    broker is down they stay stored and waiting, marked as never sent: the
    request is answered 503, and sending it again queues them
    (``listings_upsert``), as does ``intake_requeue_lost`` once the broker
    is back."""
    from .tasks import intake_and_scan

    start = 0
    try:
        for start in range(0, len(listing_ids), INTAKE_CHUNK):
            intake_and_scan.delay(listing_ids[start : start + INTAKE_CHUNK])
    except kombu.exceptions.OperationalError as exc:
        unsent = listing_ids[start:]
        log.error("could not queue the scan of %d listings: %s", len(unsent), exc)
        Listing.objects.filter(pk__in=unsent).update(intake_queued_at=None)
        raise ServiceUnavailable(
            gettext(
                "The listings were saved but could not be queued for their scan; "
                "send the same request again."
            ),
            code="queue_unavailable",
        ) from exc


def listings_intake_and_scan(*, listing_ids: list[int]) -> dict:
    from .pipeline import fingerprint_image

    images = marketplace_services.listing_images_intake(
        listing_ids=listing_ids, fingerprint=fingerprint_image
    )
    result, scanned = _listings_scan(listing_ids, brand_id=None)
    if scanned:
        # What reads a listing's photos and findings (shop networks) starts
        # now, instead of polling until they are ready. Robust: the scan has
        # committed, so a broker that is down then is logged, not this task's
        # failure (the scheduled network rebuild catches up).
        transaction.on_commit(
            lambda: listings_scanned.send(sender=Listing, listing_ids=scanned), robust=True
        )
    return {**images, **result}


def listings_scan(*, listing_ids: list[int], brand_id: int | None = None) -> dict:
    """Score these listings and record the outcome. With ``brand_id`` (a brand
    sweep) only that brand's suspects are touched; listing risk is still the
    highest over all brands."""
    return _listings_scan(listing_ids, brand_id=brand_id)[0]


def _listings_scan(listing_ids: list[int], *, brand_id: int | None) -> tuple[dict, list[int]]:
    """``listings_scan``'s counts, and the ids of the listings it scored."""
    from .pipeline import load_facts, scan_facts

    facts, images = load_facts(listing_ids)
    if not facts:
        return {"scanned": 0, "suspects": 0}, []
    outcome = scan_facts(facts, images)
    pol = policy()
    now = timezone.now()
    keep: list[tuple[int, int, float, str]] = []  # (listing, brand, score, signals)
    with transaction.atomic():
        locked = _listings_lock([f.id for f in facts])
        changed: list[_ScannedRow] = []
        for f in facts:
            row = locked.get(f.id)
            if row is None or row.revision != f.revision:
                continue  # deleted, or updated since we loaded it: its own scan follows
            result = outcome[f.id]
            row.risk_score = result.score
            row.risk_signals = result.signals
            row.scanned_at = now
            marketplace_services.listing_set_live_or_held(
                listing=row, hold=result.score >= pol.block_threshold
            )
            changed.append(row)
            keep.extend(
                (row.pk, b, r.score, _json(r.signals))
                for b, r in sorted(result.brands.items())
                if r.score >= pol.suspect_threshold and (brand_id is None or b == brand_id)
            )
        _listings_record(changed, now)
        _suspects_upsert([row.pk for row in changed], keep, only_brand=brand_id)
    return {"scanned": len(changed), "suspects": len(keep)}, [row.pk for row in changed]


@dataclass(slots=True)
class _ScannedRow:
    """The columns of a listing a scan's outcome changes (no model instance:
    a sweep writes hundreds per chunk)."""

    pk: int
    revision: int
    status: str
    went_live_at: datetime | None
    risk_score: float = 0.0
    risk_signals: list = field(default_factory=list)
    scanned_at: datetime | None = None


def _listings_lock(ids: list[int]) -> dict[int, _ScannedRow]:
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT id, revision, status, went_live_at FROM {Listing._meta.db_table} "  # noqa: S608
            "WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
            [ids],
        )
        return {row[0]: _ScannedRow(*row) for row in cur.fetchall()}


def _listings_record(rows: list[_ScannedRow], scanned_at) -> None:
    """Write the scan's outcome for a batch in one statement. The rows travel
    as one JSON document: Django's ``bulk_update`` builds a CASE per row and
    field, and binding arrays costs the driver a Python call per element."""
    if not rows:
        return
    document = _json(
        [
            {
                "id": r.pk,
                "score": r.risk_score,
                "signals": r.risk_signals,
                "status": r.status,
                "went_live_at": r.went_live_at.isoformat() if r.went_live_at else None,
            }
            for r in rows
        ]
    )
    with connection.cursor() as cur:
        cur.execute(
            f"""
            UPDATE {Listing._meta.db_table} AS l
            SET risk_score = v.score, risk_signals = v.signals, scanned_at = %s,
                status = v.status, went_live_at = v.went_live_at
            FROM jsonb_to_recordset(%s::jsonb)
                AS v(id bigint, score float8, signals jsonb, status text,
                     went_live_at timestamptz)
            WHERE l.id = v.id
            """,  # noqa: S608 - table name from the model, values bound
            [scanned_at, document],
        )


def _suspects_upsert(listing_ids: list[int], keep: list, *, only_brand: int | None) -> None:
    """Insert or refresh one suspect per (listing, brand) over the threshold, for
    a whole batch in two statements. A judged suspect keeps its status; a new
    suspect that falls below the threshold on a rescan leaves the queue
    (nobody has looked at it yet)."""
    table = Suspect._meta.db_table
    with connection.cursor() as cur:
        if keep:
            cur.executemany(
                f"""
                INSERT INTO {table}
                    (listing_id, brand_id, score, signals, status, judgment_note,
                     created_at, updated_at)
                VALUES (%s, %s, %s, %s::jsonb, 'new', '', now(), now())
                ON CONFLICT (listing_id, brand_id) DO UPDATE
                SET score = EXCLUDED.score, signals = EXCLUDED.signals, updated_at = now()
                """,  # noqa: S608 - table name from the model, values bound
                keep,
            )
        cur.execute(
            f"""
            DELETE FROM {table} AS s
            WHERE s.listing_id = ANY(%s) AND s.status = 'new'
              AND (%s::bigint IS NULL OR s.brand_id = %s)
              AND NOT EXISTS (
                  SELECT 1 FROM unnest(%s::bigint[], %s::bigint[]) AS k(listing_id, brand_id)
                  WHERE k.listing_id = s.listing_id AND k.brand_id = s.brand_id)
            """,  # noqa: S608 - table name from the model, values bound
            [
                listing_ids,
                only_brand,
                only_brand,
                [k[0] for k in keep],
                [k[1] for k in keep],
            ],
        )


def _json(value) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


# --- Scan jobs ---------------------------------------------------------------------


def _listings_to_sweep(brand: Brand | None):
    # Pending listings are left to their own intake and scan, which take in
    # their photos first: a sweep reads stored fingerprints only and would
    # put them live on their text alone.
    return Listing.objects.exclude(status__in=[ListingStatus.DELISTED, ListingStatus.PENDING])


@transaction.atomic
def scan_start(*, user, brand: Brand | None = None) -> ScanJob:
    """Start a sweep of the stored catalogue, for one brand or for all.

    Chunks are fixed at start (id ranges of ``DETECTION_SWEEP_CHUNK`` listings), so
    progress is ``done/total`` and each chunk counts once however often it is
    delivered."""
    if brand is None and user is not None and user.role != Role.REVIEWER:
        raise Forbidden("Only reviewers start a full sweep.")
    kind = ScanJob.Kind.BRAND_SWEEP if brand else ScanJob.Kind.FULL_SWEEP
    job = ScanJob.objects.create(kind=kind, brand=brand, requested_by=user)
    ids = _listings_to_sweep(brand).order_by("pk").values_list("pk", flat=True)
    boundaries = _chunk_boundaries(ids)
    now = timezone.now()
    ScanChunk.objects.bulk_create(
        [
            ScanChunk(job=job, number=n, first_id=first, last_id=last, size=size, dispatched_at=now)
            for n, (first, last, size) in enumerate(boundaries)
        ]
    )
    job.total = sum(size for _, _, size in boundaries)
    job.save(update_fields=["total"])
    if job.total == 0:
        job.status, job.finished_at = ScanStatus.FINISHED, timezone.now()
        job.save(update_fields=["status", "finished_at"])
    else:
        chunk_ids = list(job.chunks.order_by("number").values_list("pk", flat=True))
        # Robust: the job is stored; if the broker is down its chunks are sent
        # again by sweep_chunks_requeue once they are overdue.
        transaction.on_commit(lambda: _enqueue_chunks(chunk_ids), robust=True)
    if user is not None:
        audit(actor=user, action="scan.started", target=job, brand=brand.pk if brand else None)
    return job


def _chunk_boundaries(ids_qs) -> list[tuple[int, int, int]]:
    """[(first_id, last_id, count)] for consecutive runs of sweep-chunk ids,
    computed in the database without loading every id."""
    sql, params = ids_qs.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute(
            f"""
            SELECT min(id), max(id), count(*) FROM (
                SELECT id, (row_number() OVER (ORDER BY id) - 1) / %s AS bucket
                FROM ({sql}) AS ids(id)
            ) AS numbered GROUP BY bucket ORDER BY bucket
            """,  # noqa: S608 - the inner SQL is Django's own, values bound
            [settings.DETECTION_SWEEP_CHUNK, *params],
        )
        return [tuple(row) for row in cur.fetchall()]


def _enqueue_chunks(chunk_ids: list[int]) -> None:
    from .tasks import scan_chunk

    for chunk_id in chunk_ids:
        scan_chunk.delay(chunk_id)


def intake_requeue_lost(*, now: datetime | None = None, limit: int = 5000) -> int:
    """Send again the intake and scan of listings still waiting for them
    (``pending``, or with photos not yet taken in) whose task was never sent
    (the broker was down) or was sent over ``REQUEUE_LOST_WORK_AFTER`` ago
    and lost. Returns how many listings were sent (at most ``limit``)."""
    now = now or timezone.now()
    lost = Q(intake_queued_at__isnull=True) | Q(
        intake_queued_at__lt=now - settings.REQUEUE_LOST_WORK_AFTER
    )
    # Two cheap lookups (partial indexes on pending listings and on pending
    # photos) rather than one OR across a join.
    photos_waiting = ListingImage.objects.filter(status=ImageStatus.PENDING).values("listing_id")
    # (A listing whose send failed is waiting whatever its status: a text-only
    # change to a live listing has no photos to wait for.)
    waiting = [
        Q(intake_queued_at__isnull=True),
        Q(status=ListingStatus.PENDING),
        Q(pk__in=photos_waiting),
    ]
    with transaction.atomic():
        ids: list[int] = []
        for condition in waiting:
            ids += (
                Listing.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(lost, condition)
                .exclude(status=ListingStatus.DELISTED)
                .exclude(pk__in=ids)
                .order_by("pk")
                .values_list("pk", flat=True)[: limit - len(ids)]
            )
            if len(ids) >= limit:
                break
        if ids:
            Listing.objects.filter(pk__in=ids).update(intake_queued_at=now)
            transaction.on_commit(lambda: enqueue_intake_scan(ids), robust=True)
    if ids:
        log.warning("sent the lost intake of %d listings again", len(ids))
    return len(ids)


def sweep_chunks_requeue(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Send again the chunks of queued or running sweeps whose task was lost:
    unfinished ``REQUEUE_LOST_WORK_AFTER`` after they were sent or last
    started (a broker restart that dropped its queue, a send that failed). A
    killed worker's chunk comes back by itself (acks_late) and, if it is also
    overdue here, runs twice: harmless, a chunk counts once. A chunk started
    ``DETECTION_SWEEP_MAX_ATTEMPTS`` times without finishing fails its sweep
    instead of being sent forever. Returns how many were sent."""
    now = now or timezone.now()
    overdue = now - settings.REQUEUE_LOST_WORK_AFTER
    with transaction.atomic():
        chunks = list(
            ScanChunk.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                finished=False,
                dispatched_at__lt=overdue,
                job__status__in=[ScanStatus.QUEUED, ScanStatus.RUNNING],
            )
            .order_by("dispatched_at", "pk")
            .values_list("pk", "job_id", "number", "attempts")[:limit]
        )
        spent = {
            job: number
            for _, job, number, attempts in chunks
            if attempts >= settings.DETECTION_SWEEP_MAX_ATTEMPTS
        }
        for job_id, number in spent.items():
            _sweep_fail_on(job_id, number)
        resend = [pk for pk, job, _, _ in chunks if job not in spent]
        if resend:
            ScanChunk.objects.filter(pk__in=resend).update(dispatched_at=now)
            transaction.on_commit(lambda: _enqueue_chunks(resend), robust=True)
    if resend:
        log.warning("sent %d lost sweep chunks again", len(resend))
    return len(resend)


def _sweep_fail_on(job_id: int, number: int) -> None:
    attempts = settings.DETECTION_SWEEP_MAX_ATTEMPTS
    _sweep_stop(
        job_id, ScanStatus.FAILED, error=f"Chunk {number} did not finish after {attempts} attempts."
    )


def _sweep_stop(job_id: int, status: str, *, error: str = "") -> bool:
    """End a queued or running sweep; its unfinished chunks leave the
    lost-work requeue (and its index)."""
    stopped = ScanJob.objects.filter(
        pk=job_id, status__in=[ScanStatus.QUEUED, ScanStatus.RUNNING]
    ).update(status=status, error=error, finished_at=timezone.now())
    if stopped:
        ScanChunk.objects.filter(job_id=job_id, finished=False).update(dispatched_at=None)
    return bool(stopped)


def scan_chunk_run(*, chunk_id: int) -> None:
    """Scan one chunk of a job; idempotent, and a no-op for a cancelled job."""
    try:
        chunk = ScanChunk.objects.select_related("job").get(pk=chunk_id)
    except ScanChunk.DoesNotExist:
        return
    job = chunk.job
    if chunk.finished or job.status in (ScanStatus.CANCELLED, ScanStatus.FAILED):
        return
    ScanJob.objects.filter(pk=job.pk, status=ScanStatus.QUEUED).update(
        status=ScanStatus.RUNNING, started_at=timezone.now()
    )
    # Started now (the lost-work requeue measures from here), unless it was
    # cancelled meanwhile or has used up its attempts: a chunk that kills its
    # worker comes straight back (reject_on_worker_lost) and must stop somewhere.
    started = ScanChunk.objects.filter(
        pk=chunk.pk,
        finished=False,
        attempts__lt=settings.DETECTION_SWEEP_MAX_ATTEMPTS,
        job__status__in=[ScanStatus.QUEUED, ScanStatus.RUNNING],
    ).update(attempts=F("attempts") + 1, dispatched_at=timezone.now())
    if not started:
        if chunk.attempts >= settings.DETECTION_SWEEP_MAX_ATTEMPTS:
            _sweep_fail_on(job.pk, chunk.number)
        return
    ids = list(
        _listings_to_sweep(job.brand)
        .filter(pk__gte=chunk.first_id, pk__lte=chunk.last_id)
        .values_list("pk", flat=True)
    )
    result = listings_scan(listing_ids=ids, brand_id=job.brand_id)
    with transaction.atomic():
        # Count the chunk once: only the delivery that flips ``finished`` adds.
        if ScanChunk.objects.filter(pk=chunk.pk, finished=False).update(finished=True):
            ScanJob.objects.filter(pk=job.pk).update(
                done=F("done") + chunk.size, suspects_found=F("suspects_found") + result["suspects"]
            )
            ScanJob.objects.filter(
                pk=job.pk, status=ScanStatus.RUNNING, done__gte=F("total")
            ).update(status=ScanStatus.FINISHED, finished_at=timezone.now())


@transaction.atomic
def scan_cancel(*, user, job: ScanJob) -> ScanJob:
    if not _sweep_stop(job.pk, ScanStatus.CANCELLED):
        raise Conflict("Only a queued or running scan can be cancelled.", code="invalid_transition")
    audit(actor=user, action="scan.cancelled", target=job)
    job.refresh_from_db()
    return job


def brand_sweep_on_assets_change(*, brand_id: int, actor=None) -> ScanJob | None:
    """Stock cleaning: new or changed assets sweep the catalogue for the brand.
    A sweep already queued for the brand picks the change up, so none is added."""
    from .pipeline import refresh_reference_fingerprints

    refresh_reference_fingerprints(brand_id=brand_id)
    brand = Brand.objects.filter(pk=brand_id).first()
    if brand is None:
        return None
    if ScanJob.objects.filter(brand=brand, status=ScanStatus.QUEUED).exists():
        return None
    return scan_start(user=None, brand=brand)


# --- Judgments --------------------------------------------------------------------

JUDGEABLE = {SuspectStatus.NEW, SuspectStatus.CONFIRMED, SuspectStatus.DISMISSED}


@transaction.atomic
def suspect_judge(*, user, suspect: Suspect, verdict: str, note: str = "") -> Suspect:
    """Brand staff judge a suspect: infringing (confirmed) or not (dismissed).
    Every judgment is a label for the learned score."""
    if user.role != Role.BRAND:
        raise Forbidden("Judgments are the brand's professional call.")
    if verdict not in ("infringing", "not_infringing"):
        raise DomainError(
            "Verdict must be infringing or not_infringing.", fields={"verdict": ["Invalid."]}
        )
    s = Suspect.objects.select_for_update().get(pk=suspect.pk)
    if s.status not in JUDGEABLE:
        raise Conflict("A complaint was already filed for this suspect.", code="already_complained")
    s.status = SuspectStatus.CONFIRMED if verdict == "infringing" else SuspectStatus.DISMISSED
    s.judged_by, s.judged_at, s.judgment_note = user, timezone.now(), note or ""
    s.save(update_fields=["status", "judged_by", "judged_at", "judgment_note", "updated_at"])
    audit(actor=user, action=f"suspect.{verdict}", target=s, reason=note or "")
    return s


def suspect_mark_complained(*, suspect: Suspect, user) -> None:
    Suspect.objects.filter(pk=suspect.pk).update(
        status=SuspectStatus.COMPLAINED, judged_by=user, judged_at=timezone.now()
    )
