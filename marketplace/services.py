"""Marketplace use cases: listing intake (upsert by the marketplace's ids),
image intake, and the status changes decisions cause."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from platform_core.audit import audit
from platform_core.errors import DomainError
from platform_core.images import ImageRejected, check_image_url, fetch_image, inspect_image_bytes

from .models import ImageStatus, Listing, ListingImage, ListingStatus, Seller, Shop, ShopStatus
from .signals import listings_changed, listings_status_changed, sellers_changed

log = logging.getLogger(__name__)

MAX_BULK = 1000
INTAKE_CHUNK = 50  # listings per Celery task: keeps broker overhead small


@dataclass
class ImageInput:
    url: str = ""
    content: bytes | None = None
    sha256: str = ""


@dataclass
class ListingInput:
    external_id: str
    shop_external_id: str
    shop_name: str
    seller_external_id: str
    title: str
    description: str
    price: Decimal
    currency: str
    category: str
    images: list[ImageInput] = field(default_factory=list)
    ship_from: str = ""
    units_sold: int | None = None
    # The seller's phone or e-mail in clear: kept in memory only, stored as
    # ``Seller.contact_hash`` (see ``contact_hash``).
    contact: str = field(default="", repr=False)


def normalise_contact(value: str) -> str:
    """One spelling per contact: an e-mail lower-cased; a phone number reduced
    to its digits, with an international ``00`` prefix written as ``+``."""
    value = value.strip()
    if "@" in value:
        return value.casefold()
    digits = re.sub(r"[^0-9]", "", value)
    if value.startswith("+"):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    return digits


def contact_hash(value: str) -> str:
    """Keyed hash of a seller contact: equal contacts give equal hashes, and
    without ``CONTACT_HASH_KEY`` nobody can test guesses against stored ones."""
    normalised = normalise_contact(value)
    if not normalised.strip("+"):
        return ""
    key = settings.CONTACT_HASH_KEY.encode()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


def image_input_from_payload(item: dict, index: int) -> ImageInput:
    """Decode and check one image of a listing payload; raises DomainError
    naming the image's position."""
    where = f"images[{index}]"
    url, b64 = item.get("url"), item.get("content_base64")
    if bool(url) == bool(b64):
        raise DomainError(
            gettext("Each image needs exactly one of url or content_base64."),
            fields={where: [gettext("Give url or content_base64.")]},
        )
    try:
        if url:
            check_image_url(url)
            return ImageInput(url=url)
        try:
            data = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            raise ImageRejected("invalid_base64", "content_base64 is not valid base64.") from None
        inspect_image_bytes(data)
        return ImageInput(content=data, sha256=hashlib.sha256(data).hexdigest())
    except ImageRejected as exc:
        raise DomainError(
            exc.message, code=exc.code, fields={where: [exc.message]}, status=exc.status
        ) from None


def _stage(image: ImageInput) -> str:
    """Keep raw uploaded bytes until a worker re-encodes them (content-addressed,
    so a retried request stages nothing twice)."""
    name = f"incoming/{image.sha256[:2]}/{image.sha256}"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(image.content))
    return name


def _image_key(img) -> tuple[str, str]:
    return (img.source_url, "" if img.source_url else img.source_sha256)


def listings_upsert(*, items: list[ListingInput], actor=None) -> list[Listing]:
    """Create or update listings (and their shops and sellers) by external id,
    in one transaction. Listings whose content changed (and unchanged ones
    still waiting for their first scan) are queued for image intake and a scan
    once committed; a new listing stays ``pending`` until its scan puts it live
    or holds it."""
    if len(items) > MAX_BULK:
        raise DomainError(
            gettext("At most %(n)s listings per request.") % {"n": MAX_BULK},
            code="too_many_items",
        )
    staged = {img.sha256: _stage(img) for item in items for img in item.images if img.content}
    for attempt in range(2):
        try:
            results, queued = _listings_upsert(items, staged, actor)
            break
        except IntegrityError:
            # Two requests created the same new listing or shop at once; the
            # second pass sees the first one's rows and updates them instead.
            if attempt:
                raise
    if queued:
        if connection.in_atomic_block:  # the caller's transaction: after it commits
            transaction.on_commit(
                lambda: listings_changed.send(sender=Listing, listing_ids=queued), robust=True
            )
        else:
            # Committed: queue their work now, so that a broker that is down
            # is this request's answer (503, send again), not a lost task.
            listings_changed.send(sender=Listing, listing_ids=queued)
    return results


