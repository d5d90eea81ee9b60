import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from marketplace.models import Seller
from platform_core.models import User

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("create_token", *args, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_creates_the_user_and_prints_a_working_token_last():
    token = run("mp-integration", "--role", "marketplace")
    user = User.objects.get(username="mp-integration")
    assert user.role == "marketplace"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/listings/").status_code == 200


def test_tokens_are_stored_hashed():
    from knox.models import AuthToken

    token = run("hashme", "--role", "reviewer")
    stored = AuthToken.objects.get(user__username="hashme")
    assert token not in (stored.digest, stored.token_key)
    assert stored.expiry is not None


def test_reviewers_get_the_console_and_existing_users_change_role():
    run("rev", "--role", "reviewer")
    assert User.objects.get(username="rev").is_staff
    run("rev", "--role", "judge")
    user = User.objects.get(username="rev")
    assert (user.role, user.is_staff) == ("judge", False)


def test_a_brand_user_who_creates_an_organisation_administers_it():
    token = run("brandy", "--role", "brand")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    org = client.post("/api/v1/organisations/", {"name": "X", "country": "FR"}, format="json")
    assert org.status_code == 201
    assert User.objects.get(username="brandy").memberships.get().is_admin


def test_seller_users_are_linked_to_the_marketplace_seller():
    run("sam", "--role", "seller", "--seller", "U-9")
    assert Seller.objects.get(external_id="U-9").user.username == "sam"
    with pytest.raises(CommandError):
        run("other", "--role", "seller", "--seller", "U-9")
    with pytest.raises(CommandError):
        run("x", "--role", "brand", "--seller", "U-1")
