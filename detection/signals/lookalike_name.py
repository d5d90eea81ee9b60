from ._text import text_findings_for
from .base import Finding, ListingFacts, ScanContext, Signal


class LookalikeName(Signal):
    """A near-spelling, homoglyph or sound-alike of a protected name ("Adidos",
    "N1ke", Cyrillic "Аdidas") that is not the name itself nor an ordinary word."""

    code = "lookalike_name"

    def evaluate(self, listing: ListingFacts, ctx: ScanContext) -> list[Finding]:
        return text_findings_for(self.code, listing, ctx)
