from .base import Finding, ListingFacts, ScanContext, Signal


class ImageMatch(Signal):
    """Listing photos that near-duplicate a brand's reference images (resized,
    recompressed, cropped, colour-shifted or mirrored copies)."""

    code = "image_match"

    def evaluate(self, listing: ListingFacts, ctx: ScanContext) -> list[Finding]:
        findings = []
        for brand_id, hit in listing.image_hits.items():
            brand = ctx.brands[brand_id]
            if brand.authorises(listing.shop_external_id):
                continue  # official photos in an authorised shop
            what = "logo" if hit.kind == "logo" else "product photo"
            weight = 0.75 if hit.distance <= 4 else 0.6
            findings.append(
                Finding(
                    self.code,
                    brand_id,
                    weight,
                    f"A listing photo matches {brand.name}'s reference {what} "
                    f"({1 - hit.distance / 64:.0%} similar)",
                    {"reference_image": hit.reference_id, "distance": hit.distance},
                )
            )
        return findings
