from ._text import text_findings_for
from .base import Finding, ListingFacts, ScanContext, Signal

DECLARED_KEYWORD_WEIGHT = 0.6


class HazeTermSignal(Signal):
    """ "Same style", "replica", "1:1", "同款" … beside a brand's name; and a
    tell-tale keyword the brand itself declared, in a listing that names,
    imitates or shows the brand."""

    code = "haze_term"

    def evaluate(self, listing: ListingFacts, ctx: ScanContext) -> list[Finding]:
        findings = text_findings_for(self.code, listing, ctx)
        implicated = listing.implicated_brands
        if not implicated:
            return findings
        text = f"{listing.title}\n{listing.description}"
        declared: dict[int, list[str]] = {}
        for match in ctx.keywords.find(text):
            if match.brand_id in implicated and match.term not in declared.get(match.brand_id, []):
                declared.setdefault(match.brand_id, []).append(match.term)
        for brand_id, terms in declared.items():
            if ctx.brands[brand_id].authorises(listing.shop_external_id):
                continue
            findings.append(
                Finding(
                    self.code,
                    brand_id,
                    DECLARED_KEYWORD_WEIGHT,
                    f'The brand\'s declared fake characteristic "{terms[0]}" appears',
                    {"characteristics": terms},
                )
            )
        return findings
