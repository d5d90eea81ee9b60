"""Bad input to the networks, results, scans, judgments and console queues:
malformed JSON, wrong types, unknown ids and another organisation's ids get
a clear 4xx (the API in the contract's error shape), and nothing already
stored is lost or half-written."""

from __future__ import annotations

import pytest
from django.test import Client

from complaints import services as complaint_services
from complaints.models import Complaint, CounterNotice, EnforcementPolicy
from detection.models import ScanChunk, ScanJob, Suspect
from marketplace.models import Seller
from networks.models import Ring
from platform_core.models import AuditEvent
from tests.complaints.conftest import make_trademark
from tests.factories import ListingFactory, ShopFactory
from tests.networks.conftest import index, make_listing, make_shop

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # beyond any database integer


def assert_error(response, status: int, code: str | None = None, field: str | None = None):
    """The contract's error body: ``{"error": {"code", "message", "fields"}}``."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert {"code", "message", "fields"} <= set(error), error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["fields"], dict), error
    if code:
        assert error["code"] == code, error
    if field:
        assert field in error["fields"], error
    return error


def lenient_client() -> Client:
    """A browser's view: a server error is a 500 page, not a test crash."""
    client = Client()
    client.raise_request_exception = False
    return client


def state() -> dict:
    """Everything the requests below must leave as it was."""
    return {
        "scans": sorted(ScanJob.objects.values_list("pk", "status", "total")),
        "chunks": ScanChunk.objects.count(),
        "suspects": sorted(
            Suspect.objects.values_list("pk", "status", "judged_at", "judgment_note")
        ),
        "complaints": sorted(Complaint.objects.values_list("pk", "status", "updated_at")),
        "counter_notices": sorted(CounterNotice.objects.values_list("pk", "status")),
        "rings": sorted(Ring.objects.values_list("pk", "size", "updated_at")),
        "audit": AuditEvent.objects.count(),
        "policy": list(EnforcementPolicy.objects.values()),
    }


@pytest.fixture
def world(alice, adidas, bob, rival_brand):
    """alice's ring (her suspect in it), a ring only bob reaches, and a
    sweep of alice's."""
    shops = [make_shop(contact="+86 20 5555 0001", name=f"Bad input ring {n}") for n in range(2)]
    listings = [make_listing(s, title=f"Adidas item {n}") for n, s in enumerate(shops)]
    index(*listings)
    ring = Ring.objects.get(members__shop=shops[0])
    own = Suspect.objects.create(listing=listings[0], brand=adidas, score=0.8, signals=[])
    bob_shops = [make_shop(contact="rival@example.com") for _ in range(2)]
    bob_listings = [make_listing(s, title="Nike item") for s in bob_shops]
    index(*bob_listings)
    bobs_ring = Ring.objects.get(members__shop=bob_shops[0])
    bobs_suspect = Suspect.objects.create(
        listing=bob_listings[0], brand=rival_brand, score=0.9, signals=[]
    )
    scan = ScanJob.objects.create(kind="brand_sweep", brand=adidas)
    return {
        "ring": ring,
        "suspect": own,
        "bobs_ring": bobs_ring,
        "bobs_suspect": bobs_suspect,
        "scan": scan,
    }


# --- Rings in the API -----------------------------------------------------------------


@pytest.mark.parametrize(
    "min_size",
    ["many", "-1", "1.5", "", " 2", "0x10", "²", "٣", HUGE],
    ids=["word", "negative", "fraction", "empty", "space", "hex", "superscript", "arabic", "huge"],
)
def test_ring_filter_that_is_not_a_whole_number_is_a_clear_400(api, alice, world, min_size):
    response = api(alice).get("/api/v1/rings/", {"min_size": min_size})
    if min_size == "":
        assert response.status_code == 200  # no filter
        return
    if min_size == "٣" and response.status_code == 200:
        return  # an Arabic-Indic 3 is a whole number to Python; either answer is clear
    if min_size == HUGE and response.status_code == 200:
        assert response.json()["results"] == []  # no ring is that large
        return
    assert_error(response, 400, "validation_error", "min_size")


