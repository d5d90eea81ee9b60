from .base import Finding, ListingFacts, ScanContext, Signal


class HazeTermSignal(Signal):
    """ "Same style", "replica", "1:1", "同款" … beside a brand's name, or a
    tell-tale keyword the brand itself declared."""

    code = "haze_term"

    def evaluate(self, listing: ListingFacts, ctx: ScanContext) -> list[Finding]:
        findings = []
        text = f"{listing.title}\n{listing.description}".casefold()
        for brand_id, names in listing.mentions.items():
            brand = ctx.brands[brand_id]
            if listing.shop_external_id in brand.authorised_shops:
                continue
            own = [k for k in brand.keywords if k.casefold() in text]
            if listing.haze:
                findings.append(
                    Finding(
                        self.code,
                        brand_id,
                        0.6,
                        f'"{listing.haze[0]}" next to the brand name "{names[0]}"',
                        {"terms": listing.haze},
                    )
                )
            if own:
                findings.append(
                    Finding(
                        self.code,
                        brand_id,
                        0.6,
                        f'The brand\'s declared fake characteristic "{own[0]}" appears',
                        {"characteristics": own},
                    )
                )
        return findings
