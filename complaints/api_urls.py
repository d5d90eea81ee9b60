from django.urls import path

from . import api

urlpatterns = [
    path("complaints/", api.ComplaintCollection.as_view(), name="complaints"),
    path("complaints/bulk/", api.ComplaintBulk.as_view(), name="complaints-bulk"),
    path("complaints/queue/", api.ReviewQueue.as_view(), name="complaints-queue"),
    path("complaints/<int:pk>/", api.ComplaintDetail.as_view(), name="complaint"),
    path(
        "complaints/<int:pk>/decision/",
        api.ComplaintDecision.as_view(),
        name="complaint-decision",
    ),
    path("complaints/<int:pk>/review/", api.ComplaintReview.as_view(), name="complaint-review"),
    path("complaints/<int:pk>/answer/", api.ComplaintAnswer.as_view(), name="complaint-answer"),
    path(
        "complaints/<int:pk>/withdraw/", api.ComplaintWithdraw.as_view(), name="complaint-withdraw"
    ),
    path(
        "complaints/<int:pk>/counter-notice/",
        api.ComplaintCounterNotice.as_view(),
        name="complaint-counter-notice",
    ),
    path(
        "complaints/<int:pk>/escalate/", api.ComplaintEscalate.as_view(), name="complaint-escalate"
    ),
    path(
        "complaints/<int:pk>/statement/",
        api.StatementCollection.as_view(),
        name="complaint-statement",
    ),
    path(
        "complaints/<int:pk>/evidence/<int:evidence_pk>/",
        api.EvidenceDownload.as_view(),
        name="complaint-evidence",
    ),
    path(
        "complaints/<int:pk>/test-purchases/",
        api.TestPurchaseCollection.as_view(),
        name="complaint-test-purchases",
    ),
    path(
        "complaints/<int:pk>/test-purchases/<int:purchase_pk>/result/",
        api.TestPurchaseResult.as_view(),
        name="complaint-test-purchase-result",
    ),
]
