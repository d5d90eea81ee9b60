"""The contract's conventions every integrator relies on."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str | None = None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message", "fields"} <= set(body["error"])
    assert body["error"]["message"]
    if code:
        assert body["error"]["code"] == code
    return body["error"]


def test_missing_token_answers_401_with_error_body():
    assert_error(APIClient().get("/api/v1/brands/"), 401, "not_authenticated")


def test_bad_token_answers_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(client.get("/api/v1/brands/"), 401, "authentication_failed")


def test_malformed_json_is_a_400_not_a_500(api, mo):
    response = api(mo).post(
        "/api/v1/listings/", data='{"external_id": "L-1",', content_type="application/json"
    )
    assert_error(response, 400, "malformed_request")


def test_wrong_type_names_the_field(api, alice):
    error = assert_error(
        api(alice).post("/api/v1/organisations/", {"name": ["x"], "country": 7}, format="json"),
        400,
        "validation_error",
    )
    assert "country" in error["fields"] and "name" in error["fields"]


def test_unknown_endpoint_is_json_404(api, alice):
    assert_error(api(alice).get("/api/v1/no-such-thing/"), 404, "not_found")


def test_unknown_id_is_404(api, alice, alice_org):
    assert_error(api(alice).get("/api/v1/organisations/999999/"), 404, "not_found")


def test_wrong_role_is_403(api, alice):
    assert_error(api(alice).post("/api/v1/listings/", {}, format="json"), 403, "permission_denied")


def test_body_over_64_mb_is_413(api, mo):
    client = api(mo)
    response = client.generic(
        "POST",
        "/api/v1/listings/",
        data=b"[" + b" " * (64 * 1024 * 1024 + 10) + b"]",
        content_type="application/json",
    )
    assert_error(response, 413, "payload_too_large")


def test_lists_are_paginated_with_next_links(api, alice, alice_org):
    from rightsholders.services import brand_create

    for n in range(5):
        brand_create(user=alice, organisation=alice_org, name=f"Line {n}")
    client = api(alice)
    first = client.get("/api/v1/brands/?page_size=2").json()
    assert set(first) == {"results", "next"}
    assert len(first["results"]) == 2
    assert first["next"].startswith("http://testserver/api/v1/brands/")
    seen = [b["id"] for b in first["results"]]
    url = first["next"]
    while url:
        page = client.get(url).json()
        seen += [b["id"] for b in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 5


def test_page_size_is_capped_at_500(api, alice, alice_org):
    from rightsholders.models import Brand

    Brand.objects.bulk_create([Brand(organisation=alice_org, name=f"Line {n}") for n in range(501)])
    page = api(alice).get("/api/v1/brands/?page_size=5000").json()
    assert len(page["results"]) == 500
    assert page["next"] is not None


def test_schema_and_docs_are_served(api, alice):
    client = api(alice)
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert b"/api/v1/listings/" in schema.content
    assert b"/api/v1/organisations/{id}/trademarks/" in schema.content
    assert client.get("/api/v1/docs/").status_code == 200


def test_healthz_reports_database_and_redis(client):
    body = client.get("/healthz").json()
    assert body == {"status": "ok", "database": "ok", "redis": "ok"}
