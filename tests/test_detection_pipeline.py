"""Detection end to end with a real worker: listings pushed in, scored, held
or queued as suspects for the brand; sweeps; judgments."""

import io

import pytest
from PIL import Image, ImageEnhance

from detection.models import Suspect
from marketplace.models import Listing
from rightsholders import services
from tests.conftest import broker_down, wait_until
from tests.images import b64, jpeg_bytes, photo

pytestmark = pytest.mark.django_db


def _jpeg(img: Image.Image, quality=80) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def knockoff_of(seed: int) -> bytes:
    """The brand's product photo as a counterfeiter re-posts it: resized,
    colour-shifted, recompressed."""
    img = photo(seed, (800, 800)).resize((600, 600))
    img = ImageEnhance.Color(img).enhance(1.3)
    return _jpeg(img, quality=70)


def push(client, external_id, title, images=(), shop="S-1", price="99.00"):
    body = {
        "external_id": external_id,
        "shop": {"external_id": shop, "name": f"Shop {shop}", "seller_external_id": f"U-{shop}"},
        "title": title,
        "price": price,
        "currency": "CNY",
        "images": [{"content_base64": b64(i)} for i in images],
    }
    response = client.post("/api/v1/listings/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()["id"]


def scanned(listing_id):
    return wait_until(
        lambda: (x := Listing.objects.get(pk=listing_id)).scanned_at and x,
        message=f"listing {listing_id} was not scanned",
    )


@pytest.fixture
def haze_terms(transactional_db):
    """The platform's default haze terms (a flushed test database loses the
    rows the data migration put there)."""
    import importlib

    from detection.models import HazeTerm

    defaults = importlib.import_module("detection.migrations.0003_hazeterm_weight")
    HazeTerm.objects.bulk_create(
        [HazeTerm(term=t, weight=w) for t, w in defaults.HAZE_TERM_WEIGHTS.items()],
        ignore_conflicts=True,
    )


@pytest.fixture
def protected(alice, adidas, haze_terms):
    """Adidas with a product photo, a model with MSRP, a price floor, a keyword."""
    services.reference_image_add(
        user=alice, brand=adidas, content=_jpeg(photo(11, (800, 800)), 92), kind="product"
    )
    from detection.pipeline import refresh_reference_fingerprints

    refresh_reference_fingerprints(brand_id=adidas.pk)
    services.product_model_add(
        user=alice, brand=adidas, name="Superstar", model_number="EG4958", msrp=899, currency="CNY"
    )
    services.fake_characteristic_add(
        user=alice, brand=adidas, kind="keyword", value="factory outlet"
    )
    services.authorised_shop_add(user=alice, brand=adidas, shop_external_id="S-OFFICIAL")
    return adidas


def test_a_counterfeit_is_held_and_queued_with_its_reasons(api, mo, alice, worker, protected):
    listing_id = push(
        api(mo), "L-fake", "Adidas Superstar EG4958 1:1 同款", [knockoff_of(11)], price="129.00"
    )
    listing = scanned(listing_id)
    assert listing.status == "held"
    suspect = Suspect.objects.get(listing_id=listing_id, brand=protected)
    codes = {s["code"] for s in suspect.signals}
    assert {"image_match", "haze_term", "brand_keyword", "price_anomaly"} <= codes
    shown = api(alice).get(f"/api/v1/suspects/{suspect.pk}/").json()
    assert shown["listing"]["external_id"] == "L-fake"
    assert shown["score"] >= 0.9
    haze = next(s for s in shown["signals"] if s["code"] == "haze_term")
    assert "1:1" in haze["detail"] or "同款" in haze["detail"]
    risk = api(mo).get(f"/api/v1/listings/{listing_id}/").json()["risk"]
    assert risk["score"] == shown["score"] and risk["signals"]


def test_legitimate_listings_go_live_without_a_suspect(api, mo, worker, protected):
    client = api(mo)
    official = push(
        client,
        "L-off",
        "Adidas Superstar EG4958",
        [jpeg_bytes(11)],
        shop="S-OFFICIAL",
        price="899.00",
    )
    fruit = push(client, "L-apple", "Fresh pineapple and apple box, 5 kg", [jpeg_bytes(3)])
    phone_case = push(client, "L-case", "Shoe bag compatible with Adidas sneakers", [])
    for listing_id in (official, fruit, phone_case):
        assert scanned(listing_id).status == "active"
    assert not Suspect.objects.filter(listing_id__in=[official, fruit, phone_case]).exists()


def test_a_brand_sweep_finds_existing_listings_and_reports_progress(api, mo, alice, worker, adidas):
    client = api(mo)
    ids = [push(client, f"L-{n}", f"Nordic wool scarf {n}") for n in range(5)]
    ids.append(push(client, "L-tell", "Superstar trainers by Adidas, factory seconds"))
    for listing_id in ids:
        scanned(listing_id)
    assert not Suspect.objects.exists()  # naming a brand alone is not enough
    # The brand knows genuine stock is never sold as "factory seconds".
    services.fake_characteristic_add(
        user=alice, brand=adidas, kind="keyword", value="factory seconds"
    )
    job = api(alice).post("/api/v1/scans/", {"brand": adidas.pk}, format="json")
    assert job.status_code == 202
    body = job.json()
    assert body["total"] == 6 and body["status"] in ("queued", "running", "finished")
    done = wait_until(
        lambda: (
            (j := api(alice).get(f"/api/v1/scans/{body['id']}/").json())["status"] == "finished"
            and j
        )
    )
    assert done["done"] == done["total"] == 6
    assert Suspect.objects.filter(brand=adidas, listing__external_id="L-tell").exists()


def test_judgments_and_the_queue_order(api, alice, bob, bob_org, adidas):
    from tests.factories import ListingFactory

    low = Suspect.objects.create(listing=ListingFactory(), brand=adidas, score=0.55, signals=[])
    high = Suspect.objects.create(listing=ListingFactory(), brand=adidas, score=0.95, signals=[])
    client = api(alice)
    queue = client.get("/api/v1/suspects/").json()["results"]
    assert [s["id"] for s in queue] == [high.pk, low.pk]
    assert client.get("/api/v1/suspects/?min_score=0.95").json()["results"][0]["id"] == high.pk
    response = client.post(
        f"/api/v1/suspects/{low.pk}/judgment/",
        {"verdict": "not_infringing", "note": "Licensed reseller"},
        format="json",
    )
    assert response.json()["status"] == "dismissed"
    assert [s["id"] for s in client.get("/api/v1/suspects/?status=new").json()["results"]] == [
        high.pk
    ]
    bad = client.post(f"/api/v1/suspects/{high.pk}/judgment/", {"verdict": "maybe"}, format="json")
    assert bad.status_code == 400 and "verdict" in bad.json()["error"]["fields"]


@pytest.fixture
def queue_down():
    with broker_down():
        yield


def test_a_scan_stays_done_when_the_broker_is_down_after_its_commit(
    db, queue_down, django_capture_on_commit_callbacks, caplog
):
    """What follows a scan (indexing shop networks) is queued after it
    commits; a broker that is down then is logged, not the scan's failure
    (the nightly network rebuild catches up)."""
    from detection.services import listings_intake_and_scan
    from tests.factories import ListingFactory

    listing = ListingFactory(title="Canvas tote bag")
    with django_capture_on_commit_callbacks(execute=True) as queued:
        outcome = listings_intake_and_scan(listing_ids=[listing.pk])

    assert outcome["scanned"] == 1 and len(queued) == 1
    listing.refresh_from_db()
    assert listing.scanned_at is not None
    assert "Connection refused" in caplog.text  # logged for the operator


def test_overdue_sweep_chunks_are_sent_again_once(db, django_capture_on_commit_callbacks):
    """A chunk whose task was lost (unfinished long after it was sent) is sent
    again, once per overdue period; finished chunks, chunks sent recently and
    chunks of stopped sweeps are left alone."""
    import datetime

    from django.utils import timezone

    from detection.models import ScanChunk, ScanJob
    from detection.services import sweep_chunks_requeue

    now = timezone.now()
    ago = now - datetime.timedelta(minutes=20)

    def chunk(job, number, sent, finished=False):
        return ScanChunk.objects.create(
            job=job,
            number=number,
            first_id=1,
            last_id=9,
            size=9,
            finished=finished,
            dispatched_at=sent,
        )

    running = ScanJob.objects.create(kind="full_sweep", status="running", total=27)
    chunk(running, 0, ago, finished=True)
    lost = chunk(running, 1, ago)
    chunk(running, 2, now - datetime.timedelta(minutes=1))  # on its way
    queued = ScanJob.objects.create(kind="full_sweep", status="queued", total=9)
    never_sent = chunk(queued, 0, ago)
    cancelled = ScanJob.objects.create(kind="full_sweep", status="cancelled", total=9)
    chunk(cancelled, 0, ago)
    poison = ScanJob.objects.create(kind="full_sweep", status="running", total=9)
    spent = chunk(poison, 0, ago)
    ScanChunk.objects.filter(pk=spent.pk).update(attempts=5)  # crashed every time

    with django_capture_on_commit_callbacks() as sent:
        assert sweep_chunks_requeue(now=now) == 2
    assert len(sent) == 1  # one send of both, after the claim commits
    assert set(ScanChunk.objects.filter(dispatched_at=now).values_list("pk", flat=True)) == {
        lost.pk,
        never_sent.pk,
    }
    # The chunk that never finished in five attempts fails its sweep instead.
    poison.refresh_from_db()
    assert poison.status == "failed" and "Chunk 0" in poison.error
    assert ScanChunk.objects.get(pk=spent.pk).dispatched_at is None

    # Beat firing again right away sends nothing more...
    with django_capture_on_commit_callbacks():
        assert sweep_chunks_requeue(now=now + datetime.timedelta(minutes=5)) == 0
    # ...until they are overdue again (with the one sent a minute before).
    with django_capture_on_commit_callbacks():
        assert sweep_chunks_requeue(now=now + datetime.timedelta(minutes=16)) == 3


def test_the_requeue_of_lost_work_runs_from_beat():
    from django.conf import settings

    from platform_core.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["detection-requeue-lost-work"]
    assert entry["task"] == "detection.tasks.requeue_lost_work"
    assert entry["task"] in app.tasks


def test_a_sweep_started_while_the_queue_is_down_runs_once_its_chunks_are_overdue(
    api, mo, rita, worker
):
    import datetime

    from django.utils import timezone

    from detection.models import ScanJob
    from detection.services import sweep_chunks_requeue

    client = api(mo)
    ids = [push(client, f"L-q{n}", f"Nordic wool scarf {n}") for n in range(3)]
    for listing_id in ids:
        scanned(listing_id)
    with broker_down():
        started = api(rita).post("/api/v1/scans/", {}, format="json")
    assert started.status_code == 202  # the sweep is stored: it will run
    job = ScanJob.objects.get(pk=started.json()["id"])
    assert job.status == "queued" and job.total == 3

    assert sweep_chunks_requeue(now=timezone.now() + datetime.timedelta(minutes=16)) == 1
    wait_until(
        lambda: ScanJob.objects.get(pk=job.pk).status == "finished",
        timeout=60,
        message="the overdue sweep did not run:\n" + worker.log()[-3000:],
    )
    assert ScanJob.objects.get(pk=job.pk).done == 3


def test_a_chunk_out_of_attempts_fails_its_sweep_when_delivered_again(db):
    """A chunk that kills its worker is redelivered at once, never overdue: the
    cap holds where it starts. A cancelled sweep's chunk does not start."""
    from detection.models import ScanChunk, ScanJob
    from detection.services import scan_chunk_run
    from tests.factories import ListingFactory

    listing = ListingFactory(status="active")
    job = ScanJob.objects.create(kind="full_sweep", status="running", total=1)
    spent = ScanChunk.objects.create(
        job=job, number=0, first_id=listing.pk, last_id=listing.pk, size=1, attempts=5
    )
    scan_chunk_run(chunk_id=spent.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "Chunk 0" in job.error
    assert Listing.objects.get(pk=listing.pk).scanned_at is None  # not scanned again

    cancelled = ScanJob.objects.create(kind="full_sweep", status="cancelled", total=1)
    chunk = ScanChunk.objects.create(
        job=cancelled, number=0, first_id=listing.pk, last_id=listing.pk, size=1
    )
    scan_chunk_run(chunk_id=chunk.pk)
    chunk.refresh_from_db()
    assert chunk.attempts == 0 and chunk.dispatched_at is None


def test_a_chunk_starting_restarts_its_lost_work_clock(db):
    import datetime

    from django.utils import timezone

    from detection.models import ScanChunk, ScanJob
    from detection.services import scan_chunk_run
    from tests.factories import ListingFactory

    listing = ListingFactory(status="active")
    job = ScanJob.objects.create(kind="full_sweep", status="queued", total=1)
    sent = timezone.now() - datetime.timedelta(minutes=20)
    chunk = ScanChunk.objects.create(
        job=job, number=0, first_id=listing.pk, last_id=listing.pk, size=1, dispatched_at=sent
    )
    scan_chunk_run(chunk_id=chunk.pk)
    chunk.refresh_from_db()
    assert chunk.finished and chunk.attempts == 1 and chunk.dispatched_at > sent
