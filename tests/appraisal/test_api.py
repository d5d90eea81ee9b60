"""The contract's appraisal endpoints: opening cases (reviewers), a judge's
open assignments, voting; statements; access answered as the contract says."""

from __future__ import annotations

from appraisal.models import Case
from tests.appraisal.conftest import seated

CASES = "/api/v1/appraisal/cases/"


def test_reviewer_opens_a_case_from_a_complaint(pool, complaint, api, rita, alice, sam):
    response = api(rita).post(
        CASES,
        {
            "complaint": complaint.pk,
            "question": "Does shop Adidos Outlet's brand 'Adidos' imitate Adidas?",
            "jury_size": 13,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["subject"] == "complaint" and body["complaint"] == complaint.pk
    assert body["jury_size"] == 13 and body["status"] == "voting" and body["result"] is None
    case = Case.objects.get(pk=body["id"])
    assert len(seated(case)) == 13
    complaint.refresh_from_db()
    assert complaint.status == "in_appraisal"
    assert alice.notifications.filter(kind="appraisal.case_opened").exists()

    # A second case on the same complaint while this one is live: 409.
    again = api(rita).post(CASES, {"complaint": complaint.pk, "question": "Again?"}, format="json")
    assert again.status_code == 409


def test_default_jury_size_is_the_setting(make_judges, listing, api, rita, settings):
    make_judges(15)
    body = api(rita).post(CASES, {"listing": listing.pk, "question": "Copy?"}, format="json").json()
    assert body["jury_size"] == settings.APPRAISAL_JURY_SIZE == 13


def test_open_case_validation(pool, listing, sams_shop, api, rita):
    cases = [
        ({"question": "Copy?"}, 400),
        ({"listing": listing.pk, "shop": sams_shop.pk, "question": "Copy?"}, 400),
        ({"listing": listing.pk, "question": "Copy?", "jury_size": 4}, 400),
        ({"listing": 999999, "question": "Copy?"}, 400),
        ({"listing": listing.pk}, 400),
        ({"listing": listing.pk, "question": "Copy?", "jury_size": 31}, 409),  # pool of 30
    ]
    for payload, status in cases:
        response = api(rita).post(CASES, payload, format="json")
        assert response.status_code == status, (payload, response.json())
        assert set(response.json()["error"]) >= {"code", "message", "fields"}
    assert not Case.objects.exists()


def test_only_reviewers_open_cases(pool, listing, api, alice, judy, sam, mo):
    for user in (alice, judy, sam, mo):
        response = api(user).post(CASES, {"listing": listing.pk, "question": "?"}, format="json")
        assert response.status_code == 403
        assert api(user).get(CASES).status_code == 403


def test_idempotent_open(pool, listing, api, rita):
    client = api(rita)
    payload = {"listing": listing.pk, "question": "Copy?", "jury_size": 5}
    first = client.post(CASES, payload, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    second = client.post(CASES, payload, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert Case.objects.count() == 1


def test_assignments_list_a_judges_open_cases(pool, listing, sams_shop, api, rita):
    a = api(rita).post(
        CASES, {"listing": listing.pk, "question": "A?", "jury_size": 29}, format="json"
    )
    b = api(rita).post(
        CASES, {"shop": sams_shop.pk, "question": "B?", "jury_size": 29}, format="json"
    )
    both = set(seated(Case.objects.get(pk=a.json()["id"]))) & set(
        seated(Case.objects.get(pk=b.json()["id"]))
    )
    judge = next(iter(both))
    rows = api(judge).get("/api/v1/appraisal/assignments/").json()
    assert {r["case"] for r in rows["results"]} == {a.json()["id"], b.json()["id"]}
    assert rows["next"] is None
    assert all(r["due_at"] and r["voted"] is False for r in rows["results"])
    page = api(judge).get("/api/v1/appraisal/assignments/?page_size=1").json()
    assert len(page["results"]) == 1 and page["next"]
    assert api(rita).get("/api/v1/appraisal/assignments/").status_code == 403


def test_parties_add_statements_until_voting_opens(pool, complaint, api, rita, alice, sam, bob):
    body = (
        api(rita)
        .post(
            CASES,
            {"complaint": complaint.pk, "question": "Copy?", "jury_size": 5, "statement_hours": 24},
            format="json",
        )
        .json()
    )
    assert body["status"] == "collecting"
    url = f"{CASES}{body['id']}/statements/"
    assert api(alice).post(url, {"text": "Same stripes."}, format="json").status_code == 201
    assert api(sam).post(url, {"text": "Our own mark."}, format="json").status_code == 201
    assert api(bob).post(url, {"text": "Meddling."}, format="json").status_code == 404

    from appraisal import services

    case = services.voting_open(reviewer=rita, case=Case.objects.get(pk=body["id"]))
    assert case.status == "voting"
    late = api(sam).post(url, {"text": "One more thing."}, format="json")
    assert late.status_code == 409 and late.json()["error"]["code"] == "statements_closed"
    judge = seated(case)[0]
    evidence = api(judge).get(f"{CASES}{case.pk}/").json()["evidence"]
    assert [s["party"] for s in evidence["statements"]] == ["complainant", "seller"]
    assert evidence["trademark"]["registration_number"] == complaint.trademark.registration_number
    assert evidence["listings"][0]["title"] == complaint.listing.title
    assert evidence["reference_images"] == []  # Adidas has not uploaded any yet


def test_schema_lists_the_appraisal_endpoints(api, judy):
    schema = api(judy).get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    for path in (
        "/api/v1/appraisal/cases/",
        "/api/v1/appraisal/cases/{id}/vote/",
        "/api/v1/appraisal/assignments/",
    ):
        assert path.encode() in schema.content
