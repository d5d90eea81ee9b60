"""Shared by the text signals: the engine's findings of one code, per brand,
with the brand's authorised shops exempted."""

from .base import Finding, ListingFacts, ScanContext


def text_findings_for(
    code: str, listing: ListingFacts, ctx: ScanContext, *, scale: float = 1.0
) -> list[Finding]:
    findings = []
    for tf in listing.text_findings:
        if tf.code != code:
            continue
        for brand_id in tf.brand_ids:
            brand = ctx.brands.get(brand_id)
            if brand is None or brand.authorises(listing.shop_external_id):
                continue
            spans = [[s.field, s.start, s.end] for s in tf.spans]
            findings.append(
                Finding(code, brand_id, round(tf.weight * scale, 3), tf.detail, {"spans": spans})
            )
    return findings
