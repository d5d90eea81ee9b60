"""A sweep survives a worker killed in the middle of a chunk: the chunk is
redone by another worker, progress counts it once, and no suspect is doubled."""

import uuid

import pytest
from celery import current_app
from django.test import override_settings

from detection import services
from detection.models import ScanChunk, ScanJob, Suspect
from marketplace.models import Listing, Seller, Shop
from tests.conftest import Worker, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def own_queue():
    """Route this test's tasks to a queue only its own workers consume."""
    queue = "coguard-kill-" + uuid.uuid4().hex[:8]
    previous = current_app.conf.task_default_queue
    current_app.conf.task_default_queue = queue
    yield queue
    current_app.conf.task_default_queue = previous


def test_a_killed_worker_mid_chunk_loses_no_work(alice, adidas, _worker_db, own_queue, tmp_path):
    seller = Seller.objects.create(external_id="U-1")
    shop = Shop.objects.create(external_id="S-1", name="Copies", seller=seller)
    Listing.objects.bulk_create(
        [
            Listing(
                external_id=f"L-{n}",
                shop=shop,
                title=f"Adidas style sneaker {n}, factory seconds",
                price="59.00",
                currency="CNY",
                status="active",
            )
            for n in range(6000)
        ]
    )
    from rightsholders.services import fake_characteristic_add

    fake_characteristic_add(user=alice, brand=adidas, kind="keyword", value="factory seconds")
    # Redeliver unacknowledged work after 3 s, sweeping for it every second.
    fast_redelivery = {
        "CELERY_VISIBILITY": "3",
        "CELERY_RESTORE_INTERVAL": "1",
        "CELERY_RESTORE_THROTTLE": "1",
    }
    first = Worker(_worker_db, tmp_path / "first.log", queue=own_queue, env=fast_redelivery)
    with override_settings(DETECTION_SWEEP_CHUNK=3000):
        job = services.scan_start(user=None, brand=adidas)
    assert job.total == 6000 and job.chunks.count() == 2
    first.start()
    try:
        # Kill it once it has started a chunk and before any chunk is finished.
        wait_until(
            lambda: ScanChunk.objects.filter(job=job, attempts__gte=1).exists(),
            timeout=60,
            interval=0.02,
            message="no chunk started",
        )
        first.kill()
        job.refresh_from_db()
        assert job.done < job.total, "the worker finished before it could be killed"
    finally:
        first.kill()

    second = Worker(_worker_db, tmp_path / "second.log", queue=own_queue, env=fast_redelivery)
    second.start()
    try:
        wait_until(
            lambda: ScanJob.objects.get(pk=job.pk).status == "finished",
            timeout=180,
            interval=0.5,
            message="the sweep did not finish after the kill",
        )
    finally:
        second.stop()
    job.refresh_from_db()
    assert job.done == job.total == 6000
    assert Suspect.objects.filter(brand=adidas).count() == 6000
    assert max(job.chunks.values_list("attempts", flat=True)) >= 2  # a chunk was redone