@transaction.atomic
def _listings_upsert(
    items: list[ListingInput], staged: dict, actor
) -> tuple[list[Listing], list[int]]:
    """The listings, and the ids whose intake and scan are to be queued."""
    Seller.objects.bulk_create(
        [Seller(external_id=i.seller_external_id) for i in items], ignore_conflicts=True
    )
    sellers = dict(
        Seller.objects.filter(external_id__in={i.seller_external_id for i in items}).values_list(
            "external_id", "id"
        )
    )
    if recontacted := _sellers_set_contact(items, sellers):
        # Robust: networks catch up at their nightly rebuild if this is lost.
        transaction.on_commit(
            lambda: sellers_changed.send(sender=Seller, seller_ids=sorted(recontacted)),
            robust=True,
        )
    shops_by_ext: dict[str, Shop] = {}
    for i in items:
        shops_by_ext[i.shop_external_id] = Shop(
            external_id=i.shop_external_id,
            name=i.shop_name,
            seller_id=sellers[i.seller_external_id],
        )
    Shop.objects.bulk_create(
        list(shops_by_ext.values()),
        update_conflicts=True,
        unique_fields=["external_id"],
        update_fields=["name", "seller", "updated_at"],
    )
    shop_ids = dict(
        Shop.objects.filter(external_id__in=shops_by_ext).values_list("external_id", "id")
    )

    existing = {
        listing.external_id: listing
        for listing in Listing.objects.select_for_update()
        .filter(external_id__in=[i.external_id for i in items])
        .prefetch_related("images")
    }
    now = timezone.now()
    content_fields = [
        "shop_id",
        "title",
        "description",
        "price",
        "currency",
        "category",
        "ship_from",
    ]
    new, changed, waiting, results, sales_changed = [], [], [], [], []
    image_rows: list[ListingImage] = []
    replaced_images: list[int] = []
    for item in items:
        values = {
            "shop_id": shop_ids[item.shop_external_id],
            "title": item.title,
            "description": item.description,
            "price": item.price,
            "currency": item.currency,
            "category": item.category,
            "ship_from": item.ship_from,
        }
        wanted = [(img.url, "" if img.url else img.sha256) for img in item.images]
        listing = existing.get(item.external_id)
        if listing is None:
            listing = Listing(
                external_id=item.external_id,
                status=ListingStatus.PENDING,
                units_sold=item.units_sold,
                intake_queued_at=now,
                **values,
            )
            new.append((listing, item))
        else:
            text_changed = any(getattr(listing, f) != v for f, v in values.items())
            current = [_image_key(img) for img in listing.images.all()]
            images_changed = current != wanted
            if images_changed:
                replaced_images.extend(img.pk for img in listing.images.all())
                image_rows.extend(_image_rows(listing, item, staged))
            if text_changed or images_changed:
                for f, v in values.items():
                    setattr(listing, f, v)
                listing.revision += 1
                listing.updated_at = listing.intake_queued_at = now
                changed.append(listing)
            elif _intake_lost(listing, now):
                # Unchanged, but its queued work was lost (the request that
                # stored it was answered 503): a resend is the integrator's
                # retry. Queued again; the work is idempotent.
                waiting.append(listing)
            if item.units_sold is not None and listing.units_sold != item.units_sold:
                # A sales figure is not content: no new revision, no rescan.
                listing.units_sold = item.units_sold
                sales_changed.append(listing)
        results.append(listing)

    if new:
        Listing.objects.bulk_create([listing for listing, _ in new])
        for listing, item in new:
            image_rows.extend(_image_rows(listing, item, staged))
    if changed:
        Listing.objects.bulk_update(
            changed, [*content_fields, "revision", "updated_at", "intake_queued_at"]
        )
    if sales_changed:
        Listing.objects.bulk_update(sales_changed, ["units_sold"])
    if replaced_images:
        old_files = list(
            ListingImage.objects.filter(pk__in=replaced_images).values_list("image", "thumbnail")
        )
        ListingImage.objects.filter(pk__in=replaced_images).delete()
        transaction.on_commit(lambda: _delete_files(old_files), robust=True)
    ListingImage.objects.bulk_create(image_rows)

    if waiting:
        Listing.objects.filter(pk__in=[listing.pk for listing in waiting]).update(
            intake_queued_at=now
        )
    queued = [listing.pk for listing, _ in new] + [listing.pk for listing in changed + waiting]
    return results, queued


