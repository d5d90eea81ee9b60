"""Each signal through the real scan, on real images and real-world texts:
what it flags, and the legitimate uses it must leave alone."""

import hashlib
import io

import pytest
from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from detection import pipeline
from detection.engine.synthetic import logo_image, photo_like
from marketplace.models import ImageStatus, ListingImage
from rightsholders import services
from tests.factories import BrandFactory, ListingFactory, ShopFactory

pytestmark = pytest.mark.django_db


def jpeg(img: Image.Image, quality=85) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def with_photo(listing, img: Image.Image):
    """Attach a photo the way intake stores it: re-encoded file, the upload's
    SHA-256, fingerprints."""
    data = jpeg(img)
    stored = ListingImage(
        listing=listing,
        position=0,
        status=ImageStatus.READY,
        source_sha256=hashlib.sha256(data).hexdigest(),
    )
    stored.image.save(f"t-{listing.pk}.jpg", ContentFile(data), save=False)
    stored.fingerprints, stored.fingerprint_thumbs = pipeline.fingerprint_image(img)
    stored.save()
    return listing


def scan(*listings):
    from marketplace.models import Listing

    fresh = list(
        Listing.objects.filter(pk__in=[x.pk for x in listings])
        .select_related("shop")
        .prefetch_related("images")
    )
    out = pipeline.scan_batch(fresh)
    return [out[x.pk] for x in listings]


def codes(outcome, brand):
    result = outcome.brands.get(brand.pk)
    return {s["code"] for s in result.signals} if result else set()


@pytest.fixture
def brands(alice, alice_org):
    made = {}
    for name, aliases in [
        ("Adidas", ["阿迪达斯"]),
        ("Nike", ["耐克"]),
        ("Gucci", ["古驰"]),
        ("Apple", []),
        ("Puma", []),
    ]:
        made[name] = services.brand_create(
            user=alice, organisation=alice_org, name=name, aliases=aliases
        )
    return made


def add_reference(alice, brand, img, kind="product"):
    ref = services.reference_image_add(user=alice, brand=brand, content=jpeg(img, 92), kind=kind)
    pipeline.refresh_reference_fingerprints(brand_id=brand.pk)
    return ref


@pytest.mark.parametrize(
    ("title", "brand", "code"),
    [
        ("Adidos running shoes", "Adidas", "lookalike_name"),
        ("Nlke air max 90", "Nike", "lookalike_name"),
        ("N1ke trainers", "Nike", "lookalike_name"),
        ("Аdidas superstar (Cyrillic А)", "Adidas", "lookalike_name"),
        ("Gucii marmont bag", "Gucci", "lookalike_name"),
        ("Nike same style sneakers", "Nike", "haze_term"),
        ("耐克同款运动鞋", "Nike", "haze_term"),
        ("dupe of Gucci bag", "Gucci", "haze_term"),
        ("Gucci 1:1 replica belt", "Gucci", "haze_term"),
        ("N.i.k.e hoodie", "Nike", "brand_keyword"),
        ("Nike Adidas Gucci Puma sneakers hot sale", "Adidas", "brand_stacking"),
    ],
)
def test_text_signals_flag_knockoffs(brands, title, brand, code):
    (outcome,) = scan(ListingFactory(title=title))
    assert code in codes(outcome, brands[brand]), outcome.brands


@pytest.mark.parametrize(
    "title",
    [
        "Fresh apple and pineapple fruit box",
        "Puma plush toy, big cat, 30 cm",
        "Phone case compatible with Apple iPhone 15",
        "Replacement laces for Nike sneakers",
        "I like this bike, nice and light",
        "Second-hand Adidas jacket, worn twice, honest description",
    ],
)
def test_legitimate_uses_are_not_suspects(brands, title):
    (outcome,) = scan(ListingFactory(title=title))
    assert outcome.score < 0.5, (title, outcome.signals)
    assert not any(s["code"] in {"lookalike_name", "haze_term"} for s in outcome.signals)


def test_image_match_survives_a_counterfeiters_edits(alice, brands):
    original = photo_like(21, (900, 900))
    add_reference(alice, brands["Adidas"], original)
    edited = original.crop((60, 50, 860, 860)).resize((640, 640))
    edited = ImageEnhance.Color(edited).enhance(1.25)
    edited = Image.open(io.BytesIO(jpeg(edited, 60)))
    copy = with_photo(ListingFactory(title="Sports shoes"), edited)
    unrelated = with_photo(ListingFactory(title="Sports shoes"), photo_like(99, (900, 900)))
    got, other = scan(copy, unrelated)
    assert "image_match" in codes(got, brands["Adidas"])
    assert other.brands == {}


