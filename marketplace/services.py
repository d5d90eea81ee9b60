"""Marketplace use cases: listing intake (upsert by the marketplace's ids),
image intake, and the status changes decisions cause."""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from platform_core.audit import audit
from platform_core.errors import DomainError
from platform_core.images import ImageRejected, check_image_url, fetch_image, inspect_image_bytes

from .models import ImageStatus, Listing, ListingImage, ListingStatus, Seller, Shop, ShopStatus
from .signals import listings_changed, listings_status_changed

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


def image_input_from_payload(item: dict, index: int) -> ImageInput:
    """Decode and check one image of a listing payload; raises DomainError
    naming the image's position."""
    where = f"images[{index}]"
    url, b64 = item.get("url"), item.get("content_base64")
    if bool(url) == bool(b64):
        raise DomainError(
            "Each image needs exactly one of url or content_base64.",
            fields={where: ["Give url or content_base64."]},
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
    in one transaction. Listings whose content changed are queued for image
    intake and a scan once committed; a new listing stays ``pending`` until
    its scan puts it live or holds it."""
    if len(items) > MAX_BULK:
        raise DomainError(f"At most {MAX_BULK} listings per request.", code="too_many_items")
    staged = {img.sha256: _stage(img) for item in items for img in item.images if img.content}
    for attempt in range(2):
        try:
            return _listings_upsert(items, staged, actor)
        except IntegrityError:
            # Two requests created the same new listing or shop at once; the
            # second pass sees the first one's rows and updates them instead.
            if attempt:
                raise
    raise AssertionError("unreachable")


@transaction.atomic
def _listings_upsert(items: list[ListingInput], staged: dict, actor) -> list[Listing]:
    Seller.objects.bulk_create(
        [Seller(external_id=i.seller_external_id) for i in items], ignore_conflicts=True
    )
    sellers = dict(
        Seller.objects.filter(external_id__in={i.seller_external_id for i in items}).values_list(
            "external_id", "id"
        )
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
    content_fields = ["shop_id", "title", "description", "price", "currency", "category"]
    new, changed, results = [], [], []
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
        }
        wanted = [(img.url, "" if img.url else img.sha256) for img in item.images]
        listing = existing.get(item.external_id)
        if listing is None:
            listing = Listing(external_id=item.external_id, status=ListingStatus.PENDING, **values)
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
                listing.updated_at = now
                changed.append(listing)
        results.append(listing)

    if new:
        Listing.objects.bulk_create([listing for listing, _ in new])
        for listing, item in new:
            image_rows.extend(_image_rows(listing, item, staged))
    if changed:
        Listing.objects.bulk_update(changed, [*content_fields, "revision", "updated_at"])
    if replaced_images:
        old_files = list(
            ListingImage.objects.filter(pk__in=replaced_images).values_list("image", "thumbnail")
        )
        ListingImage.objects.filter(pk__in=replaced_images).delete()
        transaction.on_commit(lambda: _delete_files(old_files))
    ListingImage.objects.bulk_create(image_rows)

    touched = [listing.pk for listing, _ in new] + [listing.pk for listing in changed]
    if touched:
        transaction.on_commit(lambda: listings_changed.send(sender=Listing, listing_ids=touched))
    return results


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


def listing_images_intake(*, listing_ids: list[int], fingerprint=None) -> dict[str, int]:
    """Fetch or read, re-encode and fingerprint the pending images of these
    listings. Idempotent: ready images are skipped, so a redelivered task only
    finishes what is missing. ``fingerprint(PIL image) -> (hashes, thumbs)`` is
    the detection engine's, passed in to keep this app free of it."""
    from platform_core.images import reencode

    done = failed = 0
    pending = ListingImage.objects.filter(listing_id__in=listing_ids, status=ImageStatus.PENDING)
    for img in pending.iterator():
        try:
            if img.source_url:
                raw = fetch_image(img.source_url)
            else:
                with default_storage.open(img.staged, "rb") as fh:
                    raw = fh.read()
            clean = reencode(raw)
        except ImageRejected as exc:
            img.status, img.error = ImageStatus.FAILED, exc.message[:300]
            img.save(update_fields=["status", "error"])
            failed += 1
            continue
        except FileNotFoundError:
            img.status, img.error = ImageStatus.FAILED, "The uploaded image was lost before intake."
            img.save(update_fields=["status", "error"])
            failed += 1
            continue
        sha = hashlib.sha256(raw).hexdigest()
        img.image.save(
            f"{img.listing_id}-{img.position}-{sha[:12]}.{clean.extension}",
            ContentFile(clean.content),
            save=False,
        )
        img.thumbnail.save(
            f"{img.listing_id}-{img.position}-{sha[:12]}.jpg",
            ContentFile(clean.thumbnail),
            save=False,
        )
        img.width, img.height = clean.width, clean.height
        img.fingerprints, img.fingerprint_thumbs = (
            fingerprint(clean.image) if fingerprint else ([], b"")
        )
        img.source_sha256 = img.source_sha256 or sha
        img.status, img.error = ImageStatus.READY, ""
        img.save(
            update_fields=[
                "image",
                "thumbnail",
                "width",
                "height",
                "fingerprints",
                "fingerprint_thumbs",
                "source_sha256",
                "status",
                "error",
            ]
        )
        done += 1
    return {"ready": done, "failed": failed}


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
def listing_restore(*, listing: Listing, actor, reason: str) -> Listing:
    listing = Listing.objects.select_for_update().get(pk=listing.pk)
    if listing.status in (ListingStatus.DELISTED, ListingStatus.HELD):
        previous = listing.status
        listing.status = ListingStatus.ACTIVE
        listing.delisted_at = None
        listing.went_live_at = listing.went_live_at or timezone.now()
        listing.save(update_fields=["status", "delisted_at", "went_live_at", "updated_at"])
        audit(
            actor=actor, action="listing.restored", target=listing, reason=reason, previous=previous
        )
        transaction.on_commit(
            lambda: listings_status_changed.send(
                sender=Listing, listing_ids=[listing.pk], status=ListingStatus.ACTIVE
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