def listing_waiting(listing: Listing) -> bool:
    """Its intake or scan has not happened yet: a new listing not yet scanned,
    or a changed one whose new photos are not yet taken in."""
    return listing.status == ListingStatus.PENDING or any(
        img.status == ImageStatus.PENDING for img in listing.images.all()
    )


def _intake_lost(listing: Listing, now) -> bool:
    """Its queued work was never sent (the broker was down; any change,
    text only included), or it is still waiting so long after the send that
    the work was lost. Work merely queued behind others is not sent twice."""
    if listing.status == ListingStatus.DELISTED:
        return False
    sent = listing.intake_queued_at
    if sent is None:  # sending failed (whatever is waiting: photos, or text only)
        return True
    return listing_waiting(listing) and sent < now - settings.REQUEUE_LOST_WORK_AFTER


def _sellers_set_contact(items: list[ListingInput], sellers: dict[str, int]) -> set[int]:
    """Store the keyed hash of each seller contact sent; a listing without one
    leaves the seller's stored hash as it is. Returns the sellers whose hash
    changed."""
    hashes = {}
    for i in items:
        if i.contact and (digest := contact_hash(i.contact)):
            hashes[sellers[i.seller_external_id]] = digest
    stored = dict(Seller.objects.filter(pk__in=hashes).values_list("pk", "contact_hash"))
    rows = [Seller(pk=pk, contact_hash=h) for pk, h in hashes.items() if stored.get(pk) != h]
    if rows:
        Seller.objects.bulk_update(rows, ["contact_hash"])
    return {row.pk for row in rows}


def _image_rows(listing: Listing, item: ListingInput, staged: dict) -> list[ListingImage]:
    return [
        ListingImage(
            listing=listing,
            position=pos,
            source_url=img.url,
            source_sha256=img.sha256,
            staged=staged.get(img.sha256, "") if img.content else "",
        )
        for pos, img in enumerate(item.images)
    ]


def _delete_files(pairs) -> None:
    for pair in pairs:
        for name in pair:
            if name:
                default_storage.delete(name)


# --- Image intake (runs in workers) ---------------------------------------------

# A chunk's downloads overlap (a CDN answers in tens of milliseconds) while
# this thread cleans the images already fetched; decoding stays on one thread
# (more only contend for the GIL and the worker's cores) and the database is
# written once per chunk.
INTAKE_DOWNLOADS = 8


@dataclass
class _Intake:
    sha256: str = ""  # of the bytes as received
    clean: object = None  # platform_core.images.IntakeImage
    fingerprints: list[int] = field(default_factory=list)
    fingerprint_thumbs: bytes = b""
    error: str = ""


