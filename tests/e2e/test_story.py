"""The whole loop in a real browser, as the people in it use it: a brand signs
up, uploads a trademark, is verified by a reviewer in the console, adds a
reference image, sees a suspect appear once the marketplace pushes a listing
through the API (a real Celery worker scans it), files a one-click
complaint; the reviewer upholds it; the seller counter-notices; a judge
votes in the appraisal case. Every main page is screenshotted and checked
with axe-core on the way."""

from __future__ import annotations

import datetime
import io
import re

import pytest

from appraisal.models import Case
from complaints.models import Complaint
from detection.models import ScanJob, Suspect
from marketplace.models import Seller
from rightsholders.models import Organisation
from tests.appraisal.conftest import qualified_judge
from tests.conftest import wait_until
from tests.images import b64, jpeg_bytes, pdf_bytes, photo

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed: pip install -e '.[dev]'"
).expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.slow]


def knockoff_of(seed: int) -> bytes:
    """The brand's product photo as a counterfeiter re-posts it: smaller,
    recompressed."""
    out = io.BytesIO()
    photo(seed, (800, 800)).resize((600, 600)).save(out, "JPEG", quality=70)
    return out.getvalue()


def payload(name: str, content: bytes, mime: str) -> dict:
    return {"name": name, "mimeType": mime, "buffer": content}


