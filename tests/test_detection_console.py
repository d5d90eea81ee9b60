"""Reviewers tune detection in the console: thresholds and haze terms."""

import pytest

from detection.models import DetectionPolicy, HazeTerm
from detection.services import policy
from platform_core.audit import audit_trail

pytestmark = pytest.mark.django_db


def test_a_reviewer_adds_a_haze_term_and_it_is_audited(client, rita):
    client.force_login(rita)
    response = client.post(
        "/admin/detection/hazeterm/add/",
        {"term": "  mirror   grade ", "weight": "0.8", "active": "on"},
    )
    assert response.status_code == 302
    term = HazeTerm.objects.get(term="mirror grade")
    assert term.weight == 0.8
    assert audit_trail(term).get().actor == rita


def test_thresholds_change_and_impossible_ones_are_refused(client, rita):
    pol = policy()
    client.force_login(rita)
    url = f"/admin/detection/detectionpolicy/{pol.pk}/change/"
    ok = client.post(
        url, {"suspect_threshold": "0.4", "block_threshold": "0.95", "min_labels_for_model": "30"}
    )
    assert ok.status_code == 302
    pol.refresh_from_db()
    assert (pol.suspect_threshold, pol.block_threshold) == (0.4, 0.95)
    bad = client.post(
        url, {"suspect_threshold": "0.9", "block_threshold": "0.5", "min_labels_for_model": "30"}
    )
    assert bad.status_code == 200
    pol.refresh_from_db()
    assert pol.block_threshold == 0.95
    assert DetectionPolicy.objects.count() == 1


def test_brand_staff_cannot_reach_detection_settings(client, alice):
    client.force_login(alice)
    response = client.get("/admin/detection/hazeterm/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
