from decimal import Decimal

from .base import Finding, ListingFacts, ScanContext, Signal

# Below this share of MSRP, no genuine new item sells.
MSRP_SHARE = Decimal("0.3")


class PriceAnomaly(Signal):
    """A price far below the named product model's MSRP or the brand's declared
    floor, for a listing that names, imitates or shows the brand."""

    code = "price_anomaly"

    def evaluate(self, listing: ListingFacts, ctx: ScanContext) -> list[Finding]:
        findings = []
        title = listing.title.casefold()
        for brand_id in sorted(listing.implicated_brands):
            brand = ctx.brands[brand_id]
            if brand.authorises(listing.shop_external_id):
                continue
            floor = brand.price_floors.get(listing.currency)
            if floor is not None and listing.price < floor:
                findings.append(
                    Finding(
                        self.code,
                        brand_id,
                        0.5,
                        f"{listing.price} {listing.currency} is below the brand's floor of "
                        f"{floor} {listing.currency}",
                        {"floor": str(floor)},
                    )
                )
                continue
            for name, number, msrp, currency in brand.msrps:
                named = (number and number.casefold() in title) or name.casefold() in title
                if named and currency == listing.currency and listing.price < msrp * MSRP_SHARE:
                    findings.append(
                        Finding(
                            self.code,
                            brand_id,
                            0.5,
                            f"{listing.price} {currency} is {int(listing.price / msrp * 100)}% "
                            f"of the {name} MSRP ({msrp} {currency})",
                            {"msrp": str(msrp), "model": number or name},
                        )
                    )
                    break
        return findings
