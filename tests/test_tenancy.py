"""Brand staff never see another organisation's data: every endpoint and
portal page answers 404 for it, lists leave it out, and the reviewer console
is closed to them.

The tables below name every URL of the portal and the API; a route nobody
classified fails ``test_every_route_has_a_tenancy_case``, so a new endpoint
cannot ship without saying how it keeps organisations apart."""

import uuid
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, get_resolver, resolve, reverse

from appraisal import services as appraisal_services
from appraisal.models import Statement
from complaints import services as complaint_services
from complaints.models import Complaint
from detection.models import ScanJob, Suspect
from networks.models import Ring
from notifications.models import Notification, WebhookDelivery, WebhookEndpoint
from platform_core.models import AuditEvent
from rightsholders import services
from rightsholders.models import Trademark
from tests.complaints.conftest import make_trademark
from tests.factories import ListingFactory, SellerFactory, UserFactory
from tests.images import jpeg_bytes, pdf_bytes
from tests.networks.conftest import index, make_listing, make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_things(alice, alice_org, adidas, rita):
    tm = Trademark(
        organisation=alice_org,
        brand=adidas,
        registration_number="G1",
        jurisdiction="CN",
        nice_classes=[25],
        expires_on="2031-01-01",
    )
    tm.certificate.save("c.pdf", ContentFile(pdf_bytes()))
    shop = services.authorised_shop_add(user=alice, brand=adidas, shop_external_id="S-1")
    pm = services.product_model_add(
        user=alice, brand=adidas, name="Superstar", model_number="EG4958", msrp=899, currency="CNY"
    )
    fc = services.fake_characteristic_add(user=alice, brand=adidas, kind="keyword", value="AAA")
    ref = services.reference_image_add(user=alice, brand=adidas, content=jpeg_bytes(1), kind="logo")
    listing = ListingFactory(title="Adidas Superstar 1:1")
    suspect = Suspect.objects.create(listing=listing, brand=adidas, score=0.8, signals=[])
    scan = ScanJob.objects.create(kind="brand_sweep", brand=adidas)

    # A complaint with the brand's evidence, filed on a listing of its own.
    make_trademark(adidas, number="G-VERIFIED")
    complained = ListingFactory(title="Adidas replica AAA", status="active")
    complaint = complaint_services.complaint_file(
        user=alice,
        brand=adidas,
        listing=complained,
        kind="counterfeit",
        description="Fake Adidas.",
        evidence=[SimpleUploadedFile("proof.pdf", pdf_bytes())],
    )
    # A second complaint, taken to a public jury with time for statements.
    appraised = complaint_services.complaint_file(
        user=alice,
        brand=adidas,
        listing=ListingFactory(title="Adidos Superstar", status="active"),
        kind="shanzhai",
        description="Adidos imitates Adidas.",
    )
    case = appraisal_services.case_open(
        reviewer=rita,
        question="Does Adidos imitate Adidas?",
        complaint=appraised,
        statement_hours=24,
    )

    # A ring reached only through alice's suspect: one seller behind two shops.
    ring_shops = [make_shop(contact="+86 755 0000 0001", name=f"Alice ring {n}") for n in range(2)]
    ring_listings = [
        make_listing(s, title=f"Adidas ring item {n}") for n, s in enumerate(ring_shops)
    ]
    index(*ring_listings)
    ring = Ring.objects.get(members__shop=ring_shops[0])
    ring_suspect = Suspect.objects.create(
        listing=ring_listings[0], brand=adidas, score=0.7, signals=[]
    )

    notification = Notification.objects.create(
        user=alice,
        kind="complaint.upheld",
        title="Adidas complaint upheld",
        body="Your complaint was upheld.",
    )
    webhook = WebhookEndpoint.objects.create(
        owner=alice, organisation=alice_org, url="https://hooks.example.com/adidas"
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=webhook, event="complaint.upheld", event_id=uuid.uuid4(), payload={"id": 1}
    )
    return {
        "org": alice_org,
        "brand": adidas,
        "trademark": tm,
        "shop": shop,
        "product_model": pm,
        "characteristic": fc,
        "reference": ref,
        "suspect": suspect,
        "scan": scan,
        "complaint": complaint,
        "evidence": complaint.evidence.get(),
        "case": case,
        "ring": ring,
        "ring_suspect": ring_suspect,
        "notification": notification,
        "webhook": webhook,
        "delivery": delivery,
    }