def listing_images_intake(*, listing_ids: list[int], fingerprint=None) -> dict[str, int]:
    """Fetch or read, clean and fingerprint the pending images of these
    listings. Idempotent: ready images are skipped, so a redelivered task only
    finishes what is missing. ``fingerprint(PIL image) -> (hashes, thumbs)`` is
    the detection engine's, passed in to keep this app free of it; it gets the
    photo's reduced decode (``IntakeImage.preview``)."""
    pending = list(
        ListingImage.objects.filter(listing_id__in=listing_ids, status=ImageStatus.PENDING)
    )
    if not pending:
        return {"ready": 0, "failed": 0}
    downloads = sum(1 for img in pending if img.source_url)
    if downloads > 1 and INTAKE_DOWNLOADS > 1:
        with ThreadPoolExecutor(max_workers=min(INTAKE_DOWNLOADS, downloads)) as pool:
            # map() yields in order as downloads finish: cleaning overlaps them.
            outcomes = [
                _image_intake_one(raw, fingerprint) for raw in pool.map(_image_bytes, pending)
            ]
    else:
        outcomes = [_image_intake_one(_image_bytes(img), fingerprint) for img in pending]
    done = failed = 0
    for img, got in zip(pending, outcomes, strict=True):
        if got.error:
            img.status, img.error = ImageStatus.FAILED, got.error[:300]
            failed += 1
            continue
        clean = got.clean
        stem = f"{img.listing_id}-{img.position}-{got.sha256[:12]}"
        img.image.save(f"{stem}.{clean.extension}", ContentFile(clean.content), save=False)
        img.thumbnail.save(f"{stem}.jpg", ContentFile(clean.thumbnail), save=False)
        img.width, img.height = clean.width, clean.height
        img.fingerprints, img.fingerprint_thumbs = got.fingerprints, got.fingerprint_thumbs
        img.source_sha256 = img.source_sha256 or got.sha256
        img.status, img.error = ImageStatus.READY, ""
        done += 1
    _images_record(pending)
    return {"ready": done, "failed": failed}


def _image_bytes(img: ListingImage) -> bytes | _Intake:
    """The image as received (downloaded or staged), or why it cannot be had."""
    try:
        if img.source_url:
            return fetch_image(img.source_url)
        with default_storage.open(img.staged, "rb") as fh:
            return fh.read()
    except ImageRejected as exc:
        return _Intake(error=exc.message)
    except FileNotFoundError:
        return _Intake(error="The uploaded image was lost before intake.")


def _image_intake_one(raw: bytes | _Intake, fingerprint) -> _Intake:
    """Clean and fingerprint one image's bytes (no database)."""
    from platform_core.images import intake_image

    if isinstance(raw, _Intake):
        return raw
    try:
        clean = intake_image(raw)
    except ImageRejected as exc:
        return _Intake(error=exc.message)
    got = _Intake(sha256=hashlib.sha256(raw).hexdigest(), clean=clean)
    if fingerprint:
        got.fingerprints, got.fingerprint_thumbs = fingerprint(clean.preview)
    clean.preview = None  # the decode is no longer needed: free it before the chunk ends
    return got


def _images_record(rows: list[ListingImage]) -> None:
    """Write a chunk's intake outcome in one statement. Rows replaced by a
    newer upsert meanwhile are gone and simply not updated."""
    with connection.cursor() as cur:
        cur.execute(
            f"""
            UPDATE {ListingImage._meta.db_table} AS i
            SET image = v.image, thumbnail = v.thumbnail, width = v.width,
                height = v.height, fingerprints = v.fingerprints::bigint[],
                fingerprint_thumbs = v.thumbs, source_sha256 = v.sha,
                status = v.status, error = v.error
            FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::int[], %s::int[],
                        %s::text[], %s::bytea[], %s::text[], %s::text[], %s::text[])
                AS v(id, image, thumbnail, width, height, fingerprints, thumbs, sha,
                     status, error)
            WHERE i.id = v.id AND i.status = 'pending'
            """,  # noqa: S608 - table name from the model, values bound
            [
                [r.pk for r in rows],
                [r.image.name or "" for r in rows],
                [r.thumbnail.name or "" for r in rows],
                [r.width for r in rows],
                [r.height for r in rows],
                ["{" + ",".join(map(str, r.fingerprints)) + "}" for r in rows],
                [bytes(r.fingerprint_thumbs) for r in rows],
                [r.source_sha256 for r in rows],
                [r.status for r in rows],
                [r.error for r in rows],
            ],
        )


# --- Status changes ----------------------------------------------------------------


def listing_set_live_or_held(*, listing: Listing, hold: bool) -> Listing:
    """Called after a scan: a pending listing goes live or is held; an active
    one rescored over the block threshold is held. A delisted listing stays
    delisted, and a held one is released only by a reviewer."""
    if listing.status == ListingStatus.PENDING:
        listing.status = ListingStatus.HELD if hold else ListingStatus.ACTIVE
        if not hold:
            listing.went_live_at = timezone.now()
    elif listing.status == ListingStatus.ACTIVE and hold:
        listing.status = ListingStatus.HELD
    return listing


