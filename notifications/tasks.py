"""Thin tasks: ids in, one service call. Webhook deliveries retry with
exponential backoff; the delivery row keeps every attempt's outcome."""

from celery import shared_task

from . import services


@shared_task
def send_notification_emails(notification_ids: list[int], language: str | None = None) -> int:
    return services.notification_emails_send(notification_ids=notification_ids, language=language)


@shared_task(bind=True, max_retries=None)
def deliver_webhook(self, delivery_id: int) -> bool | None:
    delivered = services.webhook_deliver(delivery_id=delivery_id)
    if delivered is False:
        # The service counts attempts, sets when the next one is due (the
        # backoff) and gives up at WEBHOOK_MAX_ATTEMPTS.
        raise self.retry(countdown=services.webhook_retry_countdown(delivery_id=delivery_id))
    return delivered


@shared_task
def requeue_stale_webhooks() -> int:
    """Re-enqueue pending deliveries whose task was lost (beat, every few minutes)."""
    return services.webhook_deliveries_requeue()
