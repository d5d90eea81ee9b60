from django.contrib.auth import views as auth_views
from django.urls import include, path

from detection import views as detection_views
from rightsholders import views as rh_views

app_name = "portal"

urlpatterns = [
    path("", rh_views.home, name="home"),
    path("signup/", rh_views.signup, name="signup"),
    path("organisations/new/", rh_views.organisation_create, name="organisation-create"),
    path("organisations/<int:pk>/", rh_views.organisation_detail, name="organisation"),
    path("brands/<int:pk>/", rh_views.brand_detail, name="brand"),
    path("brands/<int:pk>/assets/", detection_views.brand_assets, name="brand-assets"),
    path("suspects/", detection_views.suspect_queue, name="suspects"),
    path("suspects/judge/", detection_views.suspects_bulk_judge, name="suspects-bulk"),
    path("suspects/<int:pk>/", detection_views.suspect_detail, name="suspect"),
    path("suspects/<int:pk>/judgment/", detection_views.suspect_judge, name="suspect-judge"),
    path("scans/<int:pk>/progress/", detection_views.scan_progress, name="scan-progress"),
    path("", include("complaints.urls")),
    path("", include("networks.urls")),
]

auth_urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
