"""Image intake cleans photos without re-encoding when it can: metadata goes,
the picture stays bit for bit, and broken files are still refused. Scans stay
batched: one learned-model call per chunk."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image
from PIL.ExifTags import Base

from detection import pipeline
from marketplace.models import ImageStatus, ListingImage
from marketplace.services import listing_images_intake
from platform_core.images import ImageRejected, intake_image, strip_jpeg_metadata
from rightsholders.models import ReferenceImage

from .factories import ListingFactory
from .images import jpeg_bytes, photo, png_bytes, truncated_jpeg


def camera_jpeg(*, orientation: int = 1, progressive: bool = False, size=(640, 480)) -> bytes:
    """A JPEG as phones send it: EXIF with GPS and the owner's name, an ICC
    profile and a comment."""
    exif = Image.Exif()
    exif[Base.Model] = "Secret Phone"
    exif[Base.Artist] = "seller's full name"
    exif[Base.Orientation] = orientation
    exif[Base.GPSInfo] = {2: (31.0, 14.0, 2.0), 4: (121.0, 28.0, 0.0)}
    icc = b"\0\0\0\0ICC-PROFILE-OF-A-CAMERA" * 4
    out = io.BytesIO()
    photo(3, size).save(
        out,
        "JPEG",
        quality=85,
        exif=exif.tobytes(),
        icc_profile=icc,
        comment=b"shot at home, 12 Example Road",
        progressive=progressive,
    )
    return out.getvalue()


def pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as img:
        return np.asarray(img.convert("RGB"))


@pytest.mark.parametrize("progressive", [False, True])
def test_a_camera_jpeg_is_stored_without_metadata_and_without_loss(progressive):
    original = camera_jpeg(progressive=progressive)
    clean = intake_image(original)

    assert not clean.reencoded, "an upright JPEG keeps its own compressed data"
    assert (clean.extension, clean.width, clean.height) == ("jpg", 640, 480)
    with Image.open(io.BytesIO(clean.content)) as stored:
        assert not stored.getexif()
        assert "icc_profile" not in stored.info and "comment" not in stored.info
    for secret in (b"Secret Phone", b"full name", b"ICC-PROFILE", b"Example Road"):
        assert secret not in clean.content
    assert np.array_equal(pixels(clean.content), pixels(original)), "the picture is unchanged"
    with Image.open(io.BytesIO(clean.thumbnail)) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) == 320


def test_a_rotated_photo_is_turned_upright_and_re_encoded():
    clean = intake_image(camera_jpeg(orientation=6))  # "rotate 90° clockwise to view"
    assert clean.reencoded
    assert (clean.width, clean.height) == (480, 640)
    with Image.open(io.BytesIO(clean.content)) as stored:
        assert stored.size == (480, 640) and not stored.getexif()
    assert b"Secret Phone" not in clean.content


def test_oversized_photos_and_pngs_are_still_re_encoded():
    big = intake_image(jpeg_bytes(1, size=(2400, 1800)))
    assert big.reencoded and max(big.width, big.height) == 1600
    png = intake_image(png_bytes(1))
    assert png.reencoded and png.extension == "jpg" and (png.width, png.height) == (320, 240)


def test_a_truncated_jpeg_is_refused_with_a_clear_error():
    with pytest.raises(ImageRejected) as refused:
        intake_image(truncated_jpeg(4))
    assert refused.value.code == "image_truncated"
    assert refused.value.message == "The image file is truncated or corrupt."


def test_a_jpeg_cut_inside_its_headers_is_refused_even_with_an_end_marker():
    data = jpeg_bytes(5)
    with pytest.raises(ImageRejected) as refused:
        intake_image(data[:200] + b"\xff\xd9")  # half a header, then "end of image"
    assert refused.value.code == "not_an_image"
    assert "not a JPEG, PNG or WebP" in refused.value.message


def test_bytes_hidden_after_the_image_or_in_segments_are_not_kept():
    original = camera_jpeg()
    stripped = strip_jpeg_metadata(original + b"<script>alert(1)</script>")
    assert stripped.endswith(b"\xff\xd9") and b"<script>" not in stripped
    assert np.array_equal(pixels(stripped), pixels(original))


def test_listing_and_reference_fingerprints_of_one_picture_agree(adidas):
    """Both sides hash the stored file decoded the same way, so the same
    picture gives the same hashes whether a brand or a seller uploaded it."""
    stored = intake_image(camera_jpeg()).content
    listing_hashes, _ = pipeline.fingerprint_image(intake_image(stored).preview, role="listing")

    brand = adidas
    ref = ReferenceImage(brand=brand, kind="product")
    ref.image.save("fp-ref.jpg", ContentFile(stored), save=False)
    ref.width, ref.height = 640, 480
    ref.save()
    pipeline.refresh_reference_fingerprints(brand_id=brand.pk)
    ref.refresh_from_db()
    assert ref.fingerprints[0] == listing_hashes[0], "the full-picture hashes are equal"


def test_a_chunk_is_taken_in_with_good_images_ready_and_broken_ones_failed(db):
    listing = ListingFactory()
    good = default_storage.save("incoming/test/good", ContentFile(camera_jpeg()))
    broken = default_storage.save("incoming/test/broken", ContentFile(truncated_jpeg(6)))
    ListingImage.objects.bulk_create(
        [
            ListingImage(listing=listing, position=0, staged=good, source_sha256="a" * 64),
            ListingImage(listing=listing, position=1, staged=broken, source_sha256="b" * 64),
            ListingImage(listing=listing, position=2, staged="incoming/test/gone"),
        ]
    )

    counts = listing_images_intake(listing_ids=[listing.pk], fingerprint=pipeline.fingerprint_image)

    assert counts == {"ready": 1, "failed": 2}
    ready, truncated, lost = ListingImage.objects.filter(listing=listing).order_by("position")
    assert ready.status == ImageStatus.READY and len(ready.fingerprints) == 4
    assert (ready.width, ready.height) == (640, 480)
    with ready.image.open("rb") as fh:
        content = fh.read()
    assert b"Secret Phone" not in content and pixels(content).shape == (480, 640, 3)
    assert ready.thumbnail.name
    assert truncated.status == ImageStatus.FAILED
    assert truncated.error == "The image file is truncated or corrupt."
    assert not truncated.image.name and truncated.fingerprints == []
    assert lost.status == ImageStatus.FAILED and "lost" in lost.error

    # Redelivered: nothing pending, nothing redone.
    assert listing_images_intake(listing_ids=[listing.pk]) == {"ready": 0, "failed": 0}


def test_a_sweep_chunk_asks_the_learned_model_once(adidas):
    """The learned score is batched: one predict_proba call for a whole chunk,
    however many listings in it name the brand."""
    from detection import learning, services

    from .test_learning import label

    label(adidas, 12)
    learning.train(min_per_class=10)
    listings = [ListingFactory(title=f"Adidas {n} replica sneaker 1:1 AAA") for n in range(30)]
    model = pipeline.context().model
    calls = []
    original = model.predict_proba
    model.predict_proba = lambda X: calls.append(X.shape[0]) or original(X)
    try:
        result = services.listings_scan(listing_ids=[x.pk for x in listings])
    finally:
        model.predict_proba = original
    assert result["scanned"] == 30
    assert calls == [30], "one call with every (listing, brand) candidate of the chunk"
