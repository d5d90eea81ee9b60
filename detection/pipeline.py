"""The scan itself: build the context signals consult, run every signal over a
batch of listings, combine findings into scores.

The context (brand names and lookalike index, haze terms, the reference-image
index) is built once per worker process and rebuilt only when brands' assets
change, so a chunk of listings costs one context check, not one per listing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

import numpy as np
from django.db import connection
from django.db.models import Count, Max
from PIL import Image

from marketplace.models import ImageStatus, Listing, ListingImage
from platform_core.images import preview_image
from rightsholders.models import (
    AuthorisedShop,
    Brand,
    FakeCharacteristic,
    ProductModel,
    ReferenceImage,
)

from . import learning
from .engine.image_signals import Fingerprint, ImageMatcher, LogoReference, fingerprint
from .engine.imagehash_fast import to_signed64, to_unsigned64
from .engine.matcher import BrandMatcher, ProtectedName
from .engine.text_signals import TextSignalDetector
from .models import HazeTerm, ModelVersion
from .signals import SIGNALS, BrandFacts, Finding, ImageHit, ListingFacts, ScanContext
from .signals.model_score import ModelScore

log = logging.getLogger(__name__)
MODEL_SCORE = ModelScore()


def fingerprint_image(img: Image.Image, *, role: str = "listing") -> tuple[list[int], bytes]:
    """Perceptual hashes (signed 64-bit, for Postgres bigint) of an image's crops,
    and the crops' thumbnails that confirm a hash hit.

    ``img`` is the stored image as ``platform_core.images.preview_image``
    decodes it (JPEGs at reduced scale), for listing photos and reference
    images alike, so both sides' hashes come from the same pixels."""
    fp = fingerprint(img, role=role)
    return [to_signed64(h) for h in fp.hashes], fp.thumbs


def refresh_reference_fingerprints(*, brand_id: int) -> int:
    """Fingerprint the brand's reference images that have none yet."""
    count = 0
    for ref in ReferenceImage.objects.filter(brand_id=brand_id, fingerprints=[]):
        with ref.image.open("rb") as fh:
            img = preview_image(fh.read())
        ref.fingerprints, ref.fingerprint_thumbs = fingerprint_image(img, role="reference")
        ref.save(update_fields=["fingerprints", "fingerprint_thumbs"])
        count += 1
    return count


# --- Context --------------------------------------------------------------------

_context: ScanContext | None = None


def _version() -> str:
    brands = Brand.objects.aggregate(n=Count("id"), t=Max("assets_changed_at"))
    haze = HazeTerm.objects.aggregate(n=Count("id"), m=Max("updated_at"))
    refs = ReferenceImage.objects.exclude(fingerprints=[]).aggregate(n=Count("id"), m=Max("id"))
    model = ModelVersion.objects.filter(active=True).aggregate(m=Max("id"))
    return ":".join(
        str(v)
        for v in (brands["n"], brands["t"], haze["n"], haze["m"], refs["n"], refs["m"], model["m"])
    )


def context() -> ScanContext:
    global _context
    version = _version()
    if _context is None or _context.version != version:
        _context = _build_context(version)
    return _context


@lru_cache(maxsize=512)
def _logo_reference(ref_id: int) -> LogoReference:
    ref = ReferenceImage.objects.get(pk=ref_id)
    with ref.image.open("rb") as fh, Image.open(fh) as img:
        return LogoReference.from_image(img.convert("RGB"))


