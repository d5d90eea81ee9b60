"""Tenancy-enforcing reads for counterfeit networks.

A brand sees a ring only through its own suspects: rings holding a shop
where one of its brands has a suspect. Inside, it sees the marketplace's
facts (shops, listings, prices, sales, ship-from, takedowns) and its own
organisation's suspects, judgments and complaints -- never another brand's,
nor the listing's platform-wide risk signals (which may name other brands).
Reviewers see everything."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q, QuerySet

from complaints.models import Complaint
from detection.models import Suspect
from marketplace.models import Listing, ListingStatus, Shop
from platform_core.errors import NotFound
from platform_core.models import Role
from rightsholders.selectors import brands_for, organisations_for

from . import engine
from .models import LinkKind, Ring, RingMember, ShopKey, ShopLink


def _is_reviewer(user) -> bool:
    return bool(user.is_authenticated and user.role == Role.REVIEWER)


def rings_for(user) -> QuerySet[Ring]:
    if _is_reviewer(user):
        return Ring.objects.all()
    if not user.is_authenticated or user.role != Role.BRAND:
        return Ring.objects.none()
    reachable = RingMember.objects.filter(
        shop__listings__suspects__brand__in=brands_for(user).values("id")
    ).values("ring_id")
    return Ring.objects.filter(pk__in=reachable)


def ring_get_for_user(user, ring_id) -> Ring:
    try:
        return rings_for(user).get(pk=int(ring_id))
    except (Ring.DoesNotExist, TypeError, ValueError):
        raise NotFound("No such ring.") from None


def _own_suspects(user) -> QuerySet[Suspect]:
    qs = Suspect.objects.select_related("brand")
    return qs if _is_reviewer(user) else qs.filter(brand__in=brands_for(user).values("id"))


def _own_complaints(user) -> QuerySet[Complaint]:
    qs = Complaint.objects.all()
    if _is_reviewer(user):
        return qs
    return qs.filter(organisation__in=organisations_for(user).values("id"))


def ring_shops(user, ring: Ring) -> list[dict]:
    return shops_summary(user, Shop.objects.filter(ring_membership__ring=ring))


def shops_summary(user, shops: QuerySet[Shop]) -> list[dict]:
    """Shops with counts: listings, takedowns, held, the user's own suspects
    and complaints, and where they ship from."""
    shops = list(
        shops.select_related("seller")
        .annotate(
            listing_count=Count("listings", distinct=True),
            takedowns=Count(
                "listings", filter=Q(listings__status=ListingStatus.DELISTED), distinct=True
            ),
            held=Count("listings", filter=Q(listings__status=ListingStatus.HELD), distinct=True),
        )
        .order_by("pk")
    )
    ids = [s.pk for s in shops]
    suspects = dict(
        _own_suspects(user)
        .filter(listing__shop_id__in=ids)
        .values_list("listing__shop_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    complaints = dict(
        _own_complaints(user)
        .filter(listing__shop_id__in=ids)
        .values_list("listing__shop_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    places: dict[int, list[str]] = defaultdict(list)
    for shop_id, place, _count in (
        Listing.objects.filter(shop_id__in=ids)
        .exclude(ship_from="")
        .values_list("shop_id", "ship_from")
        .annotate(n=Count("id"))
        .order_by("shop_id", "-n")
    ):
        if len(places[shop_id]) < 5:
            places[shop_id].append(place)
    return [
        {
            "id": s.pk,
            "external_id": s.external_id,
            "name": s.name,
            "seller": s.seller.external_id,
            "status": s.status,
            "created_at": s.created_at,
            "contact_on_file": bool(s.seller.contact_hash),
            "ship_from": places.get(s.pk, []),
            "listings": s.listing_count,
            "takedowns": s.takedowns,
            "held": s.held,
            "suspects": suspects.get(s.pk, 0),
            "complaints": complaints.get(s.pk, 0),
        }
        for s in shops
    ]


def _reason(kind: str, key: str) -> str:
    if kind == engine.SHIP_PRODUCT:
        place, _, product = key.partition("|")
        return f"{place} · {product}"
    if kind == engine.LOOKALIKE:
        return key
    return ""  # photo clusters and contact hashes mean nothing to a reader


def links_among(shop_ids: list[int], *, examples: bool = True) -> list[dict]:
    """Links between these shops, strongest first, each with what the shops
    share: the kinds, a count per kind, and up to five examples (the listings
    showing a shared photo, the place and product, the lookalike name). A
    shared contact is named, never shown."""
    links = list(
        ShopLink.objects.filter(shop_a__in=shop_ids, shop_b__in=shop_ids)
        .select_related("shop_a", "shop_b")
        .order_by("-strength", "pk")
    )
    shared: dict[tuple[int, int], list[dict]] = defaultdict(list)
    if examples and links:
        pairs = {(link.shop_a_id, link.shop_b_id) for link in links}
        rows = (
            ShopKey.objects.filter(shop_id__in=shop_ids)
            .values_list("shop_id", "kind", "key", "listing__external_id")
            .order_by("kind", "key", "shop_id")
        )
        by_key: dict[tuple[str, str], list[tuple[int, str | None]]] = defaultdict(list)
        for shop_id, kind, key, listing in rows:
            by_key[(kind, key)].append((shop_id, listing))
        for (kind, key), holders in by_key.items():
            for i, (a, la) in enumerate(holders):
                for b, lb in holders[i + 1 :]:
                    pair = (min(a, b), max(a, b))
                    if pair in pairs and len(shared[pair]) < 5:
                        first, second = (la, lb) if a < b else (lb, la)
                        shared[pair].append(
                            {
                                "kind": kind,
                                "detail": _reason(kind, key),
                                "listings": [x for x in (first, second) if x],
                            }
                        )
    labels = dict(LinkKind.choices)
    return [
        {
            "shop_a": link.shop_a.external_id,
            "shop_b": link.shop_b.external_id,
            "strength": link.strength,
            "kinds": link.kinds,
            "reasons": [str(labels[k]) for k in link.kinds if k in labels],
            "evidence": link.evidence,
            "shared": shared.get((link.shop_a_id, link.shop_b_id), []),
        }
        for link in links
    ]


def ring_view(user, ring: Ring, *, max_listings: int = 200) -> dict:
    """Everything the ring page, the API detail and the evidence pack show."""
    shops = ring_shops(user, ring)
    ids = [s["id"] for s in shops]
    ext = {s["id"]: s["external_id"] for s in shops}
    reviewer = _is_reviewer(user)
    qs = (
        Listing.objects.filter(shop_id__in=ids).prefetch_related("images").order_by("shop_id", "pk")
    )
    listings = list(qs[: max_listings + 1])
    truncated = len(listings) > max_listings
    listings = listings[:max_listings]
    lids = [x.pk for x in listings]
    suspects: dict[int, list[dict]] = defaultdict(list)
    for s in _own_suspects(user).filter(listing_id__in=lids).order_by("pk"):
        suspects[s.listing_id].append(
            {
                "id": s.pk,
                "brand": s.brand.name,
                "score": round(s.score, 4),
                "signals": s.signals,
                "status": s.status,
                "judged_at": s.judged_at,
                "judgment_note": s.judgment_note,
                "created_at": s.created_at,
            }
        )
    complaints: dict[int, list[dict]] = defaultdict(list)
    for c in (
        _own_complaints(user)
        .filter(listing_id__in=lids)
        .select_related("brand")
        .prefetch_related("decisions")
        .order_by("pk")
    ):
        complaints[c.listing_id].append(
            {
                "id": c.pk,
                "brand": c.brand.name,
                "kind": c.kind,
                "status": c.status,
                "created_at": c.created_at,
                "decided_at": c.decided_at,
                "decisions": [
                    {"outcome": d.outcome, "reason": d.reason, "created_at": d.created_at}
                    for d in c.decisions.all()
                ],
            }
        )
    out = []
    for x in listings:
        item = {
            "id": x.pk,
            "external_id": x.external_id,
            "shop": ext[x.shop_id],
            "title": x.title,
            "price": str(x.price),
            "currency": x.currency,
            "units_sold": x.units_sold,
            "ship_from": x.ship_from,
            "status": x.status,
            "created_at": x.created_at,
            "went_live_at": x.went_live_at,
            "delisted_at": x.delisted_at,
            "suspects": suspects.get(x.pk, []),
            "complaints": complaints.get(x.pk, []),
            "_images": list(x.images.all()),
        }
        if reviewer:
            item["risk"] = {
                "score": round(x.risk_score, 4),
                "signals": x.risk_signals,
                "scanned_at": x.scanned_at,
            }
        out.append(item)
    organisations = (
        ["platform review"]
        if reviewer
        else list(organisations_for(user).values_list("name", flat=True))
    )
    return {
        "organisations": organisations,
        "ring": {
            "id": ring.pk,
            "size": ring.size,
            "strength": ring.strength,
            "kinds": ring.kinds,
            "created_at": ring.created_at,
            "updated_at": ring.updated_at,
        },
        "shops": shops,
        "links": links_among(ids),
        "listings": out,
        "listings_truncated": truncated,
    }


def shop_network(user, shop: Shop) -> dict:
    """A shop's network as its suspect page shows it: its ring (when the user
    may see it) and up to 20 linked shops, strongest link first."""
    membership = RingMember.objects.filter(shop=shop).select_related("ring").first()
    ring = None
    if membership and rings_for(user).filter(pk=membership.ring_id).exists():
        ring = membership.ring
    neighbours = []
    rows = ShopLink.objects.filter(Q(shop_a=shop) | Q(shop_b=shop)).order_by("-strength", "pk")
    for a, b in rows.values_list("shop_a_id", "shop_b_id")[:20]:
        neighbours.append(b if a == shop.pk else a)
    ids = [shop.pk, *neighbours]
    summary = {s["external_id"]: s for s in shops_summary(user, Shop.objects.filter(pk__in=ids))}
    links = [
        link for link in links_among(ids) if shop.external_id in (link["shop_a"], link["shop_b"])
    ]
    for link in links:
        other = link["shop_b"] if link["shop_a"] == shop.external_id else link["shop_a"]
        link["other"] = summary.get(other)
    return {"ring": ring, "links": links, "shop": summary.get(shop.external_id)}
