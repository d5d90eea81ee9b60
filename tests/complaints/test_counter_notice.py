"""Sellers see the statement of reasons for each action on their listings
and contest it within the window; a successful counter-notice restores the
listing and counts against the complainant."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, CounterNotice, Strike
from marketplace.models import ListingStatus
from notifications.models import Notification
from rightsholders.models import IntegrityEvent, Organisation
from tests.complaints.conftest import make_trademark
from tests.factories import SellerFactory, UserFactory
from tests.images import pdf_bytes

pytestmark = pytest.mark.django_db


def cn_url(c):
    return f"/api/v1/complaints/{c.pk}/counter-notice/"


@pytest.fixture
def upheld(listing, file_complaint, decide):
    complaint = file_complaint(listing)
    decide(complaint, outcome="upheld", reason="Counterfeit box and logo.")
    return complaint


def test_the_seller_sees_the_statement_of_reasons(api, sam, upheld):
    client = api(sam)

    listed = client.get("/api/v1/complaints/").json()["results"]
    statement = client.get(f"/api/v1/complaints/{upheld.pk}/statement/").json()["results"]

    assert [c["id"] for c in listed] == [upheld.pk]
    assert statement[0]["outcome"] == "upheld"
    assert {"facts", "rule", "remedy"} <= set(statement[0]["statement"])
    assert "counter-notice" in statement[0]["statement"]["remedy"]


def test_a_counter_notice_sends_the_complaint_back_to_review(api, sam, alice, upheld):
    response = api(sam).post(
        cn_url(upheld),
        {
            "explanation": "These are genuine: bought from Adidas's distributor, invoice attached.",
            "evidence": [SimpleUploadedFile("invoice.pdf", pdf_bytes())],
        },
        format="multipart",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "counter_noticed"
    assert body["counter_notice"]["status"] == "pending"
    assert 23 * 3600 < body["time_left_seconds"] <= 24 * 3600
    assert [e["party"] for e in body["evidence"]] == ["seller"]
    note = Notification.objects.get(user=alice, kind="complaint.counter_noticed")
    assert "distributor" in note.body


def test_a_successful_counter_notice_restores_and_counts_against_the_complainant(
    api, rita, sam, alice_org, listing, upheld
):
    api(sam).post(cn_url(upheld), {"explanation": "Genuine stock."}, format="json")
    before = Organisation.objects.get(pk=alice_org.pk).integrity_score

    body = (
        api(rita)
        .post(
            f"/api/v1/complaints/{upheld.pk}/decision/",
            {"outcome": "rejected", "reason": "The invoice shows authorised stock."},
            format="json",
        )
        .json()
    )

    assert body["status"] == "rejected"
    assert body["listing_status"] == "active"
    assert body["counter_notice"]["status"] == "accepted"
    assert body["decision"]["on_counter_notice"] is True
    assert "restored" in body["decision"]["statement"]["remedy"]
    assert Strike.objects.get(complaint=upheld).voided_at is not None
    assert Organisation.objects.get(pk=alice_org.pk).integrity_score == before - 5
    assert IntegrityEvent.objects.filter(kind="counter_notice", organisation=alice_org).exists()


def test_a_dismissed_counter_notice_leaves_the_takedown(api, rita, sam, listing, upheld):
    api(sam).post(cn_url(upheld), {"explanation": "Genuine stock."}, format="json")

    body = (
        api(rita)
        .post(
            f"/api/v1/complaints/{upheld.pk}/decision/",
            {"outcome": "upheld", "reason": "The invoice is for another model."},
            format="json",
        )
        .json()
    )

    assert body["status"] == "upheld"
    assert body["counter_notice"]["status"] == "dismissed"
    listing.refresh_from_db()
    assert listing.status == ListingStatus.DELISTED
    assert Strike.objects.filter(complaint=upheld, voided_at__isnull=True).count() == 1
    again = api(sam).post(cn_url(upheld), {"explanation": "Again."}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "counter_notice_exists"


def test_the_window_closes(api, sam, upheld):
    Complaint.objects.filter(pk=upheld.pk).update(
        counter_notice_deadline=timezone.now() - datetime.timedelta(minutes=1)
    )

    response = api(sam).post(cn_url(upheld), {"explanation": "Too late?"}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "counter_notice_window_closed"
    assert not CounterNotice.objects.exists()


def test_only_an_upheld_complaint_can_be_contested(api, sam, listing, file_complaint, decide):
    complaint = file_complaint(listing)
    decide(complaint, outcome="rejected", reason="No.")

    response = api(sam).post(cn_url(complaint), {"explanation": "x"}, format="json")

    assert response.status_code == 409


def test_another_seller_cannot_see_or_contest(api, upheld):
    other = UserFactory(username="olga", role="seller")
    SellerFactory(user=other)

    assert api(other).get(f"/api/v1/complaints/{upheld.pk}/").status_code == 404
    assert api(other).post(cn_url(upheld), {"explanation": "x"}, format="json").status_code == 404


def test_brand_staff_cannot_file_a_counter_notice(api, alice, upheld):
    assert api(alice).post(cn_url(upheld), {"explanation": "x"}, format="json").status_code == 403


def test_an_explanation_is_required(api, sam, upheld):
    response = api(sam).post(cn_url(upheld), {"explanation": ""}, format="json")

    assert response.status_code == 400
    assert "explanation" in response.json()["error"]["fields"]


def test_withdrawing_after_a_counter_notice_concedes_it(api, alice, sam, listing, upheld):
    api(sam).post(cn_url(upheld), {"explanation": "Genuine."}, format="json")

    body = api(alice).post(f"/api/v1/complaints/{upheld.pk}/withdraw/", {}, format="json").json()

    assert body["status"] == "withdrawn"
    assert body["listing_status"] == "active"
    assert body["counter_notice"]["status"] == "accepted"
    assert Strike.objects.get(complaint=upheld).voided_at is not None


def test_a_listing_another_upheld_complaint_keeps_down_stays_down(
    sam, bob, rival_brand, listing, file_complaint, decide
):
    make_trademark(rival_brand, number="N1")
    ours = file_complaint(listing)
    theirs = services.complaint_file(
        user=bob, brand=rival_brand, listing=listing, kind="counterfeit", description="Fake."
    )
    decide(ours, outcome="upheld")
    decide(theirs, outcome="upheld")  # the listing is down already

    services.counter_notice_file(user=sam, complaint=ours, explanation="Genuine Adidas.")
    decide(ours, outcome="rejected", reason="The invoice checks out.")

    # The rival's complaint still stands: the listing stays down…
    listing.refresh_from_db()
    assert listing.status == ListingStatus.DELISTED
    assert "stays delisted" in ours.decisions.last().remedy

    # …until it falls too.
    services.counter_notice_file(user=sam, complaint=theirs, explanation="No Nike marks.")
    decide(theirs, outcome="rejected", reason="No Nike mark on the goods.")
    listing.refresh_from_db()
    assert listing.status == ListingStatus.ACTIVE
