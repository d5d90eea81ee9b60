"""Telling people and systems what changed.

``notify`` writes in-app notifications and mails a copy; ``webhook_emit``
queues a signed POST to every integrator endpoint that should hear of an
event. Both are called inside the transaction that made the change and
enqueue their work on commit, so nothing is sent for a change rolled back.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import socket
import time
import uuid
from collections.abc import Iterable
from urllib.parse import urlsplit

import requests
import urllib3
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from platform_core.audit import audit
from platform_core.errors import DomainError, Forbidden
from platform_core.models import Role
from platform_core.outbound import InternalAddress, checked_addresses, checked_pool_classes
from platform_core.services import supported_language

from .messages import render
from .models import DeliveryStatus, Notification, WebhookDelivery, WebhookEndpoint

SIGNATURE_HEADER = "X-CoGuard-Signature"
TIMESTAMP_HEADER = "X-CoGuard-Timestamp"
EVENT_HEADER = "X-CoGuard-Event"
DELIVERY_HEADER = "X-CoGuard-Delivery"

# Events an endpoint may subscribe to, by audience.
MARKETPLACE_EVENTS = ("listing.delisted", "listing.restored", "shop.suspended")
BRAND_EVENTS = (
    "complaint.filed",
    "complaint.needs_info",
    "complaint.decided",
    "complaint.counter_noticed",
    "complaint.escalated",
    "complaint.withdrawn",
    "complaint.voided",
    "organisation.fast_track_changed",
    "organisation.filing_suspended",
)
ALL_EVENTS = (*MARKETPLACE_EVENTS, *BRAND_EVENTS)


# --- In-app notifications and email ---------------------------------------------


def notify(
    *,
    users: Iterable,
    kind: str,
    title: str,
    body: str,
    url: str = "",
    target=None,
    email: bool = True,
) -> list[Notification]:
    """Notify each of ``users`` (duplicates and inactive users skipped) and
    mail them a copy once the transaction commits."""
    seen: set[int] = set()
    rows = []
    for user in users:
        if user is None or not user.is_active or user.pk in seen:
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                user=user,
                kind=kind,
                title=title[:200],
                body=body,
                url=url,
                target_type=target._meta.label_lower if target is not None else "",
                target_id=target.pk if target is not None else None,
            )
        )
    created = Notification.objects.bulk_create(rows)
    if email and settings.NOTIFICATION_EMAIL and created:
        ids = [n.pk for n in created]
        # For recipients who never chose a language, the mail goes out in the
        # language of the request that caused it (recipient_language).
        language = translation.get_language() or settings.LANGUAGE_CODE

        def enqueue():
            from .tasks import send_notification_emails

            send_notification_emails.delay(ids, language)

        transaction.on_commit(enqueue)
    return created


def notification_text(note: Notification) -> tuple[str, str]:
    """The notification's title and body in the active language."""
    return render(note.title), render(note.body)


def recipient_language(user, default: str | None = None) -> str:
    """The language to write to ``user`` in: their own if they chose one with
    the language switch, else ``default``, else the platform's."""
    return (
        supported_language(user.language) or supported_language(default) or settings.LANGUAGE_CODE
    )


def notification_emails_send(*, notification_ids: list[int], language: str | None = None) -> int:
    """Mail each notification not mailed yet, in the recipient's language;
    idempotent, so a redelivered task sends nothing twice."""
    sent = 0
    for note in Notification.objects.filter(
        pk__in=notification_ids, emailed_at__isnull=True
    ).select_related("user"):
        if not note.user.email:
            continue
        link = f"\n\n{settings.SITE_URL}{note.url}" if note.url else ""
        with translation.override(recipient_language(note.user, language)):
            title, body = notification_text(note)
        send_mail(
            subject=f"[CoGuard] {title}",
            message=body + link,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[note.user.email],
        )
        Notification.objects.filter(pk=note.pk).update(emailed_at=timezone.now())
        sent += 1
    return sent


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark the user's notifications read: these ``ids``, or all of them."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


