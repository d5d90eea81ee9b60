"""Becoming a judge (verified identity, guidelines, qualification set) and
the judges' pages: assignments with deadlines, the case and ballot, the
result after close, and the track record."""

from __future__ import annotations

import pytest

from appraisal import services
from appraisal.models import JudgeProfile, QualificationQuestion
from platform_core.errors import DomainError
from tests.appraisal.conftest import seated


@pytest.fixture
def qualification_set(db):
    return [
        QualificationQuestion.objects.create(question=f"Q{n}?", answer=answer)
        for n, answer in enumerate(["infringing", "not_infringing"] * 3)
    ]


def test_enrolment_needs_identity_guidelines_and_a_pass(judy, rita, qualification_set, client):
    with pytest.raises(DomainError, match="identity"):
        services.judge_enrol(user=judy, guidelines_read=True)
    services.judge_verify_identity(reviewer=rita, judge=judy, reason="Passport checked.")

    client.force_login(judy)
    wrong = {f"q{q.pk}": "infringing" for q in qualification_set}
    page = client.post("/appraisal/enrol/", {"guidelines_read": "on", **wrong}, follow=True)
    assert "3 of 6" in page.content.decode()
    assert JudgeProfile.objects.get(user=judy).status == "enrolled"

    right = {f"q{q.pk}": q.answer for q in qualification_set}
    page = client.post("/appraisal/enrol/", {"guidelines_read": "on", **right}, follow=True)
    assert page.redirect_chain[-1][0] == "/appraisal/"
    profile = JudgeProfile.objects.get(user=judy)
    assert profile.status == "active" and profile.qualified_at
    assert profile.guidelines_accepted_at


def test_guidelines_must_be_accepted(judy, rita, qualification_set):
    services.judge_verify_identity(reviewer=rita, judge=judy, reason="Passport checked.")
    with pytest.raises(DomainError, match="guidelines"):
        services.judge_enrol(user=judy, guidelines_read=False)


def test_judge_votes_on_a_phone_page_and_sees_the_result_after_close(
    pool, listing, open_case, client, settings
):
    settings.APPRAISAL_MAX_LEVEL = 0
    case = open_case(listing=listing, jury_size=5)
    judge, *others = seated(case)
    client.force_login(judge)

    home = client.get("/appraisal/").content.decode()
    assert 'name="viewport"' in home
    assert case.question.replace("'", "&#x27;") in home
    assert "Vote by" in home

    page = client.get(f"/appraisal/cases/{case.pk}/").content.decode()
    assert 'id="ballot"' in page and listing.title in page

    client.post(f"/appraisal/cases/{case.pk}/vote/", {"choice": "infringing", "reason": "Copy."})
    page = client.get(f"/appraisal/cases/{case.pk}/").content.decode()
    assert 'id="ballot"' not in page and 'id="result"' not in page
    assert "You have voted" in page

    for other, choice in zip(
        others, ["infringing", "not_infringing", "infringing", "abstain"], strict=True
    ):
        services.vote_cast(judge=other, case=case.pk, choice=choice)
    page = client.get(f"/appraisal/cases/{case.pk}/").content.decode()
    assert 'id="result"' in page

    home = client.get("/appraisal/").content.decode()
    assert "matched the final outcome 1 times out of 1" in home


def test_pages_hide_other_cases(pool, listing, open_case, client):
    case = open_case(listing=listing, jury_size=5)
    outsider = next(j for j in pool if j not in seated(case))
    client.force_login(outsider)
    assert client.get(f"/appraisal/cases/{case.pk}/").status_code == 404
    assert (
        client.post(f"/appraisal/cases/{case.pk}/vote/", {"choice": "abstain"}).status_code == 404
    )


def test_reviewer_console_opens_a_case_and_hides_the_tally(pool, listing, rita, client):
    client.force_login(rita)
    response = client.post(
        "/admin/appraisal/case/open/",
        {"listing": listing.pk, "question": "Does 'Adidos' imitate Adidas?", "jury_size": 5},
    )
    assert response.status_code == 302
    case = listing.appraisal_cases.get()
    services.vote_cast(judge=seated(case)[0], case=case.pk, choice="infringing")
    page = client.get(f"/admin/appraisal/case/{case.pk}/change/").content.decode()
    assert "Tally" not in page
    listing_page = client.get("/admin/appraisal/case/").content.decode()
    assert "Does &#x27;Adidos&#x27; imitate Adidas?" in listing_page
