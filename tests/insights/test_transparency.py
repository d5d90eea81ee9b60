"""The public transparency report: notices by kind, actions, median time to
action, proactive vs reactive removals, counter-notices and reinstatements,
appraisal outcomes and suspensions for misuse — on the page and in CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from appraisal import services as appraisal_services
from complaints import services as complaint_services
from tests.appraisal.conftest import after, qualified_judge, vote_all
from tests.insights.conftest import filed_hours_ago

pytestmark = pytest.mark.django_db

URL = "/transparency/"


def report_csv(client, **query) -> dict[tuple[str, str], str]:
    response = client.get(URL, {"format": "csv", **query})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "measure", "value"]
    return {(section, measure): value for section, measure, value in rows[1:]}


@pytest.fixture
def a_year_of_work(
    alice, rita, sam, adidas, make_listing, suspect_of, remove, file_complaint, decide
):
    # A proactive removal: the platform took it down, nobody complained.
    proactive = make_listing()
    suspect_of(proactive, adidas)
    remove(proactive)
    # Upheld, and so a removal after complaint.
    decide(file_complaint(make_listing()), outcome="upheld")
    # Upheld, counter-noticed, then rejected: the listing is reinstated.
    contested = file_complaint(make_listing(), kind="trademark_misuse")
    decide(contested, outcome="upheld")
    complaint_services.counter_notice_file(
        user=sam, complaint=contested, explanation="Genuine stock from the distributor."
    )
    decide(contested, outcome="rejected", reason="Authorised stock.")
    # Three manifestly unfounded complaints: a warning, then filing suspended.
    for _ in range(3):
        decide(
            file_complaint(make_listing(), kind="other"),
            outcome="rejected",
            reason="Manifestly unfounded.",
            bad_faith=True,
        )
    # A shanzhai case decided by a public jury.
    shanzhai = complaint_services.complaint_file(
        user=alice,
        brand=adidas,
        listing=make_listing(),
        kind="shanzhai",
        description="'Adidos' imitates Adidas.",
    )
    for n in range(8):
        qualified_judge(f"juror{n}")
    case = appraisal_services.case_open(
        reviewer=rita, question="Does 'Adidos' imitate Adidas?", jury_size=5, complaint=shanzhai
    )
    vote_all(case, ["infringing"] * 5)
    appraisal_services.cases_sweep(now=after(case.appeal_until))


def test_the_report_counts_what_happened_this_year(client, a_year_of_work):
    year = timezone.now().year

    response = client.get(URL, {"year": year})  # nobody signed in: the report is public

    assert response.status_code == 200
    report = response.context["report"]
    kinds = {code: n for code, _label, n in report["notices"]["by_kind"]}
    assert report["notices"]["total"] == 6
    assert kinds == {
        "counterfeit": 1,
        "trademark_misuse": 1,
        "shanzhai": 1,
        "image_theft": 0,
        "other": 3,
    }
    assert report["removals"] == {
        "proactive": 1,
        "after_complaint": 2,  # the upheld one and the jury's
        "median_hours": pytest.approx(0, abs=0.05),
    }
    assert report["counter_notices"] == {"received": 1, "accepted": 1, "dismissed": 0}
    assert report["actions"]["restored"] == 1
    assert report["actions"]["filing_suspended"] == 1
    assert report["decisions"]["bad_faith"] == 3
    assert report["decisions"]["by_appraisal"] == 1
    assert report["appraisal"]["opened"] == 1
    assert report["appraisal"]["infringing"] == 1
    page = response.content.decode()
    assert '<td id="t-received">6</td>' in page
    assert '<td id="t-cn-accepted">1</td>' in page
    assert '<td id="t-filing-suspended">1</td>' in page
    assert '<td id="t-cases-infringing">1</td>' in page
    assert 'id="chart-notices-and-removals"' in page

    exported = report_csv(client, year=year)
    assert exported[("notices", "received")] == "6"
    assert exported[("notices", "kind:other")] == "3"
    assert exported[("removals", "proactive")] == "1"
    assert exported[("removals", "after_complaint")] == "2"
    assert exported[("counter_notices", "accepted")] == "1"
    assert exported[("actions", "filing_suspended")] == "1"
    assert exported[("appraisal", "infringing")] == "1"


def test_median_time_to_decision(client, make_listing, file_complaint, decide):
    for hours in (2, 6):
        complaint = file_complaint(make_listing())
        filed_hours_ago(complaint, hours)
        decide(complaint, outcome="upheld")
    now = timezone.now()

    exported = report_csv(client, year=now.year, month=now.month)

    assert float(exported[("timing", "median_hours_to_decision")]) == pytest.approx(4.0, abs=0.05)
    assert float(exported[("removals", "median_hours_to_takedown")]) == pytest.approx(4.0, abs=0.05)


def test_another_year_is_empty(client, a_year_of_work):
    exported = report_csv(client, year=2001)

    assert exported[("notices", "received")] == "0"
    assert exported[("removals", "proactive")] == "0"
    assert exported[("timing", "median_hours_to_decision")] == ""


@pytest.mark.parametrize("query", [{"year": "abc"}, {"year": "1999"}, {"month": "13"}])
def test_bad_periods_answer_400(client, query):
    assert client.get(URL, query).status_code == 400


def test_the_report_names_no_organisation(client, alice_org, a_year_of_work):
    page = client.get(URL).content.decode()
    exported = client.get(URL, {"format": "csv"}).content.decode()

    assert alice_org.name not in page and alice_org.name not in exported
    assert "Adidas" not in page and "Adidas" not in exported
