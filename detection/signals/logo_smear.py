import logging

from django.core.files.storage import default_storage
from PIL import Image

from detection.engine.image_signals import detect_logo_smear

from .base import Finding, ListingFacts, ScanContext, Signal

log = logging.getLogger(__name__)

# The check costs ~0.1 s per (photo, logo): only the first photos, and only
# for brands the listing already names, imitates or shows.
MAX_PHOTOS = 2
MAX_LOGOS = 2


class LogoSmear(Signal):
    """A brand's logo is there at coarse scale but deliberately blurred,
    mosaicked or covered: hiding it from image matching while selling on it."""

    code = "logo_smear"

    def evaluate(self, listing: ListingFacts, ctx: ScanContext) -> list[Finding]:
        candidates = [
            b
            for b in listing.implicated_brands
            if ctx.brands[b].logo_ids and not ctx.brands[b].authorises(listing.shop_external_id)
        ]
        if not candidates or not listing.image_files:
            return []
        findings = []
        for path in listing.image_files[:MAX_PHOTOS]:
            try:
                with default_storage.open(path, "rb") as fh, Image.open(fh) as img:
                    photo = img.convert("RGB")
            except (OSError, ValueError):
                log.warning("cannot open listing photo %s for the logo check", path)
                continue
            for brand_id in candidates:
                if any(f.brand_id == brand_id for f in findings):
                    continue
                for ref_id in ctx.brands[brand_id].logo_ids[:MAX_LOGOS]:
                    result = detect_logo_smear(photo, ctx.logo_loader(ref_id))
                    if result.smeared:
                        findings.append(
                            Finding(
                                self.code,
                                brand_id,
                                round(0.5 + 0.4 * result.score, 3),
                                f"{ctx.brands[brand_id].name}'s logo appears {result.kind}: "
                                f"{result.detail}",
                                {"reference_image": ref_id, "kind": result.kind},
                            )
                        )
                        break
        return findings
