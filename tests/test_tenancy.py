"""Brand staff never see another organisation's data: every endpoint and
portal page answers 404 for it, and lists leave it out."""

import pytest
from django.core.files.base import ContentFile

from detection.models import ScanJob, Suspect
from rightsholders import services
from rightsholders.models import Trademark
from tests.factories import ListingFactory
from tests.images import jpeg_bytes, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_things(alice, alice_org, adidas):
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
    }


DETAIL_URLS = [
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
]


@pytest.mark.parametrize("template", DETAIL_URLS)
def test_another_organisations_objects_answer_404(
    api, bob, bob_org, alices_things, alice, template
):
    url = template.format(**alices_things)
    assert api(alice).get(url).status_code == 200
    response = api(bob).get(url)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


WRITE_CALLS = [
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
]


@pytest.mark.parametrize(("method", "template", "body"), WRITE_CALLS)
def test_another_organisations_objects_cannot_be_changed(
    api, bob, bob_org, alices_things, method, template, body
):
    url = template.format(**alices_things)
    response = getattr(api(bob), method)(url, body, format="json")
    assert response.status_code == 404, response.content
    suspect = alices_things["suspect"]
    suspect.refresh_from_db()
    assert suspect.status == "new"
    assert alices_things["brand"].authorised_shops.count() == 1


def test_lists_leave_other_organisations_out(api, bob, bob_org, rival_brand, alices_things):
    client = api(bob)
    assert [o["id"] for o in client.get("/api/v1/organisations/").json()["results"]] == [bob_org.pk]
    assert [b["id"] for b in client.get("/api/v1/brands/").json()["results"]] == [rival_brand.pk]
    assert client.get("/api/v1/suspects/").json()["results"] == []
    assert client.get("/api/v1/scans/").json()["results"] == []


@pytest.mark.parametrize(
    "query",
    ["/api/v1/suspects/?brand={brand.pk}", "/api/v1/brands/?organisation={org.pk}"],
)
def test_a_filter_naming_anothers_object_is_an_empty_list(api, bob, bob_org, alices_things, query):
    response = api(bob).get(query.format(**alices_things))
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_a_brand_cannot_be_created_in_anothers_organisation(api, bob, bob_org, alices_things):
    response = api(bob).post(
        "/api/v1/brands/", {"organisation": alices_things["org"].pk, "name": "Mine"}, format="json"
    )
    assert response.status_code == 400
    assert "organisation" in response.json()["error"]["fields"]


def test_a_scan_cannot_be_started_for_anothers_brand(api, bob, bob_org, alices_things):
    response = api(bob).post("/api/v1/scans/", {"brand": alices_things["brand"].pk}, format="json")
    assert response.status_code == 400
    assert ScanJob.objects.count() == 1


def test_other_roles_see_no_organisation_data(api, mo, judy, sam, alices_things):
    for user in (mo, judy, sam):
        assert api(user).get("/api/v1/brands/").status_code == 403
        assert api(user).get(f"/api/v1/suspects/{alices_things['suspect'].pk}/").status_code == 403


def test_reviewers_see_every_organisation(api, rita, bob_org, alices_things):
    ids = {o["id"] for o in api(rita).get("/api/v1/organisations/").json()["results"]}
    assert ids == {bob_org.pk, alices_things["org"].pk}


# --- Portal pages ---------------------------------------------------------------------

PORTAL_PAGES = [
    "/organisations/{org.pk}/",
    "/brands/{brand.pk}/",
    "/brands/{brand.pk}/assets/",
    "/suspects/{suspect.pk}/",
    "/scans/{scan.pk}/progress/",
]


@pytest.mark.parametrize("template", PORTAL_PAGES)
def test_portal_pages_are_404_for_another_organisation(
    client, alice, bob, bob_org, alices_things, template
):
    url = template.format(**alices_things)
    client.force_login(alice)
    assert client.get(url).status_code == 200
    client.force_login(bob)
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "shop", "shop-shop_external_id": "S-x"}).status_code == 404
    assert alices_things["brand"].authorised_shops.count() == 1


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
