"""Ring views, exports and actions: tenancy (a brand sees rings only through
its own suspects, and only its own suspects and complaints inside them), the
evidence pack's hashes, and reviewers acting on a whole ring."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile

from marketplace.models import Listing, ListingStatus
from networks.models import Ring
from notifications.models import Notification
from platform_core.models import AuditEvent
from tests.images import jpeg_bytes

from .conftest import index, make_listing, make_shop, suspect

pytestmark = pytest.mark.django_db


@pytest.fixture
def ring_setup(adidas, rival_brand):
    """Three shops with one seller contact: alice's brand suspects a listing
    of the first shop, bob's brand a listing of the second."""
    shops = [make_shop(contact="+86 20 1234 5678", name=f"Ring shop {n}") for n in range(3)]
    listings = [
        make_listing(s, title=f"Adidas Superstar {n}", ship_from="Guangzhou")
        for n, s in enumerate(shops)
    ]
    listings[0].units_sold = 420
    listings[0].save()
    img = listings[0].images.create(position=0, status="ready", fingerprints=[1])
    img.image.save("ring-photo.jpg", ContentFile(jpeg_bytes()), save=False)
    img.thumbnail.save("ring-photo-thumb.jpg", ContentFile(jpeg_bytes()), save=True)
    index(*listings)
    ring = Ring.objects.get()
    own = suspect(listings[0], adidas)
    rival = suspect(listings[1], rival_brand, score=0.93)
    return {"ring": ring, "shops": shops, "listings": listings, "own": own, "rival": rival}


@pytest.fixture
def lonely_ring(adidas):
    """A ring none of alice's brands has a suspect in."""
    shops = [make_shop(contact="other@example.com") for _ in range(2)]
    index(*[make_listing(s) for s in shops])
    return Ring.objects.exclude(members__shop__external_id__startswith="x").order_by("-id").first()


def test_brand_lists_rings_reached_through_its_own_suspects(api, alice, ring_setup, lonely_ring):
    body = api(alice).get("/api/v1/rings/").json()
    assert [r["id"] for r in body["results"]] == [ring_setup["ring"].pk]
    assert body["next"] is None
    assert body["results"][0]["kinds"] == ["contact"]
    assert api(alice).get(f"/api/v1/rings/{lonely_ring.pk}/").status_code == 404
    assert api(alice).get(f"/api/v1/rings/{lonely_ring.pk}/evidence-pack/").status_code == 404


def test_a_brand_without_suspects_in_a_ring_sees_nothing_of_it(api, bob, ring_setup, lonely_ring):
    ring = ring_setup["ring"]
    ring_setup["rival"].delete()
    assert api(bob).get("/api/v1/rings/").json()["results"] == []
    for path in (f"/api/v1/rings/{ring.pk}/", f"/api/v1/rings/{ring.pk}/evidence-pack/"):
        r = api(bob).get(path)
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"


def test_ring_detail_shows_own_suspects_never_another_brands(api, alice, bob, ring_setup):
    ring = ring_setup["ring"]
    body = api(alice).get(f"/api/v1/rings/{ring.pk}/").json()
    shops = {s["external_id"]: s for s in body["shops"]}
    first, second = (ring_setup["shops"][n].external_id for n in (0, 1))
    assert shops[first]["suspects"] == 1
    assert shops[second]["suspects"] == 0  # bob's suspect, not alice's business
    assert shops[first]["ship_from"] == ["Guangzhou"]
    assert shops[first]["contact_on_file"] is True
    assert shops[second]["seller"] == ring_setup["shops"][1].seller.external_id
    assert body["links"] and set(body["links"][0]["kinds"]) == {"contact"}
    text = json.dumps(body)
    assert "Nike" not in text and "0.93" not in text
    # bob, through his own suspect, sees the same ring with his counts only.
    bob_body = api(bob).get(f"/api/v1/rings/{ring.pk}/").json()
    bob_shops = {s["external_id"]: s for s in bob_body["shops"]}
    assert bob_shops[first]["suspects"] == 0 and bob_shops[second]["suspects"] == 1


def test_reviewer_sees_every_ring(api, rita, ring_setup, lonely_ring):
    ids = {r["id"] for r in api(rita).get("/api/v1/rings/").json()["results"]}
    assert ids == {ring_setup["ring"].pk, lonely_ring.pk}


