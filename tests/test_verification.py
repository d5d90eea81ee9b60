"""Verified accounts: sign-up, credentials, the reviewer's decisions, the audit trail."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from platform_core.audit import audit_trail
from rightsholders.models import Organisation, Trademark
from tests.images import jpeg_bytes, pdf_bytes

pytestmark = pytest.mark.django_db


def certificate(content=None, name="certificate.pdf"):
    return SimpleUploadedFile(name, content or pdf_bytes(), "application/pdf")


def register(client, name="Adidas AG"):
    response = client.post("/api/v1/organisations/", {"name": name, "country": "de"}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def add_trademark(client, org_id, brand_id, **overrides):
    data = {
        "brand": brand_id,
        "registration_number": "G1234567",
        "jurisdiction": "CN",
        "nice_classes": "18,25",
        "expires_on": "2031-05-31",
        "certificate": certificate(),
        **overrides,
    }
    return client.post(f"/api/v1/organisations/{org_id}/trademarks/", data, format="multipart")


def test_a_brand_registers_and_is_verified_with_its_trademarks(api, alice, rita):
    brand_client, reviewer = api(alice), api(rita)
    org = register(brand_client)
    assert org["status"] == "pending" and org["country"] == "DE"
    assert org["integrity_score"] == 100
    brand = brand_client.post(
        "/api/v1/brands/",
        {"organisation": org["id"], "name": "Adidas", "aliases": ["阿迪达斯", "adidas originals"]},
        format="json",
    ).json()
    tm = add_trademark(brand_client, org["id"], brand["id"])
    assert tm.status_code == 201, tm.content
    assert tm.json()["nice_classes"] == [18, 25] and tm.json()["status"] == "pending"

    decided = reviewer.post(
        f"/api/v1/organisations/{org['id']}/verification/",
        {"decision": "verified", "reason": "Certificates match the CNIPA register."},
        format="json",
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "verified"
    assert Trademark.objects.get(pk=tm.json()["id"]).status == "verified"
    seen = brand_client.get(f"/api/v1/organisations/{org['id']}/").json()
    assert seen["status"] == "verified"
    assert seen["status_reason"] == "Certificates match the CNIPA register."

    trail = audit_trail(Organisation.objects.get(pk=org["id"]))
    verified = trail.get(action="organisation.verified")
    assert verified.actor == rita and verified.reason.startswith("Certificates")


def test_a_trademark_added_after_verification_waits_for_its_own(
    api, alice, rita, alice_org, adidas
):
    response = add_trademark(api(alice), alice_org.pk, adidas.pk, registration_number="EU-99")
    assert response.json()["status"] == "pending"
    decision = api(rita).post(
        f"/api/v1/trademarks/{response.json()['id']}/verification/",
        {"decision": "rejected", "reason": "The certificate belongs to another holder."},
        format="json",
    )
    assert decision.status_code == 200
    shown = api(alice).get(f"/api/v1/trademarks/{response.json()['id']}/").json()
    assert shown["status"] == "rejected"
    assert shown["status_reason"] == "The certificate belongs to another holder."


def test_rejection_needs_a_reason_and_is_shown_to_the_brand(api, alice, rita):
    org = register(api(alice))
    url = f"/api/v1/organisations/{org['id']}/verification/"
    missing = api(rita).post(url, {"decision": "rejected"}, format="json")
    assert missing.status_code == 400 and "reason" in missing.json()["error"]["fields"]
    api(rita).post(url, {"decision": "rejected", "reason": "No registration found."}, format="json")
    seen = api(alice).get(f"/api/v1/organisations/{org['id']}/").json()
    assert (seen["status"], seen["status_reason"]) == ("rejected", "No registration found.")


def test_suspension_for_forged_credentials_costs_integrity(api, alice, rita, alice_org):
    response = api(rita).post(
        f"/api/v1/organisations/{alice_org.pk}/verification/",
        {"decision": "suspended", "reason": "Forged certificate G1234567."},
        format="json",
    )
    assert response.json()["status"] == "suspended"
    assert response.json()["integrity_score"] == 50
    ledger = api(alice).get(f"/api/v1/organisations/{alice_org.pk}/integrity/").json()["results"]
    assert [e["kind"] for e in ledger] == ["credentials", "baseline"]
    assert "Forged certificate" in ledger[0]["reason"]


def test_only_reviewers_decide(api, alice, alice_org):
    response = api(alice).post(
        f"/api/v1/organisations/{alice_org.pk}/verification/",
        {"decision": "verified", "reason": ""},
        format="json",
    )
    assert response.status_code == 403


def test_an_impossible_transition_is_a_409(api, rita, alice_org):
    url = f"/api/v1/organisations/{alice_org.pk}/verification/"
    api(rita).post(url, {"decision": "suspended", "reason": "forged"}, format="json")
    response = api(rita).post(url, {"decision": "rejected", "reason": "x"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"nice_classes": "18,99"}, "nice_classes"),
        ({"nice_classes": "bags"}, "nice_classes"),
        ({"expires_on": "2020-01-01"}, "expires_on"),
        ({"expires_on": "31/05/2031"}, "expires_on"),
        (
            {"certificate": SimpleUploadedFile("c.pdf", b"just some text", "application/pdf")},
            "certificate",
        ),
        (
            {"certificate": SimpleUploadedFile("c.jpg", b"hello, I am text", "image/jpeg")},
            "certificate",
        ),
    ],
)
def test_bad_trademarks_are_refused_with_the_field_named(
    api, alice, alice_org, adidas, overrides, field
):
    response = add_trademark(api(alice), alice_org.pk, adidas.pk, **overrides)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not Trademark.objects.exists()


def test_a_scanned_certificate_image_is_accepted(api, alice, alice_org, adidas):
    scan = SimpleUploadedFile("scan.bin", jpeg_bytes(3), "application/octet-stream")
    response = add_trademark(api(alice), alice_org.pk, adidas.pk, certificate=scan)
    assert response.status_code == 201


def test_another_organisations_brand_cannot_back_a_trademark(api, alice, alice_org, rival_brand):
    response = add_trademark(api(alice), alice_org.pk, rival_brand.pk)
    assert response.status_code == 400
    assert "brand" in response.json()["error"]["fields"]


def test_agents_upload_authorisation_letters(api, alice, rita, alice_org, adidas):
    response = api(alice).post(
        f"/api/v1/organisations/{alice_org.pk}/authorisations/",
        {
            "principal_name": "adidas AG, Herzogenaurach",
            "brand": adidas.pk,
            "letter": certificate(name="letter.pdf"),
            "valid_until": (datetime.date.today() + datetime.timedelta(days=365)).isoformat(),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    alice_org.refresh_from_db()
    assert alice_org.kind == "agent"
    listed = api(alice).get(f"/api/v1/organisations/{alice_org.pk}/authorisations/").json()
    assert [a["principal_name"] for a in listed["results"]] == ["adidas AG, Herzogenaurach"]
