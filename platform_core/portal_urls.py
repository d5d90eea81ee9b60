from django.contrib.auth import views as auth_views
from django.urls import path

from rightsholders import views as rh_views

app_name = "portal"

urlpatterns = [
    path("", rh_views.home, name="home"),
    path("signup/", rh_views.signup, name="signup"),
    path("organisations/new/", rh_views.organisation_create, name="organisation-create"),
    path("organisations/<int:pk>/", rh_views.organisation_detail, name="organisation"),
    path("brands/<int:pk>/", rh_views.brand_detail, name="brand"),
]

auth_urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
