import hashlib
import logging
from functools import lru_cache

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from PIL import Image

from detection.engine.image_signals import detect_logo_smear

from .base import Finding, ListingFacts, ScanContext, Signal

log = logging.getLogger(__name__)

# The check costs 0.01-0.1 s of CPU per (photo, logo): only the first photos, and only
# for brands the listing already names, imitates or shows.
MAX_PHOTOS = 2
MAX_LOGOS = 2
# Stored photos and reference images never change under their name (a new
# upload gets a new file), so a verdict holds until the check itself changes:
# sweeps then pay for the pairs they have not seen. A photo is known by the
# SHA-256 of the upload when there is one: sellers post the same photo on many
# listings (colours, sizes, relistings), and intake stores the same upload the
# same way, so one check serves them all. Bump on any change to
# detect_logo_smear, its thresholds or how intake re-encodes photos.
CHECK_VERSION = 6
CACHE_SECONDS = 60 * 60 * 24 * 30


@lru_cache(maxsize=1)
def _database_identity() -> str:
    """This database's OID and name: a database dropped and made again (a demo
    reset) numbers its references from 1 again and must not read old verdicts."""
    with connection.cursor() as cur:
        cur.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
        (oid,) = cur.fetchone()
    return f"{oid}:{connection.settings_dict['NAME']}"


def _verdict_key(path: str, upload_sha256: str, ref_id: int) -> str:
    photo = f"sha256:{upload_sha256}" if upload_sha256 else f"file:{path}"
    where = f"{_database_identity()}:{ref_id}:{photo}"
    key = hashlib.sha1(where.encode(), usedforsecurity=False).hexdigest()
    return f"logo-smear:v{CHECK_VERSION}:{key}"


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
        # Facts built without digests know their photos by file alone.
        digests = listing.image_digests or [""] * len(listing.image_files)
        photos_checked = zip(listing.image_files[:MAX_PHOTOS], digests[:MAX_PHOTOS], strict=True)
        pairs = [
            (path, _verdict_key(path, digest, ref_id), brand_id, ref_id)
            for path, digest in photos_checked
            for brand_id in candidates
            for ref_id in ctx.brands[brand_id].logo_ids[:MAX_LOGOS]
        ]
        verdicts = cache.get_many([key for _, key, _, _ in pairs])
        findings: list[Finding] = []
        fresh: dict[str, tuple | bool] = {}
        photos: dict[str, Image.Image | None] = {}
        for path, key, brand_id, ref_id in pairs:
            if any(f.brand_id == brand_id for f in findings):
                continue
            if key in verdicts:
                verdict = verdicts[key]
            elif key in fresh:  # the same photo twice on this listing
                verdict = fresh[key]
            else:
                if path not in photos:
                    photos[path] = self._open(path)
                if photos[path] is None:
                    continue
                result = detect_logo_smear(photos[path], ctx.logo_loader(ref_id))
                verdict = (result.kind, result.score, result.detail) if result.smeared else False
                fresh[key] = verdict
            if verdict:
                kind, score, detail = verdict
                findings.append(
                    Finding(
                        self.code,
                        brand_id,
                        round(0.5 + 0.4 * score, 3),
                        f"{ctx.brands[brand_id].name}'s logo appears {kind}: {detail}",
                        {"reference_image": ref_id, "kind": kind},
                    )
                )
        if fresh:
            cache.set_many(fresh, CACHE_SECONDS)
        return findings

    @staticmethod
    def _open(path: str) -> Image.Image | None:
        try:
            with default_storage.open(path, "rb") as fh, Image.open(fh) as img:
                return img.convert("RGB")
        except (OSError, ValueError):
            log.warning("cannot open listing photo %s for the logo check", path)
            return None
