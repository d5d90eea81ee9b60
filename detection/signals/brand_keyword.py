from .base import Finding, ListingFacts, ScanContext, Signal

# Accessory wording: naming a brand to say what a product fits is fair use.
COMPATIBILITY_WORDS = ("compatible with", "for use with", "fits ", "适用于", "适配")


class BrandKeyword(Signal):
    """A protected name or alias in the title or description, from a shop the
    brand has not authorised. Weak alone: resellers and accessories name
    brands too; it matters in combination with other signals."""

    code = "brand_keyword"

    def evaluate(self, listing: ListingFacts, ctx: ScanContext) -> list[Finding]:
        text = f"{listing.title}\n{listing.description}".casefold()
        accessory = any(w in text for w in COMPATIBILITY_WORDS)
        findings = []
        for brand_id, names in listing.mentions.items():
            brand = ctx.brands[brand_id]
            if listing.shop_external_id in brand.authorised_shops:
                continue
            weight = 0.1 if accessory else 0.35
            detail = (
                f'Names "{names[0]}" ({brand.name}) and the shop is not authorised by the brand'
            )
            if accessory:
                detail += "; worded as a compatible accessory"
            findings.append(Finding(self.code, brand_id, weight, detail, {"terms": names}))
        return findings
