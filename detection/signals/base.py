"""The small interface every signal implements, and what it gets to look at."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property


@dataclass(frozen=True)
class Finding:
    """One reason to suspect a listing of infringing ``brand_id``."""

    code: str
    brand_id: int
    weight: float  # 0..1: how strongly this alone points at infringement
    detail: str  # human-readable, shown to brand staff and reviewers
    evidence: dict = field(default_factory=dict)  # e.g. matched reference id, spans

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "weight": round(self.weight, 3),
            "detail": self.detail,
            **({"evidence": self.evidence} if self.evidence else {}),
        }


@dataclass(frozen=True)
class ImageHit:
    """A listing photo matching one of a brand's reference images."""

    reference_id: int
    kind: str  # logo | product
    distance: int
    correlation: float


@dataclass
class ListingFacts:
    """What the scan knows of one listing, gathered once per batch."""

    id: int
    title: str
    description: str
    price: Decimal
    currency: str
    shop_external_id: str
    seller_id: int
    image_files: list[str]  # stored, re-encoded photos (for the logo smear check)
    # SHA-256 of each photo as received ("" if unknown), beside image_files: the
    # same upload is stored the same way, so a check's verdict holds for it anywhere.
    image_digests: list[str] = field(default_factory=list)
    text_findings: list = field(default_factory=list)  # engine TextFinding
    image_hits: dict[int, ImageHit] = field(default_factory=dict)  # brand id -> best hit
    seller_history: object = None  # repeat_infringer.SellerHistory, if any strikes
    revision: int = 0  # the listing's revision when these facts were read

    @cached_property
    def implicated_brands(self) -> set[int]:
        """Brands the listing names, imitates or shows (set once its text findings
        and image hits are)."""
        brands = {b for f in self.text_findings for b in f.brand_ids}
        return brands | set(self.image_hits)


@dataclass
class BrandFacts:
    id: int
    name: str
    names: list[str]
    authorised_shops: frozenset[str]
    price_floors: dict[str, Decimal]  # currency -> floor
    msrps: list[tuple[str, str, Decimal, str]]  # (name, model number, msrp, currency)
    keywords: list[str]  # the brand's declared tell-tale keywords
    logo_ids: list[int] = field(default_factory=list)

    def authorises(self, shop_external_id: str) -> bool:
        return shop_external_id in self.authorised_shops


@dataclass
class ScanContext:
    """Everything signals consult, built once per worker and reused while the
    brands' assets are unchanged."""

    brands: dict[int, BrandFacts]
    text: object  # detection.engine.text_signals.TextSignalDetector
    keywords: object  # detection.engine.matcher.BrandMatcher over brands' keywords
    images: object  # detection.engine.image_signals.ImageMatcher over references
    reference_kind: dict[int, tuple[int, str]]  # reference id -> (brand id, kind)
    logo_loader: object = None  # reference id -> LogoReference (cached)
    model: object = None  # the active learned model, if any
    model_version: int | None = None
    version: str = ""


class Signal:
    """A signal looks at a listing and returns findings, each for one brand."""

    code: str = ""

    def evaluate(self, listing: ListingFacts, ctx: ScanContext) -> list[Finding]:
        raise NotImplementedError
