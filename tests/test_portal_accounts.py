"""Brand staff in the portal: sign up, register, upload credentials, see the
reviewer's decision and the integrity score."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from platform_core.models import User
from rightsholders import services
from rightsholders.models import Organisation, Trademark
from tests.images import pdf_bytes

pytestmark = pytest.mark.django_db


def test_sign_up_register_upload_and_see_the_decision(client, rita):
    response = client.post(
        "/signup/",
        {
            "username": "nadia",
            "email": "nadia@brand.example",
            "password1": "a sturdy passphrase 42",
            "password2": "a sturdy passphrase 42",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="nadia").role == "brand"

    response = client.post(
        "/organisations/new/", {"name": "Nordpeak Outdoor", "country": "se", "kind": "rights_owner"}
    )
    org = Organisation.objects.get(name="Nordpeak Outdoor")
    assert response["Location"] == f"/organisations/{org.pk}/"

    client.post(
        f"/organisations/{org.pk}/",
        {"action": "brand", "br-name": "Nordpeak", "br-aliases": "诺德峰\nNordpeek"},
    )
    brand = org.brands.get()
    assert brand.aliases == ["诺德峰", "Nordpeek"]

    response = client.post(
        f"/organisations/{org.pk}/",
        {
            "action": "trademark",
            "tm-brand": brand.pk,
            "tm-registration_number": "SE-55501",
            "tm-jurisdiction": "eu",
            "tm-nice_classes": "18, 25",
            "tm-expires_on": "2032-01-31",
            "tm-certificate": SimpleUploadedFile("cert.pdf", pdf_bytes(), "application/pdf"),
        },
    )
    assert response.status_code == 302
    tm = Trademark.objects.get()
    assert (tm.jurisdiction, tm.nice_classes, tm.status) == ("EU", [18, 25], "pending")

    page = client.get(f"/organisations/{org.pk}/").content.decode()
    assert "Pending verification" in page and "SE-55501" in page
    assert "Filing complaints is not available" in page

    services.organisation_decide(
        reviewer=rita, organisation=org, decision="rejected", reason="Certificate is illegible."
    )
    page = client.get(f"/organisations/{org.pk}/").content.decode()
    assert "Rejected" in page and "Certificate is illegible." in page
    assert ">100<" in page  # integrity score shown


def test_a_bad_certificate_is_shown_as_a_form_error(client, alice, alice_org, adidas):
    client.force_login(alice)
    response = client.post(
        f"/organisations/{alice_org.pk}/",
        {
            "action": "trademark",
            "tm-brand": adidas.pk,
            "tm-registration_number": "1",
            "tm-jurisdiction": "CN",
            "tm-nice_classes": "25",
            "tm-expires_on": "2032-01-31",
            "tm-certificate": SimpleUploadedFile(
                "cert.pdf", b"not a pdf at all", "application/pdf"
            ),
        },
    )
    assert response.status_code == 200
    assert "must be a PDF, JPEG, PNG or WebP" in response.content.decode() or (
        "JPEG, PNG or WebP" in response.content.decode()
    )
    assert not Trademark.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, alice_org):
    response = client.get(f"/organisations/{alice_org.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_authorised_shops_are_declared_in_the_portal(client, alice, adidas):
    client.force_login(alice)
    client.post(f"/brands/{adidas.pk}/", {"action": "shop", "shop-shop_external_id": "S-OFFICIAL"})
    assert list(adidas.authorised_shops.values_list("shop_external_id", flat=True)) == [
        "S-OFFICIAL"
    ]
