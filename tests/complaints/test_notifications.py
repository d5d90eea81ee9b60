"""In-app notifications with an email copy, and signed webhooks delivered
by the real worker with retries and a delivery log."""

import datetime
import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from complaints import services
from notifications import services as notification_services
from notifications import tasks as notification_tasks
from notifications.models import Notification, WebhookDelivery, WebhookEndpoint
from tests.conftest import wait_until

pytestmark = pytest.mark.django_db


def test_notifications_list_and_mark_read(api, alice, listing, file_complaint, decide):
    decide(file_complaint(listing), outcome="upheld", reason="Fake.")
    client = api(alice)

    unread = client.get("/api/v1/notifications/?unread=true").json()["results"]
    assert [n["kind"] for n in unread] == ["complaint.upheld"]
    assert "Rule applied" in unread[0]["body"]

    read = client.post(f"/api/v1/notifications/{unread[0]['id']}/read/").json()
    assert read["read_at"] is not None
    assert client.get("/api/v1/notifications/?unread=true").json()["results"] == []
    assert len(client.get("/api/v1/notifications/").json()["results"]) == 1


def test_one_cannot_read_anothers_notifications(api, alice, bob, listing, file_complaint, decide):
    decide(file_complaint(listing), outcome="upheld", reason="Fake.")
    note = Notification.objects.get(user=alice)

    assert api(bob).get("/api/v1/notifications/").json()["results"] == []
    assert api(bob).post(f"/api/v1/notifications/{note.pk}/read/").status_code == 404
    assert api(bob).post("/api/v1/notifications/read-all/").json() == {"marked": 0}
    assert Notification.objects.get(pk=note.pk).read_at is None


def test_each_notification_is_mailed_once(alice, sam, listing, file_complaint, decide):
    decide(file_complaint(listing), outcome="upheld", reason="Fake.")
    ids = list(Notification.objects.filter(kind="complaint.upheld").values_list("pk", flat=True))

    assert notification_services.notification_emails_send(notification_ids=ids) == 2
    assert notification_services.notification_emails_send(notification_ids=ids) == 0

    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "sam@example.com"]
    assert all("[CoGuard] Complaint" in m.subject for m in mail.outbox)
    assert "Rule applied" in mail.outbox[0].body


# --- Webhook endpoints -------------------------------------------------------------


def test_the_marketplace_and_brands_register_endpoints(api, mo, alice, alice_org, bob):
    market = api(mo).post(
        "/api/v1/webhooks/",
        {"url": "https://market.example.com/hooks", "events": ["listing.delisted"]},
        format="json",
    )
    brand = api(alice).post(
        "/api/v1/webhooks/",
        {"url": "https://brand.example.com/hooks", "organisation": alice_org.pk},
        format="json",
    )

    assert market.status_code == brand.status_code == 201
    assert len(market.json()["secret"]) >= 32
    assert "secret" not in api(mo).get(f"/api/v1/webhooks/{market.json()['id']}/").json()
    assert [w["id"] for w in api(alice).get("/api/v1/webhooks/").json()["results"]] == [
        brand.json()["id"]
    ]
    assert api(bob).get(f"/api/v1/webhooks/{brand.json()['id']}/").status_code == 404
    assert api(mo).get(f"/api/v1/webhooks/{brand.json()['id']}/").status_code == 404


def test_the_marketplace_subscribes_only_to_the_events_it_receives(api, mo):
    response = api(mo).post(
        "/api/v1/webhooks/",
        {"url": "https://market.example.com/hooks", "events": ["complaint.filed"]},
        format="json",
    )

    assert response.status_code == 400
    assert "events" in response.json()["error"]["fields"]


