"""Tenancy for every complaint endpoint: a brand sees only its own
complaints, a seller only the actions on its listings; others get 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints import services
from complaints.models import Complaint
from tests.complaints.conftest import make_trademark
from tests.factories import ListingFactory, SellerFactory, ShopFactory, UserFactory
from tests.images import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_complaint(listing, file_complaint, decide):
    complaint = file_complaint(listing, evidence=[SimpleUploadedFile("proof.pdf", pdf_bytes())])
    decide(complaint, outcome="upheld", reason="Fake.")
    return complaint


@pytest.fixture
def bobs_complaint(bob, rival_brand):
    make_trademark(rival_brand, number="N1")
    olga = UserFactory(username="olga", role="seller")
    shop = ShopFactory(seller=SellerFactory(user=olga))
    listing = ListingFactory(shop=shop, status="active")
    return services.complaint_file(
        user=bob, brand=rival_brand, listing=listing, kind="counterfeit", description="Fake Nike."
    )


READ_URLS = [
    "/api/v1/complaints/{c.pk}/",
    "/api/v1/complaints/{c.pk}/statement/",
    "/api/v1/complaints/{c.pk}/evidence/{e.pk}/",
]


@pytest.mark.parametrize("template", READ_URLS)
def test_another_brand_gets_404(api, alice, bob, alices_complaint, bobs_complaint, template):
    url = template.format(c=alices_complaint, e=alices_complaint.evidence.first())
    assert api(alice).get(url).status_code == 200
    response = api(bob).get(url)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("path", "body"),
    [("answer/", {"answer": "x"}), ("withdraw/", {}), ("counter-notice/", {"explanation": "x"})],
)
def test_another_party_cannot_act_on_it(api, bob, alices_complaint, bobs_complaint, path, body):
    olga = UserFactory(username="olga2", role="seller")
    SellerFactory(user=olga)
    url = f"/api/v1/complaints/{alices_complaint.pk}/{path}"
    user = olga if path.startswith("counter") else bob
    assert api(user).post(url, body, format="json").status_code == 404


def test_lists_show_only_ones_own(
    api, alice, bob, rita, sam, alices_complaint, bobs_complaint, adidas
):
    def ids(user, query=""):
        return [c["id"] for c in api(user).get(f"/api/v1/complaints/{query}").json()["results"]]

    assert ids(alice) == [alices_complaint.pk]
    assert ids(bob) == [bobs_complaint.pk]
    assert ids(bob, f"?brand={adidas.pk}") == []
    assert ids(sam) == [alices_complaint.pk]
    assert sorted(ids(rita)) == sorted([alices_complaint.pk, bobs_complaint.pk])
    assert ids(rita, "?status=submitted") == [bobs_complaint.pk]
    assert ids(alice, "?status=upheld,rejected") == [alices_complaint.pk]
    assert api(alice).get("/api/v1/complaints/?status=nope").status_code == 400


def test_a_seller_does_not_see_a_complaint_still_under_quiet_review(
    api, sam, listing, file_complaint
):
    complaint = file_complaint(listing)

    assert api(sam).get("/api/v1/complaints/").json()["results"] == []
    assert api(sam).get(f"/api/v1/complaints/{complaint.pk}/").status_code == 404


def test_a_seller_reads_the_statements_not_the_internal_history(
    api, alice, rita, sam, alices_complaint
):
    # As in the portal: the seller gets the statements of reasons and the
    # questions asked, not the record of who did what inside the review.
    services.counter_notice_file(user=sam, complaint=alices_complaint, explanation="Genuine.")
    services.complaint_start_review(reviewer=rita, complaint=alices_complaint)
    services.complaint_decide(
        reviewer=rita, complaint=alices_complaint, outcome="needs_info", reason="Your invoice?"
    )

    seller_view = api(sam).get(f"/api/v1/complaints/{alices_complaint.pk}/").json()
    brand_view = api(alice).get(f"/api/v1/complaints/{alices_complaint.pk}/").json()

    assert seller_view["history"] == []
    assert [q["question"] for q in seller_view["questions"]] == ["Your invoice?"]
    assert [e["to"] for e in brand_view["history"]][-2:] == ["counter_noticed", "needs_info"]


def test_a_seller_sees_only_their_own_evidence(api, sam, alices_complaint):
    services.counter_notice_file(
        user=sam,
        complaint=alices_complaint,
        explanation="Genuine.",
        evidence=[SimpleUploadedFile("invoice.pdf", pdf_bytes())],
    )
    brand_file = alices_complaint.evidence.get(party="brand")

    body = api(sam).get(f"/api/v1/complaints/{alices_complaint.pk}/").json()

    assert [e["name"] for e in body["evidence"]] == ["invoice.pdf"]
    url = f"/api/v1/complaints/{alices_complaint.pk}/evidence/{brand_file.pk}/"
    assert api(sam).get(url).status_code == 404


def test_the_marketplace_and_judges_see_no_complaints(api, mo, judy, alices_complaint):
    for user in (mo, judy):
        assert api(user).get("/api/v1/complaints/").status_code == 403
        assert api(user).get(f"/api/v1/complaints/{alices_complaint.pk}/").status_code == 403


def test_the_queue_is_for_reviewers_fast_track_first_then_due_time(
    api, rita, alice, bobs_complaint, make_listing, file_complaint
):
    import datetime

    from django.utils import timezone

    from complaints.models import Complaint

    slow = file_complaint(make_listing())
    fast = file_complaint(make_listing())
    Complaint.objects.filter(pk=fast.pk).update(fast_track=True)
    Complaint.objects.filter(pk=bobs_complaint.pk).update(
        due_at=timezone.now() - datetime.timedelta(hours=2)
    )

    body = api(rita).get("/api/v1/complaints/queue/").json()

    assert [c["id"] for c in body["results"]] == [fast.pk, bobs_complaint.pk, slow.pk]
    assert body["results"][1]["time_left_seconds"] < 0
    assert api(alice).get("/api/v1/complaints/queue/").status_code == 403


def test_the_schema_documents_the_complaint_endpoints(api, alice):
    schema = api(alice).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    for path in (
        b"/api/v1/complaints/",
        b"/api/v1/complaints/bulk/",
        b"/api/v1/complaints/{id}/decision/",
        b"/api/v1/complaints/{id}/counter-notice/",
        b"/api/v1/webhooks/",
        b"/api/v1/notifications/",
    ):
        assert path in schema.content


@pytest.mark.parametrize("template", READ_URLS)
def test_another_seller_gets_404(api, sam, alices_complaint, template):
    olga = UserFactory(username="olga3", role="seller")
    SellerFactory(user=olga)
    url = template.format(c=alices_complaint, e=alices_complaint.evidence.first())

    response = api(olga).get(url)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


REVIEWER_ACTIONS = [
    ("post", "decision/", {"outcome": "upheld", "reason": "x"}),
    ("post", "review/", {}),
    ("post", "escalate/", {"reason": "x"}),
    ("get", "test-purchases/", None),
    ("post", "test-purchases/", {}),
]


@pytest.mark.parametrize(("method", "path", "body"), REVIEWER_ACTIONS)
def test_reviewer_actions_answer_parties_alike_whether_or_not_the_complaint_exists(
    api, alice, bob, sam, alices_complaint, method, path, body
):
    for user in (alice, bob, sam):
        client = api(user)
        for pk in (alices_complaint.pk, 999_999):
            url = f"/api/v1/complaints/{pk}/{path}"
            response = getattr(client, method)(url, body, format="json")
            assert response.status_code == 403, (user, url)
    assert Complaint.objects.get(pk=alices_complaint.pk).status == "upheld"