def snapshot(things) -> dict:
    """What bob must not be able to change of alice's."""
    return {
        "suspects": sorted(
            Suspect.objects.filter(brand=things["brand"]).values_list("pk", "status", "judged_at")
        ),
        "complaints": sorted(Complaint.objects.values_list("pk", "status", "updated_at")),
        "complaint_count": Complaint.objects.count(),
        "shops": things["brand"].authorised_shops.count(),
        "aliases": list(type(things["brand"]).objects.get(pk=things["brand"].pk).aliases),
        "scans": sorted(ScanJob.objects.values_list("pk", "status")),
        "notification_read": Notification.objects.get(pk=things["notification"].pk).read_at,
        "webhooks": sorted(WebhookEndpoint.objects.values_list("pk", "active")),
        "deliveries": WebhookDelivery.objects.count(),
        "statements": Statement.objects.count(),
        "rings_held": sorted(Ring.objects.values_list("pk", "updated_at")),
    }


# --- The API --------------------------------------------------------------------------

API_READS = [
    "/api/v1/organisations/{org.pk}/",
    "/api/v1/organisations/{org.pk}/trademarks/",
    "/api/v1/organisations/{org.pk}/authorisations/",
    "/api/v1/organisations/{org.pk}/integrity/",
    "/api/v1/trademarks/{trademark.pk}/",
    "/api/v1/brands/{brand.pk}/",
    "/api/v1/brands/{brand.pk}/authorised-shops/",
    "/api/v1/brands/{brand.pk}/product-models/",
    "/api/v1/brands/{brand.pk}/fake-characteristics/",
    "/api/v1/brands/{brand.pk}/reference-images/",
    "/api/v1/suspects/{suspect.pk}/",
    "/api/v1/scans/{scan.pk}/",
    "/api/v1/rings/{ring.pk}/",
    "/api/v1/rings/{ring.pk}/evidence-pack/",
    "/api/v1/complaints/{complaint.pk}/",
    "/api/v1/complaints/{complaint.pk}/statement/",
    "/api/v1/complaints/{complaint.pk}/evidence/{evidence.pk}/",
    "/api/v1/webhooks/{webhook.pk}/",
    "/api/v1/webhooks/{webhook.pk}/deliveries/",
]
DETAIL_URLS = API_READS  # the name older tests use


@pytest.mark.parametrize("template", API_READS)
def test_another_organisations_objects_answer_404(
    api, bob, bob_org, alices_things, alice, template
):
    url = template.format(**alices_things)
    assert api(alice).get(url).status_code == 200
    exports = AuditEvent.objects.filter(action="ring.evidence_pack_exported").count()
    response = api(bob).get(url)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    # Not even a refused export leaves a trace in alice's audit trail.
    assert AuditEvent.objects.filter(action="ring.evidence_pack_exported").count() == exports


@pytest.mark.parametrize("template", API_READS)
def test_another_organisations_404_is_the_same_as_for_no_object(
    api, bob, bob_org, alices_things, template
):
    """A 404 that differs from the one for a missing id would tell bob the
    object exists."""
    missing = {k: SimpleNamespace(pk=987_654_321) for k in alices_things}
    theirs = api(bob).get(template.format(**alices_things))
    nothing = api(bob).get(template.format(**missing))
    assert (theirs.status_code, theirs.json()) == (nothing.status_code, nothing.json())


