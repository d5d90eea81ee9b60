from django.urls import path

from . import api

urlpatterns = [
    path("notifications/", api.NotificationCollection.as_view(), name="notifications"),
    path(
        "notifications/read-all/",
        api.NotificationReadAll.as_view(),
        name="notifications-read-all",
    ),
    path("notifications/<int:pk>/read/", api.NotificationRead.as_view(), name="notification-read"),
    path("webhooks/", api.WebhookCollection.as_view(), name="webhooks"),
    path("webhooks/<int:pk>/", api.WebhookDetail.as_view(), name="webhook"),
    path(
        "webhooks/<int:pk>/deliveries/",
        api.WebhookDeliveryCollection.as_view(),
        name="webhook-deliveries",
    ),
    path(
        "webhooks/<int:pk>/deliveries/<int:delivery_pk>/redeliver/",
        api.WebhookRedeliver.as_view(),
        name="webhook-redeliver",
    ),
]
