"""Complaint decisions under concurrency: an uphold and the complainant
organisation's suspension (which voids its open complaints) racing on the
same complaint. Both lock the organisation before the complaint, so neither
deadlocks: one goes first and the other sees its outcome."""

import threading

import pytest
from django.db import connection

from complaints import services
from complaints.models import Complaint, ComplaintStatus, Strike
from marketplace.models import Listing, ListingStatus
from platform_core.errors import Conflict
from rightsholders import services as rh_services
from rightsholders.models import Organisation, OrganisationStatus
from tests.complaints.conftest import make_trademark
from tests.factories import BrandFactory, UserFactory, organisation_with_admin

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 4


def run_together(*actions):
    """Run each action in its own thread (its own connection), released at
    the same moment; returns each one's exception or None."""
    barrier = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def work(i, action):
        try:
            barrier.wait(timeout=10)
            action()
        except Exception as exc:  # reported to the test
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a transaction is stuck"
    return outcomes


def test_an_uphold_racing_a_suspension_ends_consistent_without_deadlock(rita, make_listing):
    rita_too = UserFactory(username="rita2", role="reviewer", is_staff=True)
    seen = set()
    for n in range(ROUNDS):
        admin = UserFactory(username=f"brand-admin-{n}", role="brand")
        org = organisation_with_admin(name=f"Brand Co {n}", admin=admin, status="verified")
        brand = BrandFactory(organisation=org, name=f"Brand {n}")
        make_trademark(brand, number=f"G-RACE-{n}")
        complaint = services.complaint_file(
            user=admin,
            brand=brand,
            listing=make_listing(),
            kind="counterfeit",
            description="Counterfeit.",
        )

        uphold_error, suspend_error = run_together(
            lambda c=complaint: services.complaint_decide(
                reviewer=rita, complaint=c, outcome="upheld", reason="Fake."
            ),
            lambda o=org: rh_services.organisation_decide(
                reviewer=rita_too,
                organisation=o,
                decision=OrganisationStatus.SUSPENDED,
                reason="Forged certificate.",
            ),
        )

        # The suspension always succeeds; no deadlock or other database error.
        assert suspend_error is None, repr(suspend_error)
        assert Organisation.objects.get(pk=org.pk).status == OrganisationStatus.SUSPENDED
        complaint = Complaint.objects.get(pk=complaint.pk)
        listing = Listing.objects.get(pk=complaint.listing_id)
        if uphold_error is None:
            # The uphold went first: it stands (voiding touches open complaints only).
            assert complaint.status == ComplaintStatus.UPHELD
            assert listing.status == ListingStatus.DELISTED
            assert Strike.objects.filter(complaint=complaint).exists()
            seen.add("upheld first")
        else:
            # The suspension went first: the complaint is void, the uphold refused.
            assert isinstance(uphold_error, Conflict), repr(uphold_error)
            assert uphold_error.code == "invalid_transition"
            assert complaint.status == ComplaintStatus.WITHDRAWN
            assert listing.status == ListingStatus.ACTIVE
            assert not Strike.objects.filter(complaint=complaint).exists()
            seen.add("suspended first")
        assert complaint.decisions.count() == (1 if uphold_error is None else 0)
    assert seen