API_WRITES = [
    ("post", "/api/v1/organisations/{org.pk}/trademarks/", {}),
    ("post", "/api/v1/organisations/{org.pk}/authorisations/", {}),
    ("post", "/api/v1/brands/{brand.pk}/authorised-shops/", {"shop_external_id": "S-9"}),
    (
        "post",
        "/api/v1/brands/{brand.pk}/product-models/",
        {"name": "x", "msrp": "1.00", "currency": "CNY"},
    ),
    ("post", "/api/v1/brands/{brand.pk}/fake-characteristics/", {"kind": "note", "value": "x"}),
    ("post", "/api/v1/brands/{brand.pk}/reference-images/", {}),
    ("patch", "/api/v1/brands/{brand.pk}/", {"aliases": ["x"]}),
    ("delete", "/api/v1/brands/{brand.pk}/authorised-shops/{shop.pk}/", None),
    ("post", "/api/v1/suspects/{suspect.pk}/judgment/", {"verdict": "not_infringing"}),
    ("post", "/api/v1/scans/{scan.pk}/cancel/", {}),
    ("post", "/api/v1/complaints/{complaint.pk}/answer/", {"answer": "x"}),
    ("post", "/api/v1/complaints/{complaint.pk}/withdraw/", {}),
    ("post", "/api/v1/appraisal/cases/{case.pk}/statements/", {"text": "Mine."}),
    ("post", "/api/v1/appraisal/cases/{case.pk}/appeal/", {"reason": "Wrong."}),
    ("post", "/api/v1/notifications/{notification.pk}/read/", {}),
    ("delete", "/api/v1/webhooks/{webhook.pk}/", None),
    ("post", "/api/v1/webhooks/{webhook.pk}/deliveries/{delivery.pk}/redeliver/", {}),
]
WRITE_CALLS = API_WRITES


@pytest.mark.parametrize(("method", "template", "body"), API_WRITES)
def test_another_organisations_objects_cannot_be_changed(
    api, bob, bob_org, alices_things, method, template, body
):
    url = template.format(**alices_things)
    before = snapshot(alices_things)
    response = getattr(api(bob), method)(url, body, format="json")
    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "not_found"
    assert snapshot(alices_things) == before


API_CREATES_NAMING_ANOTHERS_OBJECT = [
    ("/api/v1/brands/", {"organisation": "{org.pk}", "name": "Mine"}, "organisation"),
    ("/api/v1/scans/", {"brand": "{brand.pk}"}, "brand"),
    ("/api/v1/complaints/", {"suspect": "{suspect.pk}"}, "suspect"),
    (
        "/api/v1/complaints/",
        {
            "listing": "{complaint.listing_id}",
            "brand": "{brand.pk}",
            "kind": "counterfeit",
            "description": "x",
        },
        "brand",
    ),
    ("/api/v1/webhooks/", {"url": "https://x.example.com/", "organisation": "{org.pk}"}, None),
]


@pytest.mark.parametrize(("path", "body", "field"), API_CREATES_NAMING_ANOTHERS_OBJECT)
def test_a_body_naming_anothers_object_is_refused_as_if_unknown(
    api, bob, bob_org, rival_brand, alices_things, path, body, field
):
    def filled(values):
        return {k: int(v.format(**values)) if "{" in str(v) else v for k, v in body.items()}

    before = snapshot(alices_things)
    webhooks = WebhookEndpoint.objects.count()
    theirs = api(bob).post(path, filled(alices_things), format="json")
    missing = {k: SimpleNamespace(pk=987_654_321, listing_id=987_654_321) for k in alices_things}
    nothing = api(bob).post(path, filled(missing), format="json")
    assert theirs.status_code == 400, theirs.content
    assert (theirs.status_code, theirs.json()) == (nothing.status_code, nothing.json())
    if field:
        assert field in theirs.json()["error"]["fields"]
    assert snapshot(alices_things) == before
    assert WebhookEndpoint.objects.count() == webhooks