def test_official_photos_in_an_authorised_shop_are_not_flagged(alice, brands):
    original = photo_like(22, (900, 900))
    add_reference(alice, brands["Adidas"], original)
    services.authorised_shop_add(user=alice, brand=brands["Adidas"], shop_external_id="OFFICIAL")
    listing = with_photo(
        ListingFactory(title="Adidas Superstar", shop=ShopFactory(external_id="OFFICIAL")),
        original,
    )
    (outcome,) = scan(listing)
    assert outcome.brands == {}


def test_a_smeared_logo_is_flagged_and_a_clean_one_is_not(alice, brands):
    logo = logo_image(3, 400, "ADIDAS")
    add_reference(alice, brands["Adidas"], logo, kind="logo")

    def scene(smear):
        img = photo_like(5, (800, 700), noise=3)
        img.paste(logo.resize((300, 300)), (120, 160))
        if smear:
            region = img.crop((120, 160, 420, 460)).filter(ImageFilter.GaussianBlur(10))
            img.paste(region, (120, 160))
        return Image.open(io.BytesIO(jpeg(img)))

    smeared = with_photo(ListingFactory(title="Adidas style trainers"), scene(True))
    clean = with_photo(ListingFactory(title="Adidas style trainers"), scene(False))
    got_smeared, got_clean = scan(smeared, clean)
    assert "logo_smear" in codes(got_smeared, brands["Adidas"])
    assert "logo_smear" not in codes(got_clean, brands["Adidas"])


def test_a_rescan_keeps_the_logo_verdict_without_redoing_the_check(alice, brands):
    """Sweeps rescan the whole catalogue: the costly logo check is done once
    per (photo, logo) and its verdict reused, even when the photo file is gone."""
    logo = logo_image(3, 400, "ADIDAS")
    add_reference(alice, brands["Adidas"], logo, kind="logo")
    img = photo_like(5, (800, 700), noise=3)
    img.paste(logo.resize((300, 300)), (120, 160))
    img.paste(img.crop((120, 160, 420, 460)).filter(ImageFilter.GaussianBlur(10)), (120, 160))
    listing = with_photo(
        ListingFactory(title="Adidas style trainers"), Image.open(io.BytesIO(jpeg(img)))
    )
    (first,) = scan(listing)
    assert "logo_smear" in codes(first, brands["Adidas"])
    stored = listing.images.get()
    stored.image.storage.delete(stored.image.name)
    (again,) = scan(listing)
    assert codes(again, brands["Adidas"]) == codes(first, brands["Adidas"])


def test_the_same_photo_on_other_listings_is_judged_once(alice, brands):
    """Sellers post one photo on many listings (colours, sizes, relistings): the
    logo verdict for an upload serves every listing that carries it, while
    another upload still gets a check of its own."""
    logo = logo_image(3, 400, "ADIDAS")
    add_reference(alice, brands["Adidas"], logo, kind="logo")
    img = photo_like(5, (800, 700), noise=3)
    img.paste(logo.resize((300, 300)), (120, 160))
    img.paste(img.crop((120, 160, 420, 460)).filter(ImageFilter.GaussianBlur(10)), (120, 160))
    photo = Image.open(io.BytesIO(jpeg(img)))
    first = with_photo(ListingFactory(title="Adidas style trainers"), photo)
    (got,) = scan(first)
    assert "logo_smear" in codes(got, brands["Adidas"])

    relisted = with_photo(ListingFactory(title="Adidas style trainers, black"), photo)
    other_upload = with_photo(
        ListingFactory(title="Adidas style trainers, white"), photo.rotate(180)
    )
    for listing in (relisted, other_upload):  # no file left to check
        stored = listing.images.get()
        stored.image.storage.delete(stored.image.name)
    got_relisted, got_other = scan(relisted, other_upload)
    assert "logo_smear" in codes(got_relisted, brands["Adidas"])
    assert "logo_smear" not in codes(got_other, brands["Adidas"])


