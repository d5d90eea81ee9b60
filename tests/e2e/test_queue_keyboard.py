"""Fast work on the suspect queue: keyboard shortcuts that judge through the
same htmx requests as the one-click buttons (no full page reload), filters
kept in the URL, and evidence images enlarged side by side."""

from __future__ import annotations

import re

import pytest

from detection.models import Suspect
from marketplace.models import ImageStatus, ListingImage
from rightsholders.models import ReferenceImage
from tests.factories import ListingFactory
from tests.images import jpeg_bytes

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed: pip install -e '.[dev]'"
).expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def queue(adidas, rival_brand):
    """Three Adidas suspects (ranked 0.95, 0.7, 0.6) and one of bob's Nike."""
    suspects = [
        Suspect.objects.create(
            listing=ListingFactory(title=f"Adidas copy {n}", external_id=f"L-COPY-{n}"),
            brand=adidas,
            score=score,
            signals=[{"code": "haze_term", "weight": 0.6, "detail": '"1:1" next to "adidas"'}],
        )
        for n, score in enumerate([0.95, 0.7, 0.6])
    ]
    Suspect.objects.create(
        listing=ListingFactory(title="Nike copy", external_id="L-NIKE"),
        brand=rival_brand,
        score=0.99,
        signals=[],
    )
    return suspects


def test_keyboard_shortcuts_judge_suspects_without_a_page_reload(person, alice, queue):
    alice_ = person("alice")
    alice_.sign_in("alice")
    page = alice_.goto("/suspects/")
    rows = page.locator("#suspect-queue tbody tr.suspect-row")
    expect(rows).to_have_count(3)  # bob's Nike suspect is not alice's to see
    expect(page.get_by_text("Nike copy")).to_have_count(0)
    # A full page load would lose this marker; htmx swaps keep it.
    page.evaluate("() => { window.__sameDocument = true; }")

    page.keyboard.press("j")
    first = page.locator(f"#suspect-{queue[0].pk}")
    expect(first).to_have_class(re.compile(r"\bis-current\b"))
    expect(first).to_be_focused()
    alice_.shot("queue-keyboard-current-row")

    page.keyboard.press("n")  # not infringing: the row comes back dismissed
    expect(first.locator(".status-dismissed")).to_have_text("Dismissed")
    second = page.locator(f"#suspect-{queue[1].pk}")
    expect(second).to_have_class(re.compile(r"\bis-current\b"))  # moved on by itself
    expect(second).to_be_focused()

    page.keyboard.press("i")  # infringing
    expect(second.locator(".status-confirmed")).to_have_text("Confirmed infringing")

    third = page.locator(f"#suspect-{queue[2].pk}")
    expect(third).to_be_focused()  # moved on again
    page.keyboard.press("k")  # back up one row, then select it for bulk
    expect(second).to_be_focused()
    expect(third).not_to_have_class(re.compile(r"\bis-current\b"))
    page.keyboard.press("x")
    expect(second.locator('input[name="ids"]')).to_be_checked()
    expect(first.locator('input[name="ids"]')).not_to_be_checked()

    assert page.evaluate("() => window.__sameDocument === true"), "the page was reloaded"
    statuses = dict(Suspect.objects.filter(brand=queue[0].brand).values_list("pk", "status"))
    assert statuses == {
        queue[0].pk: "dismissed",
        queue[1].pk: "confirmed",
        queue[2].pk: "new",
    }
    judged = Suspect.objects.get(pk=queue[0].pk)
    assert judged.judged_by == alice

    # Typing in a filter field is typing, not shortcuts.
    min_score = page.get_by_label("Min. score")
    min_score.fill("")
    min_score.press("n")
    min_score.press("i")
    assert Suspect.objects.get(pk=queue[2].pk).status == "new"

    # ? shows the list of shortcuts, in a modal dialog that Escape closes.
    page.get_by_role("heading", level=1).click()  # out of the field
    page.keyboard.press("?")
    help_ = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(help_).to_be_visible()
    expect(help_).to_contain_text("Not infringing")
    alice_.visit("queue-keyboard-help")
    page.keyboard.press("Escape")
    expect(help_).to_be_hidden()

    # The bulk buttons judge what x selected; the filters stay in the URL.
    page.locator("p.bulk").get_by_role("button", name="Not infringing").click()
    expect(page.locator(".messages")).to_contain_text("1 suspects judged.")
    assert Suspect.objects.get(pk=queue[1].pk).status == "dismissed"
    page.get_by_label("Status").select_option("new")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"status=new"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Adidas copy 2")
    assert alice_.csp_violations == []


def test_evidence_images_enlarge_side_by_side(person, alice, adidas):
    listing = ListingFactory(title="Adidas Superstar replica", external_id="L-ZOOM")
    image = ListingImage(listing=listing, position=0, status=ImageStatus.READY)
    image.image.save("zoom-full.jpg", _file(jpeg_bytes(3, size=(900, 900))), save=False)
    image.thumbnail.save("zoom-thumb.jpg", _file(jpeg_bytes(3, size=(200, 200))), save=False)
    image.save()
    ref = ReferenceImage(brand=adidas, kind="product")
    ref.image.save("zoom-ref.jpg", _file(jpeg_bytes(4, size=(900, 900))), save=False)
    ref.width = ref.height = 900
    ref.save()
    suspect = Suspect.objects.create(
        listing=listing,
        brand=adidas,
        score=0.8,
        signals=[
            {
                "code": "image_match",
                "weight": 0.8,
                "detail": "photo matches a reference",
                "evidence": {"reference_image": ref.pk},
            }
        ],
    )
    alice_ = person("alice")
    alice_.sign_in("alice")
    page = alice_.goto(f"/suspects/{suspect.pk}/")
    evidence = page.locator("#evidence")
    photo = evidence.get_by_role("button", name="Listing photo 1")
    reference = evidence.get_by_role("button", name=re.compile("Reference image"))
    expect(photo).to_have_attribute("aria-pressed", "false")
    small = photo.bounding_box()["width"]

    photo.click()
    expect(evidence).to_have_class(re.compile(r"\bis-zoomed\b"))
    expect(photo).to_have_attribute("aria-pressed", "true")
    expect(photo.locator("img")).to_have_attribute("src", image.image.url)  # full size
    big_photo, big_ref = photo.bounding_box(), reference.bounding_box()
    assert big_photo["width"] > small * 1.5
    assert abs(big_photo["y"] - big_ref["y"]) < 5 and big_ref["x"] > big_photo["x"]  # side by side
    alice_.visit("suspect-evidence-zoomed")

    page.keyboard.press("Escape")
    expect(photo).to_have_attribute("aria-pressed", "false")
    expect(photo.locator("img")).to_have_attribute("src", image.thumbnail.url)
    reference.focus()
    page.keyboard.press("Enter")  # a keyboard user zooms the same way
    expect(evidence).to_have_class(re.compile(r"\bis-zoomed\b"))
    assert alice_.csp_violations == []


def _file(data: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(data)
