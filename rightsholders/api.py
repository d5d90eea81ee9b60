"""Brand side and verification endpoints of the integrator API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from platform_core.api.permissions import IsBrandOrReviewer, IsBrandStaff, IsReviewer
from platform_core.api.views import APIView, ListAPIView
from platform_core.errors import DomainError, NotFound
from platform_core.params import as_id

from . import selectors, services
from .models import (
    Authorisation,
    AuthorisedShop,
    Brand,
    CredentialStatus,
    FakeCharacteristic,
    IntegrityEvent,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    ProductModel,
    Trademark,
)

# --- Output shapes --------------------------------------------------------------


class OrganisationOut(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = [
            "id",
            "name",
            "country",
            "kind",
            "status",
            "status_reason",
            "status_changed_at",
            "integrity_score",
            "filing_suspended_until",
            "created_at",
        ]


class TrademarkOut(serializers.ModelSerializer):
    class Meta:
        model = Trademark
        fields = [
            "id",
            "organisation",
            "brand",
            "registration_number",
            "jurisdiction",
            "nice_classes",
            "expires_on",
            "status",
            "status_reason",
            "created_at",
        ]


class AuthorisationOut(serializers.ModelSerializer):
    class Meta:
        model = Authorisation
        fields = [
            "id",
            "organisation",
            "brand",
            "principal_name",
            "valid_until",
            "status",
            "status_reason",
            "created_at",
        ]


class BrandOut(serializers.ModelSerializer):
    class Meta:
        model = Brand
        fields = ["id", "organisation", "name", "aliases", "default_currency", "created_at"]


class AuthorisedShopOut(serializers.ModelSerializer):
    class Meta:
        model = AuthorisedShop
        fields = ["id", "brand", "shop_external_id", "created_at"]


class ProductModelOut(serializers.ModelSerializer):
    class Meta:
        model = ProductModel
        fields = ["id", "brand", "name", "model_number", "msrp", "currency", "created_at"]


class FakeCharacteristicOut(serializers.ModelSerializer):
    class Meta:
        model = FakeCharacteristic
        fields = ["id", "brand", "kind", "value", "currency", "created_at"]


class IntegrityEventOut(serializers.ModelSerializer):
    class Meta:
        model = IntegrityEvent
        fields = ["id", "kind", "delta", "reason", "created_at"]


def _validated(serializer_class, data):
    ser = serializer_class(data=data)
    ser.is_valid(raise_exception=True)
    return ser.validated_data


# --- Organisations ----------------------------------------------------------------


class OrganisationIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    country = serializers.RegexField(r"^[A-Za-z]{2}$", help_text="ISO 3166-1 alpha-2")
    kind = serializers.ChoiceField(
        choices=OrganisationKind.choices, default=OrganisationKind.RIGHTS_OWNER
    )


class OrganisationCollection(ListAPIView):
    serializer_class = OrganisationOut
    ordering = "-id"

    def get_permissions(self):
        return [(IsBrandStaff if self.request.method == "POST" else IsBrandOrReviewer)()]

    def get_queryset(self):
        qs = selectors.organisations_for(self.request.user)
        if status_ := self.request.query_params.get("status"):
            qs = qs.filter(status=status_)
        return qs

    @extend_schema(request=OrganisationIn, responses={201: OrganisationOut})
    def post(self, request):
        data = _validated(OrganisationIn, request.data)
        org = services.organisation_create(user=request.user, **data)
        return Response(OrganisationOut(org).data, status=status.HTTP_201_CREATED)


class OrganisationDetail(APIView):
    permission_classes = [IsBrandOrReviewer]

    @extend_schema(responses=OrganisationOut)
    def get(self, request, pk):
        org = selectors.organisation_get_for_user(request.user, pk)
        return Response(OrganisationOut(org).data)


class VerificationIn(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[
            OrganisationStatus.VERIFIED,
            OrganisationStatus.REJECTED,
            OrganisationStatus.SUSPENDED,
        ]
    )
    reason = serializers.CharField(allow_blank=True, default="", max_length=5000)


class OrganisationVerification(APIView):
    permission_classes = [IsReviewer]

    @extend_schema(request=VerificationIn, responses=OrganisationOut)
    def post(self, request, pk):
        org = selectors.organisation_get_for_user(request.user, pk)
        data = _validated(VerificationIn, request.data)
        org = services.organisation_decide(reviewer=request.user, organisation=org, **data)
        return Response(OrganisationOut(org).data)


class IntegrityLedger(ListAPIView):
    """An organisation's integrity ledger: every event with its reason."""

    serializer_class = IntegrityEventOut
    permission_classes = [IsBrandOrReviewer]

    def get_queryset(self):
        org = selectors.organisation_get_for_user(self.request.user, self.kwargs["pk"])
        return org.integrity_events.all()


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "example": "18,25"},
            {"type": "array", "items": {"type": "integer"}},
        ]
    }
)
class NiceClassesField(serializers.Field):
    """``18,25`` in a form, ``[18, 25]`` in JSON."""

    def to_internal_value(self, data):
        if hasattr(data, "split"):
            data = [part for part in data.replace(" ", "").split(",") if part]
        if not isinstance(data, list) or not data:
            raise serializers.ValidationError("Give Nice classes like 18,25.")
        try:
            return [int(c) for c in data]
        except (TypeError, ValueError):
            raise serializers.ValidationError("Nice classes are whole numbers.") from None

    def to_representation(self, value):
        return value


