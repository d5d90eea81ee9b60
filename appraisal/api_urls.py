from django.urls import path

from . import api

urlpatterns = [
    path("appraisal/cases/", api.CaseCollection.as_view(), name="cases"),
    path("appraisal/cases/<int:pk>/", api.CaseDetail.as_view(), name="case"),
    path("appraisal/cases/<int:pk>/vote/", api.CaseVote.as_view(), name="case-vote"),
    path(
        "appraisal/cases/<int:pk>/statements/",
        api.CaseStatement.as_view(),
        name="case-statements",
    ),
    path("appraisal/cases/<int:pk>/appeal/", api.CaseAppeal.as_view(), name="case-appeal"),
    path("appraisal/assignments/", api.Assignments.as_view(), name="assignments"),
]
