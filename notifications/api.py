"""Notifications (every signed-in user's own) and webhook endpoints
(the marketplace's, and brand organisations' for their staff)."""

from __future__ import annotations

from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from platform_core.api.permissions import role_permission
from platform_core.api.views import APIView, ListAPIView
from platform_core.errors import DomainError, NotFound
from platform_core.models import Role
from rightsholders.selectors import organisation_ids_for, organisations_for

from . import services
from .models import Notification, WebhookDelivery, WebhookEndpoint

IsWebhookOwner = role_permission(Role.MARKETPLACE, Role.BRAND)


class NotificationOut(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "title",
            "body",
            "url",
            "target_type",
            "target_id",
            "created_at",
            "read_at",
        ]

    def to_representation(self, instance):
        # Title and body in the reader's language (Accept-Language); the
        # kind stays the machine code integrators switch on.
        data = super().to_representation(instance)
        data["title"], data["body"] = services.notification_text(instance)
        return data


class NotificationCollection(ListAPIView):
    """The user's notifications, newest first; ``?unread=true`` for unread only."""

    serializer_class = NotificationOut

    @extend_schema(parameters=[OpenApiParameter("unread", bool)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        qs = Notification.objects.filter(user=self.request.user)
        if self.request.query_params.get("unread") in ("1", "true", "yes"):
            qs = qs.filter(read_at__isnull=True)
        return qs


class NotificationRead(APIView):
    @extend_schema(request=None, responses=NotificationOut)
    def post(self, request, pk):
        note = Notification.objects.filter(user=request.user, pk=pk).first()
        if note is None:
            raise NotFound(gettext("No such notification."))
        services.notifications_mark_read(user=request.user, ids=[note.pk])
        note.refresh_from_db()
        return Response(NotificationOut(note).data)


class NotificationReadAll(APIView):
    @extend_schema(
        request=None,
        responses={200: {"type": "object", "properties": {"marked": {"type": "integer"}}}},
    )
    def post(self, request):
        return Response({"marked": services.notifications_mark_read(user=request.user)})


# --- Webhooks --------------------------------------------------------------------


class WebhookEndpointOut(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "organisation", "events", "active", "created_at"]


class WebhookEndpointCreatedOut(WebhookEndpointOut):
    """The secret is shown once, at registration."""

    class Meta(WebhookEndpointOut.Meta):
        fields = [*WebhookEndpointOut.Meta.fields, "secret"]


class WebhookEndpointIn(serializers.Serializer):
    url = serializers.URLField(max_length=2000)
    secret = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="default: generated"
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=services.ALL_EVENTS), required=False
    )
    organisation = serializers.IntegerField(required=False, help_text="brand staff: required")


class WebhookDeliveryOut(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event",
            "event_id",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "attempt_log",
            "next_attempt_at",
            "delivered_at",
            "created_at",
            "payload",
        ]


def endpoints_for(user):
    if user.role == Role.MARKETPLACE:
        return WebhookEndpoint.objects.filter(organisation__isnull=True)
    if user.role == Role.BRAND:
        return WebhookEndpoint.objects.filter(organisation__in=organisation_ids_for(user))
    return WebhookEndpoint.objects.none()


def endpoint_get_for_user(user, pk) -> WebhookEndpoint:
    endpoint = endpoints_for(user).filter(pk=pk).first()
    if endpoint is None:
        raise NotFound(gettext("No such webhook endpoint."))
    return endpoint


class WebhookCollection(ListAPIView):
    """Webhook endpoints. Each delivery is a POST of the JSON event
    ``{"id", "event", "created_at", "data"}`` with headers ``X-CoGuard-Event``,
    ``X-CoGuard-Delivery`` (the event id, for de-duplication),
    ``X-CoGuard-Timestamp`` (Unix seconds) and ``X-CoGuard-Signature:
    sha256=<hex>``, the HMAC-SHA256 with the endpoint's secret of
    ``<timestamp>.<raw body>``. Any 2xx answer acknowledges; anything else is
    retried with exponential backoff, and every attempt is in the delivery log.
    The marketplace receives ``listing.delisted``, ``listing.restored`` and
    ``shop.suspended``; brands their organisation's complaint events."""

    serializer_class = WebhookEndpointOut
    permission_classes = [IsWebhookOwner]

    def get_queryset(self):
        return endpoints_for(self.request.user)

    @extend_schema(request=WebhookEndpointIn, responses={201: WebhookEndpointCreatedOut})
    def post(self, request):
        ser = WebhookEndpointIn(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        organisation = None
        if data.get("organisation") is not None:
            organisation = organisations_for(request.user).filter(pk=data["organisation"]).first()
            if organisation is None:
                raise DomainError(
                    gettext("No such organisation."),
                    fields={"organisation": [gettext("Unknown organisation.")]},
                )
        endpoint = services.webhook_endpoint_create(
            user=request.user,
            url=data["url"],
            secret=data.get("secret") or "",
            events=data.get("events"),
            organisation=organisation,
        )
        return Response(WebhookEndpointCreatedOut(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookDetail(APIView):
    permission_classes = [IsWebhookOwner]

    @extend_schema(responses=WebhookEndpointOut)
    def get(self, request, pk):
        return Response(WebhookEndpointOut(endpoint_get_for_user(request.user, pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        endpoint = endpoint_get_for_user(request.user, pk)
        services.webhook_endpoint_deactivate(user=request.user, endpoint=endpoint)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveryCollection(ListAPIView):
    """The endpoint's delivery log, newest first."""

    serializer_class = WebhookDeliveryOut
    permission_classes = [IsWebhookOwner]

    def get_queryset(self):
        return endpoint_get_for_user(self.request.user, self.kwargs["pk"]).deliveries.all()


class WebhookRedeliver(APIView):
    permission_classes = [IsWebhookOwner]

    @extend_schema(request=None, responses=WebhookDeliveryOut)
    def post(self, request, pk, delivery_pk):
        endpoint = endpoint_get_for_user(request.user, pk)
        delivery = endpoint.deliveries.filter(pk=delivery_pk).first()
        if delivery is None:
            raise NotFound(gettext("No such delivery."))
        delivery = services.webhook_redeliver(user=request.user, delivery=delivery)
        return Response(WebhookDeliveryOut(delivery).data)
