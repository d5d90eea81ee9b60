"""The reviewer console's complaint queue and record, and the portal pages
for sellers (statement of reasons, counter-notice) and brand staff."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, ComplaintStatus, TestPurchase
from marketplace.models import ImageStatus, ListingImage, ListingStatus
from notifications.models import Notification
from tests.complaints.conftest import make_trademark
from tests.factories import SellerFactory, UserFactory
from tests.images import jpeg_bytes, pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def console(client, rita):
    client.force_login(rita)
    return client


def change_url(c):
    return reverse("admin:complaints_complaint_change", args=[c.pk])


def admin_url(name, *args):
    return reverse(f"admin:complaints_complaint_{name}", args=args)


# --- Reviewer console ------------------------------------------------------------------


def test_the_queue_puts_fast_track_first_then_the_most_urgent(
    console, bob, rival_brand, listing, make_listing, file_complaint, decide
):
    make_trademark(rival_brand, number="N1")
    relaxed = file_complaint(make_listing())
    urgent = services.complaint_file(
        user=bob, brand=rival_brand, listing=listing, kind="counterfeit", description="Fake."
    )
    fast = file_complaint(make_listing())
    done = file_complaint(make_listing())
    decide(done, outcome="rejected", reason="No.")
    Complaint.objects.filter(pk=fast.pk).update(fast_track=True)
    Complaint.objects.filter(pk=urgent.pk).update(
        due_at=timezone.now() - datetime.timedelta(hours=1)
    )

    response = console.get(reverse("admin:complaints_complaint_changelist"))

    assert response.status_code == 200
    order = [c.pk for c in response.context["cl"].result_list]
    assert order == [fast.pk, urgent.pk, relaxed.pk, done.pk]
    page = response.content.decode()
    assert "overdue" in page and "23h" in page


def test_the_record_shows_the_evidence_side_by_side(console, listing, suspect, alice, trademark):
    img = ListingImage.objects.create(listing=listing, position=0, status=ImageStatus.READY)
    img.thumbnail.save("thumb.jpg", ContentFile(jpeg_bytes(1)))
    complaint = services.complaint_file_from_suspect(user=alice, suspect=suspect)

    page = console.get(change_url(complaint)).content.decode()

    assert img.thumbnail.url in page
    assert "brand_keyword" in page and "&#x27;1:1&#x27; beside &#x27;Adidas&#x27;" in page
    assert "Identified by Adidas" in page  # the brand's description
    assert 'id="decision-form"' in page and 'id="test-purchase-order"' in page
    assert 'id="escalate"' in page


def test_deciding_from_the_console_uses_a_reason_template(console, sam, listing, file_complaint):
    complaint = file_complaint(listing)

    response = console.post(
        admin_url("decide", complaint.pk),
        {"decision": "upheld", "reason_template": "logo_copy", "reason": "Box too."},
    )

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.UPHELD
    decision = complaint.decisions.get()
    assert decision.reason.startswith("The listing shows the registered mark")
    assert decision.reason.endswith("Box too.")
    assert Notification.objects.filter(user=sam, kind="complaint.upheld").exists()


def test_a_console_decision_without_a_reason_records_nothing(console, listing, file_complaint):
    complaint = file_complaint(listing)

    console.post(admin_url("decide", complaint.pk), {"decision": "upheld"})

    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.SUBMITTED


def test_test_purchase_and_escalation_from_the_console(console, listing, file_complaint):
    complaint = file_complaint(listing)

    console.post(admin_url("test_purchase", complaint.pk), {"instructions": "One pair, size 42."})
    purchase = TestPurchase.objects.get(complaint=complaint)
    page = console.get(change_url(complaint)).content.decode()
    assert 'id="test-purchase-result"' in page and 'id="decision-form"' not in page
    console.post(
        admin_url("test_purchase_result", complaint.pk, purchase.pk),
        {
            "buyer": "Mystery shopper 7",
            "purchased_at": "2027-05-02 10:00",
            "cost": "99.00",
            "currency": "CNY",
            "result": "inconclusive",
            "appraiser": "Lab",
            "report": "Could not tell.",
        },
    )
    purchase.refresh_from_db()
    assert purchase.result == "inconclusive"

    console.post(admin_url("escalate", complaint.pk), {"reason": "Lookalike with its own mark."})

    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.IN_APPRAISAL


def test_the_console_is_for_reviewers(client, alice, listing, file_complaint):
    complaint = file_complaint(listing)
    client.force_login(alice)

    assert client.get(change_url(complaint)).status_code in (302, 403)
    client.post(admin_url("decide", complaint.pk), {"decision": "upheld", "reason": "x"})
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.SUBMITTED


# --- Seller pages ----------------------------------------------------------------------------


def test_a_seller_reads_the_statement_and_files_a_counter_notice(
    client, sam, listing, file_complaint, decide
):
    complaint = file_complaint(listing)
    decide(complaint, outcome="upheld", reason="Counterfeit logo.")
    client.force_login(sam)

    listed = client.get(reverse("portal:seller-actions")).content.decode()
    assert listing.external_id in listed
    page = client.get(reverse("portal:seller-action", args=[complaint.pk])).content.decode()
    assert "Statement of reasons" in page and "Counterfeit logo." in page
    assert "Rule applied" in page and "Contest this takedown" in page

    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("portal:complaint-counter-notice", args=[complaint.pk]),
        {
            "explanation": "Bought from the official distributor.",
            "declaration": "on",
            "evidence": [SimpleUploadedFile("invoice.pdf", pdf_bytes())],
        },
    )

    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.COUNTER_NOTICED
    assert complaint.evidence.filter(party="seller").count() == 1
    page = client.get(reverse("portal:complaint", args=[complaint.pk])).content.decode()
    assert "Contest this takedown" not in page and "official distributor" in page


def test_the_counter_notice_needs_the_declaration(client, sam, listing, file_complaint, decide):
    complaint = file_complaint(listing)
    decide(complaint, outcome="upheld", reason="Fake.")
    client.force_login(sam)

    client.post(
        reverse("portal:complaint-counter-notice", args=[complaint.pk]), {"explanation": "x"}
    )

    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.UPHELD


def test_another_seller_gets_404(client, listing, file_complaint, decide):
    complaint = file_complaint(listing)
    decide(complaint, outcome="upheld", reason="Fake.")
    olga = UserFactory(username="olga", role="seller")
    SellerFactory(user=olga)
    client.force_login(olga)

    assert client.get(reverse("portal:seller-action", args=[complaint.pk])).status_code == 404
    assert listing.external_id not in client.get(reverse("portal:seller-actions")).content.decode()


# --- Brand pages --------------------------------------------------------------------------


def test_one_click_from_the_suspect_page(client, alice, suspect, trademark, bob):
    client.force_login(alice)

    response = client.post(reverse("portal:complaint-from-suspect", args=[suspect.pk]))

    complaint = Complaint.objects.get()
    assert response.url == reverse("portal:complaint", args=[complaint.pk])
    again = client.post(reverse("portal:complaint-from-suspect", args=[suspect.pk]))
    assert again.url == response.url
    assert Complaint.objects.count() == 1
    client.force_login(bob)
    assert (
        client.post(reverse("portal:complaint-from-suspect", args=[suspect.pk])).status_code == 404
    )


def test_the_manual_form_shows_a_refusal_reason(client, alice, adidas, trademark, listing):
    listing.status = ListingStatus.DELISTED
    listing.save()
    client.force_login(alice)

    response = client.post(
        reverse("portal:complaint-new"),
        {
            "listing_external_id": listing.external_id,
            "brand": adidas.pk,
            "kind": "counterfeit",
            "description": "Fake.",
        },
    )

    assert response.status_code == 200
    assert "already delisted" in response.content.decode()


def test_the_manual_form_files(client, alice, adidas, trademark, listing):
    client.force_login(alice)

    response = client.post(
        reverse("portal:complaint-new"),
        {
            "listing_external_id": listing.external_id,
            "brand": adidas.pk,
            "kind": "image_theft",
            "description": "Our campaign photos.",
        },
    )

    assert response.status_code == 302
    assert Complaint.objects.get().kind == "image_theft"


def test_bulk_csv_page_reports_each_row(client, alice, adidas, trademark, make_listing):
    from django.core.files.uploadedfile import SimpleUploadedFile

    good = make_listing()
    csv = (
        "listing_external_id,brand,kind,description\n"
        f"{good.external_id},{adidas.pk},counterfeit,x\n"
        f"NOPE,{adidas.pk},counterfeit,y\n"
    )
    client.force_login(alice)

    page = client.post(
        reverse("portal:complaints-bulk"),
        {"file": SimpleUploadedFile("c.csv", csv.encode(), "text/csv")},
    ).content.decode()

    assert "filed" in page and "No such listing." in page
    assert Complaint.objects.count() == 1


def test_the_brand_answers_and_withdraws_from_the_portal(
    client, alice, listing, file_complaint, decide
):
    complaint = file_complaint(listing)
    decide(complaint, outcome="needs_info", reason="Which model?")
    client.force_login(alice)

    assert (
        "Answer the reviewer"
        in client.get(reverse("portal:complaint", args=[complaint.pk])).content.decode()
    )
    client.post(reverse("portal:complaint-answer", args=[complaint.pk]), {"answer": "EG4958"})
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.UNDER_REVIEW
    client.post(reverse("portal:complaint-withdraw", args=[complaint.pk]), {"reason": "Settled."})
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.WITHDRAWN


def test_notifications_page(client, alice, listing, file_complaint, decide):
    decide(file_complaint(listing), outcome="upheld", reason="Fake.")
    client.force_login(alice)

    page = client.get(reverse("portal:notifications")).content.decode()
    assert "upheld" in page
    client.post(reverse("portal:notifications"))
    assert not Notification.objects.filter(user=alice, read_at__isnull=True).exists()


def test_pages_of_other_organisations_are_404(client, bob, listing, file_complaint):
    complaint = file_complaint(listing)
    client.force_login(bob)

    assert client.get(reverse("portal:complaint", args=[complaint.pk])).status_code == 404
    assert client.post(reverse("portal:complaint-withdraw", args=[complaint.pk])).status_code == 404


# --- Console: webhook deliveries and notifications (read-only) ------------------------------


def test_the_console_lists_webhook_deliveries_by_status_and_endpoint(console, mo, listing):
    from notifications.models import WebhookDelivery, WebhookEndpoint

    market = WebhookEndpoint.objects.create(owner=mo, url="https://market.example.com/hooks")
    other = WebhookEndpoint.objects.create(owner=mo, url="https://other.example.com/hooks")
    failed = WebhookDelivery.objects.create(
        endpoint=market,
        event="listing.delisted",
        event_id="00000000-0000-4000-8000-000000000002",
        payload={"event": "listing.delisted", "data": {"listing": {"external_id": "L-77"}}},
        status="failed",
        attempts=8,
        attempt_log=[{"at": "2026-01-01T00:00:00+00:00", "status_code": 503, "error": "down"}],
    )
    WebhookDelivery.objects.create(
        endpoint=other,
        event="listing.restored",
        event_id="00000000-0000-4000-8000-000000000003",
        payload={},
        status="succeeded",
    )
    changelist = reverse("admin:notifications_webhookdelivery_changelist")

    by_status = console.get(changelist, {"status__exact": "failed"})
    by_endpoint = console.get(changelist, {"endpoint__id__exact": other.pk})
    record = console.get(reverse("admin:notifications_webhookdelivery_change", args=[failed.pk]))

    assert [d.pk for d in by_status.context["cl"].result_list] == [failed.pk]
    assert [d.event for d in by_endpoint.context["cl"].result_list] == ["listing.restored"]
    page = record.content.decode()
    assert "L-77" in page and "503" in page and "down" in page
    assert 'name="_save"' not in page  # a record, not an editor
    assert console.post(record.request["PATH_INFO"], {}).status_code == 403
    add = reverse("admin:notifications_webhookdelivery_add")
    assert console.get(add).status_code == 403


def test_the_console_shows_notifications_read_only(console, alice, listing, file_complaint, decide):
    decide(file_complaint(listing), outcome="upheld", reason="Fake.")
    note = Notification.objects.get(user=alice, kind="complaint.upheld")
    changelist = reverse("admin:notifications_notification_changelist")

    unread = console.get(changelist, {"read": "no", "kind__exact": "complaint.upheld"})
    record = console.get(reverse("admin:notifications_notification_change", args=[note.pk]))

    assert note in unread.context["cl"].result_list
    assert "Rule applied" in record.content.decode()
    assert 'name="_save"' not in record.content.decode()


def test_webhook_and_notification_pages_are_for_reviewers(client, alice):
    client.force_login(alice)
    for name in ("webhookdelivery", "notification"):
        response = client.get(reverse(f"admin:notifications_{name}_changelist"))
        assert response.status_code in (302, 403)


# --- The brand's matched reference images beside the listing photo ----------------------------


@pytest.fixture
def matched(listing, suspect, alice, adidas, rival_brand, trademark):
    """A complaint whose detection evidence matched one of Adidas's reference
    images (and, wrongly, names a rival brand's image, which must not show)."""
    from rightsholders.models import ReferenceImage

    def reference(brand, seed):
        return ReferenceImage.objects.create(
            brand=brand, kind="product", image=ContentFile(jpeg_bytes(seed), name=f"r{seed}.jpg")
        )

    ours, theirs = reference(adidas, 7), reference(rival_brand, 8)
    suspect.signals = [
        *suspect.signals,
        {
            "code": "image_match",
            "weight": 0.75,
            "detail": "A listing photo matches Adidas's reference product photo (97% similar)",
            "evidence": {"reference_image": ours.pk, "distance": 2},
        },
        {
            "code": "logo_smear",
            "weight": 0.6,
            "detail": "x",
            "evidence": {"reference_image": theirs.pk},
        },
    ]
    suspect.save()
    img = ListingImage.objects.create(listing=listing, position=0, status=ImageStatus.READY)
    img.thumbnail.save("thumb.jpg", ContentFile(jpeg_bytes(1)))
    complaint = services.complaint_file_from_suspect(user=alice, suspect=suspect)
    return complaint, img, ours, theirs


def test_the_console_record_shows_the_matched_reference_beside_the_listing_photo(console, matched):
    complaint, img, ours, theirs = matched

    page = console.get(change_url(complaint)).content.decode()

    listing_side = page.index('id="ev-listing"')
    references = page.index('id="matched-references"')
    assert listing_side < page.index(img.thumbnail.url) < references < page.index(ours.image.url)
    assert "97% similar" in page
    assert theirs.image.url not in page


def test_the_portal_complaint_shows_the_brand_its_matched_references(client, alice, sam, matched):
    complaint, img, ours, theirs = matched
    client.force_login(alice)

    page = client.get(reverse("portal:complaint", args=[complaint.pk])).content.decode()

    assert img.thumbnail.url in page and ours.image.url in page
    assert theirs.image.url not in page


def test_the_api_detail_lists_matched_references_for_brand_and_reviewer_only(
    api, alice, rita, sam, matched, decide
):
    complaint, _img, ours, _theirs = matched
    decide(complaint, outcome="upheld")  # now the seller sees the complaint too

    for user in (alice, rita):
        refs = api(user).get(f"/api/v1/complaints/{complaint.pk}/").json()["reference_images"]
        assert [(r["id"], r["matched_by"]) for r in refs] == [(ours.pk, "image_match")]
        assert refs[0]["url"].endswith(ours.image.url)
    seller_view = api(sam).get(f"/api/v1/complaints/{complaint.pk}/").json()
    assert seller_view["reference_images"] == []


def test_a_seller_sees_the_listing_photo_but_not_the_brands_references(
    client, sam, matched, decide
):
    complaint, img, ours, _theirs = matched
    decide(complaint, outcome="upheld")
    client.force_login(sam)

    page = client.get(reverse("portal:seller-action", args=[complaint.pk])).content.decode()

    assert img.thumbnail.url in page
    assert ours.image.url not in page and 'id="matched-references"' not in page