def test_bulk_filing_with_anothers_ids_files_nothing(api, bob, bob_org, rival_brand, alices_things):
    rows = [
        {"suspect": alices_things["suspect"].pk},
        {"suspect": alices_things["ring_suspect"].pk},
        {"listing": alices_things["complaint"].listing_id, "brand": alices_things["brand"].pk},
    ]
    before = snapshot(alices_things)
    response = api(bob).post("/api/v1/complaints/bulk/", rows, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert all("error" in r for r in (body["results"] if isinstance(body, dict) else body))
    assert snapshot(alices_things) == before


API_LISTS = [
    ("/api/v1/organisations/", "org"),
    ("/api/v1/brands/", "brand"),
    ("/api/v1/suspects/", "suspect"),
    ("/api/v1/scans/", "scan"),
    ("/api/v1/rings/", "ring"),
    ("/api/v1/complaints/", "complaint"),
    ("/api/v1/notifications/", "notification"),
    ("/api/v1/webhooks/", "webhook"),
    ("/api/v1/suspects/?brand={brand.pk}", "suspect"),
    ("/api/v1/brands/?organisation={org.pk}", "brand"),
    ("/api/v1/complaints/?brand={brand.pk}", "complaint"),
]


@pytest.mark.parametrize(("template", "key"), API_LISTS)
def test_lists_leave_other_organisations_out(
    api, alice, bob, bob_org, rival_brand, alices_things, template, key
):
    url = template.format(**alices_things)
    theirs = alices_things[key].pk
    assert theirs in [row["id"] for row in api(alice).get(url).json()["results"]]
    response = api(bob).get(url)
    assert response.status_code == 200
    assert theirs not in [row["id"] for row in response.json()["results"]]


def test_bobs_lists_hold_only_his_own(api, bob, bob_org, rival_brand, alices_things):
    client = api(bob)
    assert [o["id"] for o in client.get("/api/v1/organisations/").json()["results"]] == [bob_org.pk]
    assert [b["id"] for b in client.get("/api/v1/brands/").json()["results"]] == [rival_brand.pk]
    for path in ("suspects", "scans", "rings", "complaints", "notifications", "webhooks"):
        assert client.get(f"/api/v1/{path}/").json()["results"] == [], path


def test_reading_all_notifications_marks_only_ones_own(api, bob, alices_things):
    assert api(bob).post("/api/v1/notifications/read-all/").status_code == 200
    alices_things["notification"].refresh_from_db()
    assert alices_things["notification"].read_at is None


def test_the_marketplace_sees_no_organisations_webhooks(api, mo, alices_things):
    client = api(mo)
    assert client.get("/api/v1/webhooks/").json()["results"] == []
    assert client.get(f"/api/v1/webhooks/{alices_things['webhook'].pk}/").status_code == 404


# Endpoints only another role may use: brand staff are refused alike whether
# or not the object exists, so the refusal reveals nothing.
API_FOR_OTHER_ROLES = [
    ("post", "/api/v1/organisations/{org.pk}/verification/", {"decision": "verified"}),
    ("post", "/api/v1/trademarks/{trademark.pk}/verification/", {"decision": "verified"}),
    ("get", "/api/v1/complaints/queue/", None),
    ("post", "/api/v1/complaints/{complaint.pk}/counter-notice/", {"explanation": "x"}),
    ("post", "/api/v1/complaints/{complaint.pk}/decision/", {"outcome": "upheld", "reason": "x"}),
    ("post", "/api/v1/complaints/{complaint.pk}/review/", {}),
    ("post", "/api/v1/complaints/{complaint.pk}/escalate/", {"reason": "x"}),
    ("get", "/api/v1/complaints/{complaint.pk}/test-purchases/", None),
    ("post", "/api/v1/complaints/{complaint.pk}/test-purchases/1/result/", {}),
    ("get", "/api/v1/appraisal/cases/", None),
    ("post", "/api/v1/appraisal/cases/", {"complaint": "{complaint.pk}", "question": "?"}),
    ("post", "/api/v1/appraisal/cases/{case.pk}/vote/", {"choice": "infringing"}),
    ("get", "/api/v1/appraisal/assignments/", None),
    ("post", "/api/v1/listings/", {"external_id": "L-X"}),
    ("get", "/api/v1/listings/{complaint.listing_id}/", None),
]


@pytest.mark.parametrize(("method", "template", "body"), API_FOR_OTHER_ROLES)
def test_brand_staff_are_refused_other_roles_endpoints_alike(
    api, bob, bob_org, alices_things, method, template, body
):
    missing = {k: SimpleNamespace(pk=987_654_321, listing_id=987_654_321) for k in alices_things}
    before = snapshot(alices_things)
    answers = set()
    for values in (alices_things, missing):
        response = getattr(api(bob), method)(template.format(**values), body, format="json")
        assert response.status_code == 403, response.content
        answers.add(response.content)
    assert len(answers) == 1
    assert snapshot(alices_things) == before


def test_the_appraisal_case_is_for_its_jury_not_a_rival(api, bob, alices_things):
    response = api(bob).get(f"/api/v1/appraisal/cases/{alices_things['case'].pk}/")
    assert response.status_code == 404


def test_other_roles_see_no_organisation_data(api, mo, judy, sam, alices_things):
    for user in (mo, judy, sam):
        client = api(user)
        assert client.get("/api/v1/brands/").status_code == 403
        assert client.get(f"/api/v1/suspects/{alices_things['suspect'].pk}/").status_code == 403
        assert client.get("/api/v1/rings/").status_code == 403
        assert client.get(f"/api/v1/rings/{alices_things['ring'].pk}/").status_code == 403
        pack = client.get(f"/api/v1/rings/{alices_things['ring'].pk}/evidence-pack/")
        assert pack.status_code == 403
        assert client.get(f"/api/v1/scans/{alices_things['scan'].pk}/").status_code == 403


def test_reviewers_see_every_organisation(api, rita, bob_org, alices_things):
    ids = {o["id"] for o in api(rita).get("/api/v1/organisations/").json()["results"]}
    assert ids == {bob_org.pk, alices_things["org"].pk}


def test_seller_listing_reads_are_limited_to_their_shops(api, sam, mo):
    from marketplace.models import Seller

    own = ListingFactory(title="Mine")
    Seller.objects.filter(pk=own.shop.seller_id).update(user=sam)
    other = ListingFactory(title="Theirs")
    client = api(sam)
    assert client.get(f"/api/v1/listings/{own.pk}/").status_code == 200
    assert client.get(f"/api/v1/listings/{other.pk}/").status_code == 404
    assert [x["id"] for x in client.get("/api/v1/listings/").json()["results"]] == [own.pk]


def test_only_brand_staff_judge_suspects(api, rita, alices_things):
    response = api(rita).post(
        f"/api/v1/suspects/{alices_things['suspect'].pk}/judgment/",
        {"verdict": "infringing"},
        format="json",
    )
    assert response.status_code == 403
    alices_things["suspect"].refresh_from_db()
    assert alices_things["suspect"].status == "new"


# --- Portal pages ---------------------------------------------------------------------

PORTAL_PAGES = [
    "/organisations/{org.pk}/",
    "/brands/{brand.pk}/",
    "/brands/{brand.pk}/assets/",
    "/suspects/{suspect.pk}/",
    "/scans/{scan.pk}/progress/",
    "/complaints/{complaint.pk}/",
    "/rings/{ring.pk}/",
    "/rings/{ring.pk}/evidence-pack/",
    "/results/?brand={brand.pk}",
    "/results/?brand={brand.pk}&format=csv&chart=complaints",
]


@pytest.mark.parametrize("template", PORTAL_PAGES)
def test_portal_pages_are_404_for_another_organisation(
    client, alice, bob, bob_org, alices_things, template
):
    url = template.format(**alices_things)
    client.force_login(alice)
    assert client.get(url).status_code == 200
    before = snapshot(alices_things)
    client.force_login(bob)
    assert client.get(url).status_code == 404
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 404
    assert client.post(url, {"action": "shop", "shop-shop_external_id": "S-x"}).status_code == 404
    assert client.post(url, {"action": "sweep"}).status_code == 404
    assert snapshot(alices_things) == before


PORTAL_ACTIONS = [
    ("/suspects/{suspect.pk}/judgment/", {"verdict": "infringing"}),
    ("/suspects/{suspect.pk}/complaint/", {}),
    ("/complaints/{complaint.pk}/answer/", {"answer": "x"}),
    ("/complaints/{complaint.pk}/withdraw/", {"reason": "x"}),
    ("/complaints/{complaint.pk}/counter-notice/", {"explanation": "x"}),
    ("/rings/{ring.pk}/complaints/", {}),
]


@pytest.mark.parametrize(("template", "body"), PORTAL_ACTIONS)
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_portal_actions_on_anothers_objects_are_404_and_change_nothing(
    client, bob, bob_org, rival_brand, alices_things, template, body, htmx
):
    make_trademark(rival_brand, number="N-1")  # bob could file, were it his to file
    client.force_login(bob)
    before = snapshot(alices_things)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(template.format(**alices_things), body, headers=headers)
    assert response.status_code == 404
    assert snapshot(alices_things) == before


PORTAL_LISTS = [
    "/",
    "/suspects/",
    "/suspects/?brand={brand.pk}",
    "/complaints/",
    "/complaints/new/",
    "/rings/",
    "/notifications/",
    "/results/",
    "/results/?format=csv&chart=complaints",
    "/results/?format=csv&chart=suspects",
]


@pytest.mark.parametrize("template", PORTAL_LISTS)
def test_portal_lists_leave_other_organisations_out(
    client, alice, bob, bob_org, rival_brand, alices_things, template
):
    url = template.format(**alices_things)
    markers = [
        alices_things["org"].name,
        "Adidas",  # alice's brand, its listings' titles and her ring's shops
        "Alice ring",
        f"/rings/{alices_things['ring'].pk}/",
        f"/complaints/{alices_things['complaint'].pk}/",
        f"/suspects/{alices_things['suspect'].pk}/",
    ]
    client.force_login(alice)
    alices_page = client.get(url)
    assert alices_page.status_code == 200
    if "format=csv" not in url:
        assert any(m in alices_page.content.decode() for m in markers)  # the check can fail
    client.force_login(bob)
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    for marker in markers:
        assert marker not in text, marker
    if "format=csv" in url:
        # The same chart, with alice's figures for her and none for bob.
        assert alices_page.content != page.content
        assert not any(
            cell.strip() not in ("", "0", "0.0")
            for line in text.splitlines()[1:]
            for cell in line.split(",")[1:]
        ), text


def test_the_portal_queue_lists_only_ones_own_suspects(client, bob, bob_org, alices_things):
    client.force_login(bob)
    page = client.get("/suspects/").content.decode()
    assert "Adidas Superstar 1:1" not in page
    client.post("/suspects/judge/", {"ids": [alices_things["suspect"].pk], "verdict": "infringing"})
    alices_things["suspect"].refresh_from_db()
    assert alices_things["suspect"].status == "new"


def test_the_portal_home_lists_only_ones_own_organisations(client, bob, bob_org, alices_things):
    client.force_login(bob)
    page = client.get("/").content.decode()
    assert bob_org.name in page and alices_things["org"].name not in page


def test_a_portal_complaint_cannot_name_anothers_brand(client, bob, bob_org, alices_things):
    client.force_login(bob)
    before = snapshot(alices_things)
    response = client.post(
        "/complaints/new/",
        {
            "listing_external_id": ListingFactory(status="active").external_id,
            "brand": alices_things["brand"].pk,
            "kind": "counterfeit",
            "description": "Not mine to file.",
        },
    )
    assert response.status_code == 200  # the form again, with its error
    assert "brand" in response.context["form"].errors
    bulk = client.post(
        "/complaints/bulk/",
        {"file": SimpleUploadedFile("c.csv", f"suspect\n{alices_things['suspect'].pk}\n".encode())},
    )
    assert bulk.status_code == 200
    assert snapshot(alices_things) == before


def test_marking_notifications_read_in_the_portal_touches_only_ones_own(client, bob, alices_things):
    client.force_login(bob)
    client.post("/notifications/")
    alices_things["notification"].refresh_from_db()
    assert alices_things["notification"].read_at is None


# Brand pages a seller or a judge must not see (alice's objects, and the
# brand-only forms).
BRAND_ONLY_PAGES = [
    "/organisations/{org.pk}/",
    "/brands/{brand.pk}/",
    "/brands/{brand.pk}/assets/",
    "/suspects/{suspect.pk}/",
    "/scans/{scan.pk}/progress/",
    "/rings/{ring.pk}/",
    "/rings/{ring.pk}/evidence-pack/",
    "/results/",
    "/results/?brand={brand.pk}&format=csv&chart=complaints",
    "/complaints/new/",
    "/complaints/bulk/",
]


@pytest.mark.parametrize("template", BRAND_ONLY_PAGES)
def test_sellers_and_judges_cannot_see_brand_pages(client, sam, judy, alices_things, template):
    for user in (sam, judy):
        client.force_login(user)
        response = client.get(template.format(**alices_things))
        assert response.status_code in (403, 404), (user, response.status_code)


@pytest.mark.parametrize("template", ["/suspects/", "/rings/"])
def test_sellers_and_judges_see_no_brand_queue(client, sam, judy, alices_things, template):
    for user in (sam, judy):
        client.force_login(user)
        response = client.get(template)
        if response.status_code == 200:
            text = response.content.decode()
            assert "Adidas" not in text and "Alice ring" not in text
        else:
            assert response.status_code in (403, 404)


def test_another_seller_cannot_read_a_sellers_action(client, alices_things):
    olga = UserFactory(username="olga", role="seller")
    SellerFactory(user=olga)
    client.force_login(olga)
    url = f"/seller/actions/{alices_things['complaint'].pk}/"
    assert client.get(url).status_code == 404
    assert "Adidas" not in client.get("/seller/actions/").content.decode()


def test_a_rival_cannot_read_the_appraisal_case_pages(client, bob, alices_things):
    client.force_login(bob)
    case = alices_things["case"]
    assert client.get(f"/appraisal/cases/{case.pk}/").status_code in (403, 404)
    response = client.post(f"/appraisal/cases/{case.pk}/vote/", {"choice": "infringing"})
    assert response.status_code in (403, 404)


# --- The reviewer console -------------------------------------------------------------

CONSOLE_OPEN_TO_ALL = {"login"}  # the sign-in page itself


def console_urls(object_id: int) -> list[str]:
    """Every named console URL, with ``object_id`` for each id it takes."""
    urls = []

    def walk(patterns, namespaces):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, namespaces + ([p.namespace] if p.namespace else []))
                continue
            if not namespaces or namespaces[0] not in ("admin", "insights-console"):
                continue
            if not p.name or p.name in CONSOLE_OPEN_TO_ALL:
                continue
            groups = p.pattern.regex.groupindex
            kwargs = {g: ("networks" if g == "app_label" else str(object_id)) for g in groups}
            urls.append(reverse(":".join([*namespaces, p.name]), kwargs=kwargs))

    walk(get_resolver().url_patterns, [])
    return urls


