from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from marketplace import api as marketplace_api
from rightsholders import api as rh

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # Marketplace
    path("listings/", marketplace_api.ListingCollection.as_view(), name="listings"),
    path("listings/<int:pk>/", marketplace_api.ListingDetail.as_view(), name="listing"),
    # Rights holders
    path("organisations/", rh.OrganisationCollection.as_view(), name="organisations"),
    path("organisations/<int:pk>/", rh.OrganisationDetail.as_view(), name="organisation"),
    path(
        "organisations/<int:pk>/verification/",
        rh.OrganisationVerification.as_view(),
        name="organisation-verification",
    ),
    path(
        "organisations/<int:pk>/trademarks/",
        rh.TrademarkCollection.as_view(),
        name="organisation-trademarks",
    ),
    path(
        "organisations/<int:pk>/authorisations/",
        rh.AuthorisationCollection.as_view(),
        name="organisation-authorisations",
    ),
    path(
        "organisations/<int:pk>/integrity/",
        rh.IntegrityLedger.as_view(),
        name="organisation-integrity",
    ),
    path("trademarks/<int:pk>/", rh.TrademarkDetail.as_view(), name="trademark"),
    path(
        "trademarks/<int:pk>/verification/",
        rh.TrademarkVerification.as_view(),
        name="trademark-verification",
    ),
    path("brands/", rh.BrandCollection.as_view(), name="brands"),
    path("brands/<int:pk>/", rh.BrandDetail.as_view(), name="brand"),
    path(
        "brands/<int:pk>/authorised-shops/",
        rh.AuthorisedShopCollection.as_view(),
        name="brand-authorised-shops",
    ),
    path(
        "brands/<int:pk>/authorised-shops/<int:shop_pk>/",
        rh.AuthorisedShopDetail.as_view(),
        name="brand-authorised-shop",
    ),
    path(
        "brands/<int:pk>/product-models/",
        rh.ProductModelCollection.as_view(),
        name="brand-product-models",
    ),
    path(
        "brands/<int:pk>/fake-characteristics/",
        rh.FakeCharacteristicCollection.as_view(),
        name="brand-fake-characteristics",
    ),
]

from detection import api as detection_api  # noqa: E402

urlpatterns += [
    path(
        "brands/<int:pk>/reference-images/",
        detection_api.ReferenceImageCollection.as_view(),
        name="brand-reference-images",
    ),
    path("suspects/", detection_api.SuspectCollection.as_view(), name="suspects"),
    path("suspects/<int:pk>/", detection_api.SuspectDetail.as_view(), name="suspect"),
    path(
        "suspects/<int:pk>/judgment/",
        detection_api.SuspectJudgment.as_view(),
        name="suspect-judgment",
    ),
    path("scans/", detection_api.ScanCollection.as_view(), name="scans"),
    path("scans/<int:pk>/", detection_api.ScanDetail.as_view(), name="scan"),
    path("scans/<int:pk>/cancel/", detection_api.ScanCancel.as_view(), name="scan-cancel"),
    path("models/", detection_api.ModelVersionCollection.as_view(), name="model-versions"),
]

from networks import api as networks_api  # noqa: E402

urlpatterns += [
    path("rings/", networks_api.RingCollection.as_view(), name="rings"),
    path("rings/<int:pk>/", networks_api.RingDetail.as_view(), name="ring"),
    path(
        "rings/<int:pk>/evidence-pack/",
        networks_api.RingEvidencePack.as_view(),
        name="ring-evidence-pack",
    ),
]

urlpatterns += [
    path("", include("complaints.api_urls")),
    path("", include("appraisal.api_urls")),
    # Notifications and webhooks serve every app.
    path("", include("notifications.api_urls")),
]