@pytest.mark.parametrize("page_size", ["abc", "-5", HUGE])
def test_ring_list_paging_nonsense_is_never_a_500(api, alice, world, page_size):
    # A page size that is no page size is ignored: the default page comes back.
    response = api(alice).get("/api/v1/rings/", {"page_size": page_size})
    assert response.status_code == 200, response.content
    assert "results" in response.json()


def test_a_forged_cursor_is_a_clear_4xx(api, alice, world):
    response = api(alice).get("/api/v1/rings/", {"cursor": "not-a-cursor"})
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize(
    "path", ["/api/v1/rings/{pk}/", "/api/v1/rings/{pk}/evidence-pack/"], ids=["detail", "pack"]
)
def test_unknown_and_anothers_rings_answer_the_same_404_and_export_nothing(api, alice, world, path):
    before = state()
    unknown = api(alice).get(path.format(pk=987_654_321))
    theirs = api(alice).get(path.format(pk=world["bobs_ring"].pk))
    assert_error(unknown, 404, "not_found")
    assert (theirs.status_code, theirs.json()) == (unknown.status_code, unknown.json())
    assert state() == before  # no "exported" entry for a pack nobody got


@pytest.mark.parametrize(
    "path", ["/api/v1/rings/abc/", "/api/v1/rings/-1/", f"/api/v1/rings/{HUGE}/evidence-pack/"]
)
def test_a_ring_id_that_is_not_an_id_is_a_json_404(api, alice, world, path):
    assert_error(api(alice).get(path), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/rings/"),
        ("put", "/api/v1/rings/{pk}/"),
        ("patch", "/api/v1/rings/{pk}/"),
        ("delete", "/api/v1/rings/{pk}/"),
        ("post", "/api/v1/rings/{pk}/evidence-pack/"),
        ("delete", "/api/v1/rings/{pk}/evidence-pack/"),
    ],
)
def test_rings_are_read_only_in_the_api(api, alice, world, method, path):
    before = state()
    response = getattr(api(alice), method)(
        path.format(pk=world["ring"].pk), {"size": 1}, format="json"
    )
    assert_error(response, 405, "method_not_allowed")
    assert state() == before


def test_rings_without_a_token_answer_401_in_the_error_shape(world):
    from rest_framework.test import APIClient

    for path in ("/api/v1/rings/", f"/api/v1/rings/{world['ring'].pk}/evidence-pack/"):
        assert_error(APIClient().get(path), 401, "not_authenticated")


# --- Ring actions in the portal -------------------------------------------------------


def test_filing_a_rings_complaints_takes_a_post_only(client, alice, world):
    client.force_login(alice)
    before = state()
    assert client.get(f"/rings/{world['ring'].pk}/complaints/").status_code == 405
    assert state() == before


@pytest.mark.parametrize("pk", ["987654321", HUGE])
def test_filing_for_an_unknown_ring_is_404(alice, world, pk):
    client = lenient_client()
    client.force_login(alice)
    before = state()
    assert client.post(f"/rings/{pk}/complaints/").status_code == 404
    assert client.get(f"/rings/{pk}/").status_code == 404
    assert client.get(f"/rings/{pk}/evidence-pack/").status_code == 404
    assert state() == before


def test_filing_a_ring_without_a_verified_trademark_files_nothing(client, alice, world):
    """Every suspect refused: the page says why, and no complaint, judgment or
    status change is left behind."""
    client.force_login(alice)
    before = state()
    response = client.post(f"/rings/{world['ring'].pk}/complaints/", follow=True)
    assert response.status_code == 200
    assert Complaint.objects.count() == 0
    assert Suspect.objects.get(pk=world["suspect"].pk).status == "new"
    after = state()
    assert {k: v for k, v in after.items() if k != "audit"} == {
        k: v for k, v in before.items() if k != "audit"
    }


def test_ring_list_page_with_a_nonsense_page_number_still_answers(client, alice, world):
    client.force_login(alice)
    for page in ("abc", "-1", HUGE):
        assert client.get("/rings/", {"page": page}).status_code == 200


