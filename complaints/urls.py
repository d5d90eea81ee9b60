"""Portal routes for complaints and notifications, included in the portal's
namespace: ``path("", include("complaints.urls"))`` in ``portal_urls``."""

from django.urls import path

from . import views

urlpatterns = [
    path("complaints/", views.complaint_list, name="complaints"),
    path("complaints/new/", views.complaint_new, name="complaint-new"),
    path("complaints/bulk/", views.complaint_bulk, name="complaints-bulk"),
    path("complaints/<int:pk>/", views.complaint_detail, name="complaint"),
    path("complaints/<int:pk>/answer/", views.complaint_answer, name="complaint-answer"),
    path("complaints/<int:pk>/withdraw/", views.complaint_withdraw, name="complaint-withdraw"),
    path(
        "complaints/<int:pk>/counter-notice/",
        views.counter_notice,
        name="complaint-counter-notice",
    ),
    path(
        "suspects/<int:pk>/complaint/",
        views.complaint_from_suspect,
        name="complaint-from-suspect",
    ),
    # Sellers: the actions taken on their listings (the same pages, their view).
    path("seller/actions/", views.complaint_list, name="seller-actions"),
    path("seller/actions/<int:pk>/", views.complaint_detail, name="seller-action"),
    path("notifications/", views.notification_list, name="notifications"),
]
