"""A rule's refusal reads in the reader's language, in the portal and in the
API; the API's error code stays the same machine code."""

import pytest

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_the_portal_shows_a_refused_withdrawal_in_chinese(
    client, alice, listing, file_complaint, decide
):
    complaint = file_complaint(listing)
    decide(complaint, outcome="upheld", reason="Fake.")
    client.force_login(alice)
    url = f"/complaints/{complaint.pk}/withdraw/"

    zh = client.post(url, follow=True, **ZH).content.decode()
    assert "的投诉不能撤回。" in zh
    assert "cannot be withdrawn" not in zh

    en = client.post(url, follow=True, **EN).content.decode()
    assert "cannot be withdrawn." in en


def test_the_api_error_message_follows_the_language_and_the_code_does_not(
    api, alice, listing, file_complaint, decide
):
    complaint = file_complaint(listing)
    decide(complaint, outcome="upheld", reason="Fake.")
    url = f"/api/v1/complaints/{complaint.pk}/withdraw/"

    zh = api(alice).post(url, {}, format="json", **ZH)
    assert zh.status_code == 409
    assert zh.json()["error"]["code"] == "invalid_transition"
    assert "的投诉不能撤回。" in zh.json()["error"]["message"]

    en = api(alice).post(url, {}, format="json", **EN)
    assert en.json()["error"]["code"] == "invalid_transition"
    assert en.json()["error"]["message"].endswith("cannot be withdrawn.")
