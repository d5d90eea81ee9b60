"""The brand's queue and assets in the portal."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from detection.models import ScanJob, Suspect
from tests.factories import ListingFactory
from tests.images import jpeg_bytes, truncated_jpeg

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(adidas):
    return [
        Suspect.objects.create(
            listing=ListingFactory(title=f"Adidas copy {n}"),
            brand=adidas,
            score=score,
            signals=[{"code": "haze_term", "weight": 0.6, "detail": '"1:1" next to "adidas"'}],
        )
        for n, score in enumerate([0.6, 0.95, 0.7])
    ]


def test_the_queue_is_ranked_and_filtered_in_the_url(client, alice, queue):
    client.force_login(alice)
    page = client.get("/suspects/").content.decode()
    assert page.index("Adidas copy 1") < page.index("Adidas copy 2") < page.index("Adidas copy 0")
    assert '"1:1" next to' in page.replace("&quot;", '"')
    filtered = client.get("/suspects/?min_score=0.9").content.decode()
    assert "Adidas copy 1" in filtered and "Adidas copy 0" not in filtered
    bad = client.get("/suspects/?min_score=lots")
    assert bad.status_code == 200 and "filters are invalid" in bad.content.decode()


def test_one_click_judgment_with_htmx_replaces_the_row(client, alice, queue):
    client.force_login(alice)
    response = client.post(
        f"/suspects/{queue[1].pk}/judgment/", {"verdict": "not_infringing"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert f'id="suspect-{queue[1].pk}"' in response.content.decode()
    assert "Dismissed" in response.content.decode()
    queue[1].refresh_from_db()
    assert queue[1].status == "dismissed" and queue[1].judged_by == alice


def test_bulk_judgment_of_selected_rows(client, alice, queue):
    client.force_login(alice)
    client.post("/suspects/judge/", {"ids": [queue[0].pk, queue[2].pk], "verdict": "infringing"})
    statuses = dict(Suspect.objects.values_list("pk", "status"))
    assert statuses == {queue[0].pk: "confirmed", queue[1].pk: "new", queue[2].pk: "confirmed"}


def test_evidence_page_shows_the_reasons(client, alice, queue):
    client.force_login(alice)
    page = client.get(f"/suspects/{queue[1].pk}/").content.decode()
    assert "Adidas copy 1" in page and "haze_term" in page


def test_assets_page_uploads_references_and_refuses_corrupt_ones(client, alice, adidas):
    client.force_login(alice)
    ok = client.post(
        f"/brands/{adidas.pk}/assets/",
        {
            "action": "reference",
            "ref-kind": "logo",
            "ref-image": SimpleUploadedFile("logo.jpg", jpeg_bytes(5), "image/jpeg"),
        },
    )
    assert ok.status_code == 302 and adidas.reference_images.count() == 1
    bad = client.post(
        f"/brands/{adidas.pk}/assets/",
        {
            "action": "reference",
            "ref-kind": "logo",
            "ref-image": SimpleUploadedFile("logo.jpg", truncated_jpeg(), "image/jpeg"),
        },
    )
    assert bad.status_code == 200 and "truncated" in bad.content.decode()
    assert adidas.reference_images.count() == 1


def test_a_sweep_started_in_the_portal_shows_progress(client, alice, adidas):
    ListingFactory.create_batch(3, status="active")  # scanned: pending ones await intake
    client.force_login(alice)
    client.post(f"/brands/{adidas.pk}/assets/", {"action": "sweep"})
    job = ScanJob.objects.get(brand=adidas)
    assert job.total == 3
    fragment = client.get(f"/scans/{job.pk}/progress/").content.decode()
    assert "0 / 3" in fragment and 'hx-trigger="every 2s"' in fragment


def test_the_words_that_raised_a_signal_are_marked(client, alice, adidas):
    title = "Adidas <b>Superstar</b> 1:1 replica"
    suspect = Suspect.objects.create(
        listing=ListingFactory(title=title),
        brand=adidas,
        score=0.9,
        signals=[
            {
                "code": "haze_term",
                "weight": 0.9,
                "detail": "x",
                "evidence": {"spans": [["title", 0, 6], ["title", 24, 27]]},
            },
        ],
    )
    client.force_login(alice)
    page = client.get(f"/suspects/{suspect.pk}/").content.decode()
    assert "<mark>Adidas</mark> &lt;b&gt;Superstar&lt;/b&gt; <mark>1:1</mark> replica" in page