def test_bad_requests_answer_clearly(api, alice, judy, ring_setup):
    assert api(alice).get("/api/v1/rings/?min_size=many").status_code == 400
    assert api(alice).get("/api/v1/rings/999999/").status_code == 404
    assert api(judy).get("/api/v1/rings/").status_code == 403
    assert api(alice).get("/api/v1/rings/?min_size=4").json()["results"] == []


def read_pack(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_evidence_pack_hashes_verify_and_export_is_audited(api, alice, ring_setup):
    ring = ring_setup["ring"]
    r = api(alice).get(f"/api/v1/rings/{ring.pk}/evidence-pack/")
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    data = b"".join(r.streaming_content) if r.streaming else r.content
    assert hashlib.sha256(data).hexdigest() == r["X-Evidence-Pack-SHA256"]
    files = read_pack(data)
    listed = {}
    for line in files["SHA256SUMS"].decode().splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    assert set(listed) == set(files) - {"SHA256SUMS"}
    assert any(n.startswith("images/") for n in listed)
    for name, digest in listed.items():
        assert hashlib.sha256(files[name]).hexdigest() == digest, name
    manifest = json.loads(files["manifest.json"])
    assert manifest["ring"]["id"] == ring.pk and manifest["generated_at"]
    by_id = {x["external_id"]: x for x in manifest["listings"]}
    first = by_id[ring_setup["listings"][0].external_id]
    assert first["price"] == "129.00" and first["units_sold"] == 420
    assert first["ship_from"] == "Guangzhou"
    assert first["suspects"][0]["brand"] == "Adidas"
    assert by_id[ring_setup["listings"][1].external_id]["suspects"] == []
    assert "Nike" not in files["manifest.json"].decode()
    event = AuditEvent.objects.get(action="ring.evidence_pack_exported")
    assert event.actor == alice and event.data["sha256"] == r["X-Evidence-Pack-SHA256"]
    # A changed byte no longer matches its recorded hash.
    tampered = files["manifest.json"].replace(b"Guangzhou", b"Shenzhen!")
    assert hashlib.sha256(tampered).hexdigest() != listed["manifest.json"]


def test_contact_is_never_stored_or_shown_in_clear(api, alice, mo, rita, adidas):
    contact = "Counterfeit.King@Example.com"
    payload = {
        "external_id": "L-CONTACT-1",
        "shop": {
            "external_id": "S-C1",
            "name": "King",
            "seller_external_id": "U-C1",
            "contact": contact,
        },
        "title": "Adidas Superstar",
        "price": "99.00",
        "currency": "CNY",
        "ship_from": "Putian",
        "units_sold": 12,
    }
    r = api(mo).post("/api/v1/listings/", payload, format="json")
    assert r.status_code == 201, r.content
    listing = Listing.objects.get(external_id="L-CONTACT-1")
    assert listing.ship_from == "Putian" and listing.units_sold == 12
    seller = listing.shop.seller
    assert len(seller.contact_hash) == 64 and contact.lower() not in seller.contact_hash
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb')"
        )
        columns = cur.fetchall()
        for table, column in columns:
            cur.execute(
                f'SELECT count(*) FROM "{table}" WHERE lower("{column}"::text) LIKE %s',
                ["%counterfeit.king%"],
            )
            assert cur.fetchone()[0] == 0, (table, column)
    shown = api(rita).get(f"/api/v1/listings/{listing.pk}/")
    assert "counterfeit.king" not in shown.content.decode().lower()
    assert shown.json()["shop"]["contact_on_file"] is True
    assert shown.json()["ship_from"] == "Putian"
    # Another shop sent with the same contact spelled differently: same hash.
    payload2 = {**payload, "external_id": "L-CONTACT-2"}
    payload2["shop"] = {
        **payload["shop"],
        "external_id": "S-C2",
        "seller_external_id": "U-C2",
        "contact": " counterfeit.king@example.COM ",
    }
    assert api(mo).post("/api/v1/listings/", payload2, format="json").status_code == 201
    other = Listing.objects.get(external_id="L-CONTACT-2").shop.seller
    assert other.contact_hash == seller.contact_hash