# --- Scans ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "code", "field"),
    [
        ('{"brand": ', "application/json", "malformed_request", None),
        ("brand=1", "application/json", "malformed_request", None),
        ('{"brand": "adidas"}', "application/json", "validation_error", "brand"),
        ('{"brand": 1.5}', "application/json", "validation_error", "brand"),
        ('{"brand": [1]}', "application/json", "validation_error", "brand"),
        ('{"brand": {"id": 1}}', "application/json", "validation_error", "brand"),
        ('{"brand": true}', "application/json", "validation_error", "brand"),
        ("[1, 2]", "application/json", "validation_error", None),
        ('"brand"', "application/json", "validation_error", None),
        ("{}", "application/json", None, "brand"),
        ('{"brand": null}', "application/json", None, "brand"),
        ('{"brand": 987654321}', "application/json", None, "brand"),
        ('{"brand": ' + HUGE + "}", "application/json", None, "brand"),
        ('{"brand": -1}', "application/json", None, "brand"),
    ],
    ids=[
        "truncated",
        "form-as-json",
        "word",
        "fraction",
        "list",
        "object",
        "boolean",
        "array-body",
        "string-body",
        "missing",
        "null",
        "unknown",
        "huge",
        "negative",
    ],
)
def test_a_bad_scan_request_is_a_clear_400_and_starts_nothing(
    api, alice, world, body, content_type, code, field
):
    before = state()
    response = api(alice).post("/api/v1/scans/", body, content_type=content_type)
    assert_error(response, 400, code, field)
    assert state() == before


def test_a_scan_of_anothers_brand_is_refused_like_an_unknown_one(
    api, bob, rival_brand, adidas, world
):
    before = state()
    theirs = api(bob).post("/api/v1/scans/", {"brand": adidas.pk}, format="json")
    unknown = api(bob).post("/api/v1/scans/", {"brand": 987_654_321}, format="json")
    assert_error(theirs, 400, field="brand")
    assert theirs.json() == unknown.json()
    assert state() == before


def test_a_scan_request_in_an_unsupported_format_is_415(api, alice, adidas, world):
    before = state()
    response = api(alice).post(
        "/api/v1/scans/", f"<brand>{adidas.pk}</brand>", content_type="application/xml"
    )
    assert_error(response, 415, "unsupported_media_type")
    assert state() == before


@pytest.mark.parametrize("pk", ["987654321", "{bobs}"])
def test_cancelling_an_unknown_or_anothers_scan_is_404(api, bob, rival_brand, alice, world, pk):
    bobs = ScanJob.objects.create(kind="brand_sweep", brand=rival_brand)
    before = state()
    response = api(alice).post(f"/api/v1/scans/{pk.format(bobs=bobs.pk)}/cancel/", {})
    assert_error(response, 404, "not_found")
    assert state() == before


# --- Judgments (API, keyboard and htmx) -----------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ('{"verdict": ', "malformed_request", None),
        ('{"verdict": "maybe"}', "validation_error", "verdict"),
        ('{"verdict": 1}', "validation_error", "verdict"),
        ('{"verdict": ["infringing"]}', "validation_error", "verdict"),
        ('{"verdict": null}', "validation_error", "verdict"),
        ("{}", "validation_error", "verdict"),
        ('{"verdict": "infringing", "note": ["x"]}', "validation_error", "note"),
        ('{"verdict": "infringing", "note": "' + "x" * 5001 + '"}', "validation_error", "note"),
        ('["infringing"]', "validation_error", None),
    ],
    ids=[
        "truncated",
        "unknown-verdict",
        "number",
        "list",
        "null",
        "missing",
        "note-list",
        "note-too-long",
        "array-body",
    ],
)
def test_a_bad_judgment_is_a_clear_400_and_judges_nothing(api, alice, world, body, code, field):
    before = state()
    response = api(alice).post(
        f"/api/v1/suspects/{world['suspect'].pk}/judgment/", body, content_type="application/json"
    )
    assert_error(response, 400, code, field)
    assert state() == before