@pytest.mark.parametrize("cover", [(255, 255, 255), (255, 220, 0), (20, 20, 20)])
def test_a_logo_under_a_sticker_of_any_colour_is_flagged(alice, brands, cover):
    """White, bright and dark covers over the brand's logo; the same cover over
    another brand's logo, and a price sticker on a plain product photo, are not."""
    logo = logo_image(3, 400, "ADIDAS")
    add_reference(alice, brands["Adidas"], logo, kind="logo")

    def scene(shown, covered=True):
        img = photo_like(5, (800, 700), noise=3)
        if shown is not None:
            img.paste(shown.resize((300, 300)), (120, 160))
        if covered:  # a round sticker over the emblem, or over the product
            ImageDraw.Draw(img).ellipse((186, 184, 354, 346), fill=cover)
        return Image.open(io.BytesIO(jpeg(img)))

    title = "Adidas style trainers"
    covered = with_photo(ListingFactory(title=title), scene(logo))
    uncovered = with_photo(ListingFactory(title=title), scene(logo, covered=False))
    other = with_photo(ListingFactory(title=title), scene(logo_image(40, 400, "ZEPHYR")))
    plain = with_photo(ListingFactory(title=title), scene(None))
    got = scan(covered, uncovered, other, plain)
    assert ["logo_smear" in codes(x, brands["Adidas"]) for x in got] == [True, False, False, False]
    smear = next(s for s in got[0].brands[brands["Adidas"].pk].signals if s["code"] == "logo_smear")
    assert "covers" in smear["detail"]


def test_price_anomaly_against_msrp_and_floor(alice, brands):
    adidas = brands["Adidas"]
    services.product_model_add(
        user=alice, brand=adidas, name="Superstar", model_number="EG4958", msrp=899, currency="CNY"
    )
    services.fake_characteristic_add(
        user=alice, brand=adidas, kind="price_floor", value="150", currency="USD"
    )
    cheap = ListingFactory(title="Adidas Superstar EG4958", price="99.00", currency="CNY")
    fair = ListingFactory(title="Adidas Superstar EG4958", price="799.00", currency="CNY")
    floor = ListingFactory(title="Adidas Samba", price="40.00", currency="USD")
    a, b, c = scan(cheap, fair, floor)
    assert "price_anomaly" in codes(a, adidas) and "11%" in str(a.brands[adidas.pk].signals)
    assert "price_anomaly" not in codes(b, adidas)
    assert "price_anomaly" in codes(c, adidas)


def test_a_brands_declared_keyword_raises_haze_term(alice, brands):
    services.fake_characteristic_add(
        user=alice, brand=brands["Nike"], kind="keyword", value="factory leftover"
    )
    (outcome,) = scan(ListingFactory(title="Nike Air factory leftover stock"))
    haze = [s for s in outcome.brands[brands["Nike"].pk].signals if s["code"] == "haze_term"]
    assert haze and "factory leftover" in haze[0]["detail"]


def test_every_signal_detail_reads_as_a_sentence(brands):
    (outcome,) = scan(ListingFactory(title="Adidos 1:1 replica with Nike Gucci Puma logos"))
    for result in outcome.brands.values():
        for signal in result.signals:
            assert len(signal["detail"]) > 15 and 0 < signal["weight"] <= 1


def test_a_listing_is_suspected_only_for_the_brand_it_imitates(brands, bob_org):
    zephyrine = BrandFactory(organisation=bob_org, name="Zephyrine")
    (outcome,) = scan(ListingFactory(title="Zephyrine replica scarf"))
    assert set(outcome.brands) == {zephyrine.pk}


def test_a_price_floor_does_not_catch_ordinary_words_or_accessories(alice, brands):
    for name in ("Apple", "Puma", "Nike"):
        services.fake_characteristic_add(
            user=alice, brand=brands[name], kind="price_floor", value="200", currency="CNY"
        )
    fruit = ListingFactory(title="Fresh red apple 5 kg box", price="59.00")
    plush = ListingFactory(title="Puma plush toy, soft big cat", price="89.00")
    case = ListingFactory(title="Shoe bag compatible with Nike sneakers", price="39.00")
    fake = ListingFactory(title="Nike Air Max", price="59.00")
    results = scan(fruit, plush, case, fake)
    assert [r.score >= 0.5 for r in results] == [False, False, False, True]
    assert "price_anomaly" in codes(results[3], brands["Nike"])


