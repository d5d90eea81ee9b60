"""Marketplace side of the integrator API: listing intake and listing reads."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.response import Response

from platform_core.api.errors import error_body, validation_error_body
from platform_core.api.permissions import role_permission
from platform_core.api.views import ListAPIView, RetrieveAPIView
from platform_core.errors import DomainError, NotFound
from platform_core.models import Role

from . import services
from .models import Listing, ListingStatus

CanReadListings = role_permission(Role.MARKETPLACE, Role.REVIEWER, Role.SELLER)
CanPushListings = role_permission(Role.MARKETPLACE)


class ShopIn(serializers.Serializer):
    external_id = serializers.CharField(max_length=128)
    name = serializers.CharField(max_length=200)
    seller_external_id = serializers.CharField(max_length=128)
    contact = serializers.CharField(
        max_length=254,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="Optional: the seller's phone number or e-mail address. Stored only as a "
        "keyed hash (to link shops run by the same person), never in clear, never shown back.",
    )


class ImageIn(serializers.Serializer):
    url = serializers.CharField(max_length=2000, required=False)
    content_base64 = serializers.CharField(required=False, help_text="JPEG, PNG or WebP bytes")


class ListingIn(serializers.Serializer):
    external_id = serializers.CharField(max_length=128)
    shop = ShopIn()
    title = serializers.CharField(max_length=500)
    description = serializers.CharField(max_length=20000, allow_blank=True, default="")
    price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", help_text="ISO 4217 code, e.g. CNY")
    category = serializers.CharField(max_length=100, allow_blank=True, default="")
    images = serializers.ListField(child=ImageIn(), max_length=10, default=list)
    ship_from = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="Optional: the city or region the item ships from.",
    )
    units_sold = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        help_text="Optional: units sold so far, where known.",
    )


class ListingResult(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    status = serializers.ChoiceField(choices=ListingStatus.choices)


def _prepare(raw, validator: ListingIn | None = None) -> services.ListingInput:
    """Validate one listing payload into a service input, or raise DomainError.
    A bulk request passes one ``validator`` for all its items: building a
    serializer's fields costs more than validating an item with them."""
    if not isinstance(raw, dict):
        raise DomainError("Each listing must be a JSON object.", code="validation_error")
    try:
        d = (validator or ListingIn()).run_validation(raw)
    except serializers.ValidationError as exc:
        body = validation_error_body(exc.detail)["error"]
        raise DomainError(body["message"], code="validation_error", fields=body["fields"]) from None
    images = [services.image_input_from_payload(img, n) for n, img in enumerate(d["images"])]
    return services.ListingInput(
        external_id=d["external_id"].strip(),
        shop_external_id=d["shop"]["external_id"].strip(),
        shop_name=d["shop"]["name"].strip(),
        seller_external_id=d["shop"]["seller_external_id"].strip(),
        title=d["title"].strip(),
        description=d["description"],
        price=d["price"],
        currency=d["currency"].upper(),
        category=d["category"].strip(),
        images=images,
        ship_from=d["ship_from"].strip(),
        units_sold=d["units_sold"],
        contact=d["shop"].get("contact", ""),
    )


