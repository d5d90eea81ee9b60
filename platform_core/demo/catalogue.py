"""The demo world: fictional brands and their owners, the marketplace's shops,
and a few hundred listings mixing genuine goods, counterfeits, knockoffs and
ordinary merchandise. Pure data and a seeded generator; ``seed_demo`` writes
it through the services."""

from __future__ import annotations

import functools
import hashlib
import random
from dataclasses import dataclass, field
from decimal import Decimal

from . import images

PASSWORD = "coguard-demo"  # noqa: S105 - a printed demo password, reset on every run


@dataclass(frozen=True)
class Person:
    username: str
    role: str
    first_name: str
    try_this: str
    staff: bool = False


@dataclass(frozen=True)
class Model:
    name: str
    number: str
    msrp: str
    noun: str  # what a counterfeit listing calls it
    noun_cn: str


@dataclass(frozen=True)
class BrandSpec:
    name: str
    aliases: tuple[str, ...]
    category: str
    product_kind: str
    shape: str
    colour: tuple[int, int, int]
    accent: tuple[int, int, int]
    background: tuple[int, int, int]
    models: tuple[Model, ...]
    keywords: tuple[str, ...]
    price_floor: str
    lookalikes: tuple[str, ...]
    authorised_shops: tuple[str, ...]
    trademarks: tuple[tuple[str, str, tuple[int, ...]], ...]  # number, jurisdiction, classes

    @property
    def cjk_alias(self) -> str:
        return self.aliases[0]


@dataclass(frozen=True)
class OrgSpec:
    name: str
    country: str
    admin: str
    kind: str  # rights_owner | agent
    verify: bool
    brands: tuple[BrandSpec, ...]
    principal: str = ""  # agents: the rights owner who signed the letter


@dataclass(frozen=True)
class ShopSpec:
    external_id: str
    name: str
    seller: str


@dataclass
class ListingSpec:
    external_id: str
    shop: ShopSpec
    title: str
    description: str
    price: Decimal
    currency: str
    category: str
    # Each image is built only when the listing is new: (kind, arguments).
    images: list[tuple[str, dict]] = field(default_factory=list)
    story: str = ""


