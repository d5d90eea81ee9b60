"""The portal and the console in Simplified Chinese, as a person gets there:
signed in, they pick 中文 in the language switch, and every main page then
speaks Chinese, is screenshotted and passes the accessibility check."""

from __future__ import annotations

import pytest

from detection.models import Suspect
from tests.factories import ListingFactory

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed: pip install -e '.[dev]'"
).expect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# Words of the English navigation that must be gone once Chinese is picked.
ENGLISH_NAV = ("Suspects", "Complaints", "Results", "Notifications", "Change language")


def switch_to_chinese(who) -> None:
    page = who.page
    page.locator("form.language-switch select").first.select_option("zh-hans")
    page.locator("form.language-switch button").first.click()
    page.wait_for_load_state("load")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")


def assert_chinese_page(who, name: str, *, nav: bool = True) -> None:
    page = who.page
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    if nav:
        navigation = page.locator("nav").first
        expect(navigation).to_contain_text("疑似侵权")  # "Suspects"
        text = navigation.inner_text()
        leftovers = [word for word in ENGLISH_NAV if word in text]
        assert not leftovers, f"{name}: English left in the navigation: {leftovers}"
    who.visit(name)


@pytest.fixture
def suspect(adidas):
    return Suspect.objects.create(
        listing=ListingFactory(title="阿迪达斯 同款 运动鞋 1:1", external_id="L-ZH-1"),
        brand=adidas,
        score=0.93,
        signals=[
            {
                "code": "haze_term",
                "weight": 0.6,
                "detail": 'Haze term "同款" (同款) next to "阿迪达斯"',
            }
        ],
    )


def test_brand_portal_in_chinese(person, alice, suspect):
    alice_ = person("alice-zh")
    alice_.sign_in("alice")
    switch_to_chinese(alice_)
    assert_chinese_page(alice_, "zh-01-portal-home")
    expect(alice_.page.get_by_role("heading", level=1)).not_to_contain_text("Hello")

    pages = [
        ("zh-02-suspect-queue", "/suspects/"),
        ("zh-03-suspect-detail", f"/suspects/{suspect.pk}/"),
        ("zh-04-complaints", "/complaints/"),
        ("zh-05-results", "/results/"),
        ("zh-06-networks", "/rings/"),
        ("zh-07-notifications", "/notifications/"),
        ("zh-08-brand-assets", f"/brands/{suspect.brand_id}/assets/"),
    ]
    for name, path in pages:
        response = alice_.page.goto(alice_.base_url + path)
        assert response.status == 200, f"{path}: {response.status}"
        assert_chinese_page(alice_, name)

    # The choice is remembered (cookie), and numbers/dates follow it: the
    # queue still shows the suspect's title as the seller wrote it.
    alice_.page.goto(alice_.base_url + "/suspects/")
    expect(alice_.page.locator("#suspect-queue")).to_contain_text("阿迪达斯 同款")


def test_console_and_transparency_in_chinese(person, rita, alice_org):
    rita_ = person("rita-zh")
    rita_.sign_in("rita")
    rita_.goto("/admin/")
    switch_to_chinese(rita_)
    assert_chinese_page(rita_, "zh-09-console-index", nav=False)
    expect(rita_.page.locator("body")).not_to_contain_text("Site administration")

    rita_.goto("/admin/dashboard/")
    assert_chinese_page(rita_, "zh-10-console-dashboard", nav=False)

    rita_.goto("/transparency/")
    assert_chinese_page(rita_, "zh-11-transparency", nav=False)
