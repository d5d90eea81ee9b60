from ._text import text_findings_for
from .base import Finding, ListingFacts, ScanContext, Signal

# A mention alone is weak evidence (resellers and accessories name brands too):
# a title mention scores 0.3, below the suspect threshold on its own.
SCALE = 0.6


class BrandKeyword(Signal):
    """A protected name or alias in the title or description, from a shop the
    brand has not authorised. "Compatible with …" accessory wording is weak."""

    code = "brand_keyword"

    def evaluate(self, listing: ListingFacts, ctx: ScanContext) -> list[Finding]:
        return text_findings_for(self.code, listing, ctx, scale=SCALE)