def test_console_urls_are_found():
    urls = console_urls(1)
    assert "/admin/dashboard/" in urls
    assert "/admin/complaints/counternotice/" in urls
    assert "/admin/complaints/enforcementpolicy/" in urls
    assert "/admin/networks/ring/1/change/" in urls


@pytest.mark.parametrize("who", ["bob", "sam", "judy", "mo"])
def test_the_console_is_closed_to_everyone_but_reviewers(client, request, alices_things, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    before = snapshot(alices_things)
    for url in console_urls(alices_things["complaint"].pk):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            location = response.get("Location", "")
            assert response.status_code == 403 or (
                response.status_code == 302
                and urlsplit(location).path.startswith("/admin/")
                and ("/admin/login/" in location or url == "/admin/logout/")
            ), (who, method, url, response.status_code, location)
    csv = client.get("/admin/dashboard/?format=csv&chart=precision-brand")
    assert csv.status_code in (302, 403)
    assert snapshot(alices_things) == before


def test_brand_staff_marked_staff_by_mistake_still_see_no_console_records(
    client, bob, alices_things
):
    """``is_staff`` alone opens Django's admin; the console asks for the
    reviewer role too."""
    bob.is_staff = True
    bob.save()
    client.force_login(bob)
    for url in console_urls(alices_things["complaint"].pk):
        if url in ("/admin/", "/admin/logout/", "/admin/jsi18n/") or url.startswith(
            "/admin/password_change/"
        ):
            continue
        response = client.get(url)
        assert response.status_code in (302, 403, 404), (url, response.status_code)
    assert client.get("/admin/networks/ring/").status_code in (302, 403)
    assert "Adidas" not in client.get("/admin/").content.decode()


# --- Every route has a case -----------------------------------------------------------

# Routes that hold no organisation's data, or belong to one person only, or
# whose tenancy is tested where the reason is given.
NO_TENANCY_CASE_NEEDED = {
    "healthz": "liveness probe, no data",
    "media": "public listing photos and reference images only; documents go through checks",
    "set_language": "a cookie",
    "login": "sign-in",
    "logout": "sign-out",
    "portal:signup": "creates a new account",
    "portal:organisation-create": "creates an organisation of one's own",
    "insights:transparency": "public report of platform-wide totals",
    "api:schema": "the API's description",
    "api:docs": "the API's description",
    "api:model-versions": "the platform's detection model, no organisation data",
    "api:notifications-read-all": "test_reading_all_notifications_marks_only_ones_own",
    "api:complaints-bulk": "test_bulk_filing_with_anothers_ids_files_nothing",
    "api:listings": "marketplace and sellers: test_seller_listing_reads_are_limited_to_their_shops",
    "api:listing": "marketplace and sellers: test_seller_listing_reads_are_limited_to_their_shops",
    "api:case": "test_the_appraisal_case_is_for_its_jury_not_a_rival",
    "portal:suspects-bulk": "test_the_portal_queue_lists_only_ones_own_suspects",
    "portal:complaints-bulk": "test_a_portal_complaint_cannot_name_anothers_brand",
    "portal:seller-actions": "test_another_seller_cannot_read_a_sellers_action",
    "portal:seller-action": "test_another_seller_cannot_read_a_sellers_action",
    "appraisal:home": "a judge's own cases (tests/appraisal)",
    "appraisal:enrol": "a judge's own enrolment (tests/appraisal)",
    "appraisal:case": "test_a_rival_cannot_read_the_appraisal_case_pages",
    "appraisal:vote": "test_a_rival_cannot_read_the_appraisal_case_pages",
}


def _route_names() -> set[str]:
    names = set()

    def walk(patterns, namespaces):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, namespaces + ([p.namespace] if p.namespace else []))
            elif p.name and (not namespaces or namespaces[0] not in ("admin", "insights-console")):
                names.add(":".join([*namespaces, p.name]))

    walk(get_resolver().url_patterns, [])
    return names


