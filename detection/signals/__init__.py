"""One module per signal, each behind ``Signal`` (see ``base.py``)."""

from .base import BrandFacts, Finding, ListingFacts, ScanContext, Signal
from .brand_keyword import BrandKeyword
from .brand_stacking import BrandStacking
from .haze_term import HazeTermSignal
from .image_match import ImageMatch
from .price_anomaly import PriceAnomaly

SIGNALS: list[Signal] = [
    ImageMatch(),
    BrandKeyword(),
    HazeTermSignal(),
    BrandStacking(),
    PriceAnomaly(),
]

__all__ = ["SIGNALS", "BrandFacts", "Finding", "ListingFacts", "ScanContext", "Signal"]