@pytest.mark.parametrize("pk", ["987654321", "{bobs}"])
def test_judging_an_unknown_or_anothers_suspect_is_404(api, alice, world, pk):
    before = state()
    url = f"/api/v1/suspects/{pk.format(bobs=world['bobs_suspect'].pk)}/judgment/"
    assert_error(api(alice).post(url, {"verdict": "infringing"}, format="json"), 404, "not_found")
    assert state() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["keyboard", "htmx"])
@pytest.mark.parametrize(
    "data",
    [{}, {"verdict": "maybe"}, {"verdict": ""}, {"verdict": "infringing", "note": "x" * 5001}],
    ids=["missing", "unknown", "empty", "note-too-long"],
)
def test_a_bad_portal_judgment_is_400_and_judges_nothing(client, alice, world, data, htmx):
    client.force_login(alice)
    before = state()
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(f"/suspects/{world['suspect'].pk}/judgment/", data, headers=headers)
    assert response.status_code == 400
    assert state() == before


@pytest.mark.parametrize("htmx", [False, True], ids=["keyboard", "htmx"])
def test_portal_judgment_of_unknown_or_anothers_suspect_is_404(client, alice, world, htmx):
    client.force_login(alice)
    before = state()
    headers = {"HX-Request": "true"} if htmx else {}
    for pk in (987_654_321, world["bobs_suspect"].pk):
        response = client.post(
            f"/suspects/{pk}/judgment/", {"verdict": "infringing"}, headers=headers
        )
        assert response.status_code == 404
    assert client.get(f"/suspects/{world['suspect'].pk}/judgment/").status_code == 405
    assert state() == before


def test_bulk_judgment_ignores_ids_that_are_not_ones_own(alice, world):
    client = lenient_client()
    client.force_login(alice)
    before = state()
    response = client.post(
        "/suspects/judge/",
        {
            "verdict": "infringing",
            "ids": ["abc", "-1", "", HUGE, "987654321", str(world["bobs_suspect"].pk)],
        },
    )
    assert response.status_code == 302, response.status_code
    assert state() == before


def test_bulk_judgment_with_a_bad_verdict_is_400(client, alice, world):
    client.force_login(alice)
    before = state()
    response = client.post("/suspects/judge/", {"verdict": "maybe", "ids": [world["suspect"].pk]})
    assert response.status_code == 400
    assert state() == before


@pytest.mark.parametrize(
    "url",
    ["/suspects/{pk}/judgment/", "/suspects/judge/", "/suspects/{pk}/complaint/"],
    ids=["one", "bulk", "complaint-refused"],
)
@pytest.mark.parametrize(
    "target", ["https://evil.example/phish", "//evil.example/phish", "javascript:alert(1)"]
)
def test_after_judging_the_portal_never_sends_the_user_off_site(client, alice, world, url, target):
    """``next`` comes from the form; an attacker's link could set it."""
    client.force_login(alice)
    response = client.post(
        url.format(pk=world["suspect"].pk),
        {"verdict": "not_infringing", "ids": [world["suspect"].pk], "next": target},
    )
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith("//"), location


# --- Results pages and their CSV -------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"period": "year"},
        {"period": ["month", "week", "day"]},
        {"brand": "adidas"},
        {"brand": "0"},
        {"brand": "-3"},
        {"brand": "1.5"},
        {"date_from": "2024-02-30"},
        {"date_from": "yesterday"},
        {"date_from": "2025-06-01", "date_to": "2025-01-01"},
        {"date_from": "2001-01-01", "date_to": "2025-01-01"},
        {"date_to": "9999-12-31"},
        {"date_to": "0001-01-03", "period": "week"},
        {"date_to": "0001-01-03", "period": "month"},
    ],
    ids=[
        "unknown-period",
        "unknown-period-list",
        "brand-word",
        "brand-zero",
        "brand-negative",
        "brand-fraction",
        "no-such-day",
        "date-word",
        "backwards",
        "too-long",
        "end-of-time",
        "start-of-time-week",
        "start-of-time-month",
    ],
)
@pytest.mark.parametrize("csv", [False, True], ids=["page", "csv"])
def test_bad_results_filters_are_a_clear_400(alice, adidas, world, query, csv):
    client = lenient_client()
    client.force_login(alice)
    params = {**query, **({"format": "csv", "chart": "complaints"} if csv else {})}
    before = state()
    response = client.get("/results/", params)
    assert response.status_code == 400, (query, response.status_code)
    assert response["Content-Type"].startswith("text/html")
    assert state() == before


