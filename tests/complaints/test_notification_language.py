"""Notifications read in the reader's language: the portal, the API and the
e-mail copy render the stored sentence in English or Simplified Chinese, while
webhook payloads keep the machine codes and English the contract fixes."""

import pytest
from django.core import mail
from django.utils import translation

from notifications import services as notification_services
from notifications.models import Notification, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_alice_reads_a_decision_in_chinese_with_zh_hans_and_in_english_otherwise(
    client, alice, listing, file_complaint, decide
):
    complaint = file_complaint(listing)
    decide(complaint, outcome="upheld", reason="The stitching and box are fake.")
    client.force_login(alice)

    zh = client.get("/notifications/", **ZH).content.decode()
    assert f"针对商品链接 L-FAKE-1 的投诉 #{complaint.pk}：投诉成立" in zh
    assert "适用规则" in zh and "平台规则 3.1（假冒商品）" in zh
    assert "商品链接 L-FAKE-1 已下架。" in zh  # the remedy, sentence by sentence
    # What the reviewer wrote is shown as written.
    assert "The stitching and box are fake." in zh
    assert "Rule applied" not in zh

    en = client.get("/notifications/", **EN).content.decode()
    assert f"Complaint #{complaint.pk} on listing L-FAKE-1: upheld" in en
    assert "Rule applied" in en and "Platform rule 3.1 (counterfeit goods)" in en
    assert "投诉成立" not in en


def test_the_stored_row_stays_as_written_whatever_the_reader_speaks(
    client, alice, listing, file_complaint, decide
):
    complaint = file_complaint(listing)
    with translation.override("en"):
        decide(complaint, outcome="rejected", reason="Genuine goods.")
    client.force_login(alice)
    client.get("/notifications/", **ZH)

    note = Notification.objects.get(user=alice, kind="complaint.rejected")
    assert note.title == f"Complaint #{complaint.pk} on listing L-FAKE-1: rejected"


def test_a_decision_taken_in_chinese_reads_in_english_for_an_english_reader(
    client, alice, listing, file_complaint, decide
):
    # The reviewer works in Chinese: labels go into the stored text in Chinese.
    complaint = file_complaint(listing)
    with translation.override("zh-hans"):
        decide(complaint, outcome="upheld", reason="Fake.")
    client.force_login(alice)

    en = client.get("/notifications/", **EN).content.decode()
    assert f"Complaint #{complaint.pk} on listing L-FAKE-1: upheld" in en


def test_the_api_answers_in_the_requested_language_and_keeps_the_kind(
    api, alice, listing, file_complaint, decide
):
    complaint = file_complaint(listing)
    decide(complaint, outcome="upheld", reason="Fake.")
    client = api(alice)

    zh = client.get("/api/v1/notifications/", **ZH).json()["results"][0]
    assert zh["kind"] == "complaint.upheld"
    assert zh["title"] == f"针对商品链接 L-FAKE-1 的投诉 #{complaint.pk}：投诉成立"
    en = client.get("/api/v1/notifications/", **EN).json()["results"][0]
    assert en["title"] == f"Complaint #{complaint.pk} on listing L-FAKE-1: upheld"


def test_the_complainant_reads_a_withdrawal_in_chinese(client, alice, listing, file_complaint):
    from complaints import services

    complaint = file_complaint(listing)
    services.complaint_withdraw(user=complaint.filed_by, complaint=complaint)
    client.force_login(alice)

    zh = client.get("/notifications/", **ZH).content.decode()
    assert f"投诉 #{complaint.pk} 已撤回" in zh
    assert f"针对商品链接 L-FAKE-1 的投诉 #{complaint.pk} 已撤回" in zh
    assert "投诉方已撤回。" in zh


def test_mail_goes_out_in_the_language_it_was_written_in(alice, listing, file_complaint, decide):
    complaint = file_complaint(listing)
    decide(complaint, outcome="upheld", reason="Fake.")
    ids = list(Notification.objects.filter(user=alice).values_list("pk", flat=True))

    assert (
        notification_services.notification_emails_send(notification_ids=ids, language="zh-hans")
        == 1
    )
    message = mail.outbox[0]
    assert message.subject == f"[CoGuard] 针对商品链接 L-FAKE-1 的投诉 #{complaint.pk}：投诉成立"
    assert "适用规则" in message.body
    # A language the platform does not speak falls back to English.
    Notification.objects.filter(pk__in=ids).update(emailed_at=None)
    notification_services.notification_emails_send(notification_ids=ids, language="xx")
    assert (
        mail.outbox[1].subject == f"[CoGuard] Complaint #{complaint.pk} on listing L-FAKE-1: upheld"
    )


def test_mail_follows_the_language_the_recipient_chose(
    client, alice, listing, file_complaint, decide
):
    client.force_login(alice)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    complaint = file_complaint(listing)
    with translation.override("en"):  # the reviewer works in English
        decide(complaint, outcome="upheld", reason="Fake.")
    ids = list(Notification.objects.filter(user=alice).values_list("pk", flat=True))

    notification_services.notification_emails_send(notification_ids=ids, language="en")
    assert mail.outbox[0].subject == (
        f"[CoGuard] 针对商品链接 L-FAKE-1 的投诉 #{complaint.pk}：投诉成立"
    )


def test_webhook_payloads_stay_machine_codes_and_english(
    alice, alice_org, listing, file_complaint, decide
):
    WebhookEndpoint.objects.create(
        owner=alice, organisation=alice_org, url="https://brand.example.com/hooks"
    )
    complaint = file_complaint(listing)
    with translation.override("zh-hans"):
        decide(complaint, outcome="upheld", reason="Fake.")

    payload = WebhookDelivery.objects.get(event="complaint.decided").payload
    assert payload["event"] == "complaint.decided"
    assert payload["data"]["decision"]["outcome"] == "upheld"
    assert payload["data"]["decision"]["rule"].startswith("Platform rule 3.1")
