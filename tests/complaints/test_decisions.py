"""Review decisions by the platform's rules: uphold, reject (optionally as
manifestly unfounded), ask for more information; statements of reasons to
both sides; one decision when two reviewers decide at once."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, ComplaintEvent, ComplaintStatus, Strike
from marketplace.models import ListingStatus
from notifications.models import Notification
from platform_core.models import AuditEvent
from rightsholders.models import IntegrityEvent, Organisation

pytestmark = pytest.mark.django_db


def decision_url(c):
    return f"/api/v1/complaints/{c.pk}/decision/"


def score(org):
    return Organisation.objects.get(pk=org.pk).integrity_score


def test_upheld_delists_strikes_the_seller_and_raises_the_score(
    api, rita, alice, sam, alice_org, listing, file_complaint, sams_seller
):
    complaint = file_complaint(listing)
    before = score(alice_org)

    response = api(rita).post(
        decision_url(complaint),
        {"outcome": "upheld", "reason": "Logo and box copy the registered mark."},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "upheld"
    assert body["listing_status"] == "delisted"
    decision = body["decision"]
    assert decision["outcome"] == "upheld"
    assert decision["reason"] == "Logo and box copy the registered mark."
    statement = decision["statement"]
    assert "G1234567" in statement["facts"] and listing.external_id in statement["facts"]
    assert "counterfeit" in statement["rule"].lower()
    assert "delisted" in statement["remedy"] and "strike" in statement["remedy"]
    listing.refresh_from_db()
    assert listing.status == ListingStatus.DELISTED
    assert Strike.objects.filter(seller=sams_seller, voided_at__isnull=True).count() == 1
    assert score(alice_org) == before + 1
    # The statement of reasons reaches both sides.
    to_alice = Notification.objects.get(user=alice, kind="complaint.upheld")
    to_sam = Notification.objects.get(user=sam, kind="complaint.upheld")
    assert "Rule applied" in to_alice.body and to_alice.body == to_sam.body
    assert body["counter_notice_deadline"]


def test_rejected_leaves_the_listing_online_without_penalty(
    api, rita, alice, sam, alice_org, listing, file_complaint
):
    complaint = file_complaint(listing)
    before = score(alice_org)

    body = (
        api(rita)
        .post(
            decision_url(complaint),
            {"outcome": "rejected", "reason": "The photos are the seller's own."},
            format="json",
        )
        .json()
    )

    assert body["status"] == "rejected"
    assert body["listing_status"] == "active"
    assert "stays online" in body["decision"]["statement"]["remedy"]
    assert score(alice_org) == before
    assert Notification.objects.filter(user=sam, kind="complaint.rejected").exists()


def test_manifestly_unfounded_lowers_the_score(api, rita, alice_org, listing, file_complaint):
    complaint = file_complaint(listing)
    before = score(alice_org)

    body = (
        api(rita)
        .post(
            decision_url(complaint),
            {
                "outcome": "rejected",
                "reason": "The listing sells a different brand.",
                "bad_faith": True,
            },
            format="json",
        )
        .json()
    )

    assert body["decision"]["bad_faith"] is True
    assert "manifestly unfounded" in body["decision"]["statement"]["rule"]
    assert score(alice_org) == before - 20
    assert IntegrityEvent.objects.filter(organisation=alice_org, kind="unfounded").count() == 1


def test_bad_faith_goes_only_with_a_rejection(api, rita, listing, file_complaint):
    complaint = file_complaint(listing)

    response = api(rita).post(
        decision_url(complaint),
        {"outcome": "upheld", "reason": "x", "bad_faith": True},
        format="json",
    )

    assert response.status_code == 400
    assert "bad_faith" in response.json()["error"]["fields"]


def test_a_decision_needs_a_reason(api, rita, listing, file_complaint):
    complaint = file_complaint(listing)

    response = api(rita).post(
        decision_url(complaint), {"outcome": "upheld", "reason": " "}, format="json"
    )

    assert response.status_code == 400
    assert "reason" in response.json()["error"]["fields"]


def test_needs_info_stops_the_clock_and_the_brands_answer_restarts_it(
    api, rita, alice, listing, file_complaint
):
    complaint = file_complaint(listing)
    Complaint.objects.filter(pk=complaint.pk).update(
        due_at=timezone.now() - datetime.timedelta(hours=1)
    )

    asked = (
        api(rita)
        .post(
            decision_url(complaint),
            {"outcome": "needs_info", "reason": "Send the trademark's renewal certificate."},
            format="json",
        )
        .json()
    )

    assert asked["status"] == "needs_info"
    assert asked["time_left_seconds"] is None
    note = Notification.objects.get(user=alice, kind="complaint.needs_info")
    assert "renewal certificate" in note.body
    assert (
        api(alice).get(f"/api/v1/complaints/{complaint.pk}/").json()["questions"][0]["question"]
        == "Send the trademark's renewal certificate."
    )

    answered = (
        api(alice)
        .post(
            f"/api/v1/complaints/{complaint.pk}/answer/",
            {"answer": "Attached: renewal of 2026."},
            format="json",
        )
        .json()
    )

    assert answered["status"] == "under_review"
    assert 23 * 3600 < answered["time_left_seconds"] <= 24 * 3600
    assert answered["questions"][0]["answer"] == "Attached: renewal of 2026."
    final = api(rita).post(
        decision_url(complaint), {"outcome": "upheld", "reason": "Renewal checked."}, format="json"
    )
    assert final.json()["status"] == "upheld"


def test_only_a_waiting_question_can_be_answered(api, alice, listing, file_complaint):
    complaint = file_complaint(listing)

    response = api(alice).post(
        f"/api/v1/complaints/{complaint.pk}/answer/", {"answer": "x"}, format="json"
    )

    assert response.status_code == 409


def test_an_unanswered_question_closes_the_complaint_after_the_deadline(
    rita, listing, file_complaint, decide
):
    complaint = file_complaint(listing)
    decide(complaint, outcome="needs_info", reason="Which model is this?")
    Complaint.objects.filter(pk=complaint.pk).update(
        info_requested_at=timezone.now() - datetime.timedelta(days=8)
    )

    assert services.complaints_close_unanswered() == 1

    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.REJECTED
    assert "did not answer" in complaint.decisions.last().reason


def test_a_decided_complaint_cannot_be_decided_again(api, rita, listing, file_complaint, decide):
    complaint = file_complaint(listing)
    decide(complaint, outcome="rejected", reason="No infringement.")

    response = api(rita).post(
        decision_url(complaint), {"outcome": "upheld", "reason": "x"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    assert response.json()["error"]["status"] == "rejected"


def test_only_reviewers_decide(api, alice, sam, mo, listing, file_complaint):
    complaint = file_complaint(listing)
    for user in (alice, sam, mo):
        response = api(user).post(
            decision_url(complaint), {"outcome": "upheld", "reason": "x"}, format="json"
        )
        assert response.status_code == 403


def test_start_review_takes_the_complaint(api, rita, listing, file_complaint):
    complaint = file_complaint(listing)

    body = api(rita).post(f"/api/v1/complaints/{complaint.pk}/review/").json()

    assert body["status"] == "under_review"
    assert Complaint.objects.get(pk=complaint.pk).reviewer == rita


def test_only_a_complaint_awaiting_review_can_be_taken(api, rita, sam, listing, file_complaint):
    asked = file_complaint(listing)
    services.complaint_decide(
        reviewer=rita, complaint=asked, outcome="needs_info", reason="Which model?"
    )

    # The question waits on the brand: taking it would skip the answer and
    # leave it in the queue with no clock.
    response = api(rita).post(f"/api/v1/complaints/{asked.pk}/review/")
    assert response.status_code == 409
    assert Complaint.objects.get(pk=asked.pk).status == ComplaintStatus.NEEDS_INFO


def test_a_reviewer_takes_a_counter_noticed_complaint_without_changing_its_status(
    api, rita, sam, listing, file_complaint, decide
):
    complaint = file_complaint(listing)
    decide(complaint, outcome="upheld")
    services.counter_notice_file(user=sam, complaint=complaint, explanation="Genuine.")

    body = api(rita).post(f"/api/v1/complaints/{complaint.pk}/review/").json()

    assert body["status"] == "counter_noticed"
    assert Complaint.objects.get(pk=complaint.pk).reviewer == rita


def test_a_dismissed_counter_notice_is_audited(rita, sam, listing, file_complaint, decide):
    complaint = file_complaint(listing)
    decide(complaint, outcome="upheld")
    services.counter_notice_file(user=sam, complaint=complaint, explanation="Genuine.")
    decide(complaint, outcome="upheld", reason="The invoice is for another model.")

    assert AuditEvent.objects.filter(action="counter_notice.dismissed").count() == 1


def test_every_transition_is_recorded_and_audited(rita, alice, listing, file_complaint, decide):
    complaint = file_complaint(listing)
    services.complaint_start_review(reviewer=rita, complaint=complaint)
    decide(complaint, outcome="needs_info", reason="Which model?")
    services.complaint_answer_info(user=alice, complaint=complaint, answer="EG4958")
    decide(complaint, outcome="upheld", reason="Confirmed.")

    steps = list(
        ComplaintEvent.objects.filter(complaint=complaint).values_list("from_status", "to_status")
    )
    assert steps == [
        ("", "submitted"),
        ("submitted", "under_review"),
        ("under_review", "needs_info"),
        ("needs_info", "under_review"),
        ("under_review", "upheld"),
    ]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "complaint.filed",
        "complaint.needs_info",
        "complaint.upheld",
        "listing.delisted",
    } <= actions


def test_withdrawal_by_the_complainant(api, alice, sam, listing, file_complaint):
    complaint = file_complaint(listing)

    body = (
        api(alice)
        .post(
            f"/api/v1/complaints/{complaint.pk}/withdraw/",
            {"reason": "Settled with the seller."},
            format="json",
        )
        .json()
    )

    assert body["status"] == "withdrawn"
    again = api(alice).post(f"/api/v1/complaints/{complaint.pk}/withdraw/", {}, format="json")
    assert again.status_code == 409


# --- Two reviewers at once -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_deciding_at_once_produce_one_decision(
    rita, listing, file_complaint, sams_seller
):
    from tests.factories import UserFactory

    ralph = UserFactory(username="ralph", role="reviewer", is_staff=True)
    complaint = file_complaint(listing)
    barrier = threading.Barrier(2)
    outcomes = {}

    def decide_as(user, outcome):
        try:
            barrier.wait()
            services.complaint_decide(
                reviewer=user, complaint=complaint, outcome=outcome, reason=f"{user} says {outcome}"
            )
            outcomes[user.username] = "ok"
        except Exception as exc:  # the loser's refusal is the point
            outcomes[user.username] = getattr(exc, "code", repr(exc))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide_as, args=(rita, "upheld")),
        threading.Thread(target=decide_as, args=(ralph, "rejected")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert sorted(outcomes.values()) == ["invalid_transition", "ok"]
    complaint.refresh_from_db()
    assert complaint.decisions.count() == 1
    assert complaint.events.filter(to_status__in=["upheld", "rejected"]).count() == 1
    winner = complaint.decisions.get()
    listing.refresh_from_db()
    if winner.outcome == "upheld":
        assert listing.status == ListingStatus.DELISTED
        assert Strike.objects.filter(seller=sams_seller).count() == 1
    else:
        assert listing.status == ListingStatus.ACTIVE
        assert not Strike.objects.exists()
