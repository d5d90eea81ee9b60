"""Complaint fixtures: a verified trademark for Adidas, sam's shop and
listings, and helpers to file and decide through the services."""

from __future__ import annotations

import datetime
import os

import pytest
from django.core.files.base import ContentFile

from complaints import services
from detection.models import Suspect
from marketplace.models import ListingStatus, Seller
from rightsholders.models import CredentialStatus, Trademark
from tests.factories import ListingFactory, ShopFactory
from tests.images import pdf_bytes

# The session's Celery worker inherits this environment: a short retry
# backoff keeps the webhook retry test to seconds (production: 30 s, doubling).
os.environ.setdefault("WEBHOOK_BACKOFF_SECONDS", "0.5")

NEXT_YEAR = datetime.date.today() + datetime.timedelta(days=365)


def make_trademark(brand, *, number="G1234567", classes=(25, 18), expires=NEXT_YEAR, verified=True):
    tm = Trademark(
        organisation=brand.organisation,
        brand=brand,
        registration_number=number,
        jurisdiction="CN",
        nice_classes=list(classes),
        expires_on=expires,
        status=CredentialStatus.VERIFIED if verified else CredentialStatus.PENDING,
    )
    tm.certificate.save(f"{number}.pdf", ContentFile(pdf_bytes()))
    return tm


@pytest.fixture
def trademark(adidas):
    return make_trademark(adidas)


@pytest.fixture
def sams_seller(sam):
    return Seller.objects.create(external_id="U-SAM", user=sam)


@pytest.fixture
def sams_shop(sams_seller):
    return ShopFactory(seller=sams_seller, external_id="S-SAM", name="Sam's Kicks")


@pytest.fixture
def listing(sams_shop):
    return ListingFactory(
        shop=sams_shop,
        external_id="L-FAKE-1",
        title="Adidas Superstar 1:1 AAA replica",
        price="99.00",
        category="shoes",
        status=ListingStatus.ACTIVE,
    )


@pytest.fixture
def make_listing(sams_shop):
    counter = iter(range(1000))

    def make(shop=None, **kwargs):
        n = next(counter)
        return ListingFactory(
            shop=shop or sams_shop,
            external_id=f"L-{n}-{os.urandom(3).hex()}",
            title=f"Adidas replica {n}",
            status=ListingStatus.ACTIVE,
            **kwargs,
        )

    return make


@pytest.fixture
def suspect(listing, adidas):
    return Suspect.objects.create(
        listing=listing,
        brand=adidas,
        score=0.91,
        signals=[
            {"code": "brand_keyword", "weight": 0.5, "detail": "'Adidas' in the title"},
            {"code": "haze_term", "weight": 0.4, "detail": "'1:1' beside 'Adidas'"},
        ],
    )


@pytest.fixture
def file_complaint(alice, adidas, trademark):
    """``file_complaint(listing, **overrides)`` files as alice for Adidas."""

    def file(listing, *, user=None, brand=None, **kwargs):
        kwargs.setdefault("kind", "counterfeit")
        kwargs.setdefault("description", "Counterfeit Superstar: wrong stitching, fake box.")
        return services.complaint_file(
            user=user or alice, brand=brand or adidas, listing=listing, **kwargs
        )

    return file


@pytest.fixture
def decide(rita):
    def run(complaint, outcome="upheld", reason="The listing copies the mark.", **kwargs):
        return services.complaint_decide(
            reviewer=rita, complaint=complaint, outcome=outcome, reason=reason, **kwargs
        )

    return run
