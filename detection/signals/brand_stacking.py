from ._text import text_findings_for
from .base import Finding, ListingFacts, ScanContext, Signal


class BrandStacking(Signal):
    """Several brands' names piled into one title to drain search traffic."""

    code = "brand_stacking"

    def evaluate(self, listing: ListingFacts, ctx: ScanContext) -> list[Finding]:
        return text_findings_for(self.code, listing, ctx)