class TrademarkIn(serializers.Serializer):
    brand = serializers.IntegerField()
    registration_number = serializers.CharField(max_length=64)
    jurisdiction = serializers.CharField(max_length=16)
    nice_classes = NiceClassesField()
    expires_on = serializers.DateField()
    certificate = serializers.FileField()


def _own_brand(user, organisation, brand_id) -> Brand:
    try:
        return organisation.brands.get(pk=brand_id)
    except Brand.DoesNotExist:
        raise DomainError(
            "No such brand in this organisation.", fields={"brand": ["Unknown brand."]}
        ) from None


# The membership rule lives in ``services.require_member`` and every use case
# checks it; this name stays for views that still import it.
_require_member = services.require_member


class TrademarkCollection(ListAPIView):
    serializer_class = TrademarkOut
    permission_classes = [IsBrandOrReviewer]

    def get_queryset(self):
        org = selectors.organisation_get_for_user(self.request.user, self.kwargs["pk"])
        return org.trademarks.all()

    @extend_schema(request={"multipart/form-data": TrademarkIn}, responses={201: TrademarkOut})
    def post(self, request, pk):
        org = selectors.organisation_get_for_user(request.user, pk)
        data = _validated(TrademarkIn, request.data)
        data["brand"] = _own_brand(request.user, org, data["brand"])
        tm = services.trademark_add(user=request.user, organisation=org, **data)
        return Response(TrademarkOut(tm).data, status=status.HTTP_201_CREATED)


class TrademarkDetail(APIView):
    permission_classes = [IsBrandOrReviewer]

    @extend_schema(responses=TrademarkOut)
    def get(self, request, pk):
        return Response(TrademarkOut(selectors.trademark_get_for_user(request.user, pk)).data)


class CredentialVerificationIn(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[CredentialStatus.VERIFIED, CredentialStatus.REJECTED]
    )
    reason = serializers.CharField(allow_blank=True, default="", max_length=5000)


class TrademarkVerification(APIView):
    permission_classes = [IsReviewer]

    @extend_schema(request=CredentialVerificationIn, responses=TrademarkOut)
    def post(self, request, pk):
        tm = selectors.trademark_get_for_user(request.user, pk)
        data = _validated(CredentialVerificationIn, request.data)
        tm = services.trademark_decide(reviewer=request.user, trademark=tm, **data)
        return Response(TrademarkOut(tm).data)


class AuthorisationIn(serializers.Serializer):
    principal_name = serializers.CharField(max_length=200)
    brand = serializers.IntegerField()
    letter = serializers.FileField()
    valid_until = serializers.DateField()


class AuthorisationCollection(ListAPIView):
    serializer_class = AuthorisationOut
    permission_classes = [IsBrandOrReviewer]

    def get_queryset(self):
        org = selectors.organisation_get_for_user(self.request.user, self.kwargs["pk"])
        return org.authorisations.all()

    @extend_schema(
        request={"multipart/form-data": AuthorisationIn}, responses={201: AuthorisationOut}
    )
    def post(self, request, pk):
        org = selectors.organisation_get_for_user(request.user, pk)
        data = _validated(AuthorisationIn, request.data)
        data["brand"] = _own_brand(request.user, org, data["brand"])
        auth = services.authorisation_add(user=request.user, organisation=org, **data)
        return Response(AuthorisationOut(auth).data, status=status.HTTP_201_CREATED)


# --- Brands ---------------------------------------------------------------------


class BrandIn(serializers.Serializer):
    organisation = serializers.IntegerField()
    name = serializers.CharField(max_length=120)
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=120, allow_blank=True), default=list, max_length=50
    )
    default_currency = serializers.RegexField(r"^[A-Za-z]{3}$", default="CNY")


