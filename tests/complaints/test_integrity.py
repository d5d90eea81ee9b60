"""Integrity on both sides: good-faith fast track (gain, takedown at
filing, restore on rejection, loss and cool-down), misuse suspension,
forged credentials voiding open complaints, and repeat infringers."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from complaints import services
from complaints.models import ComplainantStanding, Complaint, ComplaintStatus, Strike
from marketplace.models import Listing, ListingStatus, ShopStatus
from notifications.models import Notification
from platform_core.models import AuditEvent
from rightsholders import services as rh_services
from rightsholders.models import Organisation
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db

FAST = {
    "FAST_TRACK_MIN_COMPLAINTS": 5,
    "FAST_TRACK_MIN_UPHELD_RATE": 0.9,
    "FAST_TRACK_MAX_COUNTER_NOTICE_RATE": 0.05,
    "FAST_TRACK_COOLDOWN_DAYS": 30,
    # Enough strikes for sam's shop to survive the record being built.
    "REPEAT_INFRINGER_STRIKES": 100,
}


def standing(org):
    return ComplainantStanding.objects.filter(organisation=org).first()


def build_record(n, make_listing, file_complaint, decide, outcome="upheld"):
    for _ in range(n):
        decide(file_complaint(make_listing()), outcome=outcome, reason="Checked.")


@override_settings(**FAST)
def test_the_fast_track_cycle(
    api, alice, sam, alice_org, adidas, make_listing, file_complaint, decide
):
    # Four upheld complaints are not enough yet…
    build_record(4, make_listing, file_complaint, decide)
    assert not standing(alice_org).fast_track
    # …the fifth earns fast track, with notice.
    build_record(1, make_listing, file_complaint, decide)
    assert standing(alice_org).fast_track
    assert Notification.objects.filter(user=alice, kind="organisation.fast_track_gained").exists()
    assert AuditEvent.objects.filter(action="organisation.fast_track_gained").exists()

    # A fast-track complaint takes the listing down at filing, pending review…
    listing = make_listing()
    response = api(alice).post(
        "/api/v1/complaints/",
        {"listing": listing.pk, "brand": adidas.pk, "kind": "counterfeit", "description": "x"},
        format="json",
    )
    body = response.json()
    assert body["fast_track"] is True
    assert body["status"] == "submitted"
    assert body["listing_status"] == "delisted"
    assert Notification.objects.filter(user=sam, kind="complaint.fast_track_takedown").exists()

    # Rejected: the listing is restored, and the record (5 of 6) falls below 90%.
    decide(Complaint.objects.get(pk=body["id"]), outcome="rejected", reason="Genuine goods.")
    assert Listing.objects.get(pk=listing.pk).status == ListingStatus.ACTIVE
    lost = standing(alice_org)
    assert not lost.fast_track
    assert lost.cooldown_until > timezone.now() + datetime.timedelta(days=29)
    assert Notification.objects.filter(user=alice, kind="organisation.fast_track_lost").exists()

    # Back above the bar, but in cool-down: no fast track yet.
    build_record(20, make_listing, file_complaint, decide)
    assert not standing(alice_org).fast_track
    new = file_complaint(make_listing())
    assert not new.fast_track and new.listing.status == ListingStatus.ACTIVE

    # After the cool-down, the daily refresh restores it.
    ComplainantStanding.objects.filter(organisation=alice_org).update(
        cooldown_until=timezone.now() - datetime.timedelta(minutes=1)
    )
    services.standings_refresh()
    assert standing(alice_org).fast_track


@override_settings(**FAST)
def test_successful_counter_notices_cost_fast_track(
    api, sam, alice_org, make_listing, file_complaint, decide, rita
):
    build_record(10, make_listing, file_complaint, decide)
    assert standing(alice_org).fast_track
    contested = Complaint.objects.filter(status="upheld").order_by("pk")[:1]
    for complaint in contested:
        services.counter_notice_file(user=sam, complaint=complaint, explanation="Genuine.")
        decide(complaint, outcome="rejected", reason="Counter-notice shows genuine goods.")

    # 9 of 10 upheld is still 90%, but 1 of 10 overturned is over 5%.
    s = standing(alice_org)
    assert s.counter_notice_rate == pytest.approx(0.1)
    assert not s.fast_track


@override_settings(MISUSE_WARNING_AT=2, MISUSE_SUSPEND_AT=3, MISUSE_SUSPENSION_DAYS=30)
def test_repeated_unfounded_complaints_warn_then_suspend_filing(
    api, alice, alice_org, adidas, make_listing, file_complaint, decide
):
    def unfounded():
        decide(
            file_complaint(make_listing()),
            outcome="rejected",
            reason="The listing is for another brand entirely.",
            bad_faith=True,
        )

    unfounded()
    assert not Notification.objects.filter(kind="organisation.misuse_warning").exists()
    unfounded()
    warning = Notification.objects.get(user=alice, kind="organisation.misuse_warning")
    assert "suspended" in warning.body
    assert Organisation.objects.get(pk=alice_org.pk).filing_suspended_until is None

    unfounded()
    org = Organisation.objects.get(pk=alice_org.pk)
    assert org.filing_suspended_until > timezone.now() + datetime.timedelta(days=29)
    assert Notification.objects.filter(user=alice, kind="organisation.filing_suspended").exists()
    assert AuditEvent.objects.filter(action="organisation.filing_suspended").exists()

    response = api(alice).post(
        "/api/v1/complaints/",
        {
            "listing": make_listing().pk,
            "brand": adidas.pk,
            "kind": "counterfeit",
            "description": "x",
        },
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "filing_suspended"


@override_settings(**FAST)
def test_forged_credentials_suspend_the_organisation_and_void_its_open_complaints(
    rita, alice, sam, alice_org, make_listing, file_complaint, decide
):
    build_record(5, make_listing, file_complaint, decide)
    fast = file_complaint(make_listing())  # taken down at filing
    assert fast.holds_listing
    waiting = file_complaint(make_listing())
    decided = Complaint.objects.filter(status="upheld").first()

    rh_services.organisation_decide(
        reviewer=rita,
        organisation=alice_org,
        decision="suspended",
        reason="The certificate does not match the registry: forged.",
    )

    for c in (fast, waiting):
        c.refresh_from_db()
        assert c.status == ComplaintStatus.WITHDRAWN
        assert "voided" in c.events.last().reason
    assert Listing.objects.get(pk=fast.listing_id).status == ListingStatus.ACTIVE
    assert Complaint.objects.get(pk=decided.pk).status == ComplaintStatus.UPHELD
    assert not standing(alice_org).fast_track
    assert Notification.objects.filter(user=alice, kind="complaint.voided").count() == 2


@override_settings(REPEAT_INFRINGER_STRIKES=3, REPEAT_INFRINGER_WINDOW_DAYS=180)
def test_the_third_strike_suspends_the_shops_and_delists_everything(
    sam, sams_seller, sams_shop, make_listing, file_complaint, decide
):
    second_shop = ShopFactory(seller=sams_seller, external_id="S-SAM-2")
    bystanders = [make_listing(), make_listing(shop=second_shop)]
    old = file_complaint(make_listing())
    decide(old, outcome="upheld", reason="Fake.")
    # A strike outside the window does not count.
    Strike.objects.filter(complaint=old).update(
        created_at=timezone.now() - datetime.timedelta(days=181)
    )
    for _ in range(2):
        decide(file_complaint(make_listing()), outcome="upheld", reason="Fake.")
    assert Notification.objects.filter(user=sam, kind="seller.strike").count() == 3
    assert (
        "Strike 2 of 3" in Notification.objects.filter(user=sam, kind="seller.strike").first().title
    )
    sams_shop.refresh_from_db()
    assert sams_shop.status == ShopStatus.ACTIVE

    decide(file_complaint(make_listing()), outcome="upheld", reason="Fake again.")

    for shop in (sams_shop, second_shop):
        shop.refresh_from_db()
        assert shop.status == ShopStatus.SUSPENDED
    for listing in bystanders:
        listing.refresh_from_db()
        assert listing.status == ListingStatus.DELISTED
    notice = Notification.objects.filter(user=sam, kind="shop.suspended").first()
    assert "Repeat-infringer policy" in notice.body
    assert AuditEvent.objects.filter(action="shop.suspended").count() == 2


@override_settings(REPEAT_INFRINGER_STRIKES=2)
def test_a_voided_strike_does_not_count(sam, sams_shop, make_listing, file_complaint, decide):
    first = file_complaint(make_listing())
    decide(first, outcome="upheld", reason="Fake.")
    services.counter_notice_file(user=sam, complaint=first, explanation="Genuine.")
    decide(first, outcome="rejected", reason="Genuine after all.")

    decide(file_complaint(make_listing()), outcome="upheld", reason="Fake.")

    sams_shop.refresh_from_db()
    assert sams_shop.status == ShopStatus.ACTIVE


def test_a_fast_track_takedown_comes_with_a_statement_of_reasons(
    api, client, alice, sam, alice_org, listing, file_complaint, decide
):
    from django.urls import reverse

    ComplainantStanding.objects.update_or_create(
        organisation=alice_org, defaults={"fast_track": True}
    )
    complaint = file_complaint(listing)

    # The seller is told why the listing is down before any decision…
    note = Notification.objects.get(user=sam, kind="complaint.fast_track_takedown")
    assert "Rule applied" in note.body and "fast track" in note.body
    seller_view = api(sam).get(f"/api/v1/complaints/{complaint.pk}/").json()
    assert seller_view["decision"] is None
    statement = seller_view["takedown_statement"]
    assert "taken down pending review" in statement["remedy"]
    assert listing.external_id in statement["facts"]
    client.force_login(sam)
    page = client.get(reverse("portal:seller-action", args=[complaint.pk])).content.decode()
    assert 'id="takedown-statement"' in page

    # …and the decision's own statement replaces it.
    decide(complaint, outcome="rejected", reason="Genuine goods.")
    assert api(sam).get(f"/api/v1/complaints/{complaint.pk}/").json()["takedown_statement"] is None