def _build_context(version: str) -> ScanContext:
    brands: dict[int, BrandFacts] = {
        b.pk: BrandFacts(b.pk, b.name, b.all_names, frozenset(), {}, [], [])
        for b in Brand.objects.only("id", "name", "aliases")
    }
    shops: dict[int, set[str]] = {}
    for brand_id, shop in AuthorisedShop.objects.values_list("brand_id", "shop_external_id"):
        shops.setdefault(brand_id, set()).add(shop)
    for brand_id, s in shops.items():
        brands[brand_id].authorised_shops = frozenset(s)
    for fc in FakeCharacteristic.objects.exclude(kind=FakeCharacteristic.Kind.NOTE):
        if fc.kind == FakeCharacteristic.Kind.PRICE_FLOOR:
            brands[fc.brand_id].price_floors[fc.currency] = Decimal(fc.value)
        else:
            brands[fc.brand_id].keywords.append(fc.value)
    for pm in ProductModel.objects.all():
        brands[pm.brand_id].msrps.append((pm.name, pm.model_number, pm.msrp, pm.currency))

    names = BrandMatcher(ProtectedName(b.id, b.name, tuple(b.names[1:])) for b in brands.values())
    haze = dict(HazeTerm.objects.filter(active=True).values_list("term", "weight"))
    keywords = BrandMatcher(
        ProtectedName(b.id, k) for b in brands.values() for k in b.keywords if k.strip()
    )

    images = ImageMatcher()
    reference_kind: dict[int, tuple[int, str]] = {}
    refs = ReferenceImage.objects.exclude(fingerprints=[]).values_list(
        "id", "brand_id", "kind", "fingerprints", "fingerprint_thumbs"
    )
    fingerprints = []
    for ref_id, brand_id, kind, hashes, thumbs in refs.iterator():
        reference_kind[ref_id] = (brand_id, kind)
        fingerprints.append(
            (ref_id, Fingerprint([to_unsigned64(h) for h in hashes], bytes(thumbs)))
        )
        if kind == ReferenceImage.Kind.LOGO:
            brands[brand_id].logo_ids.append(ref_id)
    # One index build: added one by one, most hashes would wait in the index's
    # brute-force delta and be scanned on every lookup.
    images.add_references(fingerprints)
    _logo_reference.cache_clear()

    active = learning.active_version()
    return ScanContext(
        brands=brands,
        text=TextSignalDetector(names, haze_terms=haze),
        keywords=keywords,
        images=images,
        reference_kind=reference_kind,
        logo_loader=_logo_reference,
        model=learning.load(active) if active else None,
        model_version=active.pk if active else None,
        version=version,
    )


# --- Scanning ---------------------------------------------------------------------


@dataclass
class BrandOutcome:
    score: float
    signals: list[dict]


@dataclass
class ListingOutcome:
    score: float
    signals: list[dict]
    brands: dict[int, BrandOutcome] = field(default_factory=dict)


def _combine(weights: list[float]) -> float:
    """Independent evidence adds up without passing 1 (noisy-OR)."""
    remaining = 1.0
    for w in weights:
        remaining *= 1.0 - w
    return 1.0 - remaining


def _image_hits_many(
    ctx: ScanContext, images: list[tuple[int, list[int], bytes]]
) -> dict[int, dict[int, ImageHit]]:
    """Best reference hit per (listing, brand) for a chunk's photos
    ``(listing id, signed hashes, thumbs)``. All hashes go to the index in one
    vectorised query; only photos with a candidate pair are then matched and
    verified one by one (most photos have none)."""
    best: dict[int, dict[int, ImageHit]] = {}
    if not images:
        return best
    flat = np.fromiter(
        (h for _, hashes, _ in images for h in hashes),
        dtype=np.int64,
        count=sum(len(hashes) for _, hashes, _ in images),
    ).view(np.uint64)
    candidates = ctx.images.index.query_many(flat, ctx.images.radius)
    start = 0
    for listing_id, hashes, thumbs in images:
        end = start + len(hashes)
        if any(m.ids.size for m in candidates[start:end]):
            fp = Fingerprint(flat[start:end].tolist(), bytes(thumbs))
            by_brand = best.setdefault(listing_id, {})
            for match in ctx.images.match(fp):
                brand_id, kind = ctx.reference_kind[match.reference_id]
                hit = ImageHit(match.reference_id, kind, match.distance, match.correlation)
                if brand_id not in by_brand or hit.distance < by_brand[brand_id].distance:
                    by_brand[brand_id] = hit
        start = end
    return best


