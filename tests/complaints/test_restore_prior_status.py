"""Putting a listing back puts back what it was: one that detection held
before a fast-track takedown or an upheld complaint goes back to held (for a
reviewer to release), not live."""

import pytest

from complaints import services
from complaints.models import ComplainantStanding
from marketplace.models import Listing, ListingStatus
from platform_core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_listing(listing):
    # Release interception: scored over the block threshold at intake.
    Listing.objects.filter(pk=listing.pk).update(status=ListingStatus.HELD)
    listing.refresh_from_db()
    return listing


@pytest.fixture
def fast_track(alice_org):
    ComplainantStanding.objects.update_or_create(
        organisation=alice_org, defaults={"fast_track": True}
    )


def status_of(listing):
    return Listing.objects.get(pk=listing.pk).status


def test_a_rejected_fast_track_complaint_puts_a_held_listing_back_to_held(
    fast_track, held_listing, file_complaint, decide
):
    complaint = file_complaint(held_listing)
    assert status_of(held_listing) == ListingStatus.DELISTED

    decide(complaint, outcome="rejected", reason="Genuine goods.")

    assert status_of(held_listing) == ListingStatus.HELD
    restored = AuditEvent.objects.filter(action="listing.restored").latest("id")
    assert restored.data["previous"] == ListingStatus.DELISTED


def test_a_withdrawn_fast_track_complaint_puts_a_held_listing_back_to_held(
    fast_track, alice, held_listing, file_complaint
):
    complaint = file_complaint(held_listing)
    services.complaint_withdraw(user=alice, complaint=complaint, reason="Filed in error.")
    assert status_of(held_listing) == ListingStatus.HELD


def test_a_live_listing_goes_back_live(fast_track, listing, file_complaint, decide):
    complaint = file_complaint(listing)
    decide(complaint, outcome="rejected", reason="Genuine goods.")
    assert status_of(listing) == ListingStatus.ACTIVE


def test_a_successful_counter_notice_puts_a_held_listing_back_to_held(
    sam, held_listing, file_complaint, decide
):
    complaint = file_complaint(held_listing)
    decide(complaint, outcome="upheld", reason="Fake.")
    assert status_of(held_listing) == ListingStatus.DELISTED
    services.counter_notice_file(user=sam, complaint=complaint, explanation="Genuine.")

    decide(complaint, outcome="rejected", reason="The invoice proves it genuine.")

    assert status_of(held_listing) == ListingStatus.HELD
