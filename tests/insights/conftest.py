"""Results fixtures: the complaints fixtures (Adidas's verified trademark,
sam's shop and listings, filing and deciding through the services), plus a
rival brand's trademark and helpers to take listings down."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from complaints.models import Complaint
from detection.models import Suspect
from marketplace import services as marketplace_services
from tests.complaints.conftest import (  # noqa: F401 - fixtures shared with complaints
    decide,
    file_complaint,
    listing,
    make_listing,
    make_trademark,
    sams_seller,
    sams_shop,
    trademark,
)


@pytest.fixture
def console(client, rita):
    client.force_login(rita)
    return client


@pytest.fixture
def suspect_of():
    """``suspect_of(target, brand, signals=("brand_keyword",))``: what detection records."""

    def make(target, brand, signals=("brand_keyword",), status="new"):
        return Suspect.objects.create(
            listing=target,
            brand=brand,
            score=0.8,
            status=status,
            signals=[{"code": code, "weight": 0.6, "detail": code} for code in signals],
        )

    return make


@pytest.fixture
def remove(rita):
    """A reviewer takes a listing down, no complaint involved."""

    def run(target):
        return marketplace_services.listing_delist(
            listing=target, actor=rita, reason="Counterfeit found by the platform's review."
        )

    return run


def filed_hours_ago(complaint, hours: float) -> None:
    """Move a complaint's filing back in time, as if filed ``hours`` ago."""
    Complaint.objects.filter(pk=complaint.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=hours)
    )