def load_facts(
    listing_ids: list[int],
) -> tuple[list[ListingFacts], list[tuple[int, list[int], bytes]]]:
    """What the signals need of these listings, in id order, and their ready
    photos' fingerprints ``(listing id, hashes, thumbs)``: plain columns for the
    whole chunk in two queries (and one for sellers' strikes), no model instances."""
    from .signals.repeat_infringer import seller_histories

    if not listing_ids:
        return []
    listing_table = Listing._meta.db_table
    shop_table = Listing._meta.get_field("shop").related_model._meta.db_table
    image_table = ListingImage._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"""
            SELECT l.id, l.title, l.description, l.price, l.currency, l.revision,
                   s.external_id, s.seller_id
            FROM {listing_table} AS l JOIN {shop_table} AS s ON s.id = l.shop_id
            WHERE l.id = ANY(%s) ORDER BY l.id
            """,  # noqa: S608 - table names from the models, values bound
            [list(listing_ids)],
        )
        rows = cur.fetchall()
        cur.execute(
            f"""
            SELECT listing_id, image, fingerprints, fingerprint_thumbs, source_sha256
            FROM {image_table}
            WHERE listing_id = ANY(%s) AND status = %s AND cardinality(fingerprints) > 0
            ORDER BY listing_id, position
            """,  # noqa: S608 - table name from the model, values bound
            [list(listing_ids), ImageStatus.READY],
        )
        images = cur.fetchall()
    files: dict[int, list[str]] = {}
    digests: dict[int, list[str]] = {}
    for listing_id, name, _, _, digest in images:
        files.setdefault(listing_id, []).append(name)
        digests.setdefault(listing_id, []).append(digest)
    histories = seller_histories({r[7] for r in rows})
    return [
        ListingFacts(
            id=pk,
            title=title,
            description=description,
            price=price,
            currency=currency,
            shop_external_id=shop,
            seller_id=seller,
            image_files=files.get(pk, []),
            image_digests=digests.get(pk, []),
            seller_history=histories.get(seller),
            revision=revision,
        )
        for pk, title, description, price, currency, revision, shop, seller in rows
    ], [(listing_id, hashes, thumbs) for listing_id, _, hashes, thumbs, _ in images]


def scan_batch(listings: list[Listing]) -> dict[int, ListingOutcome]:
    """Score a batch of listings against every brand (as stored)."""
    return scan_facts(*load_facts([x.pk for x in listings]))


def scan_facts(
    facts: list[ListingFacts], images: list[tuple[int, list[int], bytes]]
) -> dict[int, ListingOutcome]:
    """Score listings (``load_facts``) against every brand."""
    ctx = context()
    texts = ctx.text.analyse_many([(f.title, f.description) for f in facts])
    hits = _image_hits_many(ctx, images)
    findings: dict[int, dict[int, list[Finding]]] = {}
    for f, text_findings in zip(facts, texts, strict=True):
        f.text_findings = text_findings
        f.image_hits = hits.get(f.id, {})
        by_brand = findings[f.id] = {}
        if not text_findings and not f.image_hits:
            continue  # every signal needs a named, imitated or shown brand
        for signal in SIGNALS:
            for finding in signal.evaluate(f, ctx):
                by_brand.setdefault(finding.brand_id, []).append(finding)

    # The learned score, batched over every (listing, brand) with rule evidence.
    titles = {f.id: f.title for f in facts}
    candidates = [
        (listing_id, brand_id, titles[listing_id], [f.as_json() for f in fs])
        for listing_id, by_brand in findings.items()
        for brand_id, fs in by_brand.items()
    ]
    for finding in MODEL_SCORE.evaluate_batch(candidates, ctx):
        findings[finding.evidence["listing"]][finding.brand_id].append(finding)

    outcome: dict[int, ListingOutcome] = {}
    for listing_id, by_brand in findings.items():
        brands = {
            b: BrandOutcome(
                score=round(_combine([f.weight for f in fs]), 4),
                signals=[f.as_json() for f in sorted(fs, key=lambda f: -f.weight)],
            )
            for b, fs in by_brand.items()
        }
        top = max(brands.values(), key=lambda o: o.score, default=None)
        outcome[listing_id] = ListingOutcome(
            score=top.score if top else 0.0, signals=top.signals if top else [], brands=brands
        )
    return outcome
