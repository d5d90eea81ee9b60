"""The brand portal's results and the reviewers' dashboard: numbers built
through the services, read back from the pages and the CSVs, and tenancy."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints import services as complaint_services
from detection import services as detection_services
from detection.models import ModelVersion
from marketplace.models import Listing, ListingStatus
from tests.complaints.conftest import make_trademark
from tests.insights.conftest import filed_hours_ago

pytestmark = pytest.mark.django_db

RESULTS = "/results/"
DASHBOARD = "/admin/dashboard/"


def rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def this_month() -> str:
    return timezone.now().strftime("%Y-%m")


@pytest.fixture
def adidas_results(
    adidas, make_listing, suspect_of, remove, file_complaint, decide, sam, rita, sams_shop
):
    """Adidas: two proactive removals (one held at intake, one delisted by a
    reviewer), two removals after upheld complaints filed 10 h and 4 h before
    the takedown, a rejected complaint, and a counter-notice that succeeded
    (so that listing is back up and counts for nothing)."""
    held = make_listing()
    # Detection's release interception: scored over the block threshold at intake.
    Listing.objects.filter(pk=held.pk).update(status=ListingStatus.HELD)
    suspect_of(held, adidas)
    removed = make_listing()
    suspect_of(removed, adidas, signals=("lookalike_name", "brand_keyword"))
    remove(removed)

    for hours in (10, 4):
        target = make_listing()
        complaint = file_complaint(target)
        filed_hours_ago(complaint, hours)
        decide(complaint, outcome="upheld")

    decide(file_complaint(make_listing()), outcome="rejected", reason="Genuine goods.")

    contested = file_complaint(make_listing())
    decide(contested, outcome="upheld")
    complaint_services.counter_notice_file(
        user=sam, complaint=contested, explanation="Bought from the brand's distributor."
    )
    decide(contested, outcome="rejected", reason="The invoice shows authorised stock.")
    return adidas


@pytest.fixture
def nike_results(bob, rival_brand, make_listing, suspect_of, remove, decide):
    """Nike (bob's organisation): three proactive removals and one after complaint."""
    make_trademark(rival_brand, number="N-1")
    for _ in range(3):
        listing = make_listing()
        suspect_of(listing, rival_brand)
        remove(listing)
    complaint = complaint_services.complaint_file(
        user=bob, brand=rival_brand, listing=make_listing(), kind="counterfeit", description="Fake."
    )
    decide(complaint, outcome="upheld")
    return rival_brand


def test_the_brand_sees_proactive_vs_after_complaint_and_median_time_to_takedown(
    client, alice, adidas_results, nike_results
):
    client.force_login(alice)

    response = client.get(RESULTS)

    assert response.status_code == 200
    assert response.context["totals"]["proactive"] == 2
    assert response.context["totals"]["after_complaint"] == 2
    assert response.context["totals"]["median_hours"] == pytest.approx(7.0, abs=0.05)
    page = response.content.decode()
    assert '<div class="score" id="total-proactive">2</div>' in page
    assert "2 listings removed before a complaint, for 2 removed after one." in page
    # Every chart is drawn and comes with its table and CSV link.
    for slug in ("removals", "suspects", "complaints", "time-to-takedown", "lookalikes"):
        assert f'id="chart-{slug}"' in page
        assert f"format=csv&amp;chart={slug}" in page
    assert page.count('<svg class="chart-svg"') == 5
    assert page.count("<table>") >= 5


def test_the_csvs_hold_the_same_numbers(client, alice, adidas_results):
    client.force_login(alice)

    removals = rows(client.get(RESULTS, {"format": "csv", "chart": "removals"}))
    complaints = rows(client.get(RESULTS, {"format": "csv", "chart": "complaints"}))
    takedown = rows(client.get(RESULTS, {"format": "csv", "chart": "time-to-takedown"}))
    suspects = rows(client.get(RESULTS, {"format": "csv", "chart": "suspects"}))
    lookalikes = rows(client.get(RESULTS, {"format": "csv", "chart": "lookalikes"}))

    assert removals[0] == ["period", "Proactive", "After complaint"]
    assert len(removals) == 1 + 12  # twelve months by default, empty ones included
    assert removals[-1] == [this_month(), "2", "2"]
    assert all(row[1:] == ["0", "0"] for row in removals[1:-1])
    # Four filed; the counter-noticed one now stands rejected.
    assert complaints[-1] == [this_month(), "4", "2", "2"]
    assert takedown[-1] == [this_month(), "7.0"]
    assert suspects[-1] == [this_month(), "2"]
    assert lookalikes[-1] == [this_month(), "1"]


def test_weekly_periods_and_a_date_range(client, alice, adidas_results):
    client.force_login(alice)
    today = timezone.now().date()

    weekly = rows(
        client.get(
            RESULTS,
            {
                "format": "csv",
                "chart": "removals",
                "period": "week",
                "date_from": today.isoformat(),
                "date_to": today.isoformat(),
            },
        )
    )
    before = client.get(
        RESULTS, {"date_from": "2020-01-01", "date_to": "2020-12-31", "period": "month"}
    )

    monday = today.toordinal() - today.weekday()
    assert weekly[1:] == [[type(today).fromordinal(monday).isoformat(), "2", "2"]]
    assert before.context["totals"]["proactive"] == 0
    assert len(before.context["charts"][0].rows) == 12


@pytest.mark.parametrize(
    "query",
    [
        {"period": "year"},
        {"date_from": "not-a-date"},
        {"date_from": "2026-05-01", "date_to": "2026-01-01"},
        {"date_from": "2000-01-01", "date_to": "2026-01-01"},
        {"brand": "x"},
    ],
)
def test_bad_filters_answer_400(client, alice, adidas, query):
    client.force_login(alice)

    assert client.get(RESULTS, query).status_code == 400


def test_one_brand_of_the_organisation(client, alice, adidas_results, alice_org, make_listing):
    from tests.factories import BrandFactory

    other = BrandFactory(organisation=alice_org, name="Reebok")
    client.force_login(alice)

    mine = client.get(RESULTS, {"brand": adidas_results.pk})
    empty = client.get(RESULTS, {"brand": other.pk})

    assert mine.context["totals"]["proactive"] == 2
    assert empty.context["totals"] == {"proactive": 0, "after_complaint": 0, "median_hours": None}
    assert f'<option value="{other.pk}"' in empty.content.decode()


# --- Tenancy ----------------------------------------------------------------------


def test_bob_never_sees_alices_numbers(client, bob, adidas_results, nike_results):
    client.force_login(bob)

    page = client.get(RESULTS)
    removals = rows(client.get(RESULTS, {"format": "csv", "chart": "removals"}))
    complaints = rows(client.get(RESULTS, {"format": "csv", "chart": "complaints"}))

    assert page.context["totals"]["proactive"] == 3
    assert page.context["totals"]["after_complaint"] == 1
    assert removals[-1] == [this_month(), "3", "1"]
    assert complaints[-1] == [this_month(), "1", "1", "0"]
    assert "Adidas" not in page.content.decode()


def test_another_organisations_brand_is_404_on_page_and_csv(client, bob, adidas_results):
    client.force_login(bob)

    assert client.get(RESULTS, {"brand": adidas_results.pk}).status_code == 404
    assert (
        client.get(
            RESULTS, {"brand": adidas_results.pk, "format": "csv", "chart": "removals"}
        ).status_code
        == 404
    )


def test_other_roles_and_strangers_get_no_results(client, sam, judy):
    assert client.get(RESULTS).status_code == 302  # to sign in
    for user in (sam, judy):
        client.force_login(user)
        assert client.get(RESULTS).status_code == 404


def test_a_brand_cannot_open_the_reviewer_dashboard(client, alice, adidas_results):
    client.force_login(alice)

    page = client.get(DASHBOARD)
    csv_file = client.get(DASHBOARD, {"format": "csv", "chart": "removals"})

    assert page.status_code == 302 and "/admin/login/" in page["Location"]
    assert csv_file.status_code == 302


def test_an_unknown_chart_is_404(client, alice, adidas):
    client.force_login(alice)

    assert client.get(RESULTS, {"format": "csv", "chart": "nope"}).status_code == 404


# --- Reviewers --------------------------------------------------------------------


def test_the_dashboard_shows_the_platform_precision_and_model_versions(
    console, alice, adidas_results, nike_results, make_listing, suspect_of
):
    # Adidas judges two suspects: one infringing, one not, so precision 0.50.
    detection_services.suspect_judge(
        user=alice, suspect=suspect_of(make_listing(), adidas_results), verdict="infringing"
    )
    detection_services.suspect_judge(
        user=alice,
        suspect=suspect_of(make_listing(), adidas_results, signals=("haze_term",)),
        verdict="not_infringing",
    )
    ModelVersion.objects.create(labels=120, positives=60, precision=0.91, recall=0.83, blob=b"")

    response = console.get(DASHBOARD)

    assert response.status_code == 200
    assert response.context["totals"]["proactive"] == 5
    assert response.context["totals"]["after_complaint"] == 3
    by_brand = {r["brand"]: r for r in response.context["precision_by_brand"]}
    assert by_brand["Adidas"]["judged"] == 2 and by_brand["Adidas"]["precision"] == 0.5
    by_signal = {r["code"]: r for r in response.context["precision_by_signal"]}
    assert by_signal["haze_term"]["judged"] == 1 and by_signal["haze_term"]["precision"] == 0
    assert by_signal["brand_keyword"]["precision"] == 1.0
    page = response.content.decode()
    assert "0.91" in page and "0.83" in page
    assert rows(console.get(DASHBOARD, {"format": "csv", "chart": "precision-brand"}))[1:] == [
        ["Adidas", "2", "1", "0.5"]
    ]
    assert rows(console.get(DASHBOARD, {"format": "csv", "chart": "removals"}))[-1] == [
        this_month(),
        "5",
        "3",
    ]
    versions = rows(console.get(DASHBOARD, {"format": "csv", "chart": "model-versions"}))
    assert versions[1][2:6] == ["120", "60", "0.91", "0.83"]


def test_the_dashboard_narrows_to_one_brand(console, adidas_results, nike_results):
    response = console.get(DASHBOARD, {"brand": nike_results.pk})

    assert response.context["totals"]["proactive"] == 3


def test_the_console_index_links_the_dashboard(console):
    page = console.get(reverse("admin:index")).content.decode()

    assert DASHBOARD in page


def test_brand_staff_without_an_organisation_see_zeros(client, adidas_results):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="newcomer"))

    response = client.get(RESULTS)
    removals = rows(client.get(RESULTS, {"format": "csv", "chart": "removals"}))

    assert response.status_code == 200
    assert response.context["totals"] == {
        "proactive": 0,
        "after_complaint": 0,
        "median_hours": None,
    }
    assert all(row[1:] == ["0", "0"] for row in removals[1:])