NORDPEAK = BrandSpec(
    name="Nordpeak",
    aliases=("诺峰", "Nord Peak", "Nordpaek"),
    category="outdoor",
    product_kind="jacket",
    shape="peaks",
    colour=(20, 60, 110),
    accent=(230, 120, 30),
    background=(245, 245, 240),
    models=(
        Model("Summit Shell Jacket", "NP-SJ200", "2299.00", "shell jacket", "冲锋衣"),
        Model("Trailhead Down Vest", "NP-DV110", "1299.00", "down vest", "羽绒马甲"),
        Model("Fjell Insulated Parka", "NP-FP350", "3599.00", "parka", "派克大衣"),
    ),
    keywords=("原单", "factory surplus"),
    price_floor="450",
    lookalikes=("Nordpeek", "N0rdpeak", "Noordpeak", "Nordbeak"),
    authorised_shops=("S-NORDPEAK-FLAGSHIP", "S-ALPINE-OUTFITTERS"),
    trademarks=(("40112233", "CN", (25, 18)), ("018765432", "EU", (25,))),
)
STRIDEON = BrandSpec(
    name="Strideon",
    aliases=("斯崔登", "Stride On", "Stridon"),
    category="sportswear",
    product_kind="shoe",
    shape="stride",
    colour=(200, 30, 40),
    accent=(20, 20, 20),
    background=(255, 255, 255),
    models=(
        Model("Velocity Runner 3", "SD-VR3", "899.00", "running shoes", "跑鞋"),
        Model("Court Classic Low", "SD-CC1", "699.00", "sneakers", "板鞋"),
    ),
    keywords=("莆田", "putian"),
    price_floor="200",
    lookalikes=("Strideonn", "Str1deon", "Stryde0n", "Stridean"),
    authorised_shops=("S-STRIDEON-OFFICIAL", "S-ALPINE-OUTFITTERS"),
    trademarks=(("40998877", "CN", (25, 28)),),
)
VOLTRIX = BrandSpec(
    name="Voltrix",
    aliases=("沃卓斯", "Voltrics"),
    category="electronics",
    product_kind="headphones",
    shape="bolt",
    colour=(30, 30, 30),
    accent=(250, 200, 0),
    background=(235, 240, 245),
    models=(
        Model("Pulse ANC Headphones", "VX-P700", "1599.00", "ANC headphones", "降噪耳机"),
        Model("Pulse Mini Earbuds", "VX-M200", "799.00", "wireless earbuds", "蓝牙耳机"),
    ),
    keywords=("no serial number", "高仿"),
    price_floor="180",
    lookalikes=("Voltrlx", "V0ltrix", "Voltrixx", "Boltrix"),
    authorised_shops=("S-VOLTRIX-OFFICIAL",),
    trademarks=(("41234500", "CN", (9,)), ("5012345", "US", (9,))),
)
LUMIVA = BrandSpec(
    name="Lumiva",
    aliases=("露米娃", "Lumiva Paris", "Lumivaa"),
    category="cosmetics",
    product_kind="bottle",
    shape="petals",
    colour=(170, 60, 120),
    accent=(240, 180, 200),
    background=(252, 246, 248),
    models=(
        Model("Radiance Serum 30 ml", "LV-RS30", "680.00", "face serum", "精华液"),
        Model("Velvet Matte Lipstick", "LV-VM12", "320.00", "lipstick", "口红"),
    ),
    keywords=("试用装", "no batch code"),
    price_floor="90",
    lookalikes=("Lumeva", "Lumlva", "Lunniva", "Luminva"),
    authorised_shops=("S-LUMIVA-OFFICIAL",),
    trademarks=(("42001122", "CN", (3,)),),
)
AURELLE = BrandSpec(
    name="Aurelle",
    aliases=("奥蕾尔", "Maison Aurelle", "Aurrelle"),
    category="bags",
    product_kind="bag",
    shape="monogram",
    colour=(120, 90, 40),
    accent=(60, 40, 20),
    background=(250, 244, 230),
    models=(
        Model("Celeste Tote 32", "AU-CT32", "18500.00", "tote bag", "托特包"),
        Model("Mini Lune Crossbody", "AU-ML18", "12900.00", "crossbody bag", "斜挎包"),
    ),
    keywords=("顶级复刻", "mirror quality"),
    price_floor="3000",
    lookalikes=("Aurele", "Aure11e", "Avrelle", "Aurellé"),
    authorised_shops=("S-AURELLE-BOUTIQUE",),
    trademarks=(("43005566", "CN", (18,)),),
)
BRANDS = (NORDPEAK, STRIDEON, VOLTRIX, LUMIVA, AURELLE)

ORGANISATIONS = (
    OrgSpec("Nordpeak Group AS", "NO", "nora", "rights_owner", True, (NORDPEAK, STRIDEON)),
    OrgSpec("Voltrix Electronics Ltd", "SG", "victor", "rights_owner", True, (VOLTRIX,)),
    OrgSpec("Lumiva Cosmetiques SA", "FR", "lena", "rights_owner", False, (LUMIVA,)),
    OrgSpec(
        "Sinoshield IP Agency Ltd",
        "HK",
        "omar",
        "agent",
        False,
        (AURELLE,),
        principal="Maison Aurelle SAS",
    ),
)

REVIEWER = "rhea"
SELLER_EXTERNAL_ID = "U-3001"

PEOPLE = (
    Person("nora", "brand", "Nora", "Nordpeak Group AS (verified): suspects, brands, results"),
    Person(
        "victor",
        "brand",
        "Victor",
        "Voltrix Electronics Ltd (verified): another tenant, sees none of Nordpeak's data",
    ),
    Person("lena", "brand", "Lena", "Lumiva Cosmetiques SA: pending, waits in the reviewer queue"),
    Person("omar", "brand", "Omar", "Sinoshield IP Agency (agent, pending): letter for Aurelle"),
    Person(
        REVIEWER,
        "reviewer",
        "Rhea",
        "/admin/: verify Lumiva and Sinoshield, open certificates, browse listings",
        staff=True,
    ),
    Person(
        "mika",
        "marketplace",
        "Mika",
        "API: `manage.py create_token mika --role marketplace`, POST /api/v1/listings/",
    ),
    Person("jules", "judge", "Jules", "public judge: appraisal cases drawn for you"),
    Person(
        "sven",
        "seller",
        "Sven",
        f"seller {SELLER_EXTERNAL_ID} (Tide Outlet, Mirror Bags): why listings were taken down",
    ),
)