def test_brand_reviewer_seller_and_judge_work_one_case(
    person, worker, api, rita, mo, sam, judy, tmp_path
):
    Seller.objects.create(external_id="U-SAM", user=sam)  # the marketplace's account link
    for username in ("judy", None, None):  # a jury of three can be drawn
        qualified_judge(username)

    # --- A brand protection manager signs up and registers ---------------------------
    nadia = person("nadia")
    page = nadia.goto("/accounts/login/")
    nadia.visit("01-login")
    page.get_by_role("main").get_by_role("link", name="Sign up").click()
    nadia.visit("02-signup")
    page.get_by_label("Username").fill("nadia")
    page.get_by_label("Work e-mail").fill("nadia@nordpeak.example")
    page.locator("#id_password1").fill("a sturdy passphrase 42")
    page.locator("#id_password2").fill("a sturdy passphrase 42")
    page.get_by_role("button", name="Sign up").click()

    page.get_by_label("Organisation name").fill("Nordpeak Outdoor AB")
    page.get_by_label("Country").fill("SE")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nordpeak Outdoor AB")
    org = Organisation.objects.get(name="Nordpeak Outdoor AB")

    page.get_by_text("Register a brand").click()
    page.get_by_label("Brand name").fill("Nordpeak")
    page.get_by_role("button", name="Add brand").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nordpeak")
    page.get_by_role("link", name="Nordpeak Outdoor AB").click()

    page.get_by_text("Upload a registration certificate").click()
    form = page.locator("form", has=page.get_by_role("button", name="Submit for verification"))
    form.get_by_label("Brand").select_option(label="Nordpeak")
    form.get_by_label("Registration number").fill("SE-55501")
    form.get_by_label("Jurisdiction").fill("EU")
    form.get_by_label("Nice classes").fill("18, 25")
    next_years = datetime.date.today() + datetime.timedelta(days=3 * 365)
    form.get_by_label("Expires on").fill(next_years.isoformat())
    form.get_by_label("Registration certificate").set_input_files(
        payload("certificate.pdf", pdf_bytes(), "application/pdf")
    )
    form.get_by_role("button", name="Submit for verification").click()
    expect(page.get_by_role("cell", name="EU SE-55501")).to_be_visible()
    expect(page.get_by_text("Filing complaints is not available")).to_be_visible()
    nadia.visit("03-organisation-pending")
    nadia.goto("/")
    nadia.visit("04-portal-home")

    # --- The reviewer verifies the organisation in the console ------------------------
    reviewer = person("rita")
    reviewer.sign_in("rita")
    page = reviewer.page
    page.get_by_role("link", name="Open the reviewer console").click()
    reviewer.visit("05-console-index")
    reviewer.goto(f"/admin/rightsholders/organisation/{org.pk}/change/")
    expect(page.get_by_text("Nordpeak Outdoor AB").first).to_be_visible()
    reviewer.visit("06-console-organisation-change-form")
    reviewer.goto(f"/admin/rightsholders/organisation/{org.pk}/decide/")
    page.locator('input[name="decision"][value="verified"]').check()
    page.get_by_label("Common reason").select_option("registry_ok")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("is now verified")).to_be_visible()

    # --- The brand adds a reference image; the catalogue is swept ----------------------
    page = nadia.goto(f"/organisations/{org.pk}/")
    expect(page.get_by_text("You may file complaints.")).to_be_visible()
    page.get_by_role("link", name="Nordpeak", exact=True).click()
    page.get_by_role("link", name="Protected assets and sweeps").click()
    upload = page.locator("form", has=page.get_by_role("button", name="Upload"))
    upload.get_by_label("Image").set_input_files(
        payload("jacket.jpg", jpeg_bytes(21, size=(800, 800), quality=92), "image/jpeg")
    )
    upload.get_by_label("Kind").select_option("product")
    upload.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("img", name="Product")).to_be_visible()
    brand = org.brands.get()
    wait_until(
        lambda: ScanJob.objects.filter(brand=brand, status="finished").exists(),
        timeout=60,
        message="the sweep after the reference upload did not finish",
    )
    page.reload()
    expect(page.locator(".scan .status-finished").first).to_be_visible()
    nadia.visit("07-brand-assets")

    # --- The marketplace pushes a knockoff through the API -----------------------------
    response = api(mo).post(
        "/api/v1/listings/",
        {
            "external_id": "L-NP-1",
            "shop": {"external_id": "S-SAM", "name": "Peak Deals", "seller_external_id": "U-SAM"},
            "title": "Nordpeak Summit down jacket",
            "price": "159.00",
            "currency": "CNY",
            "images": [{"content_base64": b64(knockoff_of(21))}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    suspect = wait_until(
        lambda: Suspect.objects.filter(listing__external_id="L-NP-1", brand=brand).first(),
        timeout=60,
        message="the pushed listing did not become a suspect",
    )

    page = nadia.goto("/suspects/")
    row = page.locator(f"#suspect-{suspect.pk}")
    expect(row).to_contain_text("Nordpeak Summit down jacket")
    expect(row).to_contain_text("Image match")  # the signal, by name
    nadia.visit("08-suspect-queue")
    row.get_by_role("link", name=re.compile("Summit down jacket")).click()
    expect(page.get_by_role("img", name=re.compile("Reference image"))).to_be_visible()
    nadia.visit("09-suspect-detail")

    # --- One click files the complaint ------------------------------------------------
    page.get_by_role("button", name="File complaint").click()
    expect(page.locator(".messages")).to_contain_text("filed")
    complaint = Complaint.objects.get(listing__external_id="L-NP-1")
    assert (complaint.brand, complaint.trademark.registration_number) == (brand, "SE-55501")
    nadia.visit("10-complaint-detail")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Complaints").click()
    expect(page.get_by_role("link", name=str(complaint.pk), exact=True)).to_be_visible()
    nadia.visit("11-complaints-list")

    # --- The reviewer upholds it ----------------------------------------------------
    page = reviewer.goto(f"/admin/complaints/complaint/{complaint.pk}/change/")
    page.get_by_role("button", name="Start review").click()
    expect(page.get_by_text("under your review")).to_be_visible()
    page.locator('input[name="decision"][value="upheld"]').check()
    page.get_by_label("Common reason").select_option("logo_copy")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_text("Decision recorded")).to_be_visible()
    reviewer.visit("12-console-complaint-upheld")
    complaint.refresh_from_db()
    assert complaint.status == "upheld" and complaint.listing.status == "delisted"

    # --- The seller reads the statement of reasons and counter-notices ----------------
    seller = person("sam")
    seller.sign_in("sam")
    page = seller.page
    page.get_by_role("link", name="Actions on my listings").click()
    seller.visit("13-seller-actions")
    page.get_by_role("main").get_by_role("link", name=str(complaint.pk), exact=True).click()
    seller.visit("14-seller-action-detail")
    page.get_by_label("Why the takedown is wrong").fill(
        "Peak Deals buys from Nordpeak's authorised distributor; invoice attached."
    )
    page.get_by_label("Evidence").set_input_files(
        payload("invoice.pdf", pdf_bytes(), "application/pdf")
    )
    page.get_by_label("I declare in good faith").check()
    page.get_by_role("button", name="File counter-notice").click()
    expect(page.locator(".messages")).to_be_visible()
    complaint.refresh_from_db()
    assert complaint.status == "counter_noticed"

    # --- The reviewer sends it to public appraisal -----------------------------------
    page = reviewer.goto("/admin/appraisal/case/open/")
    page.get_by_label("Complaint id").fill(str(complaint.pk))
    page.get_by_label("Question").fill("Is Peak Deals' Nordpeak jacket a counterfeit?")
    page.get_by_label("Jury size").fill("3")
    page.get_by_role("button", name="Open case and draw jury").click()
    case = wait_until(lambda: Case.objects.filter(complaint=complaint).first(), timeout=10)
    assert case.jurors.filter(judge=judy).exists()

    # --- A judge reads the evidence and votes --------------------------------------
    judge = person("judy")
    judge.sign_in("judy")
    page = judge.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My cases").click()
    page.get_by_role("link", name=re.compile(f"#{case.pk}")).first.click()
    expect(page.get_by_role("heading", name=f"Case #{case.pk}")).to_be_visible()
    judge.visit("15-judge-case")
    ballot = page.locator("#ballot")
    ballot.get_by_role("radio").first.check()
    ballot.get_by_label("Your reasons").fill("The photo is the brand's own, re-posted.")
    ballot.get_by_role("button", name="Cast my vote").click()
    expect(page.get_by_text("You have voted.")).to_be_visible()
    assert case.votes.filter(judge=judy).count() == 1
    # Portal and console pages alike ran under the strict CSP without a refusal.
    assert nadia.csp_violations == seller.csp_violations == judge.csp_violations == []
    assert reviewer.csp_violations == []
