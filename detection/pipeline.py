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

from django.db.models import Count, Max
from PIL import Image

from marketplace.models import ImageStatus, Listing
from rightsholders.models import (
    AuthorisedShop,
    Brand,
    FakeCharacteristic,
    ProductModel,
    ReferenceImage,
)

from . import learning
from .engine.hamming_index import as_uint64_array
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
    and the crops' thumbnails that confirm a hash hit."""
    fp = fingerprint(img, role=role)
    return [to_signed64(h) for h in fp.hashes], fp.thumbs


def refresh_reference_fingerprints(*, brand_id: int) -> int:
    """Fingerprint the brand's reference images that have none yet."""
    count = 0
    for ref in ReferenceImage.objects.filter(brand_id=brand_id, fingerprints=[]):
        with ref.image.open("rb") as fh, Image.open(fh) as img:
            ref.fingerprints, ref.fingerprint_thumbs = fingerprint_image(
                img.convert("RGB"), role="reference"
            )
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
    for ref_id, brand_id, kind, hashes, thumbs in refs.iterator():
        reference_kind[ref_id] = (brand_id, kind)
        images.add_reference(ref_id, Fingerprint([to_unsigned64(h) for h in hashes], bytes(thumbs)))
        if kind == ReferenceImage.Kind.LOGO:
            brands[brand_id].logo_ids.append(ref_id)
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


def _image_hits(ctx: ScanContext, images) -> dict[int, ImageHit]:
    best: dict[int, ImageHit] = {}
    for img in images:
        fp = Fingerprint(as_uint64_array(img.fingerprints).tolist(), bytes(img.fingerprint_thumbs))
        for match in ctx.images.match(fp):
            brand_id, kind = ctx.reference_kind[match.reference_id]
            hit = ImageHit(match.reference_id, kind, match.distance, match.correlation)
            if brand_id not in best or hit.distance < best[brand_id].distance:
                best[brand_id] = hit
    return best


def _facts(
    listings: list[Listing], ctx: ScanContext, strikes: dict[int, int]
) -> list[ListingFacts]:
    texts = ctx.text.analyse_many([(x.title, x.description) for x in listings])
    facts = []
    for listing, text_findings in zip(listings, texts, strict=True):
        ready = [
            img
            for img in listing.images.all()
            if img.status == ImageStatus.READY and img.fingerprints
        ]
        facts.append(
            ListingFacts(
                id=listing.pk,
                title=listing.title,
                description=listing.description,
                price=listing.price,
                currency=listing.currency,
                shop_external_id=listing.shop.external_id,
                seller_id=listing.shop.seller_id,
                image_files=[img.image.name for img in ready],
                text_findings=text_findings,
                image_hits=_image_hits(ctx, ready),
                seller_strikes=strikes.get(listing.shop.seller_id, 0),
            )
        )
    return facts


def scan_batch(listings: list[Listing]) -> dict[int, ListingOutcome]:
    """Score a batch of listings (shops and images prefetched) against every brand."""
    ctx = context()
    from .signals.repeat_infringer import seller_strikes

    strikes = seller_strikes({x.shop.seller_id for x in listings})
    findings: dict[int, dict[int, list[Finding]]] = {}
    for facts in _facts(listings, ctx, strikes):
        by_brand = findings[facts.id] = {}
        for signal in SIGNALS:
            for finding in signal.evaluate(facts, ctx):
                by_brand.setdefault(finding.brand_id, []).append(finding)

    # The learned score, batched over every (listing, brand) with rule evidence.
    titles = {x.pk: x.title for x in listings}
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
