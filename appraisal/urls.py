"""Public judges' pages, included as ``path("appraisal/", include("appraisal.urls"))``."""

from django.urls import path

from . import views

app_name = "appraisal"

urlpatterns = [
    path("", views.judge_home, name="home"),
    path("enrol/", views.enrol, name="enrol"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/vote/", views.vote, name="vote"),
]
