import threading

import pytest

from rightsholders.models import Brand, Organisation
from tests.images import pdf_bytes

pytestmark = pytest.mark.django_db


def test_same_key_same_body_creates_once_and_replays(api, alice):
    client = api(alice)
    body = {"name": "Adidas AG", "country": "DE"}
    first = client.post("/api/v1/organisations/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    again = client.post(
        "/api/v1/organisations/",
        {"country": "DE", "name": "Adidas AG"},  # same JSON, other key order
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Organisation.objects.count() == 1


def test_same_key_different_body_is_409(api, alice):
    client = api(alice)
    client.post(
        "/api/v1/organisations/",
        {"name": "A", "country": "DE"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k2",
    )
    response = client.post(
        "/api/v1/organisations/",
        {"name": "B", "country": "DE"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k2",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Organisation.objects.count() == 1


def test_keys_are_scoped_to_the_user_and_the_path(api, alice, bob, alice_org):
    body = {"name": "Same", "country": "DE"}
    api(alice).post("/api/v1/organisations/", body, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    response = api(bob).post(
        "/api/v1/organisations/", body, format="json", HTTP_IDEMPOTENCY_KEY="shared"
    )
    assert response.status_code == 201
    brand = api(alice).post(
        "/api/v1/brands/",
        {"organisation": alice_org.pk, "name": "Same"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="shared",
    )
    assert brand.status_code == 201


def test_multipart_replay_compares_file_contents(api, alice, alice_org):
    from rightsholders.services import brand_create

    brand = brand_create(user=alice, organisation=alice_org, name="Adidas")
    client = api(alice)
    url = f"/api/v1/organisations/{alice_org.pk}/trademarks/"

    def upload(content):
        from django.core.files.uploadedfile import SimpleUploadedFile

        return client.post(
            url,
            {
                "brand": brand.pk,
                "registration_number": "G1234567",
                "jurisdiction": "CN",
                "nice_classes": "18,25",
                "expires_on": "2031-05-31",
                "certificate": SimpleUploadedFile("cert.pdf", content, "application/pdf"),
            },
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="tm-1",
        )

    first, replay = upload(pdf_bytes()), upload(pdf_bytes())
    assert first.status_code == replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert upload(pdf_bytes() + b"% changed").status_code == 409
    assert brand.trademarks.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_one_object(api, alice, alice_org):
    """A double click: two requests with the same key at once create one brand."""
    client_a, client_b = api(alice), api(alice)
    responses = []

    def post(client):
        from django.db import connection

        try:
            responses.append(
                client.post(
                    "/api/v1/brands/",
                    {"organisation": alice_org.pk, "name": "Double Click"},
                    format="json",
                    HTTP_IDEMPOTENCY_KEY="dbl",
                ).status_code
            )
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=post, args=(c,)) for c in (client_a, client_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert Brand.objects.filter(name="Double Click").count() == 1
    assert sorted(responses) in ([201, 201], [201, 409])
