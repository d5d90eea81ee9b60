from .base import Finding, ListingFacts, ScanContext, Signal

# Hamming radius on 64-bit perceptual hashes: near-duplicates after resizing,
# recompression and colour shifts stay well within it.
MATCH_RADIUS = 10


class ImageMatch(Signal):
    """Listing photos that near-duplicate a brand's reference images."""

    code = "image_match"

    def evaluate(self, listing: ListingFacts, ctx: ScanContext) -> list[Finding]:
        hashes = [h for image in listing.fingerprints for h in image]
        if not hashes or len(ctx.reference_index) == 0:
            return []
        best: dict[int, tuple[int, int, str]] = {}  # brand -> (distance, ref id, kind)
        for matches in ctx.reference_index.query_many(hashes, MATCH_RADIUS):
            for ref_id, distance in zip(
                matches.ids.tolist(), matches.distances.tolist(), strict=True
            ):
                brand_id, kind = ctx.reference_brand[ref_id]
                if brand_id not in best or distance < best[brand_id][0]:
                    best[brand_id] = (distance, ref_id, kind)
        findings = []
        for brand_id, (distance, ref_id, kind) in best.items():
            brand = ctx.brands[brand_id]
            if listing.shop_external_id in brand.authorised_shops:
                continue  # official photos in an authorised shop
            similarity = 1 - distance / 64
            weight = 0.75 if distance <= 4 else 0.6
            what = "logo" if kind == "logo" else "product photo"
            findings.append(
                Finding(
                    self.code,
                    brand_id,
                    weight,
                    f"A listing photo matches {brand.name}'s reference {what} "
                    f"({similarity:.0%} similar)",
                    {"reference_image": ref_id, "distance": distance},
                )
            )
        return findings