class ShopOut(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()
    contact_on_file = serializers.BooleanField(
        help_text="Whether the marketplace sent a seller contact; the contact itself is kept "
        "only as a keyed hash and never returned."
    )


class ListingOut(serializers.ModelSerializer):
    shop = serializers.SerializerMethodField()
    risk = serializers.SerializerMethodField()
    images = serializers.SerializerMethodField()

    class Meta:
        model = Listing
        fields = [
            "id",
            "external_id",
            "shop",
            "title",
            "description",
            "price",
            "currency",
            "category",
            "ship_from",
            "units_sold",
            "status",
            "risk",
            "images",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "ship_from": {"help_text": "The city or region the item ships from, if sent."},
            "units_sold": {"help_text": "Units sold so far, where the marketplace knows."},
        }

    @extend_schema_field(ShopOut)
    def get_shop(self, obj) -> dict:
        return {
            "id": obj.shop_id,
            "external_id": obj.shop.external_id,
            "name": obj.shop.name,
            "status": obj.shop.status,
            # Whether a seller contact is on file; the contact itself never leaves intake.
            "contact_on_file": bool(obj.shop.seller.contact_hash),
        }

    def get_risk(self, obj) -> dict:
        return {
            "score": round(obj.risk_score, 4),
            "signals": obj.risk_signals,
            "scanned_at": obj.scanned_at.isoformat() if obj.scanned_at else None,
        }

    def get_images(self, obj) -> list[dict]:
        request = self.context.get("request")

        def url(f):
            return request.build_absolute_uri(f.url) if f and request else None

        return [
            {
                "position": img.position,
                "status": img.status,
                "error": img.error or None,
                "url": url(img.image),
                "thumbnail_url": url(img.thumbnail),
                "source_url": img.source_url or None,
            }
            for img in obj.images.all()
        ]


def listings_for(user) -> QuerySet[Listing]:
    qs = Listing.objects.select_related("shop__seller").prefetch_related("images")
    if user.role in (Role.MARKETPLACE, Role.REVIEWER):
        return qs
    if user.role == Role.SELLER:
        return qs.filter(shop__seller__user=user)
    return qs.none()


class ListingCollection(ListAPIView):
    """Push listings in (one or a bulk array of up to 1000), or list them."""

    serializer_class = ListingOut

    def get_permissions(self):
        perm = CanPushListings if self.request.method == "POST" else CanReadListings
        return [perm()]

    def get_queryset(self):
        qs = listings_for(self.request.user)
        params = self.request.query_params
        if params.get("status"):
            qs = qs.filter(status=params["status"])
        if params.get("external_id"):
            qs = qs.filter(external_id=params["external_id"])
        if params.get("shop"):
            qs = qs.filter(shop__external_id=params["shop"])
        return qs

    @extend_schema(
        request=ListingIn,
        responses={
            201: ListingResult,
            200: OpenApiResponse(
                response=inline_serializer(
                    "BulkListingItemResult",
                    {
                        "id": serializers.IntegerField(required=False),
                        "external_id": serializers.CharField(allow_null=True),
                        "status": serializers.CharField(required=False),
                        "error": serializers.DictField(required=False),
                    },
                    many=True,
                ),
                description="Bulk: a JSON array with one result per item, in order; each an "
                "id and status, or an error.",
            ),
            400: OpenApiResponse(description="Not a listing, or a list of over 1000"),
            413: OpenApiResponse(description="Body over 64 MB"),
            503: OpenApiResponse(
                description="`queue_unavailable`: the listings were saved but their scan "
                "could not be queued; send the same request again"
            ),
        },
        description="One listing object, or a JSON array of up to 1000 (upsert by "
        "`external_id`). Bad items in a bulk are answered per item and never sink good ones.",
    )
    def post(self, request, *args, **kwargs):
        body = request.data
        if isinstance(body, dict) and not hasattr(body, "getlist"):
            item = _prepare(body)
            listing = services.listings_upsert(items=[item], actor=request.user)[0]
            return Response(
                {"id": listing.pk, "external_id": listing.external_id, "status": listing.status},
                status=status.HTTP_201_CREATED,
            )
        if not isinstance(body, list):
            raise DomainError(
                "Send one listing object or a JSON array of listings.", code="malformed_request"
            )
        if len(body) > services.MAX_BULK:
            raise DomainError(
                f"At most {services.MAX_BULK} listings per request; this one has {len(body)}.",
                code="too_many_items",
            )
        prepared: list[services.ListingInput | None] = []
        errors: dict[int, dict] = {}
        seen: set[str] = set()
        validator = ListingIn()
        for n, raw in enumerate(body):
            try:
                item = _prepare(raw, validator)
                if item.external_id in seen:
                    raise DomainError(
                        "This external_id appears earlier in the same request.",
                        code="duplicate_in_request",
                    )
                seen.add(item.external_id)
                prepared.append(item)
            except DomainError as exc:
                prepared.append(None)
                errors[n] = error_body(exc.code, exc.message, exc.fields)["error"]
        good = [p for p in prepared if p is not None]
        stored = iter(services.listings_upsert(items=good, actor=request.user) if good else [])
        results = []
        for n, item in enumerate(prepared):
            if item is None:
                raw = body[n]
                ext = raw.get("external_id") if isinstance(raw, dict) else None
                results.append({"external_id": ext, "error": errors[n]})
            else:
                listing = next(stored)
                results.append(
                    {"id": listing.pk, "external_id": listing.external_id, "status": listing.status}
                )
        return Response(results, status=status.HTTP_200_OK)


class ListingDetail(RetrieveAPIView):
    serializer_class = ListingOut
    permission_classes = [CanReadListings]

    def get_object(self):
        try:
            return listings_for(self.request.user).get(pk=int(self.kwargs["pk"]))
        except (Listing.DoesNotExist, ValueError):
            raise NotFound("No such listing.") from None
