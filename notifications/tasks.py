"""Thin tasks: ids in, one service call. Webhook deliveries retry with
exponential backoff; the delivery row keeps every attempt's outcome."""

from celery import shared_task
from django.conf import settings

from . import services


@shared_task
def send_notification_emails(notification_ids: list[int]) -> int:
    return services.notification_emails_send(notification_ids=notification_ids)


@shared_task(bind=True, max_retries=None)
def deliver_webhook(self, delivery_id: int) -> bool | None:
    delivered = services.webhook_deliver(delivery_id=delivery_id)
    if delivered is False:
        # The service counts attempts and gives up at WEBHOOK_MAX_ATTEMPTS.
        attempt = min(self.request.retries + 1, settings.WEBHOOK_MAX_ATTEMPTS)
        raise self.retry(countdown=services.backoff_seconds(attempt))
    return delivered