# --- Shops -------------------------------------------------------------------------

OFFICIAL_SHOPS = (
    ShopSpec("S-NORDPEAK-FLAGSHIP", "Nordpeak Official Store", "U-1001"),
    ShopSpec("S-ALPINE-OUTFITTERS", "Alpine Outfitters", "U-1002"),
    ShopSpec("S-STRIDEON-OFFICIAL", "Strideon Official Store", "U-1003"),
    ShopSpec("S-VOLTRIX-OFFICIAL", "Voltrix Official Store", "U-1004"),
    ShopSpec("S-LUMIVA-OFFICIAL", "Lumiva Beauty Official", "U-1005"),
    ShopSpec("S-AURELLE-BOUTIQUE", "Maison Aurelle Boutique", "U-1006"),
)
SHADY_SHOPS = (
    ShopSpec("S-TIDE-OUTLET", "Tide Outlet 潮牌折扣", SELLER_EXTERNAL_ID),
    ShopSpec("S-MIRROR-BAGS", "Mirror Bags 精品包", SELLER_EXTERNAL_ID),
    ShopSpec("S-PUTIAN-KICKS", "Kicks Warehouse", "U-3002"),
    ShopSpec("S-BEAUTY-DEALS", "Beauty Deals 美妆特卖", "U-3003"),
    ShopSpec("S-GADGET-LAB", "Gadget Lab 数码", "U-3004"),
    ShopSpec("S-OUTDOOR-WHOLESALE", "Outdoor Gear Wholesale", "U-3005"),
    ShopSpec("S-FACTORY-DIRECT", "Factory Direct 工厂店", "U-3006"),
    ShopSpec("S-AAA-WORLD", "AAA World", "U-3007"),
    ShopSpec("S-DUPE-CORNER", "Dupe Corner", "U-3008"),
    ShopSpec("S-SZ-AUDIO", "SZ Audio Parts", "U-3004"),
)
PLAIN_SHOPS = (
    ShopSpec("S-HAPPY-KITCHEN", "Happy Kitchen", "U-5001"),
    ShopSpec("S-GREEN-TEA", "Green Tea House 茶叶", "U-5002"),
    ShopSpec("S-PAPER-INK", "Paper & Ink Stationery", "U-5003"),
    ShopSpec("S-PANDA-TOYS", "Little Panda Toys", "U-5004"),
    ShopSpec("S-GARDEN", "Garden Corner", "U-5005"),
    ShopSpec("S-PET-PARADISE", "Pet Paradise", "U-5006"),
    ShopSpec("S-BOOK-NOOK", "Book Nook", "U-5007"),
    ShopSpec("S-HOME-TEXTILE", "Home Textile 家纺", "U-5008"),
    ShopSpec("S-FRUIT-FARM", "Fresh Fruit Farm", "U-5009"),
    ShopSpec("S-BIKE-PARTS", "Bike Parts Pro", "U-5010"),
    ShopSpec("S-CASE-STUDIO", "Phone Case Studio", "U-5011"),
    ShopSpec("S-YOGA-LIFE", "Yoga Life", "U-5012"),
    ShopSpec("S-CAMP-BASICS", "Camping Basics", "U-5013"),
    ShopSpec("S-SNEAKER-CARE", "Sneaker Care", "U-5014"),
)
SHOPS = {shop.external_id: shop for shop in (*OFFICIAL_SHOPS, *SHADY_SHOPS, *PLAIN_SHOPS)}