def test_intake_fields_are_in_the_schema_and_checked(api, mo):
    schema = api(mo).get("/api/v1/schema/?format=json").json()
    listing_in = schema["components"]["schemas"]["ListingInRequest"]
    assert "ship_from" in listing_in["properties"] and "units_sold" in listing_in["properties"]
    assert "ships from" in listing_in["properties"]["ship_from"]["description"]
    shop_in = schema["components"]["schemas"]["ShopInRequest"]
    assert "contact" in shop_in["properties"]
    described = shop_in["properties"]["contact"]["description"]
    assert "phone" in described and "never in clear" in described
    shop_out = schema["components"]["schemas"]["RingShopOut"]["properties"]
    assert shop_out["ship_from"]["description"] and shop_out["contact_on_file"]["description"]
    bad = {
        "external_id": "L-BAD-1",
        "shop": {"external_id": "S-B", "name": "B", "seller_external_id": "U-B"},
        "title": "x",
        "price": "1.00",
        "currency": "CNY",
        "units_sold": "lots",
    }
    r = api(mo).post("/api/v1/listings/", bad, format="json")
    assert r.status_code == 400 and "units_sold" in r.json()["error"]["fields"]
    assert not Listing.objects.filter(external_id="L-BAD-1").exists()


def test_reviewer_holds_a_whole_ring_and_it_is_audited(api, rita, alice, ring_setup):
    from networks import services

    held = services.ring_hold_listings(reviewer=rita, ring=ring_setup["ring"], reason="ring sweep")
    assert held == 3
    assert set(
        Listing.objects.filter(pk__in=[x.pk for x in ring_setup["listings"]]).values_list(
            "status", flat=True
        )
    ) == {ListingStatus.HELD}
    assert AuditEvent.objects.filter(action="listing.held").count() == 3
    assert AuditEvent.objects.filter(action="ring.held", actor=rita).exists()
    from platform_core.errors import Forbidden

    with pytest.raises(Forbidden):
        services.ring_hold_listings(reviewer=alice, ring=ring_setup["ring"], reason="")


def test_reviewer_refers_a_ring_to_the_brands_with_suspects(rita, alice, bob, ring_setup):
    from networks import services

    told = services.ring_refer_to_brands(reviewer=rita, ring=ring_setup["ring"])
    assert told == 2
    note = Notification.objects.get(user=alice, kind="ring.referred")
    assert f"/rings/{ring_setup['ring'].pk}/" in note.url
    assert Notification.objects.filter(user=bob, kind="ring.referred").exists()
    assert AuditEvent.objects.filter(action="ring.referred", actor=rita).exists()


def test_console_actions_on_rings(client, rita, ring_setup):
    client.force_login(rita)
    ring = ring_setup["ring"]
    page = client.get(f"/admin/networks/ring/{ring.pk}/change/")
    assert page.status_code == 200 and "Ring shop 0" in page.content.decode()
    r = client.post(
        "/admin/networks/ring/",
        {"action": "hold_listings", "_selected_action": [ring.pk]},
        follow=True,
    )
    assert r.status_code == 200
    assert Listing.objects.filter(status=ListingStatus.HELD).count() == 3


