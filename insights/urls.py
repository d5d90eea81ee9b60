from django.urls import path

from . import admin, views

app_name = "insights"

urlpatterns = [
    path("results/", views.results, name="results"),
    path("transparency/", views.transparency, name="transparency"),
]

# Mounted under /admin/ ahead of the admin site's own URLs.
console_urlpatterns = [
    path("dashboard/", admin.dashboard, name="dashboard"),
]
