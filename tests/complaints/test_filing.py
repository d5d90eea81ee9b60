"""Filing: one click from a suspect, the manual form with evidence, bulk
uploads, and every refusal with its reason."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from complaints.models import Complaint, ComplaintStatus, Evidence
from detection.models import SuspectStatus
from marketplace.models import ListingStatus
from rightsholders.models import Authorisation, CredentialStatus, Organisation
from tests.complaints.conftest import make_trademark
from tests.factories import BrandFactory
from tests.images import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

URL = "/api/v1/complaints/"


def test_one_click_from_a_suspect_prefills_brand_trademark_listing_and_evidence(
    api, alice, suspect, trademark, listing, adidas
):
    response = api(alice).post(URL, {"suspect": suspect.pk}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert {
        "id",
        "status",
        "brand",
        "listing",
        "trademark",
        "kind",
        "created_at",
        "decision",
    } <= set(body)
    assert body["status"] == "submitted"
    assert body["brand"] == adidas.pk
    assert body["listing"] == listing.pk
    assert body["trademark"] == trademark.pk
    assert body["kind"] == "counterfeit"
    assert body["decision"] is None
    assert body["detection"]["score"] == pytest.approx(0.91)
    assert [s["code"] for s in body["detection"]["signals"]] == ["brand_keyword", "haze_term"]
    assert "1:1" in body["description"]
    assert 23 * 3600 < body["time_left_seconds"] <= 24 * 3600
    suspect.refresh_from_db()
    assert suspect.status == SuspectStatus.COMPLAINED
    assert suspect.judged_by == alice


def test_one_click_picks_the_trademark_registered_for_the_listing_category(
    api, alice, adidas, suspect
):
    make_trademark(adidas, number="BAGS-18", classes=[18], expires=datetime.date(2040, 1, 1))
    shoes = make_trademark(adidas, number="SHOES-25", classes=[25])

    body = api(alice).post(URL, {"suspect": suspect.pk}, format="json").json()

    assert body["trademark"] == shoes.pk


def test_a_lookalike_signal_files_a_shanzhai_complaint(api, alice, suspect, trademark):
    suspect.signals = [{"code": "lookalike_name", "weight": 0.7, "detail": "'Adidos'"}]
    suspect.save()

    assert api(alice).post(URL, {"suspect": suspect.pk}, format="json").json()["kind"] == "shanzhai"


def test_manual_filing_with_evidence_files(api, alice, adidas, trademark, listing):
    response = api(alice).post(
        URL,
        {
            "listing": listing.pk,
            "brand": adidas.pk,
            "trademark": trademark.pk,
            "kind": "trademark_misuse",
            "description": "Uses our logo on unbranded shoes.",
            "evidence": [
                SimpleUploadedFile("order.pdf", pdf_bytes()),
                SimpleUploadedFile("photo.png", png_bytes(4)),
            ],
        },
        format="multipart",
    )

    assert response.status_code == 201, response.content
    complaint = Complaint.objects.get(pk=response.json()["id"])
    assert complaint.kind == "trademark_misuse"
    assert sorted(e.name for e in complaint.evidence.all()) == ["order.pdf", "photo.png"]
    assert all(e.party == Evidence.Party.BRAND for e in complaint.evidence.all())
    assert complaint.evidence.first().file.name.startswith("private/")
    detail = api(alice).get(f"{URL}{complaint.pk}/").json()
    download = api(alice).get(detail["evidence"][0]["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_manual_filing_needs_listing_brand_kind_and_description(api, alice, alice_org):
    response = api(alice).post(URL, {"kind": "counterfeit"}, format="json")

    assert response.status_code == 400
    assert {"listing", "brand", "description"} <= set(response.json()["error"]["fields"])


def test_an_evidence_file_that_is_not_a_document_is_refused(api, alice, adidas, trademark, listing):
    response = api(alice).post(
        URL,
        {
            "listing": listing.pk,
            "brand": adidas.pk,
            "kind": "counterfeit",
            "description": "Fake.",
            "evidence": [SimpleUploadedFile("x.exe", b"MZ\x90\x00 not a document")],
        },
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unsupported_file"
    assert not Complaint.objects.exists()


# --- Refusals -----------------------------------------------------------------------


def _file(api, user, listing, brand, **extra):
    return api(user).post(
        URL,
        {
            "listing": listing.pk,
            "brand": brand.pk,
            "kind": "counterfeit",
            "description": "Fake.",
            **extra,
        },
        format="json",
    )


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("pending", "organisation_not_verified"),
        ("rejected", "organisation_not_verified"),
        ("suspended", "organisation_suspended"),
    ],
)
def test_an_organisation_that_is_not_verified_may_not_file(
    api, alice, alice_org, adidas, trademark, listing, status, code
):
    Organisation.objects.filter(pk=alice_org.pk).update(status=status)

    response = _file(api, alice, listing, adidas)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == code
    assert not Complaint.objects.exists()


def test_filing_suspended_for_misuse_is_refused_until_it_ends(
    api, alice, alice_org, adidas, trademark, listing
):
    until = timezone.now() + datetime.timedelta(days=3)
    Organisation.objects.filter(pk=alice_org.pk).update(filing_suspended_until=until)

    response = _file(api, alice, listing, adidas)

    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "filing_suspended"
    assert until.strftime("%Y-%m-%d") in error["message"]

    Organisation.objects.filter(pk=alice_org.pk).update(
        filing_suspended_until=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert _file(api, alice, listing, adidas).status_code == 201


def test_an_expired_trademark_is_refused(api, alice, adidas, listing):
    old = make_trademark(
        adidas, number="OLD", expires=datetime.date.today() - datetime.timedelta(days=1)
    )

    response = _file(api, alice, listing, adidas, trademark=old.pk)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "trademark_expired"
    assert "trademark" in response.json()["error"]["fields"]


def test_without_a_trademark_in_force_one_click_is_refused(api, alice, adidas, suspect):
    make_trademark(adidas, number="OLD", expires=datetime.date.today() - datetime.timedelta(days=1))

    response = api(alice).post(URL, {"suspect": suspect.pk}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no_trademark_in_force"


def test_an_unverified_trademark_is_refused(api, alice, adidas, listing):
    pending = make_trademark(adidas, number="P1", verified=False)

    response = _file(api, alice, listing, adidas, trademark=pending.pk)

    assert response.json()["error"]["code"] == "trademark_not_verified"


def test_another_brands_trademark_is_refused(api, alice, alice_org, adidas, trademark, listing):
    reebok = BrandFactory(organisation=alice_org, name="Reebok")
    reebok_tm = make_trademark(reebok, number="R1")

    response = _file(api, alice, listing, adidas, trademark=reebok_tm.pk)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "trademark_not_brands"


def test_another_organisations_trademark_reads_as_not_the_brands(
    api, alice, adidas, trademark, listing, rival_brand
):
    nike_tm = make_trademark(rival_brand, number="N1")

    response = _file(api, alice, listing, adidas, trademark=nike_tm.pk)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "trademark_not_brands"


def test_a_delisted_listing_is_refused(api, alice, adidas, trademark, listing):
    listing.status = ListingStatus.DELISTED
    listing.save()

    response = _file(api, alice, listing, adidas)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "listing_delisted"


def test_an_open_complaint_on_the_same_listing_answers_409_naming_it(
    api, alice, adidas, trademark, listing
):
    first = _file(api, alice, listing, adidas).json()

    response = _file(api, alice, listing, adidas)

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "duplicate_complaint"
    assert error["complaint"] == first["id"]
    assert str(first["id"]) in error["message"]
    assert Complaint.objects.count() == 1


def test_another_brand_may_complain_about_the_same_listing(
    api, alice, bob, adidas, rival_brand, trademark, listing
):
    make_trademark(rival_brand, number="N1")
    assert _file(api, alice, listing, adidas).status_code == 201
    assert _file(api, bob, listing, rival_brand).status_code == 201


def test_a_closed_complaint_does_not_block_a_new_one(
    api, alice, adidas, trademark, listing, file_complaint, decide
):
    decide(file_complaint(listing), outcome="rejected", reason="Not enough evidence.")

    assert _file(api, alice, listing, adidas).status_code == 201


def test_an_agent_needs_a_verified_authorisation_for_the_brand(
    api, alice, alice_org, adidas, trademark, listing
):
    Organisation.objects.filter(pk=alice_org.pk).update(kind="agent")

    response = _file(api, alice, listing, adidas)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "authorisation_missing"

    auth = Authorisation(
        organisation=alice_org,
        brand=adidas,
        principal_name="Adidas AG",
        valid_until=datetime.date.today() + datetime.timedelta(days=30),
        status=CredentialStatus.VERIFIED,
    )
    auth.letter.save("letter.pdf", SimpleUploadedFile("letter.pdf", pdf_bytes()))
    assert _file(api, alice, listing, adidas).status_code == 201


def test_only_brand_staff_file(api, rita, sam, mo, suspect):
    for user in (rita, sam, mo):
        assert api(user).post(URL, {"suspect": suspect.pk}, format="json").status_code == 403


# --- Idempotency and double clicks ---------------------------------------------------------


def test_the_same_idempotency_key_replays_the_first_answer(api, alice, suspect, trademark):
    client = api(alice)

    first = client.post(URL, {"suspect": suspect.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(URL, {"suspect": suspect.pk}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Complaint.objects.count() == 1


def test_a_double_click_without_a_key_files_one_complaint(api, alice, suspect, trademark):
    client = api(alice)

    first = client.post(URL, {"suspect": suspect.pk}, format="json")
    second = client.post(URL, {"suspect": suspect.pk}, format="json")

    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["error"]["complaint"] == first.json()["id"]
    assert Complaint.objects.count() == 1


# --- Bulk ------------------------------------------------------------------------------------


BULK = "/api/v1/complaints/bulk/"


def test_bulk_json_answers_each_row_on_its_own(
    api, alice, adidas, trademark, make_listing, suspect
):
    good, delisted = make_listing(), make_listing()
    delisted.status = ListingStatus.DELISTED
    delisted.save()
    rows = [
        {"suspect": suspect.pk},
        {"listing": good.pk, "brand": adidas.pk, "kind": "counterfeit", "description": "Fake."},
        {"listing": delisted.pk, "brand": adidas.pk, "kind": "counterfeit", "description": "x"},
        {"listing": 999999, "brand": adidas.pk, "kind": "counterfeit", "description": "x"},
        {"listing": good.pk, "brand": adidas.pk, "kind": "counterfeit", "description": "again"},
        {"brand": adidas.pk, "kind": "bogus"},
    ]

    response = api(alice).post(BULK, rows, format="json")

    assert response.status_code == 200, response.content
    results = response.json()
    assert [r["row"] for r in results] == [1, 2, 3, 4, 5, 6]
    assert results[0]["status"] == results[1]["status"] == "submitted"
    assert results[2]["error"]["code"] == "listing_delisted"
    assert results[3]["error"]["fields"] == {"listing": ["No such listing."]}
    assert results[4]["error"]["code"] == "duplicate_complaint"
    assert results[4]["error"]["complaint"] == results[1]["id"]
    assert results[5]["error"]["code"] == "validation_error"
    assert Complaint.objects.count() == 2


def test_bulk_csv_upload_by_external_id(api, alice, adidas, trademark, make_listing):
    listings = [make_listing() for _ in range(3)]
    lines = ["listing_external_id,brand,kind,description"]
    lines += [
        f"{x.external_id},{adidas.pk},counterfeit,Fake shoes {i}" for i, x in enumerate(listings)
    ]
    lines.append(f"NO-SUCH,{adidas.pk},counterfeit,missing")
    upload = SimpleUploadedFile("complaints.csv", "\n".join(lines).encode(), "text/csv")

    response = api(alice).post(BULK, {"file": upload}, format="multipart")

    assert response.status_code == 200, response.content
    results = response.json()
    assert [r.get("listing") for r in results[:3]] == [x.pk for x in listings]
    assert results[3]["error"]["fields"] == {"listing": ["No such listing."]}


def test_bulk_csv_as_the_body(api, alice, adidas, trademark, make_listing):
    x = make_listing()
    body = f"listing,brand,kind,description\n{x.pk},{adidas.pk},image_theft,Our photos\n"

    response = api(alice).generic("POST", BULK, body, content_type="text/csv")

    assert response.status_code == 200, response.content
    assert response.json()[0]["kind"] == "image_theft"


def test_bulk_over_300_rows_is_refused_whole(api, alice, adidas, trademark, listing):
    rows = [{"listing": listing.pk, "brand": adidas.pk, "kind": "other", "description": "x"}] * 301

    response = api(alice).post(BULK, rows, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "too_many_items"
    assert not Complaint.objects.exists()


def test_bulk_of_300_is_filed(api, alice, adidas, trademark, make_listing):
    rows = [
        {
            "listing": make_listing().pk,
            "brand": adidas.pk,
            "kind": "counterfeit",
            "description": "x",
        }
        for _ in range(300)
    ]

    response = api(alice).post(BULK, rows, format="json")

    assert response.status_code == 200
    assert Complaint.objects.filter(status=ComplaintStatus.SUBMITTED).count() == 300


def test_bulk_honours_the_idempotency_key(api, alice, adidas, trademark, make_listing):
    rows = [{"listing": make_listing().pk, "brand": adidas.pk, "kind": "other", "description": "x"}]
    client = api(alice)

    first = client.post(BULK, rows, format="json", HTTP_IDEMPOTENCY_KEY="bulk-1")
    again = client.post(BULK, rows, format="json", HTTP_IDEMPOTENCY_KEY="bulk-1")

    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Complaint.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_filings_on_one_listing_create_one_complaint(
    alice, adidas, trademark, listing
):
    import threading

    from django.db import connection

    from complaints import services

    barrier = threading.Barrier(2)
    outcomes = []

    def file():
        try:
            barrier.wait()
            services.complaint_file(
                user=alice, brand=adidas, listing=listing, kind="counterfeit", description="Fake."
            )
            outcomes.append("filed")
        except Exception as exc:  # the loser's refusal is the point
            outcomes.append(getattr(exc, "code", repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=file) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert sorted(outcomes) == ["duplicate_complaint", "filed"]
    assert Complaint.objects.count() == 1
