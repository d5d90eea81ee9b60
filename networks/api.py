"""Counterfeit networks in the API: rings a user may see, one ring in
detail, and its evidence pack (a ZIP)."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from platform_core.api.permissions import IsBrandOrReviewer
from platform_core.api.views import APIView, ListAPIView
from platform_core.errors import DomainError
from platform_core.params import as_id

from . import selectors, services
from .models import LinkKind, Ring


class RingOut(serializers.ModelSerializer):
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=LinkKind.choices))

    class Meta:
        model = Ring
        fields = ["id", "size", "strength", "kinds", "created_at", "updated_at"]


class RingShopOut(serializers.Serializer):
    id = serializers.IntegerField()
    external_id = serializers.CharField()
    name = serializers.CharField()
    seller = serializers.CharField(
        help_text="the seller's external id (one seller may run several shops)"
    )
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    contact_on_file = serializers.BooleanField(
        help_text="whether the marketplace sent the seller's phone or e-mail (kept only as a "
        "keyed hash; the contact itself is never shown)"
    )
    ship_from = serializers.ListField(
        child=serializers.CharField(),
        help_text="where the shop's listings ship from (city or region), most frequent first, "
        "up to five",
    )
    listings = serializers.IntegerField()
    takedowns = serializers.IntegerField(help_text="listings delisted")
    held = serializers.IntegerField()
    suspects = serializers.IntegerField(help_text="your organisation's suspects")
    complaints = serializers.IntegerField(help_text="your organisation's complaints")


class RingLinkOut(serializers.Serializer):
    shop_a = serializers.CharField(help_text="shop external id")
    shop_b = serializers.CharField()
    strength = serializers.FloatField()
    kinds = serializers.ListField(child=serializers.ChoiceField(choices=LinkKind.choices))
    reasons = serializers.ListField(child=serializers.CharField())
    evidence = serializers.DictField(
        child=serializers.IntegerField(), help_text="keys shared per kind"
    )
    shared = serializers.ListField(child=serializers.DictField(), help_text="up to five examples")


class RingDetailOut(RingOut):
    shops = RingShopOut(many=True)
    links = RingLinkOut(many=True)

    class Meta(RingOut.Meta):
        fields = [*RingOut.Meta.fields, "shops", "links"]


class RingCollection(ListAPIView):
    """Rings a brand reaches through its own suspects (reviewers: all),
    newest first."""

    serializer_class = RingOut
    permission_classes = [IsBrandOrReviewer]

    @extend_schema(
        parameters=[OpenApiParameter("min_size", int, description="at least this many shops")]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        qs = selectors.rings_for(self.request.user)
        min_size = self.request.query_params.get("min_size")
        if min_size:
            if as_id(min_size) is None:
                raise DomainError(
                    "Some filters are invalid.",
                    code="validation_error",
                    fields={"min_size": ["A whole number."]},
                )
            qs = qs.filter(size__gte=as_id(min_size))
        return qs


class RingDetail(APIView):
    permission_classes = [IsBrandOrReviewer]

    @extend_schema(responses=RingDetailOut)
    def get(self, request, pk):
        ring = selectors.ring_get_for_user(request.user, pk)
        view = selectors.ring_view(request.user, ring, max_listings=0)
        return Response(
            {
                **RingOut(ring).data,
                "shops": RingShopOut(view["shops"], many=True).data,
                "links": RingLinkOut(view["links"], many=True).data,
            }
        )


class RingEvidencePack(APIView):
    permission_classes = [IsBrandOrReviewer]

    @extend_schema(
        responses={
            (200, "application/zip"): OpenApiResponse(
                response=OpenApiTypes.BINARY,
                description="manifest.json, images/, and SHA256SUMS (sha-256 of every other "
                "file); the ZIP's own sha-256 is in the X-Evidence-Pack-SHA256 header and "
                "the audit trail.",
            )
        }
    )
    def get(self, request, pk):
        ring = selectors.ring_get_for_user(request.user, pk)
        data, digest = services.evidence_pack(user=request.user, ring=ring)
        response = HttpResponse(data, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="ring-{ring.pk}-evidence.zip"'
        response["X-Evidence-Pack-SHA256"] = digest
        return response
