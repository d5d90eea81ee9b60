"""The reviewer console: verification queues and decisions, private documents,
and the catalogue, as rita (a reviewer, staff but not a superuser) uses them."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from marketplace.models import ImageStatus, ListingImage
from platform_core.models import AuditEvent, Role
from rightsholders import services
from rightsholders.models import (
    Authorisation,
    CredentialStatus,
    Organisation,
    OrganisationKind,
    Trademark,
)
from tests.factories import (
    BrandFactory,
    ListingFactory,
    ShopFactory,
    UserFactory,
    organisation_with_admin,
)
from tests.images import jpeg_bytes, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db

NEXT_YEAR = datetime.date.today() + datetime.timedelta(days=365)


@pytest.fixture
def console(client, rita):
    client.force_login(rita)
    return client


@pytest.fixture
def pending_org(alice):
    return organisation_with_admin(name="Adidas AG", admin=alice)


@pytest.fixture
def trademark(alice, pending_org):
    brand = BrandFactory(organisation=pending_org, name="Adidas")
    return services.trademark_add(
        user=alice,
        organisation=pending_org,
        brand=brand,
        registration_number="G1234567",
        jurisdiction="CN",
        nice_classes=[25, 18],
        expires_on=NEXT_YEAR,
        certificate=SimpleUploadedFile("certificate.pdf", pdf_bytes()),
    )


@pytest.fixture
def authorisation(alice, pending_org, trademark):
    return services.authorisation_add(
        user=alice,
        organisation=pending_org,
        brand=trademark.brand,
        principal_name="Adidas AG Legal",
        letter=SimpleUploadedFile("letter.png", png_bytes(3)),
        valid_until=NEXT_YEAR,
    )


def decide_url(model: str, pk: int) -> str:
    return reverse(f"admin:rightsholders_{model}_decide", args=[pk])


def change_url(model: str, pk: int) -> str:
    return reverse(f"admin:rightsholders_{model}_change", args=[pk])


# --- The verification queue ---------------------------------------------------------


def test_the_queue_lists_pending_organisations_first_oldest_first(console, alice, bob):
    now = timezone.now()
    ages = {"Old verified": 30, "New pending": 1, "Old pending": 10, "Rejected": 20}
    for name, days in ages.items():
        status = {"Old verified": "verified", "Rejected": "rejected"}.get(name, "pending")
        org = organisation_with_admin(name=name, admin=alice, status=status)
        Organisation.objects.filter(pk=org.pk).update(
            created_at=now - datetime.timedelta(days=days)
        )

    response = console.get(reverse("admin:rightsholders_organisation_changelist"))

    assert response.status_code == 200
    names = [org.name for org in response.context["cl"].result_list]
    assert names[:2] == ["Old pending", "New pending"]
    assert set(names[2:]) == {"Old verified", "Rejected"}
    assert "Integrity score" in response.content.decode()


def test_the_queue_filters_by_status_and_searches_by_name(console, alice, pending_org):
    organisation_with_admin(name="Verified Outdoor", admin=alice, status="verified")
    url = reverse("admin:rightsholders_organisation_changelist")

    by_status = console.get(url, {"status__exact": "verified"}).context["cl"].result_list
    by_name = console.get(url, {"q": "adidas"}).context["cl"].result_list

    assert [o.name for o in by_status] == ["Verified Outdoor"]
    assert [o.name for o in by_name] == ["Adidas AG"]


def test_the_change_page_is_a_read_only_record_with_credentials_and_trail(
    console, pending_org, trademark, authorisation
):
    response = console.get(change_url("organisation", pending_org.pk))

    assert response.status_code == 200
    page = response.content.decode()
    assert "G1234567" in page and "Adidas AG Legal" in page
    assert reverse("admin:rightsholders_trademark_certificate", args=[trademark.pk]) in page
    assert reverse("admin:rightsholders_authorisation_letter", args=[authorisation.pk]) in page
    assert 'id="audit-trail"' in page and "organisation.created" in page
    assert "trademark.submitted" in page
    assert 'id="integrity-ledger"' in page and "Opening balance" in page
    assert decide_url("organisation", pending_org.pk) in page
    # Status and score are shown, never edited in place.
    assert 'name="status"' not in page and 'name="integrity_score"' not in page
    assert 'name="_save"' not in page


def test_saving_the_change_form_is_refused(console, pending_org):
    response = console.post(
        change_url("organisation", pending_org.pk), {"status": "verified", "name": "X"}
    )

    assert response.status_code == 403
    pending_org.refresh_from_db()
    assert pending_org.status == "pending" and pending_org.name == "Adidas AG"


# --- Decisions -------------------------------------------------------------------------


def test_verifying_with_a_reason_verifies_the_organisation_and_its_credentials(
    console, rita, pending_org, trademark, authorisation
):
    response = console.post(
        decide_url("organisation", pending_org.pk),
        {
            "decision": "verified",
            "reason_template": "registry_ok",
            "reason": "Registry extract on file.",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == change_url("organisation", pending_org.pk)
    assert "is now verified" in response.content.decode()
    pending_org.refresh_from_db()
    assert pending_org.status == "verified"
    assert "Registry extract on file." in pending_org.status_reason
    trademark.refresh_from_db()
    authorisation.refresh_from_db()
    assert trademark.status == authorisation.status == CredentialStatus.VERIFIED
    event = AuditEvent.objects.get(action="organisation.verified", target_id=pending_org.pk)
    assert event.actor == rita
    assert event.reason.startswith("Certificates match the trademark registry")
    assert event.reason.endswith("Registry extract on file.")


def test_rejecting_without_a_reason_shows_an_error_and_changes_nothing(console, pending_org):
    events_before = AuditEvent.objects.count()

    response = console.post(
        decide_url("organisation", pending_org.pk), {"decision": "rejected", "reason": "  "}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "The decision was not recorded" in page
    assert "Give the reason for this decision" in page
    pending_org.refresh_from_db()
    assert pending_org.status == "pending" and pending_org.status_reason == ""
    assert AuditEvent.objects.count() == events_before


def test_suspending_costs_integrity_and_is_audited(console, rita, pending_org):
    score = pending_org.integrity_score

    response = console.post(
        decide_url("organisation", pending_org.pk),
        {"decision": "suspended", "reason_template": "forged"},
    )

    assert response.status_code == 302
    pending_org.refresh_from_db()
    assert pending_org.status == "suspended"
    assert pending_org.integrity_score == score - 50
    assert AuditEvent.objects.filter(
        action="organisation.suspended", actor=rita, reason__contains="forged"
    ).exists()


def test_a_refusal_by_the_service_is_shown_as_an_error(console, pending_org):
    Organisation.objects.filter(pk=pending_org.pk).update(status="suspended")

    response = console.post(
        decide_url("organisation", pending_org.pk),
        {"decision": "rejected", "reason": "Holder mismatch."},
        follow=True,
    )

    page = response.content.decode()
    assert "cannot become rejected" in page
    messages = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert messages and messages[0][0] == "error"
    pending_org.refresh_from_db()
    assert pending_org.status == "suspended"


def test_the_decision_page_offers_the_open_transitions_only(console, alice):
    org = organisation_with_admin(name="Suspended Ltd", admin=alice, status="suspended")

    page = console.get(decide_url("organisation", org.pk)).content.decode()

    assert 'value="verified"' in page
    assert 'value="rejected"' not in page and 'value="suspended"' not in page


def test_a_superuser_who_is_not_a_reviewer_cannot_decide(client, pending_org):
    admin_user = UserFactory(username="root", role=Role.BRAND, is_staff=True, is_superuser=True)
    client.force_login(admin_user)

    response = client.post(
        decide_url("organisation", pending_org.pk),
        {"decision": "verified", "reason": "ok"},
        follow=True,
    )

    assert "Only platform reviewers" in response.content.decode()
    pending_org.refresh_from_db()
    assert pending_org.status == "pending"


def test_trademarks_have_their_own_queue_and_decisions(console, rita, alice, trademark):
    other = BrandFactory(organisation=trademark.organisation, name="Adidas Originals")
    later = services.trademark_add(
        user=alice,
        organisation=trademark.organisation,
        brand=other,
        registration_number="EU-0099",
        jurisdiction="EU",
        nice_classes=[25],
        expires_on=NEXT_YEAR,
        certificate=SimpleUploadedFile("c.pdf", pdf_bytes()),
    )
    Trademark.objects.filter(pk=later.pk).update(status="verified")

    listed = console.get(reverse("admin:rightsholders_trademark_changelist")).context["cl"]
    assert [t.pk for t in listed.result_list] == [trademark.pk, later.pk]

    refused = console.post(decide_url("trademark", trademark.pk), {"decision": "rejected"})
    assert refused.status_code == 200
    trademark.refresh_from_db()
    assert trademark.status == "pending"

    console.post(
        decide_url("trademark", trademark.pk),
        {"decision": "rejected", "reason_template": "holder_mismatch"},
    )
    trademark.refresh_from_db()
    assert trademark.status == "rejected"
    assert "holder named on the certificate" in trademark.status_reason
    assert AuditEvent.objects.filter(action="trademark.rejected", actor=rita).exists()


def test_authorisations_are_decided_with_a_reason(console, rita, authorisation):
    response = console.post(
        decide_url("authorisation", authorisation.pk),
        {"decision": "verified", "reason": "Confirmed by phone with the principal."},
    )

    assert response.status_code == 302
    authorisation.refresh_from_db()
    assert authorisation.status == "verified"
    assert AuditEvent.objects.filter(
        action="authorisation.verified", actor=rita, reason__contains="by phone"
    ).exists()
    page = console.get(change_url("authorisation", authorisation.pk)).content.decode()
    assert "authorisation.verified" in page


# --- Private documents ------------------------------------------------------------------


def test_the_certificate_streams_the_uploaded_bytes_to_a_reviewer(console, trademark):
    response = console.get(
        reverse("admin:rightsholders_trademark_certificate", args=[trademark.pk])
    )

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_image_letter_is_served_as_an_image(console, authorisation):
    response = console.get(
        reverse("admin:rightsholders_authorisation_letter", args=[authorisation.pk])
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png_bytes(3)


def test_a_brand_user_reaches_neither_the_console_nor_the_documents(
    client, alice, trademark, authorisation
):
    client.force_login(alice)
    urls = [
        reverse("admin:index"),
        reverse("admin:rightsholders_organisation_changelist"),
        reverse("admin:rightsholders_trademark_certificate", args=[trademark.pk]),
        reverse("admin:rightsholders_authorisation_letter", args=[authorisation.pk]),
        decide_url("organisation", trademark.organisation_id),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url
    assert (
        client.post(
            decide_url("organisation", trademark.organisation_id),
            {"decision": "verified", "reason": "self-service"},
        ).status_code
        == 302
    )
    trademark.organisation.refresh_from_db()
    assert trademark.organisation.status == "pending"
    # Nor through the public media route.
    assert client.get(f"/media/{trademark.certificate.name}").status_code == 404


def test_staff_who_are_not_reviewers_cannot_open_documents(client, trademark):
    staff_judge = UserFactory(username="staff-judge", role=Role.JUDGE, is_staff=True)
    client.force_login(staff_judge)

    url = reverse("admin:rightsholders_trademark_certificate", args=[trademark.pk])
    assert client.get(url).status_code == 403
    assert client.get(reverse("admin:rightsholders_organisation_changelist")).status_code == 403


# --- Permissions ---------------------------------------------------------------------------


def test_reviewers_can_neither_delete_nor_add(console, rita, pending_org, trademark):
    request = type("Request", (), {"user": rita})()
    for model in (Organisation, Trademark, Authorisation, AuditEvent):
        model_admin = site._registry[model]
        assert model_admin.has_view_permission(request)
        assert not model_admin.has_delete_permission(request)
        assert not model_admin.has_add_permission(request)
    assert (
        console.get(
            reverse("admin:rightsholders_organisation_delete", args=[pending_org.pk])
        ).status_code
        == 403
    )
    assert console.get(reverse("admin:rightsholders_organisation_add")).status_code == 403
    changelist = console.get(reverse("admin:rightsholders_organisation_changelist"))
    assert "delete_selected" not in changelist.content.decode()


def test_the_console_index_shows_the_queues(console):
    page = console.get(reverse("admin:index")).content.decode()

    for name in ("Organisations", "Trademarks", "Authorisations", "Listings", "Audit events"):
        assert name in page


# --- Catalogue and audit -----------------------------------------------------------------


def test_listings_are_listed_searched_and_show_their_first_photo(console):
    shop = ShopFactory(external_id="S-77", name="Happy Bags")
    listing = ListingFactory(
        external_id="L-1001",
        shop=shop,
        title="Nordpeak jacket 1:1",
        risk_score=0.93,
        risk_signals=[{"code": "haze_term", "weight": 0.6, "detail": '"1:1" next to the brand'}],
    )
    ListingFactory(external_id="L-1002", title="Kitchen knife")
    image = ListingImage(listing=listing, position=0, status=ImageStatus.READY)
    image.image.save("l1001.jpg", ContentFile(jpeg_bytes(1, (160, 120))), save=False)
    image.thumbnail.save("l1001-t.jpg", ContentFile(jpeg_bytes(1, (80, 60))), save=False)
    image.save()

    url = reverse("admin:marketplace_listing_changelist")
    found = console.get(url, {"q": "S-77"}).context["cl"].result_list
    assert [item.external_id for item in found] == ["L-1001"]
    held = console.get(url, {"status__exact": "pending"}).context["cl"].result_list
    assert len(held) == 2

    page = console.get(reverse("admin:marketplace_listing_change", args=[listing.pk]))
    html = page.content.decode()
    assert image.thumbnail.url in html
    assert "haze_term" in html
    assert 'name="title"' not in html


def test_shops_show_listing_counts_without_a_query_per_row(console):
    url = reverse("admin:marketplace_shop_changelist")
    shop = ShopFactory()
    for n in range(3):
        ListingFactory(shop=shop, external_id=f"L-count-{n}")
    with CaptureQueriesContext(connection) as one_shop:
        response = console.get(url)
    assert [s.n_listings for s in response.context["cl"].result_list] == [3]

    for _ in range(5):
        ListingFactory(shop=ShopFactory())
    with CaptureQueriesContext(connection) as six_shops:
        console.get(url)
    assert len(six_shops) == len(one_shop)


def test_sellers_and_the_audit_log_are_browsable(console, rita, pending_org):
    ShopFactory(seller__external_id="U-9")
    sellers = console.get(reverse("admin:platform_core_auditevent_changelist"))
    assert sellers.status_code == 200

    page = console.get(reverse("admin:marketplace_seller_changelist"), {"q": "U-9"})
    assert [s.external_id for s in page.context["cl"].result_list] == ["U-9"]
    assert page.context["cl"].result_list[0].n_shops == 1

    log = console.get(
        reverse("admin:platform_core_auditevent_changelist"),
        {"action": "organisation.created"},
    )
    assert log.status_code == 200
    assert [e.action for e in log.context["cl"].result_list] == ["organisation.created"]
    event = log.context["cl"].result_list[0]
    detail = console.get(reverse("admin:platform_core_auditevent_change", args=[event.pk]))
    assert detail.status_code == 200 and 'name="reason"' not in detail.content.decode()


def test_brands_show_their_protected_assets(console, alice, pending_org):
    brand = services.brand_create(
        user=alice, organisation=pending_org, name="Nordpeak", aliases=["诺峰"]
    )
    services.product_model_add(
        user=alice, brand=brand, name="Summit jacket", model_number="NP-1", msrp=Decimal("1999"),
        currency="CNY",
    )  # fmt: skip
    services.reference_image_add(user=alice, brand=brand, content=png_bytes(2), kind="logo")

    page = console.get(reverse("admin:rightsholders_brand_change", args=[brand.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert "诺峰" in html and "Summit jacket" in html and "<img" in html


def test_organisation_kind_shows_agents(console, alice):
    org = organisation_with_admin(name="Agency", admin=alice)
    Organisation.objects.filter(pk=org.pk).update(kind=OrganisationKind.AGENT)

    changelist = console.get(
        reverse("admin:rightsholders_organisation_changelist"), {"kind__exact": "agent"}
    )

    assert [o.name for o in changelist.context["cl"].result_list] == ["Agency"]


def test_a_missing_document_answers_404(console, trademark):
    assert (
        console.get(
            reverse("admin:rightsholders_trademark_certificate", args=[trademark.pk + 1000])
        ).status_code
        == 404
    )
    trademark.certificate.storage.delete(trademark.certificate.name)
    url = reverse("admin:rightsholders_trademark_certificate", args=[trademark.pk])
    assert console.get(url).status_code == 404
