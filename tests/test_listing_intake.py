"""Listing intake through POST /api/v1/listings/, as the marketplace sends it."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from marketplace.models import ImageStatus, Listing, ListingImage, Seller, Shop
from tests.conftest import broker_down, wait_until
from tests.images import b64, huge_png, jpeg_bytes, truncated_jpeg

pytestmark = pytest.mark.django_db


def listing(n=1, **overrides):
    body = {
        "external_id": f"L-{n}",
        "shop": {"external_id": "S-77", "name": "Happy Bags", "seller_external_id": "U-9"},
        "title": "Canvas tote bag, 40 cm",
        "description": "Sturdy cotton canvas.",
        "price": "129.00",
        "currency": "CNY",
        "category": "bags",
        "images": [],
    }
    body.update(overrides)
    return body


def test_single_listing_is_created_pending(api, mo):
    response = api(mo).post("/api/v1/listings/", listing(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "external_id", "status"}
    assert body["external_id"] == "L-1" and body["status"] == "pending"
    stored = Listing.objects.get(pk=body["id"])
    assert stored.shop.external_id == "S-77" and stored.shop.seller.external_id == "U-9"
    assert str(stored.price) == "129.00"


def test_upsert_by_external_id_updates_instead_of_duplicating(api, mo):
    client = api(mo)
    first = client.post("/api/v1/listings/", listing(), format="json").json()
    second = client.post(
        "/api/v1/listings/",
        listing(
            title="Canvas tote bag, 45 cm",
            price="139.00",
            shop={"external_id": "S-77", "name": "Happy Bags 2", "seller_external_id": "U-9"},
        ),
        format="json",
    ).json()
    assert first["id"] == second["id"]
    stored = Listing.objects.get()
    assert stored.title == "Canvas tote bag, 45 cm" and str(stored.price) == "139.00"
    assert stored.revision == 2
    assert Shop.objects.get().name == "Happy Bags 2"
    assert Seller.objects.count() == 1


def test_bulk_of_1000_answers_each_item_in_order(api, mo):
    items = [
        listing(
            n,
            shop={
                "external_id": f"S-{n % 40}",
                "name": f"Shop {n % 40}",
                "seller_external_id": f"U-{n % 20}",
            },
        )
        for n in range(1000)
    ]
    response = api(mo).post("/api/v1/listings/", items, format="json")
    assert response.status_code == 200
    results = response.json()
    assert [r["external_id"] for r in results] == [f"L-{n}" for n in range(1000)]
    assert all(r["status"] == "pending" and r["id"] for r in results)
    assert Listing.objects.count() == 1000
    assert Shop.objects.count() == 40 and Seller.objects.count() == 20


def test_bulk_over_1000_is_refused_whole(api, mo):
    response = api(mo).post("/api/v1/listings/", [listing(n) for n in range(1001)], format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_items"
    assert not Listing.objects.exists()


def test_bad_items_in_a_bulk_do_not_sink_the_good_ones(api, mo):
    items = [
        listing(1),
        listing(2, price="cheap"),
        "not an object",
        listing(4, images=[{"content_base64": b64(truncated_jpeg())}]),
        listing(5, images=[{"content_base64": b64(b"I am a text file named photo.jpg")}]),
        listing(6, images=[{"content_base64": "***not base64***"}]),
        listing(7, images=[{"url": "file:///etc/passwd"}]),
        listing(8, currency="yuan"),
        listing(1),  # the same listing twice in one request
        listing(10, images=[{"content_base64": b64(jpeg_bytes(1))}]),
    ]
    response = api(mo).post("/api/v1/listings/", items, format="json")
    assert response.status_code == 200
    results = response.json()
    assert len(results) == 10
    ok = [r for r in results if "error" not in r]
    assert [r["external_id"] for r in ok] == ["L-1", "L-10"]
    errors = {n: r["error"] for n, r in enumerate(results) if "error" in r}
    assert "price" in errors[1]["fields"]
    assert errors[2]["code"] == "validation_error" and results[2]["external_id"] is None
    assert errors[3]["code"] == "image_truncated"
    assert errors[4]["code"] == "not_an_image"
    assert errors[5]["code"] == "invalid_base64"
    assert errors[6]["code"] == "image_url_invalid"
    assert "currency" in errors[7]["fields"]
    assert errors[8]["code"] == "duplicate_in_request"
    assert set(Listing.objects.values_list("external_id", flat=True)) == {"L-1", "L-10"}


@pytest.mark.slow
def test_a_30000_by_30000_png_is_refused_before_decoding(api, mo):
    response = api(mo).post(
        "/api/v1/listings/", listing(images=[{"content_base64": b64(huge_png())}]), format="json"
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "image_too_many_pixels"
    assert "30000×30000" in error["message"]
    assert not Listing.objects.exists()


def test_a_failed_single_item_leaves_the_stored_listing_untouched(api, mo):
    client = api(mo)
    client.post("/api/v1/listings/", listing(), format="json")
    response = client.post(
        "/api/v1/listings/",
        listing(title="Changed", images=[{"content_base64": b64(truncated_jpeg())}]),
        format="json",
    )
    assert response.status_code == 400
    assert Listing.objects.get().title == "Canvas tote bag, 40 cm"


def test_not_a_listing_is_a_400(api, mo):
    response = api(mo).post("/api/v1/listings/", "42", content_type="application/json")
    assert response.status_code == 400
    response = api(mo).post("/api/v1/listings/", {"title": "no id"}, format="json")
    assert response.status_code == 400
    assert {"external_id", "shop", "price", "currency"} <= set(response.json()["error"]["fields"])


# --- With a real worker: images are taken in and the listing goes live ------------


class _ImageServer:
    """A tiny HTTP server on 127.0.0.1 serving test images, counting requests."""

    def __init__(self, files: dict[str, bytes]):
        self.files = files
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = server.files.get(self.path)
                self.send_response(200 if body else 404)
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path, host="127.0.0.1"):
        return f"http://{host}:{self.port}{path}"


@pytest.fixture
def image_server():
    server = _ImageServer({"/bag.jpg": jpeg_bytes(7), "/notes.jpg": b"plain text, not a JPEG"})
    yield server
    server.httpd.shutdown()


def test_images_are_taken_in_by_a_worker_and_the_listing_goes_live(api, mo, worker, image_server):
    from PIL.ExifTags import Base

    exif = Image.Exif()
    exif[Base.Model] = "Secret Phone"
    exif[Base.Artist] = "seller's full name"
    item = listing(
        images=[
            {"content_base64": b64(jpeg_bytes(2, exif=exif.tobytes()))},
            {"url": image_server.url("/bag.jpg")},
            {"url": image_server.url("/notes.jpg")},
            {"url": image_server.url("/bag.jpg", host="localhost")},
        ]
    )
    created = api(mo).post("/api/v1/listings/", item, format="json").json()
    assert created["status"] == "pending"

    shown = wait_until(
        lambda: (
            (r := api(mo).get(f"/api/v1/listings/{created['id']}/").json())["status"] != "pending"
            and r
        ),
        message="the listing was not scanned",
    )
    assert shown["status"] == "active"
    assert shown["risk"]["scanned_at"]
    images = shown["images"]
    assert [i["status"] for i in images] == ["ready", "ready", "failed", "failed"]
    assert "not a JPEG, PNG or WebP" in images[2]["error"]
    assert "internal network" in images[3]["error"]

    stored = ListingImage.objects.get(listing_id=created["id"], position=0)
    with Image.open(stored.image.path) as img:
        assert img.size == (640, 480)
        assert not img.getexif(), "metadata must be stripped"
    with Image.open(stored.thumbnail.path) as thumb:
        assert max(thumb.size) <= 320
    served = api(mo).get(images[0]["url"].replace("http://testserver", ""))
    assert served.status_code == 200


def test_certificates_are_never_served_as_public_media(client, alice, alice_org, adidas):
    from django.core.files.base import ContentFile

    from rightsholders.models import Trademark
    from tests.images import pdf_bytes

    tm = Trademark(
        organisation=alice_org,
        brand=adidas,
        registration_number="1",
        jurisdiction="CN",
        nice_classes=[25],
        expires_on="2031-01-01",
    )
    tm.certificate.save("cert.pdf", ContentFile(pdf_bytes()))
    assert client.get(f"/media/{tm.certificate.name}").status_code == 404


def test_an_unchanged_resend_does_not_queue_work_again(api, mo, worker):
    client = api(mo)
    item = listing(images=[{"content_base64": b64(jpeg_bytes(4))}])
    created = client.post("/api/v1/listings/", item, format="json").json()
    wait_until(lambda: Listing.objects.get(pk=created["id"]).status == "active")
    image_id = ListingImage.objects.get().pk
    client.post("/api/v1/listings/", item, format="json")
    stored = Listing.objects.get()
    assert stored.revision == 1
    assert ListingImage.objects.get().pk == image_id
    assert ListingImage.objects.get().status == ImageStatus.READY


def test_a_listing_stored_while_the_queue_is_down_is_answered_503_and_a_resend_scans_it(
    api, mo, worker
):
    client = api(mo)
    item = listing(71, images=[{"content_base64": b64(jpeg_bytes(71))}])
    item["shop"]["contact"] = "+86 755 8888 7171"  # its network update is queued too
    with broker_down():
        refused = client.post(
            "/api/v1/listings/", item, format="json", HTTP_IDEMPOTENCY_KEY="push-71"
        )
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "queue_unavailable"
    stored = Listing.objects.get(external_id="L-71")  # kept, not half-written
    assert stored.status == "pending"
    assert stored.images.get().status == ImageStatus.PENDING

    # The integrator's retry: the same request, with the same key.
    again = client.post("/api/v1/listings/", item, format="json", HTTP_IDEMPOTENCY_KEY="push-71")
    assert again.status_code == 201 and again.json()["id"] == stored.pk
    wait_until(
        lambda: Listing.objects.get(pk=stored.pk).status == "active",
        message="the resent listing was not scanned:\n" + worker.log()[-3000:],
    )
    assert stored.images.get().status == ImageStatus.READY
    assert Listing.objects.get(pk=stored.pk).revision == 1  # a retry, not a change


def test_a_change_stored_while_the_queue_is_down_is_scanned_when_sent_again(api, mo, worker):
    client = api(mo)
    item = listing(73, images=[{"content_base64": b64(jpeg_bytes(73))}])
    created = client.post("/api/v1/listings/", item, format="json").json()
    wait_until(lambda: Listing.objects.get(pk=created["id"]).status == "active")
    item["images"] = [{"content_base64": b64(jpeg_bytes(74))}]  # a new photo
    with broker_down():
        assert client.post("/api/v1/listings/", item, format="json").status_code == 503
    assert Listing.objects.get(pk=created["id"]).images.get().status == ImageStatus.PENDING

    assert client.post("/api/v1/listings/", item, format="json").status_code == 201
    wait_until(
        lambda: Listing.objects.get(pk=created["id"]).images.get().status == ImageStatus.READY,
        message="the changed photo was not taken in:\n" + worker.log()[-3000:],
    )


def test_a_text_change_stored_while_the_queue_is_down_is_scanned_once_the_broker_is_back(
    api, mo, worker
):
    from detection.services import intake_requeue_lost

    client = api(mo)
    item = listing(76)
    created = client.post("/api/v1/listings/", item, format="json").json()
    wait_until(lambda: Listing.objects.get(pk=created["id"]).status == "active")
    first_scan = Listing.objects.get(pk=created["id"]).scanned_at
    item["title"] = "Canvas tote bag, 45 cm"  # text only: no photo to wait for
    with broker_down():
        assert client.post("/api/v1/listings/", item, format="json").status_code == 503

    assert intake_requeue_lost() == 1
    wait_until(
        lambda: Listing.objects.get(pk=created["id"]).scanned_at > first_scan,
        message="the changed text was not scanned:\n" + worker.log()[-3000:],
    )


def test_lost_intake_is_sent_again_once_the_broker_is_back(api, mo, worker):
    from detection.services import intake_requeue_lost

    with broker_down():
        lost = api(mo).post(
            "/api/v1/listings/",
            listing(72, images=[{"content_base64": b64(jpeg_bytes(72))}]),
            format="json",
        )
    assert lost.status_code == 503
    stored = Listing.objects.get(external_id="L-72")

    # Beat's lost-work requeue; the integrator never sent it again.
    assert intake_requeue_lost() == 1
    wait_until(
        lambda: Listing.objects.get(pk=stored.pk).status == "active",
        timeout=60,
        message="the lost intake was not sent again:\n" + worker.log()[-3000:],
    )
    photo = stored.images.get()
    assert photo.status == ImageStatus.READY and photo.fingerprints and photo.thumbnail
    assert intake_requeue_lost() == 0  # done: nothing left to send


def test_a_resend_queues_a_waiting_listing_again_only_if_its_work_was_lost(
    api, mo, django_capture_on_commit_callbacks
):
    """Integrators resend whole catalogues: a listing merely queued behind
    others is not queued twice; one whose send failed, or that has waited far
    longer than work takes, is."""
    import datetime

    from django.utils import timezone

    client = api(mo)
    item = listing(75)
    with django_capture_on_commit_callbacks() as first:
        client.post("/api/v1/listings/", item, format="json")
    assert len(first) == 1  # its intake and scan
    stored = Listing.objects.get(external_id="L-75")

    with django_capture_on_commit_callbacks() as resent:
        client.post("/api/v1/listings/", item, format="json")
    assert resent == []  # still on its way

    for lost in (None, timezone.now() - datetime.timedelta(hours=1)):
        Listing.objects.filter(pk=stored.pk).update(intake_queued_at=lost)
        with django_capture_on_commit_callbacks() as resent:
            client.post("/api/v1/listings/", item, format="json")
        assert len(resent) == 1, lost

    # Scanned long ago and waiting for nothing: a resend is just a resend.
    Listing.objects.filter(pk=stored.pk).update(
        status="active", intake_queued_at=timezone.now() - datetime.timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks() as resent:
        client.post("/api/v1/listings/", item, format="json")
    assert resent == []


def test_beat_sends_again_a_live_listings_photos_still_waiting_long_after(
    db, django_capture_on_commit_callbacks
):
    import datetime

    from django.utils import timezone

    from detection.services import intake_requeue_lost
    from tests.factories import ListingFactory

    waiting = ListingFactory(status="active")
    ListingImage.objects.create(listing=waiting, position=0, source_url="https://x.example/1.jpg")
    ListingFactory(status="active")  # nothing to wait for
    with django_capture_on_commit_callbacks():
        assert intake_requeue_lost() == 0  # just queued: on its way
    Listing.objects.filter(pk=waiting.pk).update(
        intake_queued_at=timezone.now() - datetime.timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks() as sent:
        assert intake_requeue_lost() == 1
    assert len(sent) == 1