@transaction.atomic
def listing_delist(*, listing: Listing, actor, reason: str) -> Listing:
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    if listing.status != ListingStatus.DELISTED:
        previous = listing.status
        listing.status = ListingStatus.DELISTED
        listing.delisted_at = timezone.now()
        listing.save(update_fields=["status", "delisted_at", "updated_at"])
        audit(
            actor=actor, action="listing.delisted", target=listing, reason=reason, previous=previous
        )
        transaction.on_commit(
            lambda: listings_status_changed.send(
                sender=Listing, listing_ids=[listing.pk], status=ListingStatus.DELISTED
            )
        )
    return listing


@transaction.atomic
def listing_restore(
    *, listing: Listing, actor, reason: str, status: str = ListingStatus.ACTIVE
) -> Listing:
    """Put a delisted (or held) listing back: live, or ``status=held`` for one
    that detection had held before it was taken down."""
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    if listing.status in (ListingStatus.DELISTED, ListingStatus.HELD) and listing.status != status:
        previous = listing.status
        listing.status = status
        listing.delisted_at = None
        if status == ListingStatus.ACTIVE:
            listing.went_live_at = listing.went_live_at or timezone.now()
        listing.save(update_fields=["status", "delisted_at", "went_live_at", "updated_at"])
        audit(
            actor=actor, action="listing.restored", target=listing, reason=reason, previous=previous
        )
        transaction.on_commit(
            lambda: listings_status_changed.send(
                sender=Listing, listing_ids=[listing.pk], status=status
            )
        )
    return listing


@transaction.atomic
def shop_suspend(*, shop: Shop, actor, reason: str) -> int:
    """Suspend a shop and delist all its live listings; returns how many."""
    shop = Shop.objects.select_for_update().get(pk=shop.pk)
    shop.status = ShopStatus.SUSPENDED
    shop.save(update_fields=["status", "updated_at"])
    ids = list(shop.listings.exclude(status=ListingStatus.DELISTED).values_list("id", flat=True))
    Listing.objects.filter(pk__in=ids).update(
        status=ListingStatus.DELISTED, delisted_at=timezone.now(), updated_at=timezone.now()
    )
    audit(actor=actor, action="shop.suspended", target=shop, reason=reason, delisted=len(ids))
    if ids:
        transaction.on_commit(
            lambda: listings_status_changed.send(
                sender=Listing, listing_ids=ids, status=ListingStatus.DELISTED
            )
        )
    return len(ids)


@transaction.atomic
def shop_reinstate(*, shop: Shop, actor, reason: str, listings: dict[int, str]) -> list[Listing]:
    """Lift a shop's suspension and put back ``listings`` ({id: status before
    the suspension}) that are still delisted: held ones held, others live.
    Returns the listings put back."""
    shop = Shop.objects.select_for_update().get(pk=shop.pk)
    shop.status = ShopStatus.ACTIVE
    shop.save(update_fields=["status", "updated_at"])
    now = timezone.now()
    back = list(
        Listing.objects.select_for_update(of=("self",))
        .select_related("shop")
        .filter(shop=shop, pk__in=list(listings), status=ListingStatus.DELISTED)
        .order_by("pk")
    )
    by_status: dict[str, list[int]] = {}
    for listing in back:
        held = listings.get(listing.pk) == ListingStatus.HELD
        listing.status = ListingStatus.HELD if held else ListingStatus.ACTIVE
        listing.went_live_at = listing.went_live_at or (None if held else now)
        listing.delisted_at, listing.updated_at = None, now
        by_status.setdefault(listing.status, []).append(listing.pk)
    Listing.objects.bulk_update(back, ["status", "went_live_at", "delisted_at", "updated_at"])
    audit(actor=actor, action="shop.reinstated", target=shop, reason=reason, restored=len(back))
    for status, ids in by_status.items():
        transaction.on_commit(
            lambda ids=ids, status=status: listings_status_changed.send(
                sender=Listing, listing_ids=ids, status=status
            )
        )
    return back