@pytest.mark.parametrize("brand", ["987654321", "{bobs}", HUGE])
@pytest.mark.parametrize("csv", [False, True], ids=["page", "csv"])
def test_results_for_an_unknown_or_anothers_brand_are_404(alice, rival_brand, world, brand, csv):
    client = lenient_client()
    client.force_login(alice)
    params = {"brand": brand.format(bobs=rival_brand.pk)}
    if csv:
        params |= {"format": "csv", "chart": "complaints"}
    assert client.get("/results/", params).status_code in (400, 404)
    if brand != HUGE:
        assert client.get("/results/", params).status_code == 404


@pytest.mark.parametrize(
    "chart", ["", "nope", "precision-brand", "model-versions", "../../etc/passwd"]
)
def test_results_csv_of_an_unknown_chart_is_404(client, alice, adidas, world, chart):
    """The console's extra tables are not a brand's to download either."""
    client.force_login(alice)
    assert client.get("/results/", {"format": "csv", "chart": chart}).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {"period": "year"},
        {"brand": "abc"},
        {"date_from": "2025-06-01", "date_to": "2025-01-01"},
        {"date_to": "9999-12-31"},
    ],
)
def test_the_console_dashboard_answers_bad_filters_with_400(rita, world, query):
    client = lenient_client()
    client.force_login(rita)
    for extra in ({}, {"format": "csv", "chart": "precision-signal"}):
        assert client.get("/admin/dashboard/", {**query, **extra}).status_code == 400, query


def test_the_console_dashboard_for_an_unknown_brand_is_404(client, rita, world):
    client.force_login(rita)
    assert client.get("/admin/dashboard/", {"brand": "987654321"}).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        {"year": "abc"},
        {"year": "1999"},
        {"year": "9999"},
        {"year": HUGE},
        {"month": "13"},
        {"month": "0"},
        {"month": "june"},
    ],
)
def test_bad_transparency_filters_are_a_clear_400(query):
    client = lenient_client()
    for extra in ({}, {"format": "csv"}, {"format": "csv", "chart": "notices-and-removals"}):
        response = client.get("/transparency/", {**query, **extra})
        assert response.status_code == 400, (query, extra, response.status_code)


def test_transparency_csv_of_an_unknown_chart_is_404(client, db):
    assert client.get("/transparency/", {"format": "csv", "chart": "nope"}).status_code == 404


# --- The console's queues: counter-notices and the enforcement policy ------------------


@pytest.fixture
def counter_noticed(alice, adidas, rita, sam):
    make_trademark(adidas)
    seller = Seller.objects.create(external_id="U-SAM-BAD", user=sam)
    listing = ListingFactory(shop=ShopFactory(seller=seller), status="active")
    complaint = complaint_services.complaint_file(
        user=alice, brand=adidas, listing=listing, kind="counterfeit", description="Fake."
    )
    complaint_services.complaint_decide(
        reviewer=rita, complaint=complaint, outcome="upheld", reason="Fake."
    )
    return complaint_services.counter_notice_file(
        user=sam, complaint=complaint, explanation="Genuine stock, invoice attached."
    )


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"decision": "maybe", "reason": "x"},
        {"decision": "upheld", "reason": ""},
        {"decision": "rejected", "reason": "x" * 100_000},
    ],
    ids=["empty", "unknown", "no-reason", "reason-too-long"],
)
def test_a_bad_counter_notice_decision_records_nothing(client, rita, counter_noticed, data):
    client.force_login(rita)
    before = state()
    response = client.post(f"/admin/complaints/counternotice/{counter_noticed.pk}/decide/", data)
    assert response.status_code in (302, 400)
    assert state() == before
    counter_noticed.refresh_from_db()
    assert counter_noticed.status == "pending"


