from django.urls import path

from rightsholders import views as rh_views

app_name = "portal"

urlpatterns = [
    path("", rh_views.home, name="home"),
]