# --- Webhook endpoints --------------------------------------------------------------


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DomainError(
            gettext("The URL must be an http(s) URL."),
            fields={"url": [gettext("Not an http(s) URL.")]},
        )
    if parts.username or parts.password:
        raise DomainError(
            gettext("The URL may not carry credentials."),
            fields={"url": [gettext("No credentials.")]},
        )


def _address_allowed(url: str) -> bool:
    """Webhooks never reach internal addresses (SSRF), unless allow-listed.
    Checked at registration and before every delivery; without a proxy the
    delivery's connection also connects only to an address it checked
    (``_CheckedAdapter``), while through one the proxy resolves the name and
    this check is the guard. The name checked is the one connected to (IDNA
    2008 for non-ASCII hosts, as urllib3 encodes it)."""
    try:
        host = urllib3.util.parse_url(url).host or ""
    except ValueError:
        return True  # not a URL a connection can be made to: the attempt fails
    try:
        checked_addresses(host, None, allowed_hosts=settings.WEBHOOK_ALLOWED_HOSTS)
    except InternalAddress:
        return False
    except socket.gaierror:
        return True  # unresolvable now: the delivery attempt will fail and retry
    return True


class _CheckedAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter whose connections resolve the host once and connect
    only to an address they checked: a name that answers a public address to
    the check and an internal one afterwards (DNS rebinding) gets nowhere."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = checked_pool_classes("WEBHOOK_ALLOWED_HOSTS")


def _post(url: str, **kwargs) -> requests.Response:
    with requests.Session() as session:
        session.mount("http://", _CheckedAdapter())
        session.mount("https://", _CheckedAdapter())
        return session.post(url, **kwargs)


@transaction.atomic
def webhook_endpoint_create(
    *, user, url: str, secret: str = "", events: list[str] | None = None, organisation=None
) -> WebhookEndpoint:
    """Register an endpoint: the marketplace's (no organisation) or a brand
    organisation's (its staff only)."""
    if user.role == Role.MARKETPLACE:
        if organisation is not None:
            raise DomainError(
                gettext("Marketplace endpoints belong to no organisation."),
                fields={"organisation": [gettext("Leave it out.")]},
            )
        # Brand events go to the organisation's own endpoints only: a
        # marketplace endpoint subscribed to them would never hear of one.
        allowed = MARKETPLACE_EVENTS
    elif user.role == Role.BRAND:
        if organisation is None:
            raise DomainError(
                gettext("Name the organisation whose events to receive."),
                fields={"organisation": [gettext("Required.")]},
            )
        allowed = BRAND_EVENTS
    else:
        raise Forbidden(gettext("Only the marketplace and brand staff register webhooks."))
    _check_url(url)
    if not _address_allowed(url):
        raise DomainError(
            gettext("Webhooks are not sent to internal network addresses."),
            code="url_forbidden",
            fields={"url": [gettext("An internal address.")]},
        )
    events = sorted(set(events or []))
    unknown = [e for e in events if e not in allowed]
    if unknown:
        raise DomainError(
            gettext("Unknown events: %(events)s") % {"events": ", ".join(unknown)},
            fields={
                "events": [gettext("Choose from: %(events)s.") % {"events": ", ".join(allowed)}]
            },
        )
    endpoint = WebhookEndpoint(owner=user, organisation=organisation, url=url, events=events)
    if secret:
        if len(secret) < 16:
            raise DomainError(
                gettext("A secret needs at least 16 characters."),
                fields={"secret": [gettext("Too short.")]},
            )
        endpoint.secret = secret
    endpoint.save()
    audit(actor=user, action="webhook.registered", target=endpoint, url=url)
    return endpoint