OBJECT_KEYS = [
    "org",
    "brand",
    "trademark",
    "shop",
    "suspect",
    "scan",
    "complaint",
    "evidence",
    "case",
    "ring",
    "notification",
    "webhook",
    "delivery",
]


def _covered_names() -> set[str]:
    anything = {k: SimpleNamespace(pk=1, listing_id=1) for k in OBJECT_KEYS}
    templates = [
        *API_READS,
        *(t for _m, t, _b in API_WRITES),
        *(p for p, _b, _f in API_CREATES_NAMING_ANOTHERS_OBJECT),
        *(t for t, _k in API_LISTS),
        *(t for _m, t, _b in API_FOR_OTHER_ROLES),
        *PORTAL_PAGES,
        *(t for t, _b in PORTAL_ACTIONS),
        *PORTAL_LISTS,
        *BRAND_ONLY_PAGES,
    ]
    return {resolve(urlsplit(t.format(**anything)).path).view_name for t in templates}


def test_every_route_has_a_tenancy_case():
    missing = _route_names() - _covered_names() - set(NO_TENANCY_CASE_NEEDED)
    assert not missing, f"routes without a tenancy case in tests/test_tenancy.py: {sorted(missing)}"


def test_every_exemption_names_a_real_route():
    stale = set(NO_TENANCY_CASE_NEEDED) - _route_names()
    assert not stale, f"exemptions for routes that no longer exist: {sorted(stale)}"
