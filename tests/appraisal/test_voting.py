"""Secret ballots: one per judge (also under concurrent posts), nothing of
the tally shown before close, majority, quorum and ties."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from appraisal import services
from appraisal.models import Case, Vote
from platform_core.audit import audit_trail
from tests.appraisal.conftest import after, seated, vote_all
from tests.conftest import client_for


def _vote(api, judge, case, choice="infringing", **extra):
    return api(judge).post(
        f"/api/v1/appraisal/cases/{case.pk}/vote/",
        {"choice": choice, "reason": "Same stripes, near spelling.", **extra},
        format="json",
    )


def test_nothing_reveals_the_tally_before_close(pool, listing, open_case, api, rita, client):
    case = open_case(listing=listing, jury_size=5)
    first, second, *_ = seated(case)
    assert _vote(api, first, case, "infringing").status_code == 201

    # The voter, another juror and the reviewer see no result and no ballots.
    for viewer in (first, second, rita):
        body = api(viewer).get(f"/api/v1/appraisal/cases/{case.pk}/").json()
        assert body["status"] == "voting"
        assert body["result"] is None
        assert "tally" not in str(body)
    assert api(second).get(f"/api/v1/appraisal/cases/{case.pk}/").json()["your_vote"] is None
    listed = api(second).get("/api/v1/appraisal/assignments/").json()["results"]
    assert listed[0]["case"] == case.pk and "infringing" not in str(listed)
    assert api(rita).get("/api/v1/appraisal/cases/").json()["results"][0]["result"] is None

    # The judge's page of another juror shows the ballot, not the count.
    client.force_login(second)
    page = client.get(f"/appraisal/cases/{case.pk}/").content.decode()
    assert 'id="ballot"' in page and 'id="result"' not in page
    # The audit trail names who voted, never how.
    assert all("infringing" not in str(e.data) for e in audit_trail(case))
    with pytest.raises(Exception, match="secret"):
        from appraisal.selectors import ballots_for

        ballots_for(case)


def test_case_closes_when_all_have_voted_and_majority_decides(pool, listing, open_case, api):
    case = open_case(listing=listing, jury_size=5)
    judges = seated(case)
    for judge, choice in zip(
        judges, ["infringing", "not_infringing", "infringing", "abstain"], strict=False
    ):
        assert _vote(api, judge, case, choice).status_code == 201
    case.refresh_from_db()
    assert case.status == "voting"
    assert _vote(api, judges[4], case, "infringing").status_code == 201

    body = api(judges[0]).get(f"/api/v1/appraisal/cases/{case.pk}/").json()
    assert body["status"] == "closed"
    assert body["result"]["result"] == "infringing"
    assert body["result"]["tally"] == {"infringing": 3, "not_infringing": 1, "abstain": 1}
    assert body["your_vote"]["choice"] == "infringing"


def test_a_second_vote_is_refused(pool, listing, open_case, api):
    case = open_case(listing=listing, jury_size=5)
    judge = seated(case)[0]
    assert _vote(api, judge, case, "infringing").status_code == 201
    again = _vote(api, judge, case, "not_infringing")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_voted"
    assert Vote.objects.get(case=case, judge=judge).choice == "infringing"


def test_the_database_refuses_a_second_ballot(pool, listing, open_case):
    case = open_case(listing=listing, jury_size=5)
    judge = seated(case)[0]
    Vote.objects.create(case=case, judge=judge, choice="infringing")
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(case=case, judge=judge, choice="not_infringing")


@pytest.mark.django_db(transaction=True)
def test_one_vote_per_judge_under_50_concurrent_posts(pool, listing, open_case):
    case = open_case(listing=listing, jury_size=5)
    judge = seated(case)[0]
    clients = [client_for(judge) for _ in range(50)]
    barrier = threading.Barrier(50)
    statuses: list[int] = []
    lock = threading.Lock()

    def post(client, n):
        try:
            barrier.wait()
            choice = "infringing" if n % 2 else "not_infringing"
            response = client.post(
                f"/api/v1/appraisal/cases/{case.pk}/vote/", {"choice": choice}, format="json"
            )
            with lock:
                statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(c, n)) for n, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201] + [409] * 49
    assert Vote.objects.filter(case=case, judge=judge).count() == 1


def test_outsiders_cannot_see_or_vote(pool, make_judges, listing, open_case, api, alice, sam):
    case = open_case(listing=listing, jury_size=5)
    outsider = next(j for j in pool if j not in seated(case))
    assert api(outsider).get(f"/api/v1/appraisal/cases/{case.pk}/").status_code == 404
    answer = _vote(api, outsider, case)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"
    for user in (alice, sam):
        assert api(user).get(f"/api/v1/appraisal/cases/{case.pk}/").status_code == 404
        assert _vote(api, user, case).status_code == 403


def test_bad_choice_is_a_validation_error(pool, listing, open_case, api):
    case = open_case(listing=listing, jury_size=5)
    response = _vote(api, seated(case)[0], case, "maybe")
    assert response.status_code == 400
    assert "choice" in response.json()["error"]["fields"]


def test_deadline_with_quorum_closes_on_the_votes_cast(pool, listing, open_case):
    case = open_case(listing=listing, jury_size=5)
    vote_all(case, ["not_infringing", "not_infringing", "infringing"])  # 3 of 5 = quorum
    assert services.cases_sweep(now=after(case.deadline))["closed"] == 1
    case.refresh_from_db()
    assert case.status == "closed"
    assert case.result == Case.Result.NOT_INFRINGING


def test_a_tie_goes_back_to_the_reviewer(pool, listing, open_case, rita):
    case = open_case(listing=listing, jury_size=5)
    vote_all(case, ["infringing", "infringing", "not_infringing", "not_infringing", "abstain"])
    assert case.status == "returned"
    assert case.result == Case.Result.TIE
    assert rita.notifications.filter(kind="appraisal.returned").exists()
    listing.refresh_from_db()
    assert listing.status == "active"


def test_no_quorum_after_the_replacement_rounds_goes_back(pool, listing, open_case, settings, rita):
    settings.APPRAISAL_REPLACEMENT_ROUNDS = 0
    case = open_case(listing=listing, jury_size=5)
    vote_all(case, ["infringing", "infringing"])  # 2 of 5, quorum is 3
    services.cases_sweep(now=after(case.deadline))
    case.refresh_from_db()
    assert case.status == "returned"
    assert case.result == Case.Result.NO_QUORUM
    # The reviewer decides it, and the decision is enforced.
    services.case_reviewer_decide(
        reviewer=rita, case=case, verdict="infringing", reason="The mark is copied."
    )
    case.refresh_from_db()
    listing.refresh_from_db()
    assert case.status == "final" and listing.status == "delisted"


def test_late_ballot_is_refused(pool, listing, open_case):
    case = open_case(listing=listing, jury_size=5)
    with pytest.raises(Exception, match="closed"):
        services.vote_cast(
            judge=seated(case)[0], case=case.pk, choice="infringing", now=after(case.deadline)
        )
