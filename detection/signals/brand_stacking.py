from .base import Finding, ListingFacts, ScanContext, Signal

STACKING_MIN_BRANDS = 3


class BrandStacking(Signal):
    """Several brands' names piled into one title to drain search traffic."""

    code = "brand_stacking"

    def evaluate(self, listing: ListingFacts, ctx: ScanContext) -> list[Finding]:
        in_title = ctx.matcher.find(listing.title)
        if len(in_title) < STACKING_MIN_BRANDS:
            return []
        names = sorted(ctx.brands[b].name for b in in_title)
        detail = f"{len(names)} brands named in one title: {', '.join(names)}"
        return [
            Finding(self.code, b, 0.45, detail, {"brands": names})
            for b in in_title
            if listing.shop_external_id not in ctx.brands[b].authorised_shops
        ]