class BrandCollection(ListAPIView):
    serializer_class = BrandOut
    ordering = "-id"

    def get_permissions(self):
        return [(IsBrandStaff if self.request.method == "POST" else IsBrandOrReviewer)()]

    def get_queryset(self):
        qs = selectors.brands_for(self.request.user)
        if org := self.request.query_params.get("organisation"):
            qs = qs.filter(organisation_id=pk) if (pk := as_id(org)) is not None else qs.none()
        return qs

    @extend_schema(request=BrandIn, responses={201: BrandOut})
    def post(self, request):
        data = _validated(BrandIn, request.data)
        try:
            org = selectors.organisation_get_for_user(request.user, data.pop("organisation"))
        except NotFound:
            raise DomainError(
                "No such organisation.", fields={"organisation": ["Unknown organisation."]}
            ) from None
        brand = services.brand_create(user=request.user, organisation=org, **data)
        return Response(BrandOut(brand).data, status=status.HTTP_201_CREATED)


class BrandUpdateIn(serializers.Serializer):
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=120, allow_blank=True), max_length=50
    )


class BrandDetail(APIView):
    permission_classes = [IsBrandOrReviewer]

    @extend_schema(responses=BrandOut)
    def get(self, request, pk):
        return Response(BrandOut(selectors.brand_get_for_user(request.user, pk)).data)

    @extend_schema(request=BrandUpdateIn, responses=BrandOut)
    def patch(self, request, pk):
        brand = selectors.brand_get_for_user(request.user, pk)
        data = _validated(BrandUpdateIn, request.data)
        return Response(
            BrandOut(services.brand_update(user=request.user, brand=brand, **data)).data
        )


class _BrandChildCollection(ListAPIView):
    """A list of one kind of brand asset, and adding one."""

    permission_classes = [IsBrandOrReviewer]
    related_name = ""
    input_serializer: type[serializers.Serializer]

    def brand(self):
        return selectors.brand_get_for_user(self.request.user, self.kwargs["pk"])

    def get_queryset(self):
        return getattr(self.brand(), self.related_name).all()

    def create(self, brand, data):  # pragma: no cover - each subclass has one
        raise NotImplementedError

    def post(self, request, pk):
        brand = self.brand()
        obj = self.create(brand, _validated(self.input_serializer, request.data))
        return Response(self.serializer_class(obj).data, status=status.HTTP_201_CREATED)


class AuthorisedShopIn(serializers.Serializer):
    shop_external_id = serializers.CharField(max_length=128)


class AuthorisedShopCollection(_BrandChildCollection):
    serializer_class = AuthorisedShopOut
    input_serializer = AuthorisedShopIn
    related_name = "authorised_shops"

    @extend_schema(request=AuthorisedShopIn, responses={201: AuthorisedShopOut})
    def post(self, request, pk):
        return super().post(request, pk)

    def create(self, brand, data):
        return services.authorised_shop_add(user=self.request.user, brand=brand, **data)


class AuthorisedShopDetail(APIView):
    permission_classes = [IsBrandStaff]

    @extend_schema(responses={204: None})
    def delete(self, request, pk, shop_pk):
        brand = selectors.brand_get_for_user(request.user, pk)
        try:
            shop = brand.authorised_shops.get(pk=shop_pk)
        except AuthorisedShop.DoesNotExist:
            raise NotFound("No such authorised shop.") from None
        services.authorised_shop_remove(user=request.user, shop=shop)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductModelIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    model_number = serializers.CharField(max_length=64, allow_blank=True, default="")
    msrp = serializers.DecimalField(max_digits=12, decimal_places=2)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$")


class ProductModelCollection(_BrandChildCollection):
    serializer_class = ProductModelOut
    input_serializer = ProductModelIn
    related_name = "product_models"

    @extend_schema(request=ProductModelIn, responses={201: ProductModelOut})
    def post(self, request, pk):
        return super().post(request, pk)

    def create(self, brand, data):
        return services.product_model_add(user=self.request.user, brand=brand, **data)


class FakeCharacteristicIn(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FakeCharacteristic.Kind.choices)
    value = serializers.CharField(max_length=500)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", required=False, default="")


class FakeCharacteristicCollection(_BrandChildCollection):
    serializer_class = FakeCharacteristicOut
    input_serializer = FakeCharacteristicIn
    related_name = "fake_characteristics"

    @extend_schema(request=FakeCharacteristicIn, responses={201: FakeCharacteristicOut})
    def post(self, request, pk):
        return super().post(request, pk)

    def create(self, brand, data):
        return services.fake_characteristic_add(user=self.request.user, brand=brand, **data)
