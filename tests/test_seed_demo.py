"""``manage.py seed_demo``: demo data through the services, idempotent, with
one working login per role printed at the end."""

import io
import re
import time

import pytest
from django.core.management import call_command
from django.urls import reverse

from marketplace.models import Listing, ListingImage, Seller, Shop
from platform_core.models import AuditEvent, User
from rightsholders.models import (
    Authorisation,
    AuthorisedShop,
    Brand,
    FakeCharacteristic,
    IntegrityEvent,
    Membership,
    Organisation,
    ProductModel,
    ReferenceImage,
    Trademark,
)

pytestmark = pytest.mark.django_db

COUNTED = (
    User,
    Organisation,
    Membership,
    IntegrityEvent,
    Brand,
    Trademark,
    Authorisation,
    ProductModel,
    ReferenceImage,
    FakeCharacteristic,
    AuthorisedShop,
    Seller,
    Shop,
    Listing,
    ListingImage,
    AuditEvent,
)
LOGIN_LINE = re.compile(
    r"^(?P<role>\w+)\s+(?P<username>\S+)\s+/\s+(?P<password>\S+)\s+(?P<what>.+)$"
)


def seed() -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_demo", stdout=out, stderr=err)
    return out.getvalue()


def logins(output: str) -> list[dict]:
    return [m.groupdict() for line in output.splitlines() if (m := LOGIN_LINE.match(line))]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture
def seeded():
    started = time.monotonic()
    output = seed()
    return output, time.monotonic() - started


def test_running_it_twice_changes_nothing(seeded):
    first_output, _ = seeded
    before = counts()
    statuses = dict(Organisation.objects.values_list("name", "status"))

    second_output = seed()

    assert counts() == before
    assert dict(Organisation.objects.values_list("name", "status")) == statuses
    assert second_output == first_output


def test_one_login_per_role_works_with_the_printed_password(seeded, client):
    accounts = logins(seeded[0])

    assert {a["role"] for a in accounts} == {"brand", "reviewer", "marketplace", "judge", "seller"}
    assert all(a["what"].strip() for a in accounts)
    for account in accounts:
        user = User.objects.get(username=account["username"])
        assert user.role == account["role"]
        assert client.login(username=account["username"], password=account["password"])
        client.logout()


def test_passwords_are_reset_on_each_run(seeded, client):
    account = next(a for a in logins(seeded[0]) if a["role"] == "brand")
    user = User.objects.get(username=account["username"])
    user.set_password("changed-by-someone")
    user.save()

    seed()

    assert client.login(username=account["username"], password=account["password"])


def test_the_personas_fit_their_roles(seeded, client):
    accounts = logins(seeded[0])
    brand_users = [
        User.objects.get(username=a["username"]) for a in accounts if a["role"] == "brand"
    ]
    first_org = Membership.objects.get(user=brand_users[0], is_admin=True).organisation
    second_org = Membership.objects.get(user=brand_users[1]).organisation
    assert first_org.status == "verified" and second_org != first_org

    reviewer = User.objects.get(
        username=next(a for a in accounts if a["role"] == "reviewer")["username"]
    )
    assert reviewer.is_staff and not reviewer.is_superuser
    client.force_login(reviewer)
    queue = client.get(reverse("admin:rightsholders_organisation_changelist"))
    assert queue.status_code == 200
    assert queue.context["cl"].result_list[0].status == "pending"

    seller_user = User.objects.get(
        username=next(a for a in accounts if a["role"] == "seller")["username"]
    )
    assert Listing.objects.filter(shop__seller__user=seller_user).count() >= 10


def test_the_demo_world_has_the_promised_mix(seeded):
    _, took = seeded
    assert took < 30
    statuses = set(Organisation.objects.values_list("status", flat=True))
    assert {"pending", "verified"} <= statuses
    agent = Organisation.objects.get(kind="agent")
    assert agent.authorisations.exists()
    assert agent.authorisations.get().letter.name.startswith("private/")

    assert 4 <= Brand.objects.count() <= 5
    for brand in Brand.objects.all():
        assert any(re.search(r"[\u4e00-\u9fff]", alias) for alias in brand.aliases), brand
        assert brand.reference_images.filter(kind="logo").count() == 1
        assert 2 <= brand.reference_images.filter(kind="product").count() <= 3
        assert brand.product_models.exists() and brand.authorised_shops.exists()
        assert brand.fake_characteristics.filter(kind="price_floor").exists()
        assert brand.fake_characteristics.filter(kind="keyword").exists()
        for ref in brand.reference_images.all():
            assert max(ref.width, ref.height) <= 400
    for trademark in Trademark.objects.all():
        with trademark.certificate.open("rb") as fh:
            assert fh.read(5) == b"%PDF-"
    assert Trademark.objects.filter(status="verified").exists()
    assert Trademark.objects.filter(status="pending").exists()

    assert 25 <= Shop.objects.count() <= 35
    assert 250 <= Listing.objects.count() <= 350
    titles = list(Listing.objects.values_list("title", flat=True))
    for marker in ("同款", "replica", "1:1", "AAA", "dupe of", "Nordpeek", "N0rdpeak"):
        assert any(marker in t for t in titles), marker
    assert ListingImage.objects.count() >= 150
    # Intake happens in workers; the command itself needs none.
    assert set(Listing.objects.values_list("status", flat=True)) == {"pending"}
    verified = AuditEvent.objects.filter(action="organisation.verified")
    assert verified.count() == Organisation.objects.filter(status="verified").count()
    assert all(event.actor.role == "reviewer" and event.reason for event in verified)