@transaction.atomic
def webhook_endpoint_deactivate(*, user, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    endpoint.active = False
    endpoint.save(update_fields=["active"])
    audit(actor=user, action="webhook.deactivated", target=endpoint)
    return endpoint


# --- Emitting and delivering ---------------------------------------------------------


def webhook_emit(
    *, event: str, data: dict, organisation=None, marketplace: bool = False
) -> list[WebhookDelivery]:
    """Queue ``event`` for the organisation's endpoints and, with
    ``marketplace``, the marketplace's. One delivery row per endpoint; each is
    posted by a worker after commit and retried with backoff."""
    endpoints = WebhookEndpoint.objects.none()
    if organisation is not None:
        endpoints |= WebhookEndpoint.objects.filter(organisation=organisation, active=True)
    if marketplace:
        endpoints |= WebhookEndpoint.objects.filter(organisation__isnull=True, active=True)
    event_id = uuid.uuid4()
    payload = {
        "id": str(event_id),
        "event": event,
        "created_at": timezone.now().isoformat(),
        "data": data,
    }
    deliveries = WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(endpoint=ep, event=event, event_id=event_id, payload=payload)
            for ep in endpoints
            if ep.wants(event)
        ]
    )
    if deliveries:
        ids = [d.pk for d in deliveries]

        def enqueue():
            from .tasks import deliver_webhook

            for delivery_id in ids:
                deliver_webhook.delay(delivery_id)

        transaction.on_commit(enqueue)
    return deliveries


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 over ``<timestamp>.<raw body>``: binding
    the timestamp lets receivers refuse replays of an old delivery."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def backoff_seconds(attempt: int) -> float:
    """Wait before retry ``attempt`` (1-based): base * 2**(attempt-1), capped."""
    return min(
        settings.WEBHOOK_BACKOFF_SECONDS * 2 ** max(attempt - 1, 0),
        settings.WEBHOOK_BACKOFF_MAX_SECONDS,
    )


# How long one attempt may hold a delivery before it counts as abandoned (a
# worker killed mid-request); a duplicate task arriving meanwhile does nothing.
def _attempt_lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=2 * settings.WEBHOOK_TIMEOUT + 60)


# A task may wake a little before the time it was scheduled for (clock skew
# between hosts); that still counts as due.
DUE_TOLERANCE = datetime.timedelta(seconds=5)


def _claim(delivery: WebhookDelivery, now: datetime.datetime) -> bool:
    """Take the delivery's next attempt, or learn that it is not ours: not due
    yet, or another task (a redelivered or re-enqueued one) took it first.
    The conditional update is the lock: exactly one claimant wins."""
    return bool(
        WebhookDelivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.PENDING, attempts=delivery.attempts
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + DUE_TOLERANCE))
        .update(next_attempt_at=now + _attempt_lease())
    )