def test_the_fruit_in_chinese_is_not_a_cheap_apple(alice, brands):
    """苹果 is both Apple's Chinese name and the fruit: a cheap box of apples is not a
    suspect, a cheap "苹果" phone sold as a replica still is."""
    services.brand_update(user=alice, brand=brands["Apple"], aliases=["苹果"])
    services.fake_characteristic_add(
        user=alice, brand=brands["Apple"], kind="price_floor", value="2000", currency="CNY"
    )
    fruit = ListingFactory(title="烟台红富士苹果 5斤装 新鲜水果", price="39.00")
    fake = ListingFactory(title="苹果15 高仿 手机", price="399.00")
    got_fruit, got_fake = scan(fruit, fake)
    assert got_fruit.score < 0.5
    assert "price_anomaly" not in codes(got_fruit, brands["Apple"])
    assert got_fake.score >= 0.5
    assert {"haze_term", "price_anomaly"} <= codes(got_fake, brands["Apple"])


def _upheld_strikes(brand, alice, seller, n, *, days_ago):
    """``n`` upheld complaints against ``seller``'s listings, as the complaints app
    records them (one strike each), given ``days_ago``."""
    import datetime

    from django.utils import timezone

    from complaints.models import Complaint, ComplaintStatus, Strike
    from tests.complaints.conftest import make_trademark

    trademark = make_trademark(brand, number=f"G{brand.pk}{seller.pk}")
    shop = ShopFactory(seller=seller)
    for _ in range(n):
        complaint = Complaint.objects.create(
            organisation=brand.organisation,
            brand=brand,
            trademark=trademark,
            listing=ListingFactory(shop=shop, title=f"{brand.name} replica"),
            seller=seller,
            kind="counterfeit",
            description="Counterfeit: wrong stitching, fake box.",
            status=ComplaintStatus.UPHELD,
            filed_by=alice,
        )
        Strike.objects.create(seller=seller, complaint=complaint)
    Strike.objects.filter(seller=seller).update(
        created_at=timezone.now() - datetime.timedelta(days=days_ago)
    )


def _repeat_infringer(outcome, brand):
    result = outcome.brands.get(brand.pk)
    found = [s for s in result.signals if s["code"] == "repeat_infringer"] if result else []
    return found[0] if found else None


def test_the_reviewers_repeat_infringer_policy_decides_what_history_counts(alice, brands):
    from complaints import services as complaints_services
    from platform_core.models import Role
    from tests.factories import UserFactory

    reviewer = UserFactory(username="policy-reviewer", role=Role.REVIEWER, is_staff=True)
    adidas = brands["Adidas"]
    listing = ListingFactory(title="Adidas trainers")
    _upheld_strikes(adidas, alice, listing.shop.seller, 2, days_ago=100)

    # The default policy (3 strikes in 180 days): both strikes count, short of suspension.
    (outcome,) = scan(listing)
    signal = _repeat_infringer(outcome, adidas)
    assert signal is not None
    assert "2 upheld complaints within 180 days" in signal["detail"]
    assert signal["weight"] == pytest.approx(0.3)
    with_history = outcome.score

    # A reviewer shortens the window: strikes from 100 days ago no longer count.
    complaints_services.enforcement_policy_update(user=reviewer, repeat_infringer_window_days=90)
    (outcome,) = scan(listing)
    assert _repeat_infringer(outcome, adidas) is None
    assert outcome.score < with_history

    # A longer window and a lower suspension threshold: two strikes are now the most
    # a seller can have before suspension, and weigh the most.
    complaints_services.enforcement_policy_update(
        user=reviewer, repeat_infringer_window_days=365, repeat_infringer_strikes=2
    )
    (outcome,) = scan(listing)
    signal = _repeat_infringer(outcome, adidas)
    assert "within 365 days (2 suspend the seller)" in signal["detail"]
    assert signal["weight"] == pytest.approx(0.45)
    assert outcome.score > with_history


def test_repeat_infringer_history_alone_never_makes_a_suspect(alice, brands):
    """A seller's record strengthens evidence about a brand; a listing that names no
    brand gets nothing from it."""
    listing = ListingFactory(title="Leather tote bag")
    _upheld_strikes(brands["Nike"], alice, listing.shop.seller, 5, days_ago=1)
    (outcome,) = scan(listing)
    assert outcome.score == 0 and outcome.signals == []