def test_endpoints_on_internal_addresses_are_refused(api, mo):
    response = api(mo).post("/api/v1/webhooks/", {"url": "http://10.0.0.8/hook"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "url_forbidden"


def test_a_brand_needs_its_own_organisation(api, alice, bob_org):
    no_org = api(alice).post("/api/v1/webhooks/", {"url": "https://x.example.com/"}, format="json")
    other = api(alice).post(
        "/api/v1/webhooks/",
        {"url": "https://x.example.com/", "organisation": bob_org.pk},
        format="json",
    )

    assert no_org.status_code == other.status_code == 400


def test_sellers_and_reviewers_register_no_webhooks(api, sam, rita):
    for user in (sam, rita):
        assert (
            api(user).post("/api/v1/webhooks/", {"url": "https://x.example.com/"}).status_code
            == 403
        )


def test_backoff_doubles_up_to_a_cap(settings):
    settings.WEBHOOK_BACKOFF_SECONDS = 30
    settings.WEBHOOK_BACKOFF_MAX_SECONDS = 3600

    assert [notification_services.backoff_seconds(n) for n in (1, 2, 3, 8)] == [30, 60, 120, 3600]


# --- Delivery with the real worker ------------------------------------------------------


class Receiver:
    """A webhook receiver on localhost that fails the first ``failures``
    deliveries with 500, then accepts."""

    def __init__(self, failures: int):
        self.failures = failures
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                ok = len(receiver.requests) > receiver.failures
                self.send_response(200 if ok else 500)
                self.end_headers()
                self.wfile.write(b"ok" if ok else b"try again")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/coguard"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.worker
def test_a_receiver_that_fails_twice_gets_the_delisting_on_the_third_try(
    worker, api, mo, rita, listing, file_complaint
):
    complaint = file_complaint(listing)
    with Receiver(failures=2) as receiver:
        created = api(mo).post(
            "/api/v1/webhooks/",
            {
                "url": receiver.url,
                "secret": "s3cret-for-the-marketplace",
                "events": ["listing.delisted"],
            },
            format="json",
        )
        assert created.status_code == 201, created.content
        endpoint = WebhookEndpoint.objects.get(pk=created.json()["id"])

        decided = api(rita).post(
            f"/api/v1/complaints/{complaint.pk}/decision/",
            {"outcome": "upheld", "reason": "Counterfeit."},
            format="json",
        )
        assert decided.status_code == 200

        delivery = wait_until(
            lambda: WebhookDelivery.objects.filter(endpoint=endpoint, status="succeeded").first(),
            timeout=60,
            message="the webhook was not delivered:\n" + worker.log()[-3000:],
        )

    assert delivery.attempts == 3
    assert [a["status_code"] for a in delivery.attempt_log] == [500, 500, 200]
    assert len(receiver.requests) == 3
    ids = {r["headers"]["X-CoGuard-Delivery"] for r in receiver.requests}
    assert ids == {str(delivery.event_id)}
    for request in receiver.requests:
        headers, body = request["headers"], request["body"]
        signed = headers["X-CoGuard-Timestamp"].encode() + b"." + body
        expected = hmac.new(b"s3cret-for-the-marketplace", signed, hashlib.sha256).hexdigest()
        assert headers["X-CoGuard-Signature"] == f"sha256={expected}"
        assert headers["X-CoGuard-Event"] == "listing.delisted"
    payload = json.loads(receiver.requests[-1]["body"])
    assert payload["event"] == "listing.delisted"
    assert payload["data"]["listing"]["external_id"] == listing.external_id
    assert payload["data"]["complaint"] == complaint.pk
    log = api(mo).get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").json()["results"]
    assert log[0]["status"] == "succeeded" and log[0]["attempts"] == 3


@pytest.mark.worker
def test_a_restore_reaches_the_marketplace_and_the_brand_hears_the_decision(
    worker, api, mo, alice, alice_org, rita, sam, listing, file_complaint
):
    with Receiver(failures=0) as market, Receiver(failures=0) as brand:
        api(mo).post("/api/v1/webhooks/", {"url": market.url}, format="json")
        api(alice).post(
            "/api/v1/webhooks/",
            {"url": brand.url, "organisation": alice_org.pk, "events": ["complaint.decided"]},
            format="json",
        )
        complaint = file_complaint(listing)
        services.complaint_decide(
            reviewer=rita, complaint=complaint, outcome="upheld", reason="Fake."
        )
        services.counter_notice_file(user=sam, complaint=complaint, explanation="Genuine.")
        services.complaint_decide(
            reviewer=rita, complaint=complaint, outcome="rejected", reason="Invoice checks out."
        )

        wait_until(lambda: len(market.requests) >= 2 and len(brand.requests) >= 2, timeout=60)

    market_events = [json.loads(r["body"])["event"] for r in market.requests]
    assert sorted(market_events) == ["listing.delisted", "listing.restored"]
    outcomes = sorted(json.loads(r["body"])["data"]["decision"]["outcome"] for r in brand.requests)
    assert outcomes == ["rejected", "upheld"]
    wait_until(
        lambda: Notification.objects.filter(user=sam, emailed_at__isnull=False).exists(),
        timeout=30,
        message="notification emails were not sent by the worker",
    )


# --- Lost tasks, and never two attempts at once -------------------------------------------


def _delivery(endpoint, *, age_minutes=0, **fields):
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="listing.delisted",
        event_id="00000000-0000-4000-8000-000000000001",
        payload={"event": "listing.delisted", "data": {}},
        **fields,
    )
    created = timezone.now() - datetime.timedelta(minutes=age_minutes)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(created_at=created)
    return delivery


@pytest.fixture
def market_endpoint(mo):
    return WebhookEndpoint.objects.create(owner=mo, url="https://market.example.com/hooks")


@pytest.fixture
def enqueued(monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(notification_tasks.deliver_webhook, "delay", calls.append)
    return calls


def test_deliveries_whose_task_was_lost_are_enqueued_again_once(
    market_endpoint, enqueued, django_capture_on_commit_callbacks
):
    now = timezone.now()
    ago = now - datetime.timedelta(minutes=10)
    never_sent = _delivery(market_endpoint, age_minutes=10)
    retry_lost = _delivery(market_endpoint, age_minutes=30, attempts=2, next_attempt_at=ago)
    _delivery(market_endpoint)  # just emitted: its task is on its way
    _delivery(market_endpoint, age_minutes=30, attempts=1, next_attempt_at=now)  # due just now
    _delivery(  # being attempted right now
        market_endpoint, age_minutes=30, next_attempt_at=now + datetime.timedelta(minutes=1)
    )
    _delivery(market_endpoint, age_minutes=30, status="succeeded")
    _delivery(market_endpoint, age_minutes=30, status="failed", attempts=8)

    with django_capture_on_commit_callbacks(execute=True):
        assert notification_services.webhook_deliveries_requeue() == 2
    assert sorted(enqueued) == sorted([never_sent.pk, retry_lost.pk])

    # A second sweep (or the beat firing twice) enqueues nothing more…
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_tasks.requeue_stale_webhooks() == 0
    assert len(enqueued) == 2

    # …until the re-enqueued task is itself lost for as long.
    later = now + notification_services.webhook_requeue_stale_after() + datetime.timedelta(1)
    with django_capture_on_commit_callbacks(execute=True):
        notification_services.webhook_deliveries_requeue(now=later)
    assert {never_sent.pk, retry_lost.pk} <= set(enqueued[2:])


def test_the_requeue_runs_from_beat():
    from platform_core.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["notifications-requeue-stale-webhooks"]
    assert entry["task"] == "notifications.tasks.requeue_stale_webhooks"
    assert entry["task"] in app.tasks


class _Post:
    """Stands in for the webhook POST: counts calls, answers ``status``."""

    def __init__(self, status=200):
        self.status, self.calls = status, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        post = self

        class Response:
            status_code = post.status

            def close(self):
                pass

        return Response()


def test_a_duplicate_task_does_not_post_the_same_attempt_twice(
    market_endpoint, monkeypatch, settings
):
    settings.WEBHOOK_BACKOFF_SECONDS = 30
    post = _Post(status=500)
    monkeypatch.setattr(notification_services, "_post", post)
    delivery = _delivery(market_endpoint)

    assert notification_services.webhook_deliver(delivery_id=delivery.pk) is False
    # The lost-and-found copy of the task (or a redelivered message) runs at
    # once: the next attempt is not due for 30 s, so nothing is posted.
    assert notification_services.webhook_deliver(delivery_id=delivery.pk) is None
    assert post.calls == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and len(delivery.attempt_log) == 1
    assert 25 < notification_services.webhook_retry_countdown(delivery_id=delivery.pk) <= 30

    # An attempt in flight (claimed by another worker) is left to it.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert notification_services._claim(delivery, timezone.now())
    post.status = 200
    assert notification_services.webhook_deliver(delivery_id=delivery.pk) is None
    assert post.calls == 1

    # Once due, one attempt delivers; another copy finds it delivered.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert notification_services.webhook_deliver(delivery_id=delivery.pk) is True
    assert notification_services.webhook_deliver(delivery_id=delivery.pk) is True
    assert post.calls == 2


@pytest.mark.worker
def test_a_delivery_whose_task_was_lost_is_delivered_by_the_sweep(worker, mo):
    with Receiver(failures=0) as receiver:
        endpoint = WebhookEndpoint.objects.create(owner=mo, url=receiver.url)
        # Emitted ten minutes ago, and its task never reached a worker.
        delivery = _delivery(endpoint, age_minutes=10)

        notification_tasks.requeue_stale_webhooks.delay()

        wait_until(
            lambda: WebhookDelivery.objects.filter(pk=delivery.pk, status="succeeded").exists(),
            timeout=60,
            message="the lost delivery was not sent:\n" + worker.log()[-3000:],
        )
    assert len(receiver.requests) == 1


def test_a_failed_delivery_is_sent_again_on_request_and_not_twice(
    api, mo, alice, market_endpoint, enqueued, django_capture_on_commit_callbacks
):
    failed = _delivery(market_endpoint, age_minutes=60, status="failed", attempts=8)
    url = f"/api/v1/webhooks/{market_endpoint.pk}/deliveries/{failed.pk}/redeliver/"

    assert api(alice).post(url).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        body = api(mo).post(url).json()

    assert body["status"] == "pending" and body["attempts"] == 0
    assert enqueued == [failed.pk]
    # Its fresh task is on the way: the lost-task sweep leaves it alone.
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_services.webhook_deliveries_requeue() == 0
    assert enqueued == [failed.pk]


def test_a_receiver_name_that_rebinds_to_an_internal_address_gets_nothing(
    mo, settings, monkeypatch
):
    """A hostile name server answers a public address to the delivery's check
    and loopback afterwards: the POST must not reach loopback."""
    settings.WEBHOOK_ALLOWED_HOSTS = []
    settings.WEBHOOK_TIMEOUT = 0.5
    real, answers = socket.getaddrinfo, []

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "hooks.rebind.example":
            return real(host, port, *args, **kwargs)
        answers.append("8.8.8.8" if not answers else "127.0.0.1")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[-1], port or 0))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with Receiver(failures=0) as receiver:
        port = receiver.server.server_address[1]
        endpoint = WebhookEndpoint.objects.create(
            owner=mo, url=f"http://hooks.rebind.example:{port}/coguard"
        )
        delivery = _delivery(endpoint)

        assert notification_services.webhook_deliver(delivery_id=delivery.pk) is False

    assert receiver.requests == []
    delivery.refresh_from_db()
    assert "internal network address" in delivery.attempt_log[-1]["error"]
