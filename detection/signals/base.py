"""The small interface every signal implements, and what it gets to look at."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


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


@dataclass
class ListingFacts:
    """What the scan knows of one listing, loaded once per batch."""

    id: int
    title: str
    description: str
    price: Decimal
    currency: str
    shop_external_id: str
    seller_id: int
    fingerprints: list[list[int]]  # per ready image
    # Filled once per listing by the text pass, read by the text signals.
    mentions: dict[int, list[str]] = field(default_factory=dict)  # brand id -> matched names
    haze: list[str] = field(default_factory=list)


@dataclass
class BrandFacts:
    id: int
    name: str
    names: list[str]
    authorised_shops: frozenset[str]
    price_floors: dict[str, Decimal]  # currency -> floor
    msrps: list[tuple[str, str, Decimal, str]]  # (name, model number, msrp, currency)
    keywords: list[str]


@dataclass
class ScanContext:
    """Everything signals consult, built once per worker and reused while the
    brands' assets are unchanged."""

    brands: dict[int, BrandFacts]
    matcher: object  # detection.text.BrandMatcher
    haze_terms: list[str]
    reference_index: object  # HammingIndex over reference fingerprints
    reference_brand: dict[int, tuple[int, str]]  # reference image id -> (brand id, kind)
    model: object = None  # the active learned model, if any
    model_version: int | None = None
    version: str = ""


class Signal:
    """A signal looks at a listing and returns findings, each for one brand."""

    code: str = ""

    def evaluate(self, listing: ListingFacts, ctx: ScanContext) -> list[Finding]:
        raise NotImplementedError
