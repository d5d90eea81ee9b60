from decimal import Decimal

from detection.engine.text_signals import english_words

from .base import Finding, ListingFacts, ScanContext, Signal

# Below this share of MSRP, no genuine new item sells.
MSRP_SHARE = Decimal("0.3")
# Engine weight of a brand named in the title outside accessory wording.
TITLE_MENTION = 0.5
# Everyday Chinese words that are also brands' Chinese names (the fruit 苹果 is sold
# far more often than the phones): like English words, they alone do not make a
# listing sell itself as the brand.
ORDINARY_CJK_WORDS = frozenset(
    {
        "苹果",
        "小米",
        "大众",
        "长城",
        "熊猫",
        "鳄鱼",
        "骆驼",
        "海鸥",
        "凤凰",
        "蝴蝶",
        "天鹅",
        "老虎",
        "狮子",
        "金鱼",
        "猎豹",
        "美的",
    }
)


def brands_offered(listing: ListingFacts) -> set[int]:
    """Brands the listing sells itself as, not merely mentions: shown in its
    photos, imitated, hazed, or named in the title — unless the name is an
    ordinary word ("apple", "puma", "苹果") or names what an accessory fits. A
    cheap apple is not a cheap Apple."""
    offered = set(listing.image_hits)
    words = english_words()
    for tf in listing.text_findings:
        if tf.code in ("lookalike_name", "haze_term"):
            offered |= set(tf.brand_ids)
        elif tf.code == "brand_keyword" and tf.weight >= TITLE_MENTION:
            named = [
                listing.title[s.start : s.end].casefold() for s in tf.spans if s.field == "title"
            ]
            if any(n not in words and n not in ORDINARY_CJK_WORDS for n in named):
                offered |= set(tf.brand_ids)
    return offered


class PriceAnomaly(Signal):
    """A price far below the named product model's MSRP or the brand's declared
    floor, for a listing that sells itself as the brand (see ``brands_offered``)."""

    code = "price_anomaly"

    def evaluate(self, listing: ListingFacts, ctx: ScanContext) -> list[Finding]:
        findings = []
        title = listing.title.casefold()
        for brand_id in sorted(brands_offered(listing)):
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
