"""Appraisal fixtures: a pool of qualified judges, sam's shop and listing,
an Adidas complaint, and helpers to open cases and vote through the services."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.utils import timezone

from appraisal import services
from appraisal.models import JudgeProfile, JudgeStatus
from complaints import services as complaint_services
from marketplace.models import ListingStatus, Seller
from platform_core.models import Role
from tests.complaints.conftest import make_trademark
from tests.factories import ListingFactory, ShopFactory, UserFactory

_serial = itertools.count()


def qualified_judge(username: str | None = None, **profile):
    user = UserFactory(username=username or f"judge{next(_serial)}", role=Role.JUDGE)
    now = timezone.now()
    defaults = {
        "status": JudgeStatus.ACTIVE,
        "identity_verified_at": now,
        "guidelines_accepted_at": now,
        "qualified_at": now,
        **profile,
    }
    JudgeProfile.objects.update_or_create(user=user, defaults=defaults)
    return user


@pytest.fixture
def make_judges(db):
    def make(n: int, **profile):
        return [qualified_judge(**profile) for _ in range(n)]

    return make


@pytest.fixture
def pool(make_judges, judy):
    """judy and 29 more qualified judges."""
    qualified_judge(judy.username)
    return [judy, *make_judges(29)]


@pytest.fixture
def trademark(adidas):
    return make_trademark(adidas)


@pytest.fixture
def sams_shop(sam):
    seller = Seller.objects.create(external_id="U-SAM", user=sam)
    return ShopFactory(seller=seller, external_id="S-SAM", name="Adidos Outlet")


@pytest.fixture
def listing(sams_shop):
    return ListingFactory(
        shop=sams_shop,
        external_id="L-ADIDOS-1",
        title="Adidos Superstar sneakers",
        price="199.00",
        category="shoes",
        status=ListingStatus.ACTIVE,
    )


@pytest.fixture
def complaint(alice, adidas, trademark, listing):
    return complaint_services.complaint_file(
        user=alice,
        brand=adidas,
        listing=listing,
        kind="shanzhai",
        description="'Adidos' with three stripes imitates Adidas.",
    )


@pytest.fixture
def open_case(rita):
    """``open_case(jury_size=5, complaint=… | listing=… | shop=…)`` as rita."""

    def run(*, jury_size=5, question="Does 'Adidos' imitate Adidas?", **subject):
        return services.case_open(reviewer=rita, question=question, jury_size=jury_size, **subject)

    return run


def seated(case):
    """The judges sitting on ``case`` now (replaced seats excluded)."""
    return [s.judge for s in case.jurors.filter(replaced=False).select_related("judge")]


def vote_all(case, choices, reason="From the evidence."):
    """Each seated judge in turn casts the next choice; stops when choices run out."""
    for judge, choice in zip(seated(case), choices, strict=False):
        services.vote_cast(judge=judge, case=case.pk, choice=choice, reason=reason)
    case.refresh_from_db()
    return case


def after(dt, **delta):
    return dt + datetime.timedelta(**(delta or {"seconds": 1}))
