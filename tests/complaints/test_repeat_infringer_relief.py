"""A repeat-infringer suspension rests on strikes: when voided strikes bring
the seller back under the policy's threshold, the automatic suspension is
lifted (audited, the seller told, the marketplace sent the listings back), and
what it took down comes back as it was. A suspension made by hand stands."""

import pytest

from complaints import services
from complaints.models import (
    Complaint,
    ComplaintStatus,
    EnforcementPolicy,
    RepeatInfringerSuspension,
)
from marketplace import services as marketplace_services
from marketplace.models import Listing, ListingStatus, ShopStatus
from notifications.models import Notification, WebhookDelivery, WebhookEndpoint
from platform_core.models import AuditEvent
from rightsholders import services as rh_services
from rightsholders.models import OrganisationStatus
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db


def status_of(obj):
    obj.refresh_from_db()
    return obj.status


@pytest.fixture(autouse=True)
def policy_of_two_strikes(db):
    """The console's policy: two strikes within the window suspend a seller."""
    EnforcementPolicy.objects.update_or_create(pk=1, defaults={"repeat_infringer_strikes": 2})


@pytest.fixture
def two_strikes(make_listing, file_complaint, decide):
    """Two upheld complaints against sam: under a policy of 2, the shop is
    suspended. Returns the two complaints."""
    complaints = []
    for _ in range(2):
        c = file_complaint(make_listing())
        decide(c, outcome="upheld", reason="Fake.")
        complaints.append(Complaint.objects.get(pk=c.pk))
    return complaints


def test_a_successful_counter_notice_lifts_the_automatic_suspension(
    sam, rita, mo, sams_seller, sams_shop, make_listing, file_complaint, decide
):
    live = make_listing()
    held = make_listing()
    Listing.objects.filter(pk=held.pk).update(status=ListingStatus.HELD)
    second_shop = ShopFactory(seller=sams_seller, external_id="S-SAM-2")
    elsewhere = make_listing(shop=second_shop)
    endpoint = WebhookEndpoint.objects.create(
        owner=mo, url="https://market.example/hooks", events=["listing.restored"]
    )
    first = file_complaint(make_listing())
    decide(first, outcome="upheld", reason="Fake.")
    decide(file_complaint(make_listing()), outcome="upheld", reason="Fake.")
    assert status_of(sams_shop) == ShopStatus.SUSPENDED
    assert status_of(second_shop) == ShopStatus.SUSPENDED
    assert {status_of(live), status_of(held), status_of(elsewhere)} == {ListingStatus.DELISTED}

    # The seller shows the first complaint was wrong: its strike is voided.
    services.counter_notice_file(user=sam, complaint=first, explanation="Invoice attached.")
    decide(first, outcome="rejected", reason="Genuine: the invoice traces the supply chain.")

    assert status_of(sams_shop) == ShopStatus.ACTIVE
    assert status_of(second_shop) == ShopStatus.ACTIVE
    # What the suspension took down is back as it was: held stays held.
    assert status_of(live) == ListingStatus.ACTIVE
    assert status_of(held) == ListingStatus.HELD
    assert status_of(elsewhere) == ListingStatus.ACTIVE
    # The contested listing itself comes back too (the shop no longer keeps it down).
    assert Listing.objects.get(pk=first.listing_id).status == ListingStatus.ACTIVE
    # …but the second complaint's listing stays down: that strike stands.
    second = Complaint.objects.exclude(pk=first.pk).get(status=ComplaintStatus.UPHELD)
    assert Listing.objects.get(pk=second.listing_id).status == ListingStatus.DELISTED

    lifted = AuditEvent.objects.filter(action="seller.repeat_infringer_lifted")
    assert lifted.count() == 2 and lifted.first().actor == rita
    assert AuditEvent.objects.filter(action="shop.reinstated").count() == 2
    notices = Notification.objects.filter(user=sam, kind="shop.reinstated")
    assert notices.count() == 2
    assert "automatic suspension is lifted" in notices.first().body
    assert all(s.lifted_at for s in RepeatInfringerSuspension.objects.all())
    restored = {
        d.payload["data"]["listing"]["external_id"]
        for d in WebhookDelivery.objects.filter(endpoint=endpoint, event="listing.restored")
    }
    assert {live.external_id, held.external_id, elsewhere.external_id} <= restored


def test_voiding_an_organisations_complaints_lifts_the_suspension(
    sam, rita, alice_org, sams_shop, two_strikes
):
    contested = two_strikes[0]
    services.counter_notice_file(user=sam, complaint=contested, explanation="Genuine.")
    assert status_of(sams_shop) == ShopStatus.SUSPENDED

    # The complainant's credentials were forged: its open complaints are void.
    rh_services.organisation_decide(
        reviewer=rita,
        organisation=alice_org,
        decision=OrganisationStatus.SUSPENDED,
        reason="Forged certificate.",
    )

    assert status_of(contested) == ComplaintStatus.WITHDRAWN
    assert status_of(sams_shop) == ShopStatus.ACTIVE
    assert Listing.objects.get(pk=contested.listing_id).status == ListingStatus.ACTIVE


def test_still_at_the_threshold_the_suspension_stands(
    sam, sams_shop, make_listing, file_complaint, decide, two_strikes
):
    third = file_complaint(make_listing())
    decide(third, outcome="upheld", reason="Fake.")
    services.counter_notice_file(user=sam, complaint=two_strikes[0], explanation="Genuine.")
    decide(two_strikes[0], outcome="rejected", reason="Genuine.")

    # Two strikes remain: still a repeat infringer.
    assert status_of(sams_shop) == ShopStatus.SUSPENDED
    assert not AuditEvent.objects.filter(action="seller.repeat_infringer_lifted").exists()


def test_a_suspension_made_by_hand_since_is_not_lifted(sam, rita, sams_shop, two_strikes):
    # A jury (or a reviewer) suspends the shop on its own grounds afterwards.
    marketplace_services.shop_suspend(
        shop=sams_shop, actor=rita, reason="Public appraisal: the whole shop sells knockoffs."
    )
    services.counter_notice_file(user=sam, complaint=two_strikes[0], explanation="Genuine.")
    services.complaint_decide(
        reviewer=rita, complaint=two_strikes[0], outcome="rejected", reason="Genuine."
    )

    assert status_of(sams_shop) == ShopStatus.SUSPENDED
    suspension = RepeatInfringerSuspension.objects.get(shop=sams_shop)
    assert "suspended again since" in suspension.lifted_reason
    assert not Notification.objects.filter(user=sam, kind="shop.reinstated").exists()


def test_a_shop_suspended_by_a_jury_before_the_strikes_is_not_lifted(
    sam, rita, sams_seller, make_listing, file_complaint, decide
):
    jury_shop = ShopFactory(seller=sams_seller, external_id="S-SAM-JURY")
    marketplace_services.shop_suspend(shop=jury_shop, actor=rita, reason="Jury verdict.")
    first = file_complaint(make_listing())
    decide(first, outcome="upheld", reason="Fake.")
    decide(file_complaint(make_listing()), outcome="upheld", reason="Fake.")
    services.counter_notice_file(user=sam, complaint=first, explanation="Genuine.")
    decide(first, outcome="rejected", reason="Genuine.")

    assert status_of(jury_shop) == ShopStatus.SUSPENDED
