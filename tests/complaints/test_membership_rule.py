"""Only an organisation's own staff change its credentials, brands and
protected assets: the rule lives in the rightsholders services, so the API,
the portal and anything else calling them share it (complaints rely on the
same membership for filing)."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from platform_core.errors import Forbidden
from rightsholders import services
from rightsholders.models import Brand, FakeCharacteristic, ProductModel, Trademark
from tests.images import jpeg_bytes, pdf_bytes

pytestmark = pytest.mark.django_db

NEXT_YEAR = datetime.date.today() + datetime.timedelta(days=365)


def certificate():
    return SimpleUploadedFile("cert.pdf", pdf_bytes(), content_type="application/pdf")


@pytest.mark.parametrize("who", ["bob", "rita", "sam"])
def test_only_members_change_an_organisations_credentials_and_assets(
    request, who, alice_org, adidas
):
    outsider = request.getfixturevalue(who)
    attempts = [
        lambda: services.trademark_add(
            user=outsider,
            organisation=alice_org,
            brand=adidas,
            registration_number="G-999",
            jurisdiction="CN",
            nice_classes=[25],
            expires_on=NEXT_YEAR,
            certificate=certificate(),
        ),
        lambda: services.authorisation_add(
            user=outsider,
            organisation=alice_org,
            brand=adidas,
            principal_name="Adidas AG",
            letter=certificate(),
            valid_until=NEXT_YEAR,
        ),
        lambda: services.brand_create(user=outsider, organisation=alice_org, name="Reebok"),
        lambda: services.brand_update(user=outsider, brand=adidas, aliases=["Adi"]),
        lambda: services.authorised_shop_add(user=outsider, brand=adidas, shop_external_id="S-X"),
        lambda: services.product_model_add(
            user=outsider,
            brand=adidas,
            name="Superstar",
            model_number="EG4958",
            msrp=Decimal("699"),
            currency="CNY",
        ),
        lambda: services.fake_characteristic_add(
            user=outsider, brand=adidas, kind="keyword", value="AAA"
        ),
        lambda: services.reference_image_add(
            user=outsider, brand=adidas, content=jpeg_bytes(1), kind="logo"
        ),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden):
            attempt()

    adidas.refresh_from_db()
    assert adidas.aliases == ["阿迪达斯"]
    assert not Trademark.objects.filter(registration_number="G-999").exists()
    assert not Brand.objects.filter(name="Reebok").exists()
    assert not ProductModel.objects.exists() and not FakeCharacteristic.objects.exists()
    assert not adidas.authorised_shops.exists() and not adidas.reference_images.exists()


def test_a_member_changes_them(alice, alice_org, adidas):
    services.brand_update(user=alice, brand=adidas, aliases=["Adi"])
    services.authorised_shop_add(user=alice, brand=adidas, shop_external_id="S-OFFICIAL")
    adidas.refresh_from_db()
    assert adidas.aliases == ["Adi"]
    assert adidas.authorised_shops.filter(shop_external_id="S-OFFICIAL").exists()


def test_the_api_refuses_a_reviewer_with_403_and_stores_nothing(api, rita, alice_org, adidas):
    response = api(rita).post(
        f"/api/v1/organisations/{alice_org.pk}/trademarks/",
        {
            "brand": adidas.pk,
            "registration_number": "G-1000",
            "jurisdiction": "CN",
            "nice_classes": [25],
            "expires_on": NEXT_YEAR.isoformat(),
            "certificate": certificate(),
        },
        format="multipart",
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"]
    assert not Trademark.objects.filter(registration_number="G-1000").exists()


def test_the_api_answers_404_for_another_organisations_brand(api, bob, adidas):
    response = api(bob).patch(f"/api/v1/brands/{adidas.pk}/", {"aliases": ["x"]}, format="json")
    assert response.status_code == 404
