"""The learned score: trained from brands' judgments, versioned with its
cross-validated quality, applied in batches."""

import pytest

from detection import learning, pipeline
from detection.models import ModelVersion, Suspect
from tests.factories import ListingFactory

pytestmark = pytest.mark.django_db

FAKE_TITLES = ["Adidas {n} replica sneaker 1:1 AAA", "Adidas {n} mirror copy trainers cheap"]
REAL_TITLES = ["Adidas {n} official store sneaker", "Adidas {n} genuine trainers with receipt"]


def judged(brand, title, status, signals):
    return Suspect.objects.create(
        listing=ListingFactory(title=title), brand=brand, score=0.6, signals=signals, status=status
    )


def label(brand, n_each):
    haze = [
        {"code": "haze_term", "weight": 0.6, "detail": ""},
        {"code": "brand_keyword", "weight": 0.35, "detail": ""},
    ]
    keyword = [{"code": "brand_keyword", "weight": 0.35, "detail": ""}]
    for n in range(n_each):
        judged(brand, FAKE_TITLES[n % 2].format(n=n), "confirmed", haze)
        judged(brand, REAL_TITLES[n % 2].format(n=n), "dismissed", keyword)


def test_no_model_until_enough_judgments(adidas):
    label(adidas, 5)
    assert learning.train(min_per_class=10) is None
    assert not ModelVersion.objects.exists()


def test_a_trained_version_records_its_quality(adidas):
    label(adidas, 30)
    version = learning.train(min_per_class=10)
    assert version.labels == 60 and version.positives == 30
    assert version.precision > 0.9 and version.recall > 0.9
    again = learning.train(min_per_class=10)
    version.refresh_from_db()
    assert again.active and not version.active


def test_the_model_adds_its_score_to_similar_listings(adidas, alice):
    label(adidas, 30)
    learning.train(min_per_class=10)
    fake = ListingFactory(title="Adidas 99 replica sneaker 1:1 AAA")
    real = ListingFactory(title="Adidas 98 official store sneaker")
    out = pipeline.scan_batch([fake, real])
    fake_codes = [s["code"] for s in out[fake.pk].signals]
    assert "model_score" in fake_codes
    assert "model_score" not in [s["code"] for s in out[real.pk].signals]


def test_reviewers_see_versions_and_ask_for_a_retrain(api, rita, alice, adidas):
    label(adidas, 12)
    learning.train(min_per_class=10)
    listed = api(rita).get("/api/v1/models/").json()["results"]
    assert listed[0]["labels"] == 24 and 0 <= listed[0]["precision"] <= 1
    assert api(rita).post("/api/v1/models/").status_code == 202
    assert api(alice).get("/api/v1/models/").status_code == 403