@pytest.mark.parametrize("object_id", ["abc", "987654321", HUGE, "-1"])
def test_console_pages_for_ids_that_do_not_exist_are_never_a_500(rita, counter_noticed, object_id):
    """Every console URL that takes an id, with ids that name nothing."""
    from tests.test_tenancy import console_urls

    client = lenient_client()
    client.force_login(rita)
    before = state()
    for url in console_urls(0):
        if "/0/" not in url:
            continue
        url = url.replace("/0/", f"/{object_id}/")
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code < 500, (method, url, response.status_code)
    assert state() == before


POLICY = {
    "repeat_infringer_strikes": "3",
    "repeat_infringer_window_days": "180",
    "misuse_window_days": "90",
    "misuse_warning_at": "3",
    "misuse_suspend_at": "5",
    "misuse_suspension_days": "30",
}


@pytest.mark.parametrize(
    "change",
    [
        {"repeat_infringer_strikes": "abc"},
        {"repeat_infringer_strikes": "-1"},
        {"repeat_infringer_strikes": "0"},
        {"repeat_infringer_window_days": HUGE},
        {"misuse_window_days": ""},
        {"misuse_warning_at": "2.5"},
        {"misuse_warning_at": "9", "misuse_suspend_at": "4"},
    ],
    ids=["word", "negative", "zero", "huge", "blank", "fraction", "suspend-before-warning"],
)
def test_a_bad_enforcement_policy_change_keeps_the_policy(rita, world, change):
    client = lenient_client()
    client.force_login(rita)
    page = client.get("/admin/complaints/enforcementpolicy/", follow=True)
    assert page.status_code == 200
    url = page.redirect_chain[-1][0]
    before = state()
    response = client.post(url, {**POLICY, **change})
    assert response.status_code == 200, response.status_code  # the form again, with errors
    assert response.context["adminform"].form.errors
    assert state() == before


# --- Ring actions in the console -------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"action": "hold_listings", "_selected_action": ["987654321"]},
        {"action": "hold_listings", "_selected_action": ["abc"]},
        {"action": "hold_listings", "_selected_action": ["-1"]},
        {"action": "hold_listings", "_selected_action": [HUGE]},
        {"action": "hold_listings"},
        {"action": "delete_selected", "_selected_action": ["{ring}"]},
        {"action": "no_such_action", "_selected_action": ["{ring}"]},
    ],
    ids=[
        "unknown-id",
        "word-id",
        "negative-id",
        "huge-id",
        "no-selection",
        "delete",
        "unknown-action",
    ],
)
def test_a_bad_ring_action_in_the_console_changes_nothing(rita, world, data):
    from marketplace.models import Listing

    client = lenient_client()
    client.force_login(rita)
    ring = str(world["ring"].pk)
    data = {
        k: ([x.format(ring=ring) for x in v] if isinstance(v, list) else v) for k, v in data.items()
    }
    statuses = sorted(Listing.objects.values_list("pk", "status"))
    before = state()
    response = client.post("/admin/networks/ring/", data)
    assert response.status_code in (200, 302), response.status_code
    assert sorted(Listing.objects.values_list("pk", "status")) == statuses
    assert state() == before


def test_brand_staff_cannot_run_a_console_ring_action(client, alice, world):
    from marketplace.models import Listing

    client.force_login(alice)
    statuses = sorted(Listing.objects.values_list("pk", "status"))
    before = state()
    response = client.post(
        "/admin/networks/ring/",
        {"action": "hold_listings", "_selected_action": [world["ring"].pk]},
    )
    assert response.status_code in (302, 403)
    assert sorted(Listing.objects.values_list("pk", "status")) == statuses
    assert state() == before