def webhook_deliver(*, delivery_id: int) -> bool | None:
    """Attempt one delivery. True: delivered (or already was); False: failed
    and worth retrying (at the row's ``next_attempt_at``); None: nothing to do
    (gone, inactive, given up, not due, or another task is attempting it)."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return True if delivery and delivery.status == DeliveryStatus.SUCCEEDED else None
    if not _claim(delivery, timezone.now()):
        return None
    endpoint = delivery.endpoint
    if not endpoint.active:
        _finish(delivery, DeliveryStatus.FAILED, error="The endpoint was deactivated.")
        return None
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = str(int(time.time()))
    status_code, error = None, ""
    if not _address_allowed(endpoint.url):
        error = "The URL resolves to an internal network address."
    else:
        try:
            response = _post(
                endpoint.url,
                data=body,
                timeout=settings.WEBHOOK_TIMEOUT,
                allow_redirects=False,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": "CoGuard-webhooks/1.0",
                    EVENT_HEADER: delivery.event,
                    DELIVERY_HEADER: str(delivery.event_id),
                    TIMESTAMP_HEADER: timestamp,
                    SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body),
                },
            )
            status_code = response.status_code
            response.close()
        except InternalAddress:
            error = "The URL resolves to an internal network address."
        except requests.RequestException as exc:
            error = f"{exc.__class__.__name__}: {exc}"[:500]
    ok = status_code is not None and 200 <= status_code < 300
    attempt = delivery.attempts + 1
    log_entry = {"at": timezone.now().isoformat(), "status_code": status_code, "error": error}
    if ok:
        _finish(delivery, DeliveryStatus.SUCCEEDED, status_code=status_code, entry=log_entry)
        return True
    if not error:
        error = f"The endpoint answered {status_code}."
    if attempt >= settings.WEBHOOK_MAX_ATTEMPTS:
        _finish(
            delivery, DeliveryStatus.FAILED, status_code=status_code, error=error, entry=log_entry
        )
        return None
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempt,
        last_status_code=status_code,
        last_error=error,
        attempt_log=[*delivery.attempt_log, log_entry],
        next_attempt_at=timezone.now() + datetime.timedelta(seconds=backoff_seconds(attempt)),
    )
    return False


def _finish(delivery, status, *, status_code=None, error="", entry=None) -> None:
    log = [*delivery.attempt_log, entry] if entry else delivery.attempt_log
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=status,
        attempts=delivery.attempts + (1 if entry else 0),
        last_status_code=status_code,
        last_error=error,
        attempt_log=log,
        next_attempt_at=None,
        delivered_at=timezone.now() if status == DeliveryStatus.SUCCEEDED else None,
    )


@transaction.atomic
def webhook_redeliver(*, user, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a failed delivery again (a fresh series of attempts)."""
    if delivery.status == DeliveryStatus.PENDING:
        return delivery
    # Due now: the stale-task sweep measures from here, not from the creation.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    audit(actor=user, action="webhook.redelivered", target=delivery.endpoint, delivery=delivery.pk)
    transaction.on_commit(lambda: _enqueue_delivery(delivery.pk))
    delivery.refresh_from_db()
    return delivery


def _enqueue_delivery(delivery_id: int) -> None:
    from .tasks import deliver_webhook

    deliver_webhook.delay(delivery_id)


def webhook_retry_countdown(*, delivery_id: int) -> float:
    """Seconds until the delivery's next attempt is due (0 when due now)."""
    due = (
        WebhookDelivery.objects.filter(pk=delivery_id)
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return max((due - timezone.now()).total_seconds(), 0.0) if due else 0.0


def webhook_requeue_stale_after() -> datetime.timedelta:
    """A pending delivery due this long with no attempt made has lost its task."""
    return datetime.timedelta(seconds=getattr(settings, "WEBHOOK_REQUEUE_AFTER_SECONDS", 300))


WEBHOOK_REQUEUE_BATCH = 1000


@transaction.atomic
def webhook_deliveries_requeue(*, now: datetime.datetime | None = None) -> int:
    """Enqueue again the pending deliveries whose task was lost: due (or new)
    for longer than ``WEBHOOK_REQUEUE_AFTER_SECONDS`` with no attempt made,
    including an attempt whose worker died (its lease ran out). A delivery to
    a deactivated endpoint is enqueued too, and the attempt marks it failed.

    Idempotent: the rows are locked (a concurrent sweep skips them) and their
    due time moves to now, so the next sweep leaves them alone until they are
    stale once more; and should the original task turn up after all, the
    attempt's own claim lets only one of the two post."""
    now = now or timezone.now()
    stale = now - webhook_requeue_stale_after()
    ids = list(
        WebhookDelivery.objects.select_for_update(skip_locked=True)
        .filter(status=DeliveryStatus.PENDING)
        .filter(
            Q(next_attempt_at__lte=stale) | Q(next_attempt_at__isnull=True, created_at__lte=stale)
        )
        .order_by("id")
        .values_list("pk", flat=True)[:WEBHOOK_REQUEUE_BATCH]
    )
    if ids:
        WebhookDelivery.objects.filter(pk__in=ids).update(next_attempt_at=now)

        def enqueue():
            for pk in ids:
                _enqueue_delivery(pk)

        transaction.on_commit(enqueue)
    return len(ids)
