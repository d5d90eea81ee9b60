"""Test purchases decide complaints, even against the brand's own
identification; escalation waits in ``in_appraisal`` for the jury."""

import pytest

from complaints import services
from complaints.models import ComplaintStatus, TestPurchase
from marketplace.models import ListingStatus
from notifications.models import Notification

pytestmark = pytest.mark.django_db

RESULT = {
    "buyer": "Platform mystery shopper #12",
    "purchased_at": "2027-05-02T10:00:00Z",
    "cost": "99.00",
    "currency": "CNY",
    "appraiser": "China Cosmetics Authentication Lab",
    "report": "Batch code, packaging and formula match the genuine product.",
}


def order(api, rita, complaint):
    response = api(rita).post(
        f"/api/v1/complaints/{complaint.pk}/test-purchases/",
        {"instructions": "Buy one, ship to the lab."},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def record(api, rita, complaint, purchase, **overrides):
    return api(rita).post(
        f"/api/v1/complaints/{complaint.pk}/test-purchases/{purchase['id']}/result/",
        {**RESULT, **overrides},
        format="json",
    )


def test_a_genuine_result_rejects_the_brands_identification(
    api, rita, sam, listing, file_complaint
):
    complaint = file_complaint(listing)
    purchase = order(api, rita, complaint)
    assert api(rita).get(f"/api/v1/complaints/{complaint.pk}/").json()["status"] == "under_review"
    # The seller is not tipped off by the order.
    assert not Notification.objects.filter(user=sam).exists()

    response = record(api, rita, complaint, purchase, result="genuine")

    assert response.status_code == 200, response.content
    stored = TestPurchase.objects.get(pk=purchase["id"])
    assert (stored.buyer, str(stored.cost), stored.result) == (RESULT["buyer"], "99.00", "genuine")
    assert stored.appraiser == RESULT["appraiser"]
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.REJECTED
    decision = complaint.decisions.get()
    assert decision.source == "test_purchase"
    assert "contrary to the complainant's identification" in decision.reason
    assert "mystery shopper" in decision.facts and "Batch code" in decision.facts


def test_a_counterfeit_result_upholds(api, rita, listing, file_complaint):
    complaint = file_complaint(listing)
    purchase = order(api, rita, complaint)

    record(api, rita, complaint, purchase, result="counterfeit")

    complaint.refresh_from_db()
    listing.refresh_from_db()
    assert complaint.status == ComplaintStatus.UPHELD
    assert listing.status == ListingStatus.DELISTED


def test_an_inconclusive_result_leaves_the_decision_to_the_reviewer(
    api, rita, listing, file_complaint
):
    complaint = file_complaint(listing)
    purchase = order(api, rita, complaint)

    record(api, rita, complaint, purchase, result="inconclusive")

    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.UNDER_REVIEW
    assert not complaint.decisions.exists()
    decided = api(rita).post(
        f"/api/v1/complaints/{complaint.pk}/decision/",
        {"outcome": "rejected", "reason": "Inconclusive authentication."},
        format="json",
    )
    assert decided.json()["status"] == "rejected"


def test_no_decision_while_a_purchase_is_under_way(api, rita, listing, file_complaint):
    complaint = file_complaint(listing)
    order(api, rita, complaint)

    decided = api(rita).post(
        f"/api/v1/complaints/{complaint.pk}/decision/",
        {"outcome": "upheld", "reason": "x"},
        format="json",
    )
    second = api(rita).post(f"/api/v1/complaints/{complaint.pk}/test-purchases/", {}, format="json")

    assert decided.status_code == 409
    assert decided.json()["error"]["code"] == "test_purchase_under_way"
    assert second.status_code == 409


def test_a_result_is_recorded_once(api, rita, listing, file_complaint):
    complaint = file_complaint(listing)
    purchase = order(api, rita, complaint)
    record(api, rita, complaint, purchase, result="counterfeit")

    assert record(api, rita, complaint, purchase, result="genuine").status_code == 409


def test_a_test_purchase_after_a_counter_notice(api, rita, sam, listing, file_complaint, decide):
    complaint = file_complaint(listing)
    decide(complaint, outcome="upheld", reason="Looks fake.")
    services.counter_notice_file(user=sam, complaint=complaint, explanation="Genuine, see invoice.")
    purchase = order(api, rita, complaint)

    record(api, rita, complaint, purchase, result="genuine")

    complaint.refresh_from_db()
    listing.refresh_from_db()
    assert complaint.status == ComplaintStatus.REJECTED
    assert complaint.counter_notice.status == "accepted"
    assert listing.status == ListingStatus.ACTIVE


def test_brands_and_sellers_do_not_order_test_purchases(api, alice, sam, listing, file_complaint):
    complaint = file_complaint(listing)
    for user in (alice, sam):
        response = api(user).post(
            f"/api/v1/complaints/{complaint.pk}/test-purchases/", {}, format="json"
        )
        assert response.status_code == 403


def test_escalation_waits_for_the_jury(api, rita, alice, listing, file_complaint):
    complaint = file_complaint(listing, kind="shanzhai")

    body = (
        api(rita)
        .post(
            f"/api/v1/complaints/{complaint.pk}/escalate/",
            {"reason": "'Adidos' holds its own registration in class 25."},
            format="json",
        )
        .json()
    )

    assert body["status"] == "in_appraisal"
    assert Notification.objects.filter(user=alice, kind="complaint.escalated").exists()
    refused = api(rita).post(
        f"/api/v1/complaints/{complaint.pk}/decision/",
        {"outcome": "upheld", "reason": "x"},
        format="json",
    )
    assert refused.status_code == 409
    assert (
        api(alice)
        .post(f"/api/v1/complaints/{complaint.pk}/withdraw/", {}, format="json")
        .status_code
        == 409
    )

    services.complaint_appraisal_decide(
        complaint=complaint, verdict="infringing", reason="Jury of 7: 6 infringing, 1 abstained."
    )

    complaint.refresh_from_db()
    listing.refresh_from_db()
    assert complaint.status == ComplaintStatus.UPHELD
    assert listing.status == ListingStatus.DELISTED
    decision = complaint.decisions.get()
    assert decision.source == "appraisal"
    assert "Jury of 7" in decision.facts


def test_a_jury_finding_no_infringement_rejects_without_penalty(
    rita, alice_org, listing, file_complaint
):
    complaint = file_complaint(listing, kind="shanzhai")
    services.complaint_escalate(reviewer=rita, complaint=complaint, reason="Close call.")

    services.complaint_appraisal_decide(
        complaint=complaint, verdict="not_infringing", reason="Jury: distinct mark."
    )

    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.REJECTED
    assert not complaint.bad_faith