SHADY_BY_CATEGORY = {
    "outdoor": ("S-OUTDOOR-WHOLESALE", "S-TIDE-OUTLET", "S-FACTORY-DIRECT"),
    "sportswear": ("S-PUTIAN-KICKS", "S-TIDE-OUTLET", "S-AAA-WORLD"),
    "electronics": ("S-GADGET-LAB", "S-SZ-AUDIO", "S-FACTORY-DIRECT"),
    "cosmetics": ("S-BEAUTY-DEALS", "S-DUPE-CORNER", "S-AAA-WORLD"),
    "bags": ("S-MIRROR-BAGS", "S-AAA-WORLD", "S-DUPE-CORNER"),
}

PLAIN_GOODS = (
    ("S-HAPPY-KITCHEN", "kitchen", ["Stainless steel knife set, 5 pieces", "Cast iron wok 32 cm",
     "Bamboo cutting board", "Silicone spatula set", "Ceramic rice bowls, set of 4"], 39, 259),
    ("S-GREEN-TEA", "food", ["West Lake Longjing green tea 250 g", "Jasmine pearls 100 g",
     "Aged Pu'er cake 357 g", "Oolong tea gift box"], 45, 480),
    ("S-PAPER-INK", "stationery", ["A5 dotted notebook, 160 pages", "Gel pens, 12 colours",
     "Fountain pen with converter", "Washi tape set"], 9, 160),
    ("S-PANDA-TOYS", "toys", ["Wooden train set, 40 pieces", "Plush panda 30 cm",
     "Magnetic building tiles", "Kids' kite, rainbow"], 29, 299),
    ("S-GARDEN", "garden", ["Ceramic plant pot 20 cm", "Pruning shears", "Herb seed kit",
     "Self-watering planter"], 15, 189),
    ("S-PET-PARADISE", "pets", ["Cat scratching post", "Dog leash, reflective",
     "Stainless pet bowl", "Catnip toys, 3 pack"], 12, 229),
    ("S-BOOK-NOOK", "books", ["Hiking trails of Yunnan (guidebook)", "Learn Python in 30 days",
     "Illustrated atlas for children", "Classic poetry anthology"], 25, 128),
    ("S-HOME-TEXTILE", "home", ["Cotton duvet cover, queen", "Linen cushion cover",
     "Bath towel set, 6 pieces", "Blackout curtains 2 m"], 39, 399),
    ("S-FRUIT-FARM", "food", ["Fresh lychee 2.5 kg", "Aksu apples 5 kg", "Dried mango 500 g"],
     19, 129),
    ("S-BIKE-PARTS", "sports", ["Bicycle chain lube", "LED bike light set", "Gel saddle cover",
     "Mini pump with gauge"], 15, 220),
    ("S-YOGA-LIFE", "sports", ["TPE yoga mat 6 mm", "Yoga blocks, 2 pack", "Resistance bands"],
     19, 199),
    ("S-CAMP-BASICS", "outdoor", ["Camping lantern, rechargeable", "Folding camp chair",
     "2-person dome tent", "Rain poncho, unbranded"], 25, 499),
)  # fmt: skip

ACCESSORIES = (
    ("S-CASE-STUDIO", "Protective case compatible with Voltrix Pulse ANC Headphones", "59.00"),
    ("S-CASE-STUDIO", "Replacement ear pads for Voltrix Pulse headphones", "49.00"),
    ("S-CASE-STUDIO", "Charging case skin compatible with Voltrix Pulse Mini", "29.00"),
    ("S-SNEAKER-CARE", "Sneaker cleaning kit, suits Strideon Velocity runners", "39.00"),
    ("S-SNEAKER-CARE", "Replacement laces for Strideon Court Classic", "15.00"),
    ("S-CAMP-BASICS", "Waterproofing spray for shell jackets (Nordpeak, others)", "45.00"),
)

HAZE_TITLES = (
    "{brand}同款 {noun_cn} {year}新款",
    "{model} replica 1:1 {brand} {noun}",
    "AAA quality {brand} {noun}, same as original",
    "dupe of {brand} {model}",
    "{alias}平替 {noun_cn} 高品质",
    "same style as {brand} {noun}, comparable quality",
    "{brand} {noun} imitation, top grade",
    "仿{alias} {noun_cn} 包邮",
)
COUNTERFEIT_TITLES = (
    "{brand} {model} {year} new season",
    "{alias} {noun_cn} 正品 专柜",
    "{brand} {noun} clearance, all sizes",
    "Original {brand} {model} wholesale",
    "{brand} {model} {colour}",
)
COLOURS = ("black", "navy", "graphite", "sand", "red", "forest green", "white")
VARIANTS = {
    "cosmetics": ("rose 02", "nude 05", "coral 11", "berry 21", "30 ml", "refill"),
    "bags": ("black calfskin", "tan", "ivory", "burgundy", "small", "medium"),
    "electronics": ("black", "silver", "midnight blue", "white"),
}


