"""Detection quality on a labelled set: precision and recall per label and per
signal, through the real scan (database, stored fingerprints, every signal).

The set is built here, deterministically: brands with real-world knockoff
spellings, reference logos and product photos, and listings of five labels —

- counterfeit: a brand's product photo re-posted (resized, cropped up to 15%,
  recompressed, colour-shifted, mirrored or bordered), usually with the name
  and often a haze term or a price far below MSRP;
- knockoff: a lookalike name ("Adidos", "Nlke", "Gucii", Cyrillic "Аdidas")
  or "same style / 同款 / dupe" wording, with the listing's own photos, a third
  of them showing the brand's logo under a sticker or box (any colour), blurred
  or mosaicked;
- legitimate: authorised shops selling at normal prices with official photos
  or their own photos with the logo in plain view, accessories "compatible
  with" / "适用于" a brand, honest second-hand descriptions (English and
  Chinese), the fruit "apple" (also "苹果"), a "puma" plush toy or poster;
- unrelated: ordinary goods.

A listing counts as flagged when its score reaches the suspect threshold.
Photos are generated (photo-like scenes and logos), not photographs.

    .venv/bin/python bench/bench_detection_quality.py [--per-label 200]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

parser = argparse.ArgumentParser()
parser.add_argument("--per-label", type=int, default=150)
args = parser.parse_args()

base_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/coguard")
bench_url = base_url.rsplit("/", 1)[0] + "/coguard_bench_quality"
os.environ.update(
    {
        "DATABASE_URL": bench_url,
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "platform_core.settings",
        "CELERY_QUEUE": "coguard-bench-" + uuid.uuid4().hex[:6],  # nothing consumes it
        "MEDIA_ROOT": tempfile.mkdtemp(prefix="coguard-quality-"),
        "DATABASE_POOL": "0",
    }
)
import psycopg  # noqa: E402

with psycopg.connect(base_url, autocommit=True) as conn:
    conn.execute("DROP DATABASE IF EXISTS coguard_bench_quality WITH (FORCE)")
    conn.execute("CREATE DATABASE coguard_bench_quality")

import django  # noqa: E402

django.setup()
from django.core.files.base import ContentFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from PIL import Image, ImageDraw, ImageEnhance, ImageOps  # noqa: E402

from detection import pipeline  # noqa: E402
from detection.engine.synthetic import logo_image, photo_like, smear_logo  # noqa: E402
from detection.services import policy  # noqa: E402
from marketplace.models import ImageStatus, Listing, ListingImage, Seller, Shop  # noqa: E402
from platform_core.models import Role, User  # noqa: E402
from rightsholders import services  # noqa: E402

call_command("migrate", verbosity=0)
rng = random.Random(7)

# Protected brands, with the knockoff spellings seen in the wild.
BRANDS = {
    "Adidas": (["阿迪达斯"], ["Adidos", "Addidas", "Adldas", "Аdidas", "Adibas"], 899),
    "Nike": (["耐克"], ["Nlke", "N1ke", "Nikey", "Nkie", "Niike"], 999),
    "Gucci": (["古驰"], ["Gucii", "Guccl", "Gucci", "Cucci", "Guchi"], 8900),
    "Chanel": (["香奈儿"], ["Chanell", "Chanal", "Cnanel", "Chamel", "Channel"], 6500),
    "Rolex": (["劳力士"], ["Rolax", "Rolexx", "Ro1ex", "Rolix", "Rollex"], 56000),
    "Puma": (["彪马"], ["Pumma", "Pvma", "Puna", "Pumas", "Ponma"], 699),
    "Apple": (["苹果"], ["Appel", "Aple", "Apple", "Appie", "Aplle"], 7999),
    "Louis Vuitton": (
        ["路易威登"],
        ["Louis Vuiton", "Luis Vuitton", "Louis Vitton", "Louis Vuittom", "Lous Vuitton"],
        15000,
    ),
}
PRODUCTS = ["sneakers", "handbag", "watch", "hoodie", "wallet", "belt", "perfume", "backpack"]
HAZE = ["same style", "1:1", "replica", "AAA", "dupe", "同款", "高仿", "mirror quality", "平替"]
UNRELATED = [
    "stainless steel water bottle",
    "bamboo cutting board",
    "LED desk lamp",
    "cotton bath towel set",
    "ceramic coffee mug",
    "yoga mat non slip",
    "kids puzzle 100 pieces",
    "garden hose 15 m",
    "phone stand aluminium",
    "wool winter scarf",
    "rice cooker 3 L",
    "notebook A5 dotted",
]

admin = User.objects.create(username="quality-admin", role=Role.BRAND)
org = services.organisation_create(user=admin, name="Quality Org", country="DE")
brands, refs = {}, defaultdict(list)
for n, (name, (aliases, _, msrp)) in enumerate(BRANDS.items()):
    brand = services.brand_create(user=admin, organisation=org, name=name, aliases=aliases)
    services.product_model_add(
        user=admin,
        brand=brand,
        name=f"{name} Classic",
        model_number=f"MC-{n}",
        msrp=msrp,
        currency="CNY",
    )
    services.authorised_shop_add(user=admin, brand=brand, shop_external_id=f"OFFICIAL-{n}")
    # What brand protection teams declare: no genuine item sells under 30% of MSRP.
    services.fake_characteristic_add(
        user=admin, brand=brand, kind="price_floor", value=str(int(msrp * 0.3)), currency="CNY"
    )
    logo = logo_image(n, 400, name.upper()[:7])
    for kind, img in [("logo", logo)] + [
        ("product", photo_like(100 * n + k, (800, 800))) for k in range(3)
    ]:
        out = io.BytesIO()
        img.save(out, "JPEG", quality=92)
        services.reference_image_add(user=admin, brand=brand, content=out.getvalue(), kind=kind)
        refs[name].append(img)
    pipeline.refresh_reference_fingerprints(brand_id=brand.pk)
    brands[name] = brand

seller = Seller.objects.create(external_id="U-1")
shops = {}


def shop(ext):
    if ext not in shops:
        shops[ext] = Shop.objects.create(external_id=ext, name=ext, seller=seller)
    return shops[ext]


def counterfeit_edit(img: Image.Image) -> Image.Image:
    w, h = img.size
    edit = rng.choice(["resize", "crop", "colour", "mirror", "border", "recompress"])
    if edit == "crop":
        f = rng.uniform(0.05, 0.15)
        img = img.crop((int(w * f), int(h * f * 0.5), w, h))
    elif edit == "colour":
        img = ImageEnhance.Color(img).enhance(rng.uniform(0.6, 1.4))
    elif edit == "mirror":
        img = ImageOps.mirror(img)
    elif edit == "border":
        img = ImageOps.expand(img, border=30, fill=(255, 255, 255))
    img = img.resize((rng.randint(500, 760),) * 2)
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=rng.randint(55, 85))
    return Image.open(io.BytesIO(out.getvalue()))


def covered_logo(photo: Image.Image, logo: Image.Image) -> Image.Image:
    photo = photo.copy()
    side = rng.randint(200, 300)
    x, y = rng.randint(20, 600 - side - 20), rng.randint(20, 600 - side - 20)
    region = logo.resize((side, side))
    how = rng.choice(["box", "sticker", "blur", "mosaic"])
    if how in ("blur", "mosaic"):
        region = smear_logo(region, how)
    else:
        colour = rng.choice(
            [(0, 0, 0), (255, 255, 255), (255, 220, 0), (230, 20, 30), (40, 110, 60)]
        )
        box = (side * 0.2, side * 0.1, side * 0.8, side * 0.62)
        draw = ImageDraw.Draw(region)
        (draw.rectangle if how == "box" else draw.ellipse)(box, fill=colour)
    photo.paste(region, (x, y))
    return photo


labelled: list[tuple[Listing, str]] = []
covered_logos: set[int] = set()  # knockoffs whose photo shows the logo covered
counter = Counter()


def make(label, title, price, shop_ext, photo: Image.Image | None):
    counter[label] += 1
    listing = Listing.objects.create(
        external_id=f"{label}-{counter[label]}",
        shop=shop(shop_ext),
        title=title,
        price=price,
        currency="CNY",
        status="active",
    )
    if photo is not None:
        stored = ListingImage(listing=listing, position=0, status=ImageStatus.READY)
        out = io.BytesIO()
        photo.convert("RGB").save(out, "JPEG", quality=85)
        stored.image.save(f"{listing.pk}.jpg", ContentFile(out.getvalue()), save=False)
        stored.fingerprints, stored.fingerprint_thumbs = pipeline.fingerprint_image(photo)
        stored.save()
    labelled.append((listing, label))


names = list(BRANDS)
for i in range(args.per_label):
    name = rng.choice(names)
    _, variants, msrp = BRANDS[name]
    product = rng.choice(PRODUCTS)
    # Counterfeits: the brand's own photo, edited; name and haze or a low price, often.
    photo = counterfeit_edit(rng.choice(refs[name][1:]))
    title = f"{name} {product}" + (f" {rng.choice(HAZE)}" if rng.random() < 0.5 else "")
    if rng.random() < 0.25:
        title = f"{product} new season"  # photo alone carries it
    make("counterfeit", title, round(msrp * rng.uniform(0.05, 0.4), 2), f"S-{i % 40}", photo)
    # Knockoffs: a lookalike name or haze wording, the seller's own photos.
    if rng.random() < 0.6:
        variant = rng.choice([v for v in variants if v != name])
        title = f"{variant} {product} {rng.choice(['new', 'hot sale', '2026', ''])}".strip()
    else:
        title = f"{rng.choice(HAZE)} {name} {product}"
    # A third show the brand's logo on the product, covered by a sticker or box of any
    # colour, blurred or mosaicked (what sellers do to pass a logo check).
    photo = photo_like(5000 + i, (600, 600))
    covered = rng.random() < 0.33
    if covered:
        photo = covered_logo(photo, refs[name][0])
    make("knockoff", title, round(msrp * rng.uniform(0.05, 0.5), 2), f"K-{i % 40}", photo)
    if covered:
        covered_logos.add(labelled[-1][0].pk)
    # Legitimate uses.
    n = names.index(name)
    legit = rng.choice(
        ["official", "official_logo", "accessory", "accessory_cn", "secondhand", "fruit", "plush"]
    )
    if legit == "official":
        make(
            "legitimate",
            f"{name} {product} official",
            round(msrp * rng.uniform(0.85, 1.1), 2),
            f"OFFICIAL-{n}",
            refs[name][1 + i % 3].resize((700, 700)),
        )
    elif legit == "official_logo":  # the authorised shop's own photo, logo in plain view
        photo = photo_like(8000 + i, (600, 600))
        photo.paste(refs[name][0].resize((240, 240)), (rng.randint(20, 330), rng.randint(20, 330)))
        make(
            "legitimate",
            f"{name} {product} {rng.choice(['new season', '2026 collection', '官方旗舰店'])}",
            round(msrp * rng.uniform(0.85, 1.1), 2),
            f"OFFICIAL-{n}",
            photo,
        )
    elif legit == "accessory":
        make(
            "legitimate",
            rng.choice(
                [
                    f"Protective case compatible with {name} {product}",
                    f"Replacement laces for {name} sneakers, 120 cm",
                    f"Cleaning kit suitable for {name} {product}",
                ]
            ),
            rng.choice([19, 29, 39]),
            f"A-{i % 30}",
            photo_like(7000 + i, (600, 600)),
        )
    elif legit == "accessory_cn":  # "suitable for …": marketplace accessory wording
        alias = BRANDS[name][0][0]
        make(
            "legitimate",
            rng.choice([f"适用于{alias}{product}收纳盒", f"{product}保护套 适用于{alias}"]),
            rng.choice([15, 25, 35]),
            f"A-{i % 30}",
            photo_like(7500 + i, (600, 600)),
        )
    elif legit == "secondhand":
        make(
            "legitimate",
            rng.choice(
                [
                    f"Second-hand {name} {product}, used, honest description",
                    f"Pre-owned {name} {product}, signs of wear, receipt included",
                    f"二手 {name} {product} 正品 有使用痕迹",
                ]
            ),
            round(msrp * rng.uniform(0.3, 0.6), 2),
            f"P-{i % 30}",
            None,
        )
    elif legit == "fruit":
        make(
            "legitimate",
            rng.choice(
                [
                    "Fresh red apple 5 kg box, crisp and sweet",
                    "Apple cider vinegar 500 ml, organic",
                    "Green apple scented candle",
                    "烟台红富士苹果 5斤装 新鲜水果",
                ]
            ),
            rng.choice([29, 39, 59]),
            "FRUIT",
            None,
        )
    else:
        make(
            "legitimate",
            rng.choice(
                [
                    "Puma plush toy, soft big cat, 30 cm",
                    "Wildlife poster: puma in the Andes, A2",
                    "Cute puma cub stuffed animal for kids",
                ]
            ),
            rng.choice([49, 89]),
            "TOYS",
            None,
        )
    make(
        "unrelated",
        rng.choice(UNRELATED),
        rng.randint(10, 300),
        f"U-{i % 50}",
        photo_like(9000 + i, (600, 600)) if rng.random() < 0.5 else None,
    )

threshold = policy().suspect_threshold


def scan_all() -> tuple[dict, float]:
    """Every labelled listing through the real scan, in 200-listing batches."""
    outcomes, started = {}, time.process_time()
    for start in range(0, len(labelled), 200):
        chunk = [x for x, _ in labelled[start : start + 200]]
        fresh = list(
            Listing.objects.filter(pk__in=[x.pk for x in chunk])
            .select_related("shop")
            .prefetch_related("images")
        )
        outcomes.update(pipeline.scan_batch(fresh))
    return outcomes, time.process_time() - started


scores, first_cpu = scan_all()
# A sweep rescans what intake scanned: logo verdicts come from the cache.
rescored, again_cpu = scan_all()
assert {k: v.score for k, v in rescored.items()} == {k: v.score for k, v in scores.items()}
by_signal = defaultdict(Counter)

label_stats = defaultdict(Counter)
for listing, label in labelled:
    outcome = scores[listing.pk]
    flagged = outcome.score >= threshold
    label_stats[label]["flagged" if flagged else "clear"] += 1
    for code in {s["code"] for s in outcome.signals}:
        by_signal[code][label] += 1

errors = [
    (label, listing, scores[listing.pk])
    for listing, label in labelled
    if (scores[listing.pk].score >= threshold) != (label in ("counterfeit", "knockoff"))
]

print(f"labelled listings: {len(labelled)}; suspect threshold {threshold}")
print(f"{'label':<12}{'n':>6}{'flagged':>9}{'rate':>8}")
for label in ("counterfeit", "knockoff", "legitimate", "unrelated"):
    st = label_stats[label]
    n = st["flagged"] + st["clear"]
    print(f"{label:<12}{n:>6}{st['flagged']:>9}{st['flagged'] / n:>8.1%}")
bad = {"counterfeit", "knockoff"}
tp = sum(label_stats[x]["flagged"] for x in bad)
fn = sum(label_stats[x]["clear"] for x in bad)
fp = sum(label_stats[x]["flagged"] for x in ("legitimate", "unrelated"))
tn = sum(label_stats[x]["clear"] for x in ("legitimate", "unrelated"))
print(f"recall on counterfeits+knockoffs: {tp / (tp + fn):.3f}")
print(f"precision:                        {tp / (tp + fp):.3f}")
print(
    f"false positives on legitimate:    {label_stats['legitimate']['flagged']}"
    f" / {sum(label_stats['legitimate'].values())}"
    f" ({label_stats['legitimate']['flagged'] / sum(label_stats['legitimate'].values()):.1%})"
)
print(f"false positive rate (legit+unrelated): {fp / (fp + tn):.2%}")
print("\nper label: recall (bad labels) or false-positive rate (good labels)")
for label in ("counterfeit", "knockoff", "legitimate", "unrelated"):
    st = label_stats[label]
    what = "recall" if label in bad else "false positives"
    print(f"  {label:<12}{what:<16}{st['flagged'] / (st['flagged'] + st['clear']):.3f}")
n_bad = tp + fn
print("\nper signal: listings where it fired, by label")
print("  (precision = share of its listings that are bad; recall = share of bad it fires on)")
for code, counts in sorted(by_signal.items()):
    hits = sum(counts.values())
    good = sum(counts[x] for x in bad)
    print(
        f"  {code:<18}{hits:>6}  precision {good / hits:.3f}  recall {good / n_bad:.3f}"
        f"   {dict(counts)}"
    )

smeared = sum(
    any(x["code"] == "logo_smear" for o in scores[pk].brands.values() for x in o.signals)
    for pk in covered_logos
)
print(f"\nlogo_smear on the photos with a covered logo: {smeared} / {len(covered_logos)}")
print(
    f"scan CPU for {len(labelled)} listings: {first_cpu:.1f} s first, "
    f"{again_cpu:.1f} s rescanned (logo verdicts cached)"
)

print("\nerrors (false positives, then misses; 10 of each at most): label, score, title, signals")
false_positives = [e for e in errors if e[0] not in bad]
misses = [e for e in errors if e[0] in bad]
for label, listing, outcome in false_positives[:10] + misses[:10]:
    fired = ", ".join(f"{x['code']} {x['weight']}" for x in outcome.signals)
    print(f"  {label:<12}{outcome.score:>6.2f}  {listing.title[:50]:<52}{fired}")
