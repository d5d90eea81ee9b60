"""Suspects, judgments, scans and reference images in the integrator API."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from platform_core.api.pagination import CursorPagination
from platform_core.api.permissions import IsBrandOrReviewer, IsReviewer
from platform_core.api.views import APIView, ListAPIView
from platform_core.errors import DomainError, NotFound
from platform_core.models import Role
from rightsholders import selectors as rh_selectors
from rightsholders import services as rh_services
from rightsholders.api import _BrandChildCollection, _require_member
from rightsholders.models import ReferenceImage

from . import selectors, services
from .models import ScanJob, Suspect, SuspectStatus


class SignalOut(serializers.Serializer):
    code = serializers.CharField()
    weight = serializers.FloatField()
    detail = serializers.CharField()


class SuspectOut(serializers.ModelSerializer):
    listing = serializers.SerializerMethodField()
    signals = SignalOut(many=True)
    score = serializers.SerializerMethodField()

    class Meta:
        model = Suspect
        fields = ["id", "brand", "listing", "score", "signals", "status", "created_at"]

    def get_score(self, obj) -> float:
        return round(obj.score, 4)

    def get_listing(self, obj) -> dict:
        listing = obj.listing
        return {
            "id": listing.pk,
            "external_id": listing.external_id,
            "title": listing.title,
            "price": str(listing.price),
            "currency": listing.currency,
            "shop": {"external_id": listing.shop.external_id, "name": listing.shop.name},
        }


class SuspectPagination(CursorPagination):
    ordering = ("-score", "-id")


class SuspectCollection(ListAPIView):
    """The brand's queue of suspected infringing links, highest score first."""

    serializer_class = SuspectOut
    permission_classes = [IsBrandOrReviewer]
    pagination_class = SuspectPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("brand", int),
            OpenApiParameter("status", str, enum=SuspectStatus.values),
            OpenApiParameter("min_score", float, description="inclusive"),
            OpenApiParameter("signal", str, description="a signal code"),
            OpenApiParameter("since", str, description="created on or after (date)"),
            OpenApiParameter("until", str, description="created on or before (date)"),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.suspects_filtered(
            selectors.suspects_for(self.request.user), self.request.query_params
        )


class SuspectDetail(APIView):
    permission_classes = [IsBrandOrReviewer]

    @extend_schema(responses=SuspectOut)
    def get(self, request, pk):
        return Response(SuspectOut(selectors.suspect_get_for_user(request.user, pk)).data)


class JudgmentIn(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=["infringing", "not_infringing"])
    note = serializers.CharField(allow_blank=True, default="", max_length=5000)


class SuspectJudgment(APIView):
    permission_classes = [IsBrandOrReviewer]

    @extend_schema(request=JudgmentIn, responses=SuspectOut)
    def post(self, request, pk):
        suspect = selectors.suspect_get_for_user(request.user, pk)
        ser = JudgmentIn(data=request.data)
        ser.is_valid(raise_exception=True)
        suspect = services.suspect_judge(user=request.user, suspect=suspect, **ser.validated_data)
        return Response(SuspectOut(suspect).data)


class ScanOut(serializers.ModelSerializer):
    class Meta:
        model = ScanJob
        fields = [
            "id",
            "kind",
            "brand",
            "status",
            "total",
            "done",
            "suspects_found",
            "created_at",
            "started_at",
            "finished_at",
        ]


class ScanIn(serializers.Serializer):
    brand = serializers.IntegerField(required=False, allow_null=True)


class ScanCollection(ListAPIView):
    serializer_class = ScanOut
    permission_classes = [IsBrandOrReviewer]

    def get_queryset(self):
        return selectors.scans_for(self.request.user)

    @extend_schema(request=ScanIn, responses={202: ScanOut})
    def post(self, request):
        ser = ScanIn(data=request.data)
        ser.is_valid(raise_exception=True)
        brand_id = ser.validated_data.get("brand")
        if brand_id is None and request.user.role != Role.REVIEWER:
            raise DomainError("Name the brand to sweep.", fields={"brand": ["Required."]})
        brand = None
        if brand_id is not None:
            try:
                brand = rh_selectors.brand_get_for_user(request.user, brand_id)
            except NotFound:
                raise DomainError("No such brand.", fields={"brand": ["Unknown brand."]}) from None
        job = services.scan_start(user=request.user, brand=brand)
        return Response(ScanOut(job).data, status=status.HTTP_202_ACCEPTED)


class ScanDetail(APIView):
    permission_classes = [IsBrandOrReviewer]

    @extend_schema(responses=ScanOut)
    def get(self, request, pk):
        return Response(ScanOut(selectors.scan_get_for_user(request.user, pk)).data)


class ScanCancel(APIView):
    permission_classes = [IsBrandOrReviewer]

    @extend_schema(request=None, responses=ScanOut)
    def post(self, request, pk):
        job = selectors.scan_get_for_user(request.user, pk)
        return Response(ScanOut(services.scan_cancel(user=request.user, job=job)).data)


class ReferenceImageOut(serializers.ModelSerializer):
    image = serializers.SerializerMethodField()

    class Meta:
        model = ReferenceImage
        fields = ["id", "brand", "kind", "product_model", "image", "width", "height", "created_at"]

    def get_image(self, obj) -> str | None:
        request = self.context.get("request")
        return request.build_absolute_uri(obj.image.url) if request and obj.image else None


class ReferenceImageIn(serializers.Serializer):
    image = serializers.FileField()
    kind = serializers.ChoiceField(choices=ReferenceImage.Kind.choices)
    product_model = serializers.IntegerField(required=False, allow_null=True)


class ReferenceImageCollection(_BrandChildCollection):
    serializer_class = ReferenceImageOut
    input_serializer = ReferenceImageIn
    related_name = "reference_images"

    @extend_schema(
        request={"multipart/form-data": ReferenceImageIn}, responses={201: ReferenceImageOut}
    )
    def post(self, request, pk):
        brand = self.brand()
        _require_member(request.user, brand.organisation)
        ser = ReferenceImageIn(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        upload = data["image"]
        from django.conf import settings

        if upload.size > settings.IMAGE_MAX_BYTES:
            raise DomainError("The image is too large.", code="image_too_large", status=413)
        product_model = None
        if data.get("product_model"):
            product_model = brand.product_models.filter(pk=data["product_model"]).first()
            if product_model is None:
                raise DomainError(
                    "No such product model for this brand.",
                    fields={"product_model": ["Unknown product model."]},
                )
        ref = rh_services.reference_image_add(
            user=request.user,
            brand=brand,
            content=upload.read(),
            kind=data["kind"],
            product_model=product_model,
        )
        return Response(
            ReferenceImageOut(ref, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    def get_serializer_context(self):
        return {"request": self.request}


class ModelVersionOut(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    labels = serializers.IntegerField()
    positives = serializers.IntegerField()
    precision = serializers.FloatField()
    recall = serializers.FloatField()
    active = serializers.BooleanField()


class ModelVersionCollection(ListAPIView):
    """Learned-score versions with their cross-validated quality; a POST
    retrains now (reviewers)."""

    serializer_class = ModelVersionOut
    permission_classes = [IsReviewer]

    def get_queryset(self):
        from .models import ModelVersion

        return ModelVersion.objects.defer("blob")

    @extend_schema(request=None, responses={202: None})
    def post(self, request):
        from django.db import transaction

        from .tasks import retrain_model

        transaction.on_commit(retrain_model.delay)
        return Response({"status": "queued"}, status=status.HTTP_202_ACCEPTED)
