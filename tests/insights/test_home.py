"""The portal home answers "what needs me today": new suspects by brand,
complaints needing information, decisions since the last visit, sweeps in
progress, the integrity score and fast track."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import F

from complaints import services as complaint_services
from complaints.models import ComplainantStanding, Decision
from detection.models import ScanJob, ScanStatus, Suspect
from insights.models import PortalVisit
from tests.complaints.conftest import make_trademark

pytestmark = pytest.mark.django_db


def time_passes(hours: float = 2) -> None:
    """Move everything recorded so far ``hours`` into the past: the last view of
    the home page, and the suspects and decisions made before it."""
    delta = datetime.timedelta(hours=hours)
    PortalVisit.objects.update(
        last_seen_at=F("last_seen_at") - delta, previous_visit_at=F("previous_visit_at") - delta
    )
    Decision.objects.update(created_at=F("created_at") - delta)
    Suspect.objects.update(created_at=F("created_at") - delta)


@pytest.fixture
def home(client, alice):
    client.force_login(alice)

    def get():
        response = client.get("/")
        assert response.status_code == 200
        return response

    return get


def test_the_home_page_lists_exactly_what_needs_alice(
    home, alice, alice_org, adidas, make_listing, suspect_of, file_complaint, decide
):
    suspect_of(make_listing(), adidas)
    suspect_of(make_listing(), adidas)
    suspect_of(make_listing(), adidas, status="dismissed")  # judged: nothing to do
    asked = file_complaint(make_listing())
    decide(asked, outcome="needs_info", reason="Which product model is this?")
    file_complaint(make_listing())  # waiting on the reviewer, not on alice
    ScanJob.objects.create(
        kind=ScanJob.Kind.BRAND_SWEEP, brand=adidas, status=ScanStatus.RUNNING, total=800, done=200
    )
    ScanJob.objects.create(
        kind=ScanJob.Kind.BRAND_SWEEP, brand=adidas, status=ScanStatus.FINISHED, total=5, done=5
    )
    ComplainantStanding.objects.update_or_create(
        organisation=alice_org, defaults={"fast_track": True}
    )

    response = home()

    ctx = response.context
    assert [(r["brand__name"], r["total"]) for r in ctx["new_suspects"]] == [("Adidas", 2)]
    assert [c.pk for c in ctx["needs_info"]] == [asked.pk]
    assert [d.complaint_id for d in ctx["decisions"]] == [asked.pk]
    assert [job.status for job in ctx["sweeps"]] == ["running"]
    page = response.content.decode()
    assert '<progress max="800" value="200">' in page
    assert "2 to judge" in page
    assert "Fast track: takedown at filing" in page
    assert f"<td>{alice_org.integrity_score}</td>" in page
    assert "first visit" in page


def test_decisions_since_the_last_visit_move_with_each_visit(
    home, alice, make_listing, file_complaint, decide
):
    first = file_complaint(make_listing())
    decide(first, outcome="upheld")
    assert [d.complaint_id for d in home().context["decisions"]] == [first.pk]

    # A reload within the same visit keeps the list.
    assert [d.complaint_id for d in home().context["decisions"]] == [first.pk]

    time_passes()
    second = file_complaint(make_listing())
    decide(second, outcome="rejected", reason="Genuine.")
    response = home()
    assert [d.complaint_id for d in response.context["decisions"]] == [second.pk]
    assert response.context["since"] is not None
    assert "Since your last visit" in response.content.decode()

    time_passes()
    assert home().context["decisions"] == []
    assert home().context["decisions_count"] == 0


def test_new_suspects_since_the_last_visit_are_counted(
    home, alice, adidas, make_listing, suspect_of
):
    suspect_of(make_listing(), adidas)
    home()
    time_passes()
    suspect_of(make_listing(), adidas)

    rows = home().context["new_suspects"]

    assert [(r["total"], r["since"]) for r in rows] == [(2, 1)]


def test_bob_sees_none_of_alices_work(
    client, bob, bob_org, rival_brand, adidas, make_listing, suspect_of, file_complaint, decide
):
    make_trademark(rival_brand, number="N-1")
    suspect_of(make_listing(), adidas)
    decide(file_complaint(make_listing()), outcome="needs_info", reason="Which model?")
    ScanJob.objects.create(
        kind=ScanJob.Kind.BRAND_SWEEP, brand=adidas, status=ScanStatus.RUNNING, total=10
    )
    theirs = complaint_services.complaint_file(
        user=bob, brand=rival_brand, listing=make_listing(), kind="counterfeit", description="Fake."
    )
    client.force_login(bob)

    response = client.get("/")

    ctx = response.context
    assert ctx["new_suspects"] == [] and ctx["needs_info"] == [] and ctx["sweeps"] == []
    assert ctx["decisions"] == []
    assert [s["organisation"].pk for s in ctx["standings"]] == [bob_org.pk]
    assert "Adidas" not in response.content.decode()
    assert theirs.organisation_id == bob_org.pk


def test_reviewers_get_the_dashboard_link_and_no_visit_marker(client, rita):
    client.force_login(rita)

    page = client.get("/").content.decode()

    assert "/admin/dashboard/" in page
    assert not PortalVisit.objects.filter(user=rita).exists()