def _price(rng: random.Random, msrp: Decimal, low: float, high: float) -> Decimal:
    value = msrp * Decimal(str(round(rng.uniform(low, high), 3)))
    return max(Decimal("1.00"), value.quantize(Decimal("1"))) - Decimal("0.01")


def _seed(external_id: str, salt: str = "") -> int:
    return int(hashlib.sha256(f"{external_id}:{salt}".encode()).hexdigest()[:12], 16)


# --- Pictures ------------------------------------------------------------------------


@functools.cache
def brand_logo(brand: BrandSpec) -> bytes:
    return images.logo(
        brand.name,
        shape=brand.shape,
        colour=brand.colour,
        accent=brand.accent,
        background=brand.background,
    )


@functools.cache
def lookalike_logo(brand: BrandSpec, name: str) -> bytes:
    """A knockoff's own logo: the same idea, shifted colours, its own name."""
    shift = tuple((c + 60) % 256 for c in brand.colour)
    return images.logo(
        name, shape=brand.shape, colour=shift, accent=brand.accent, background=brand.background
    )


@functools.cache
def official_photo(brand: BrandSpec, model_index: int, shot: int) -> bytes:
    seed = _seed(f"{brand.name}:{model_index}:{shot}", "official")
    return images.product_photo(
        seed=seed, kind=brand.product_kind, colour=brand.colour, logo_png=brand_logo(brand)
    )


def official_photos(brand: BrandSpec) -> list[tuple[int, bytes]]:
    """Reference product photos: two of the first model, one of the others
    (2-3 per brand), as (model index, bytes)."""
    shots = [(0, official_photo(brand, 0, 0)), (0, official_photo(brand, 0, 1))]
    shots += [(i, official_photo(brand, i, 0)) for i in range(1, min(2, len(brand.models)))]
    return shots


def render_image(kind: str, args: dict) -> bytes:
    if kind == "official":
        return official_photo(args["brand"], args["model"], args["shot"])
    if kind == "copy":
        original = official_photo(args["brand"], args["model"], args["shot"])
        smear = args["brand"].product_kind if args.get("smear") else None
        return images.counterfeit_copy(original, seed=args["seed"], smear_kind=smear)
    if kind == "lookalike":
        brand = args["brand"]
        return images.product_photo(
            seed=args["seed"],
            kind=brand.product_kind,
            colour=tuple((c + 60) % 256 for c in brand.colour),
            logo_png=lookalike_logo(brand, args["name"]),
        )
    return images.unrelated_photo(args["seed"])


# --- Listings ------------------------------------------------------------------------


