"""Outcomes are enforced through the complaints and marketplace services;
appeals go to a larger jury none of whom sat before; track records follow."""

from __future__ import annotations

import pytest

from appraisal import services
from appraisal.models import Case, JudgeProfile
from complaints.models import Decision
from platform_core.errors import Conflict
from tests.appraisal.conftest import after, seated, vote_all


def test_an_infringing_verdict_upholds_the_complaint_after_the_appeal_window(
    pool, complaint, open_case, alice, sam
):
    case = open_case(complaint=complaint, jury_size=5)
    complaint.refresh_from_db()
    assert complaint.status == "in_appraisal"
    vote_all(case, ["infringing"] * 4 + ["not_infringing"])
    assert case.status == "closed" and case.appeal_until is not None
    complaint.refresh_from_db()
    assert complaint.status == "in_appraisal"  # nothing enforced while appeals are possible

    counts = services.cases_sweep(now=after(case.appeal_until))
    assert counts["enforced"] == 1
    case.refresh_from_db()
    complaint.refresh_from_db()
    complaint.listing.refresh_from_db()
    assert case.status == "final" and case.final_verdict == "infringing"
    assert complaint.status == "upheld"
    assert complaint.listing.status == "delisted"
    decision = complaint.decisions.get()
    assert decision.source == Decision.Source.APPRAISAL
    assert "4 infringing, 1 not infringing" in decision.facts
    assert f"case #{case.pk}" in decision.facts
    assert sam.notifications.filter(kind="appraisal.final").exists()
    # Every juror's record counts the outcome.
    for judge in seated(case):
        assert JudgeProfile.objects.get(user=judge).outcome_total == 1
    dissenter = next(j for j in seated(case) if case.votes.get(judge=j).choice == "not_infringing")
    assert JudgeProfile.objects.get(user=dissenter).weight < 1.0


def test_not_infringing_dismisses_and_leaves_the_listing_up(pool, listing, open_case, settings):
    settings.APPRAISAL_MAX_LEVEL = 0  # no appeal: enforced at close
    case = open_case(listing=listing, jury_size=5)
    vote_all(case, ["not_infringing"] * 3 + ["infringing"] * 2)
    assert case.status == "final" and case.final_verdict == "not_infringing"
    listing.refresh_from_db()
    assert listing.status == "active"


def test_a_shop_case_suspends_the_whole_shop(pool, sams_shop, listing, open_case, settings):
    settings.APPRAISAL_MAX_LEVEL = 0
    from tests.factories import ListingFactory

    other = ListingFactory(shop=sams_shop, external_id="L-ADIDOS-2", status="active")
    case = open_case(shop=sams_shop, jury_size=5, question="Is 'Adidos' an imitation?")
    vote_all(case, ["infringing"] * 5)
    sams_shop.refresh_from_db()
    listing.refresh_from_db()
    other.refresh_from_db()
    assert sams_shop.status == "suspended"
    assert listing.status == "delisted" and other.status == "delisted"


def test_appeal_draws_a_larger_disjoint_jury_once_per_level(
    pool, make_judges, complaint, open_case, sam, alice, settings, api
):
    settings.APPRAISAL_MAX_LEVEL = 1
    make_judges(20)
    case = open_case(complaint=complaint, jury_size=5)
    vote_all(case, ["infringing"] * 5)

    response = api(sam).post(
        f"/api/v1/appraisal/cases/{case.pk}/appeal/",
        {"reason": "Adidos is our own registered mark."},
        format="json",
    )
    assert response.status_code == 201, response.json()
    appeal = Case.objects.get(pk=response.json()["id"])
    case.refresh_from_db()
    assert case.status == "appealed"
    assert appeal.level == 1 and appeal.jury_size == 11 and appeal.status == "voting"
    first, second = {u.pk for u in seated(case)}, {u.pk for u in seated(appeal)}
    assert len(second) == 11 and not first & second
    assert appeal.statements.filter(party="seller", text__contains="our own").exists()

    # The appeal jury reverses; at the top level there is no further appeal.
    vote_all(appeal, ["not_infringing"] * 6 + ["infringing"] * 5)
    assert appeal.status == "final" and appeal.final_verdict == "not_infringing"
    complaint.refresh_from_db()
    assert complaint.status == "rejected"
    again = api(alice).post(
        f"/api/v1/appraisal/cases/{appeal.pk}/appeal/", {"reason": "No."}, format="json"
    )
    assert again.status_code == 409
    # The first jury's record: they disagreed with the final outcome.
    assert all(JudgeProfile.objects.get(user_id=pk).outcome_agreed == 0 for pk in first)


def test_appeal_window_and_parties(pool, listing, open_case, alice, bob, sam, api):
    case = open_case(listing=listing, jury_size=5)
    vote_all(case, ["infringing"] * 5)
    # Not a party: answered as if the case did not exist.
    assert (
        api(bob)
        .post(f"/api/v1/appraisal/cases/{case.pk}/appeal/", {"reason": "x"}, format="json")
        .status_code
        == 404
    )
    with pytest.raises(Conflict, match="window"):
        services.case_appeal(user=sam, case=case, reason="Too late.", now=after(case.appeal_until))


def test_known_answer_cases_score_judges_and_enforce_nothing(
    pool, listing, open_case, rita, settings
):
    settings.APPRAISAL_TRACK_MIN_CASES = 1
    case = services.case_open(
        reviewer=rita,
        question="Is 'Nlke' a copy of Nike?",
        listing=listing,
        jury_size=5,
        known_answer="infringing",
    )
    vote_all(case, ["infringing"] * 4 + ["not_infringing"])
    assert case.status == "final"
    listing.refresh_from_db()
    assert listing.status == "active"
    wrong = next(j for j in seated(case) if case.votes.get(judge=j).choice == "not_infringing")
    profile = JudgeProfile.objects.get(user=wrong)
    assert profile.known_answer_total == 1 and profile.known_answer_correct == 0
    assert profile.status == "removed"
    right = next(j for j in seated(case) if j != wrong)
    assert JudgeProfile.objects.get(user=right).status == "active"
    assert wrong.pk not in {pk for pk, _ in services.jury_candidates(case)}
