"""The scan itself: build the context signals consult, run every signal over a
batch of listings, combine findings into scores.

The context (brand names, haze terms, the reference-image index) is built
once per worker process and rebuilt only when brands' assets change, so a
chunk of listings costs one context check, not one per listing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal

import imagehash
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
from .engine.hamming_index import HammingIndex
from .models import HazeTerm, ModelVersion
from .signals import SIGNALS, BrandFacts, Finding, ListingFacts, ScanContext
from .signals.model_score import ModelScore
from .text import BrandMatcher, TermMatcher

MODEL_SCORE = ModelScore()

log = logging.getLogger(__name__)

# Centre crops hashed besides the whole picture, so a listing photo cropped by
# up to ~15% still lands near one of a reference's fingerprints.
CROP_FRACTIONS = (1.0, 0.85)


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def fingerprint_image(img: Image.Image) -> list[int]:
    """Perceptual hashes (signed 64-bit, for Postgres bigint) of an image."""
    grey = img.convert("L")
    out = []
    w, h = grey.size
    for frac in CROP_FRACTIONS:
        cw, ch = int(w * frac), int(h * frac)
        box = ((w - cw) // 2, (h - ch) // 2, (w - cw) // 2 + cw, (h - ch) // 2 + ch)
        crop = grey if frac == 1.0 else grey.crop(box)
        out.append(_signed(int(str(imagehash.phash(crop)), 16)))
    return out


def refresh_reference_fingerprints(*, brand_id: int) -> int:
    """Fingerprint the brand's reference images that have none yet."""
    count = 0
    for ref in ReferenceImage.objects.filter(brand_id=brand_id, fingerprints=[]):
        with ref.image.open("rb") as fh, Image.open(fh) as img:
            img.load()
            ref.fingerprints = fingerprint_image(img)
        ref.save(update_fields=["fingerprints"])
        count += 1
    return count


# --- Context --------------------------------------------------------------------

_context: ScanContext | None = None


def _version() -> str:
    brands = Brand.objects.aggregate(n=Count("id"), t=Max("assets_changed_at"))
    haze = HazeTerm.objects.aggregate(n=Count("id"), m=Max("id"))
    refs = ReferenceImage.objects.exclude(fingerprints=[]).aggregate(n=Count("id"), m=Max("id"))
    model = ModelVersion.objects.filter(active=True).aggregate(m=Max("id"))
    return (
        f"{brands['n']}:{brands['t']}:{haze['n']}:{haze['m']}:{refs['n']}:{refs['m']}:{model['m']}"
    )


def context() -> ScanContext:
    global _context
    version = _version()
    if _context is None or _context.version != version:
        _context = _build_context(version)
    return _context


def _build_context(version: str) -> ScanContext:
    brands: dict[int, BrandFacts] = {}
    for b in Brand.objects.only("id", "name", "aliases"):
        brands[b.pk] = BrandFacts(b.pk, b.name, b.all_names, frozenset(), {}, [], [])
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
    matcher = BrandMatcher([(b.id, name) for b in brands.values() for name in b.names])
    haze_terms = list(HazeTerm.objects.filter(active=True).values_list("term", flat=True))
    hashes, ids, ref_brand = [], [], {}
    for ref_id, brand_id, kind, fps in ReferenceImage.objects.exclude(fingerprints=[]).values_list(
        "id", "brand_id", "kind", "fingerprints"
    ):
        ref_brand[ref_id] = (brand_id, kind)
        hashes.extend(fps)
        ids.extend([ref_id] * len(fps))
    version_row = learning.active_version()
    return ScanContext(
        model=learning.load(version_row) if version_row else None,
        model_version=version_row.pk if version_row else None,
        brands=brands,
        matcher=matcher,
        haze_terms=haze_terms,
        reference_index=HammingIndex(hashes, ids),
        reference_brand=ref_brand,
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


def scan_batch(listings: list[Listing]) -> dict[int, ListingOutcome]:
    ctx = context()
    haze = TermMatcher(ctx.haze_terms)
    findings: dict[int, dict[int, list[Finding]]] = {}
    for listing in listings:
        facts = ListingFacts(
            id=listing.pk,
            title=listing.title,
            description=listing.description,
            price=listing.price,
            currency=listing.currency,
            shop_external_id=listing.shop.external_id,
            seller_id=listing.shop.seller_id,
            fingerprints=[
                img.fingerprints
                for img in listing.images.all()
                if img.status == ImageStatus.READY and img.fingerprints
            ],
        )
        text = f"{listing.title}\n{listing.description}"
        facts.mentions = ctx.matcher.find(text)
        facts.haze = haze.find(text) if facts.mentions else []
        by_brand = findings[listing.pk] = {}
        for signal in SIGNALS:
            for finding in signal.evaluate(facts, ctx):
                by_brand.setdefault(finding.brand_id, []).append(finding)

    # The learned score, batched over every (listing, brand) with rule evidence.
    titles = {listing.pk: listing.title for listing in listings}
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