def listings() -> list[ListingSpec]:
    """About 300 listings, always the same ones in the same order."""
    rng = random.Random(2016)
    out: list[ListingSpec] = []

    def add(shop_id: str, title: str, price, category: str, story: str, description="", imgs=()):
        n = len(out) + 1
        out.append(
            ListingSpec(
                external_id=f"DEMO-{n:04d}",
                shop=SHOPS[shop_id],
                title=title[:500],
                description=description,
                price=Decimal(price),
                currency="CNY",
                category=category,
                images=list(imgs),
                story=story,
            )
        )

    for brand in BRANDS:
        shady = SHADY_BY_CATEGORY[brand.category]
        fmt = {"brand": brand.name, "alias": brand.cjk_alias, "year": 2027}
        variants = VARIANTS.get(brand.category, COLOURS)
        for i in range(10):  # genuine, from authorised shops, official photos
            m = i % len(brand.models)
            model = brand.models[m]
            add(
                brand.authorised_shops[i % len(brand.authorised_shops)],
                f"{brand.name} {model.name}, {variants[i % len(variants)]}",
                _price(rng, Decimal(model.msrp), 0.85, 1.0),
                brand.category,
                "genuine",
                f"Genuine {brand.name} from an authorised retailer. Model {model.number}.",
                [("official", {"brand": brand, "model": min(m, 1), "shot": i % 2})],
            )
        for i in range(10):  # counterfeits reusing official photos, far below MSRP
            m = i % len(brand.models)
            model = brand.models[m]
            title = rng.choice(COUNTERFEIT_TITLES).format(
                model=model.name,
                noun=model.noun,
                noun_cn=model.noun_cn,
                colour=rng.choice(COLOURS),
                **fmt,
            )
            add(
                rng.choice(shady),
                title,
                _price(rng, Decimal(model.msrp), 0.08, 0.25),
                brand.category,
                "counterfeit",
                "Fast shipping. Top quality.",
                [
                    (
                        "copy",
                        {
                            "brand": brand,
                            "model": min(m, 1),
                            "shot": i % 2,
                            "seed": i,
                            "smear": i % 4 == 3,
                        },
                    )
                ],
            )
        for i in range(8):  # haze terms beside the brand name
            model = brand.models[i % len(brand.models)]
            title = HAZE_TITLES[i % len(HAZE_TITLES)].format(
                model=model.name, noun=model.noun, noun_cn=model.noun_cn, **fmt
            )
            imgs = []
            if i % 2 == 0:
                imgs = [("copy", {"brand": brand, "model": 0, "shot": 1, "seed": 100 + i})]
            elif i % 3 == 0:
                imgs = [("unrelated", {"seed": _seed(brand.name, f"haze{i}") % 100_000})]
            add(
                rng.choice(shady),
                title,
                _price(rng, Decimal(model.msrp), 0.06, 0.2),
                brand.category,
                "haze",
                "",
                imgs,
            )
        for i in range(6):  # shanzhai: lookalike names on lookalike goods
            name = brand.lookalikes[i % len(brand.lookalikes)]
            model = brand.models[i % len(brand.models)]
            add(
                rng.choice(shady),
                f"{name} {model.noun} {rng.choice(COLOURS)}",
                _price(rng, Decimal(model.msrp), 0.1, 0.3),
                brand.category,
                "lookalike",
                f"{name} brand, own design.",
                [("lookalike", {"brand": brand, "name": name, "seed": 40 + i})],
            )
        for i, keyword in enumerate(brand.keywords):  # the brand's declared tell-tales
            model = brand.models[i % len(brand.models)]
            add(
                rng.choice(shady),
                f"{brand.name} {model.noun} {keyword}",
                _price(rng, Decimal(model.msrp), 0.2, 0.45),
                brand.category,
                "keyword",
                f"{keyword}, same factory as the original.",
            )

    for _ in range(15):  # brand stacking to drain search traffic
        stacked = rng.sample(BRANDS, 3)
        noun = stacked[0].models[0].noun
        add(
            rng.choice(("S-TIDE-OUTLET", "S-AAA-WORLD", "S-FACTORY-DIRECT", "S-DUPE-CORNER")),
            " ".join(b.name for b in stacked) + f" style {noun} 男女同款",
            _price(rng, Decimal("300"), 0.2, 0.6),
            "fashion",
            "stacking",
        )

    for shop_id, title, price in ACCESSORIES:  # accessories naming a brand, legitimately
        add(shop_id, title, price, "accessories", "accessory")

    for shop_id, category, titles, low, high in PLAIN_GOODS:  # ordinary merchandise
        for j in range(9):
            title = titles[j % len(titles)]
            if j >= len(titles):
                size = ("2 pack", "gift edition", "large", "XL")[(j + j // len(titles)) % 4]
                title = f"{title} ({size})"
            seed = _seed(shop_id, str(j)) % 100_000
            imgs = [("unrelated", {"seed": seed})] if j % 2 == 0 else []
            add(
                shop_id,
                title,
                Decimal(rng.randrange(low, high)) + Decimal("0.90"),
                category,
                "plain",
                "",
                imgs,
            )
    return out