def test_portal_ring_pages_and_tenancy(client, alice, bob, ring_setup, lonely_ring):
    ring = ring_setup["ring"]
    client.force_login(alice)
    listing_page = client.get("/rings/")
    assert listing_page.status_code == 200 and f"/rings/{ring.pk}/" in listing_page.content.decode()
    page = client.get(f"/rings/{ring.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ring shop 1" in html and "Guangzhou" in html and "Nike" not in html
    assert client.get(f"/rings/{lonely_ring.pk}/").status_code == 404
    assert client.get(f"/rings/{lonely_ring.pk}/evidence-pack/").status_code == 404
    pack = client.get(f"/rings/{ring.pk}/evidence-pack/")
    assert pack.status_code == 200 and pack["Content-Type"] == "application/zip"
    # The suspect's evidence page shows the network behind its shop.
    suspect_page = client.get(f"/suspects/{ring_setup['own'].pk}/").content.decode()
    assert "Ring shop 1" in suspect_page and f"/rings/{ring.pk}/" in suspect_page
    assert ring_setup["shops"][1].seller.external_id in suspect_page
    client.force_login(bob)
    ring_setup["rival"].delete()
    assert client.get(f"/rings/{ring.pk}/").status_code == 404
    assert f"/rings/{ring.pk}/" not in client.get("/rings/").content.decode()


def test_brand_files_complaints_for_its_suspects_in_the_ring(client, alice, adidas, ring_setup):
    from complaints.models import Complaint
    from tests.complaints.conftest import make_trademark

    make_trademark(adidas)
    client.force_login(alice)
    r = client.post(f"/rings/{ring_setup['ring'].pk}/complaints/", follow=True)
    assert r.status_code == 200
    complaint = Complaint.objects.get()
    assert complaint.listing == ring_setup["listings"][0] and complaint.brand == adidas
    # bob's suspect in the same ring was not alice's to file.
    ring_setup["rival"].refresh_from_db()
    assert ring_setup["rival"].status == "new"
    assert AuditEvent.objects.filter(action="ring.complaints_filed", actor=alice).exists()


def test_reviewer_opens_appraisal_for_every_shop_of_a_ring(rita, ring_setup, settings):
    from appraisal.models import Case
    from networks import services

    ring = ring_setup["ring"]
    settings.APPRAISAL_STATEMENT_HOURS = 0  # a jury at once, but there are no judges
    none = services.ring_open_appraisal(reviewer=rita, ring=ring, question="Drawn at once?")
    assert none["opened"] == [] and len(none["refused"]) == 3
    assert not Case.objects.exists()
    settings.APPRAISAL_STATEMENT_HOURS = 24  # parties' statements first
    result = services.ring_open_appraisal(
        reviewer=rita, ring=ring, question="Is this one counterfeit operation?"
    )
    assert len(result["opened"]) == 3
    assert set(Case.objects.values_list("shop_id", flat=True)) == {
        s.pk for s in ring_setup["shops"]
    }
    again = services.ring_open_appraisal(reviewer=rita, ring=ring, question="Again?")
    assert again["opened"] == [] and len(again["skipped"]) == 3
    assert AuditEvent.objects.filter(action="ring.appraisal_opened", actor=rita).count() == 3


def pack_of(response) -> dict[str, bytes]:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return read_pack(data)


def test_another_brands_judgments_and_complaints_stay_out_of_the_ring(
    api, client, alice, bob, rita, rival_brand, ring_setup
):
    """bob judges his suspect and files a complaint that rita decides: alice,
    looking at the same ring, sees none of it -- API, portal or pack."""
    from complaints import services as complaint_services
    from detection.services import suspect_judge
    from tests.complaints.conftest import make_trademark

    ring, listings = ring_setup["ring"], ring_setup["listings"]
    suspect_judge(
        user=bob, suspect=ring_setup["rival"], verdict="infringing", note="BOB-NOTE stitching"
    )
    complaint = complaint_services.complaint_file(
        user=bob,
        brand=rival_brand,
        trademark=make_trademark(rival_brand, number="N7654321"),
        listing=listings[2],
        kind="counterfeit",
        description="BOB-COMPLAINT fake swoosh on the box",
    )
    complaint_services.complaint_decide(
        reviewer=rita, complaint=complaint, outcome="upheld", reason="RITA-REASON copies the mark"
    )
    secrets = ("BOB-NOTE", "BOB-COMPLAINT", "RITA-REASON", "Nike", "Rival Brands")
    third = ring_setup["shops"][2].external_id

    body = api(alice).get(f"/api/v1/rings/{ring.pk}/").json()
    assert {s["external_id"]: s["complaints"] for s in body["shops"]}[third] == 0
    client.force_login(alice)
    html = client.get(f"/rings/{ring.pk}/").content.decode()
    manifest = pack_of(api(alice).get(f"/api/v1/rings/{ring.pk}/evidence-pack/"))["manifest.json"]
    for text in (json.dumps(body), html, manifest.decode()):
        for secret in secrets:
            assert secret not in text
    # The takedown itself is a marketplace fact every brand in the ring sees.
    assert {s["external_id"]: s["takedowns"] for s in body["shops"]}[third] == 1

    # bob sees his own judgment and complaint, with rita's decision, in his pack.
    bob_body = api(bob).get(f"/api/v1/rings/{ring.pk}/").json()
    assert {s["external_id"]: s["complaints"] for s in bob_body["shops"]}[third] == 1
    bob_manifest = json.loads(
        pack_of(api(bob).get(f"/api/v1/rings/{ring.pk}/evidence-pack/"))["manifest.json"]
    )
    by_id = {x["external_id"]: x for x in bob_manifest["listings"]}
    assert by_id[listings[1].external_id]["suspects"][0]["judgment_note"] == "BOB-NOTE stitching"
    decided = by_id[listings[2].external_id]["complaints"][0]
    assert decided["decisions"][0]["reason"] == "RITA-REASON copies the mark"
    assert by_id[listings[0].external_id]["suspects"] == []  # alice's, not bob's


def test_a_pack_verifies_with_sha256sum_and_a_changed_file_is_caught(
    api, alice, ring_setup, tmp_path
):
    """What a court's expert would do: unpack, run ``sha256sum -c``."""
    import subprocess

    r = api(alice).get(f"/api/v1/rings/{ring_setup['ring'].pk}/evidence-pack/")
    for name, data in pack_of(r).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    check = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "manifest.json: OK" in check.stdout and "images/" in check.stdout
    image = next((tmp_path / "images").iterdir())
    data = bytearray(image.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit in the middle of the photo
    image.write_bytes(bytes(data))
    manifest = tmp_path / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"420"', '"42"').replace(": 420", ": 42"))
    check = subprocess.run(
        ["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True
    )
    assert check.returncode != 0
    assert f"images/{image.name}: FAILED" in check.stdout
    assert "manifest.json: FAILED" in check.stdout


def test_a_contact_is_shown_nowhere_a_person_can_look(api, client, alice, mo, rita, adidas, caplog):
    """The contact sent at intake appears in no page, API answer, export,
    console page or log line -- only "contact on file"."""
    import logging

    from networks.models import Ring

    caplog.set_level(logging.DEBUG)
    contact = "+86 138 0013 8000"
    forms = (contact, "+8613800138000", "13800138000", "138-0013-8000")
    for n in range(2):
        item = {
            "external_id": f"L-HIDE-{n}",
            "shop": {
                "external_id": f"S-HIDE-{n}",
                "name": f"Hidden {n}",
                "seller_external_id": f"U-HIDE-{n}",
                "contact": contact,
            },
            "title": f"Adidas Superstar {n}",
            "price": "99.00",
            "currency": "CNY",
            "ship_from": "Putian",
        }
        assert api(mo).post("/api/v1/listings/", item, format="json").status_code == 201
    listings = list(Listing.objects.filter(external_id__startswith="L-HIDE-").order_by("pk"))
    index(*listings)
    ring = Ring.objects.get()
    suspect(listings[0], adidas)
    seller = listings[0].shop.seller
    client.force_login(alice)
    seen = [
        api(alice).get(f"/api/v1/rings/{ring.pk}/").content.decode(),
        api(mo).get(f"/api/v1/listings/{listings[0].pk}/").content.decode(),
        client.get(f"/rings/{ring.pk}/").content.decode(),
        pack_of(api(alice).get(f"/api/v1/rings/{ring.pk}/evidence-pack/"))[
            "manifest.json"
        ].decode(),
    ]
    client.force_login(rita)
    for url in (
        f"/admin/networks/ring/{ring.pk}/change/",
        f"/admin/marketplace/seller/{seller.pk}/change/",
        f"/admin/marketplace/shop/{listings[0].shop_id}/change/",
        f"/admin/marketplace/listing/{listings[0].pk}/change/",
        "/admin/marketplace/seller/",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        seen.append(page.content.decode())
    seen.append(caplog.text)
    assert "Hidden 1" in seen[2]  # the ring page does show the linked shop
    for text in seen:
        for form in forms:
            assert form not in text


def test_bob_reaches_neither_alices_ring_page_nor_its_pack_nor_its_filing(client, bob, ring_setup):
    ring = ring_setup["ring"]
    ring_setup["rival"].delete()  # bob's only way into the ring
    client.force_login(bob)
    assert client.get(f"/rings/{ring.pk}/").status_code == 404
    assert client.get(f"/rings/{ring.pk}/evidence-pack/").status_code == 404
    assert client.post(f"/rings/{ring.pk}/complaints/").status_code == 404
    assert not AuditEvent.objects.filter(action__startswith="ring.").exists()


def test_bad_input_on_rings_answers_4xx_and_changes_nothing(
    api, client, alice, rita, mo, ring_setup
):
    ring = ring_setup["ring"]
    assert api(alice).get("/api/v1/rings/abc/").status_code == 404
    assert api(alice).get("/api/v1/rings/?min_size=-1").status_code == 400
    r = api(alice).post(f"/api/v1/rings/{ring.pk}/", {"hold": True}, format="json")
    assert r.status_code == 405
    assert api(alice).delete(f"/api/v1/rings/{ring.pk}/evidence-pack/").status_code == 405
    client.force_login(alice)
    assert client.get(f"/rings/{ring.pk}/complaints/").status_code == 405
    assert client.get("/rings/999999/").status_code == 404
    # A reviewer does not file for a brand: told so, nothing filed.
    client.force_login(rita)
    r = client.post(f"/rings/{ring.pk}/complaints/", follow=True)
    assert r.status_code == 200 and "Only brand staff file complaints." in r.content.decode()
    from complaints.models import Complaint

    assert not Complaint.objects.exists()
    # Malformed intake fields: a clear 400 naming the field, nothing written.
    for shop_extra, listing_extra, field in (
        ({}, {"ship_from": "x" * 101}, "ship_from"),
        ({"contact": {"phone": "+86 1"}}, {}, "shop"),
        ({"contact": "y" * 255}, {}, "shop"),
    ):
        bad = {
            "external_id": "L-BAD-NET",
            "shop": {"external_id": "S-BAD-NET", "name": "B", "seller_external_id": "U-BAD-NET"}
            | shop_extra,
            "title": "x",
            "price": "1.00",
            "currency": "CNY",
        } | listing_extra
        r = api(mo).post("/api/v1/listings/", bad, format="json")
        assert r.status_code == 400, r.content
        assert field in r.json()["error"]["fields"], r.json()
    assert not Listing.objects.filter(external_id="L-BAD-NET").exists()
    from marketplace.models import Seller

    assert not Seller.objects.filter(external_id="U-BAD-NET").exists()


def test_console_opens_appraisal_and_refers_a_ring_and_audits_both(
    client, rita, alice, ring_setup, settings
):
    from appraisal.models import Case

    settings.APPRAISAL_STATEMENT_HOURS = 24
    ring = ring_setup["ring"]
    client.force_login(rita)
    r = client.post(
        "/admin/networks/ring/",
        {"action": "open_appraisal", "_selected_action": [ring.pk]},
        follow=True,
    )
    assert r.status_code == 200 and "3 appraisal cases opened" in r.content.decode()
    assert Case.objects.count() == 3
    r = client.post(
        "/admin/networks/ring/",
        {"action": "refer_to_brands", "_selected_action": [ring.pk]},
        follow=True,
    )
    assert "2 organisations told to file complaints" in r.content.decode()
    assert Notification.objects.filter(user=alice, kind="ring.referred").exists()
    actions = set(AuditEvent.objects.filter(actor=rita).values_list("action", flat=True))
    assert {"ring.appraisal_opened", "ring.referred"} <= actions


def test_a_brand_cannot_use_the_reviewers_ring_actions(client, alice, ring_setup):
    client.force_login(alice)
    r = client.post(
        "/admin/networks/ring/",
        {"action": "hold_listings", "_selected_action": [ring_setup["ring"].pk]},
    )
    assert r.status_code in (302, 403)
    assert not Listing.objects.filter(status=ListingStatus.HELD).exists()


def test_deploy_check_requires_a_contact_hash_key(monkeypatch):
    from django.core.checks import run_checks

    def ours():
        return {
            e.id for e in run_checks(include_deployment_checks=True) if e.id.startswith("networks.")
        }

    monkeypatch.delenv("CONTACT_HASH_KEY", raising=False)
    assert ours() == {"networks.E001"}
    monkeypatch.setenv("CONTACT_HASH_KEY", "short")
    from django.test import override_settings

    with override_settings(CONTACT_HASH_KEY="short"):
        assert ours() == {"networks.E002"}
    key = "9f" * 32
    monkeypatch.setenv("CONTACT_HASH_KEY", key)
    with override_settings(CONTACT_HASH_KEY=key):
        assert ours() == set()
