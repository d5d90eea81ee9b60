"""One module per signal, each behind ``Signal`` (see ``base.py``)."""

from .base import BrandFacts, Finding, ImageHit, ListingFacts, ScanContext, Signal
from .brand_keyword import BrandKeyword
from .brand_stacking import BrandStacking
from .haze_term import HazeTermSignal
from .image_match import ImageMatch
from .logo_smear import LogoSmear
from .lookalike_name import LookalikeName
from .price_anomaly import PriceAnomaly
from .repeat_infringer import RepeatInfringer

# Order matters only for readability of the evidence: strongest kinds first.
SIGNALS: list[Signal] = [
    ImageMatch(),
    LogoSmear(),
    LookalikeName(),
    HazeTermSignal(),
    BrandKeyword(),
    BrandStacking(),
    PriceAnomaly(),
    RepeatInfringer(),
]

__all__ = [
    "SIGNALS",
    "BrandFacts",
    "Finding",
    "ImageHit",
    "ListingFacts",
    "ScanContext",
    "Signal",
]
