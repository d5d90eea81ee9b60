"""English and Simplified Chinese: the language switch on every kind of page,
the browser's language picked by default, localised dates, and a catalogue that
is complete — including strings marked since it was last updated."""

from __future__ import annotations

import ast
import datetime
import gettext
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings

from complaints import services as complaint_services
from detection.models import Suspect
from marketplace.models import ListingStatus
from notifications.models import Notification
from tests.complaints.conftest import make_trademark
from tests.factories import ListingFactory

ROOT = Path(settings.BASE_DIR)
PO_PATH = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
# What `makemessages` is run with (README, "Languages"): third-party code,
# runtime data, benchmarks and tests hold no strings people read in the app.
MAKEMESSAGES_IGNORE = [".venv", "var", "bench", "tests", "node_modules", "staticfiles"]
SETLANG = "/i18n/setlang/"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}


# --- A small PO reader (no third-party dependency) ----------------------------


def read_po(path: Path) -> list[dict]:
    """Entries of a PO file: msgid, msgid_plural, msgstr forms and flags."""
    entries: list[dict] = []
    entry: dict | None = None
    field: tuple | None = None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry is not None and "msgid" in entry:
                entries.append(entry)
            entry, field = None, None
            continue
        if line.startswith("#~"):  # obsolete: not in use
            continue
        entry = entry if entry is not None else {"flags": set(), "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"].update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += value
            else:
                entry[field[0]] += value
        else:
            keyword, _, rest = line.partition(" ")
            value = ast.literal_eval(rest)
            if keyword.startswith("msgstr"):
                index = int(keyword[7:-1]) if "[" in keyword else 0
                field = ("msgstr", index)
                entry["msgstr"][index] = value
            else:
                field = (keyword,)
                entry[keyword] = value
    return [e for e in entries if e["msgid"]]  # the first entry is the header


def untranslated(entries: list[dict]) -> list[str]:
    return [
        e["msgid"]
        for e in entries
        if "fuzzy" in e["flags"] or not e["msgstr"] or not all(e["msgstr"].values())
    ]


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


# --- Pages in Chinese ----------------------------------------------------------


@pytest.mark.django_db
def test_portal_in_chinese_shows_chinese_nav_headings_and_dates(client, alice, alice_org):
    note = Notification.objects.create(
        user=alice, kind="complaint.upheld", title="Complaint #7 upheld", body="…"
    )
    when = datetime.datetime(2026, 3, 4, 14, 30, tzinfo=datetime.UTC)
    Notification.objects.filter(pk=note.pk).update(created_at=when)
    client.force_login(alice)

    home = client.get("/", **ZH).content.decode()
    assert '<html lang="zh-hans">' in home
    for text in ("首页", "疑似侵权", "投诉", "消息通知", "退出登录", "您的机构", "诚信分"):
        assert text in home, text
    assert "Your organisations" not in home and "Sign out" not in home

    inbox = client.get("/notifications/", **ZH).content.decode()
    assert "<h1>消息通知</h1>" in inbox
    assert "2026年3月4日 14:30" in inbox

    # The same page in English: ISO-style dates a reader anywhere understands.
    inbox_en = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Notifications</h1>" in inbox_en
    assert "2026-03-04 14:30" in inbox_en


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "lang", "heading"),
    [
        ("zh-Hans", "zh-hans", "登录 CoGuard"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-hans", "登录 CoGuard"),
        ("zh-SG", "zh-hans", "登录 CoGuard"),
        ("zh", "zh-hans", "登录 CoGuard"),
        ("en-GB,en;q=0.9", "en", "Sign in to CoGuard"),
        ("fr-FR,fr;q=0.9", "en", "Sign in to CoGuard"),
    ],
)
def test_browser_language_picks_the_default(client, accept, lang, heading):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert f'<html lang="{lang}">' in page
    assert f"<h1>{heading}</h1>" in page


def switch_form(page: str) -> str:
    match = re.search(r'<form action="/i18n/setlang/" method="post"[^>]*>(.*?)</form>', page, re.S)
    assert match, "no language switch on the page"
    return match.group(1)


def assert_switch(page: str, label: str) -> None:
    form = switch_form(page)
    # A labelled native select and a real submit button: keyboard and screen
    # reader users reach and operate it without a script.
    select_id = re.search(r'<select id="([\w-]+)" name="language">', form).group(1)
    assert f'<label class="visually-hidden" for="{select_id}">{label}</label>' in form
    assert 'value="en" lang="en"' in form and ">English</option>" in form
    assert 'value="zh-hans" lang="zh-hans"' in form and ">简体中文</option>" in form
    assert '<button type="submit">' in form
    assert 'name="csrfmiddlewaretoken"' in form


@pytest.mark.django_db
def test_switch_is_on_sign_in_sign_up_portal_judge_and_console_pages(
    client, alice, alice_org, judy, rita
):
    for path in ("/accounts/login/", "/signup/"):
        assert_switch(client.get(path).content.decode(), "Language")
        assert_switch(client.get(path, **ZH).content.decode(), "语言")

    client.force_login(alice)
    for path in ("/", "/suspects/", "/complaints/", f"/organisations/{alice_org.pk}/"):
        response = client.get(path, **ZH)
        assert response.status_code == 200, path
        assert_switch(response.content.decode(), "语言")

    client.force_login(judy)
    judge_page = client.get("/appraisal/", **ZH).content.decode()
    assert_switch(judge_page, "语言")
    assert "大众评审" in judge_page

    client.force_login(rita)
    console = client.get("/admin/", **ZH).content.decode()
    assert_switch(console, "语言")
    assert "CoGuard 审核控制台" in console  # our site header
    assert "注销" in console  # Django's own admin strings ("Log out"), translated by Django


@pytest.mark.django_db
def test_language_chosen_with_the_switch_persists(client, alice, alice_org):
    client.force_login(alice)
    response = client.post(SETLANG, {"language": "zh-hans", "next": "/complaints/"})
    assert response.status_code == 302 and response["Location"] == "/complaints/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "zh-hans"
    assert int(cookie["max-age"]) >= 365 * 24 * 3600  # outlives the browser session

    # No Accept-Language: the cookie alone keeps the portal in Chinese.
    page = client.get("/complaints/").content.decode()
    assert "<h1>投诉</h1>" in page
    # The cookie beats a browser that asks for English.
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "退出登录" in page

    client.post(SETLANG, {"language": "en", "next": "/"})
    assert "<h1>Complaints</h1>" in client.get("/complaints/", **ZH).content.decode()


@pytest.mark.django_db
def test_the_chosen_language_follows_the_person_to_a_new_browser(client, alice, alice_org):
    client.force_login(alice)
    client.post(SETLANG, {"language": "zh-hans", "next": "/"})
    alice.refresh_from_db()
    assert alice.language == "zh-hans"

    # Another browser, no cookie yet, asking for English: alice's own choice wins.
    elsewhere = Client()
    elsewhere.force_login(alice)
    assert (
        "<h1>投诉</h1>" in elsewhere.get("/complaints/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    # ... until she switches there, which is remembered as her choice again.
    elsewhere.post(SETLANG, {"language": "en", "next": "/"})
    assert "<h1>Complaints</h1>" in elsewhere.get("/complaints/", **ZH).content.decode()
    alice.refresh_from_db()
    assert alice.language == "en"


@pytest.mark.django_db
def test_switch_refuses_an_unknown_language_and_a_foreign_next(client):
    response = client.post(SETLANG, {"language": "xx", "next": "/accounts/login/"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    response = client.post(SETLANG, {"language": "zh-hans", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


# --- The reviewer console ------------------------------------------------------


@pytest.fixture
def console_records(alice, adidas):
    """A listing suspected for Adidas and alice's complaint against it."""
    make_trademark(adidas)
    listing = ListingFactory(
        external_id="L-ZH-1",
        title="Adidas Superstar 1:1 replica",
        category="shoes",
        ship_from="Putian",
        status=ListingStatus.ACTIVE,
    )
    suspect = Suspect.objects.create(
        listing=listing,
        brand=adidas,
        score=0.91,
        signals=[{"code": "haze_term", "weight": 0.9, "detail": "'1:1' beside 'Adidas'"}],
    )
    complaint = complaint_services.complaint_file(
        user=alice,
        brand=adidas,
        listing=listing,
        kind="counterfeit",
        description="Counterfeit Superstar: wrong stitching.",
    )
    return {
        "complaint": complaint,
        "listing": listing,
        "suspect": suspect,
        "organisation": adidas.organisation,
    }


def column_headers(page: str) -> list[str]:
    """The changelist's column headers as shown."""
    return [
        re.sub(r"<[^>]+>", "", h).strip()
        for h in re.findall(r'<th scope="col"[^>]*>.*?<div class="text">(.*?)</div>', page, re.S)
    ]


def field_labels(page: str) -> list[str]:
    """The change form's field labels and fieldset titles."""
    labels = re.findall(r"<label[^>]*>([^<]+)</label>", page)
    titles = re.findall(r'<h2 id="fieldset-[^"]*-heading"[^>]*>([^<]+)</h2>', page)
    return [t.strip() for t in [*labels, *titles] if t.strip()]


def filter_titles(page: str) -> list[str]:
    return [
        t.strip()
        for t in re.findall(
            r'<details data-filter-title="[^"]*"[^>]*>\s*<summary>\s*([^<]+?)\s*</summary>', page
        )
    ]


def english_words(text: str) -> list[str]:
    # Django's own "ID" column and the terms Chinese keeps as they are.
    return [w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in {"ID", "SHA", "Webhook"}]


# Per page: what the console shows in Chinese, and what it showed in English
# when models had no translatable names.
CONSOLE_PAGES = {
    "complaint": {
        "list": "/admin/complaints/complaint/",
        "change": "/admin/complaints/complaint/{complaint.pk}/change/",
        "zh": ["投诉类型", "投诉方", "处理截止", "反通知截止时间", "提交人", "快速通道"],
        "zh_columns": ["投诉", "剩余时间", "状态", "品牌", "商品链接", "诚信分", "提交时间"],
        "zh_filters": ["以 状态", "以 投诉类型", "以 快速通道"],
        "en": ["Complaint type", "Complainant", "Decision due", "Counter-notice deadline"],
    },
    "listing": {
        "list": "/admin/marketplace/listing/",
        "change": "/admin/marketplace/listing/{listing.pk}/change/",
        "zh": ["平台编号", "店铺", "标题", "价格", "类目", "风险分", "上架时间", "状态与风险"],
        "zh_columns": ["平台编号", "标题", "店铺", "状态", "风险分", "检测时间"],
        "zh_filters": ["以 状态"],
        "en": ["Marketplace id", "Risk score", "Went live", "Category"],
    },
    "suspect": {
        "list": "/admin/detection/suspect/",
        "change": "/admin/detection/suspect/{suspect.pk}/change/",
        "zh": ["商品链接", "品牌", "分数", "信号", "判定人", "判定备注", "发现时间"],
        "zh_columns": ["分数", "品牌", "商品链接", "状态", "更新时间"],
        "zh_filters": ["以 状态"],
        "en": ["Score", "Judged by", "Judgment note", "Found"],
    },
    "organisation": {
        "list": "/admin/rightsholders/organisation/",
        "change": "/admin/rightsholders/organisation/{organisation.pk}/change/",
        "zh": [
            "名称",
            "机构类型",
            "国家/地区",
            "认证状态",
            "审核员给出的理由",
            "诚信分",
            "资质认证",
        ],
        "zh_columns": ["名称", "认证状态", "机构类型", "国家/地区", "诚信分", "登记时间"],
        "zh_filters": ["以 认证状态", "以 机构类型"],
        "en": ["Organisation type", "Verification status", "Reviewer&#x27;s reason"],
    },
}


@pytest.mark.django_db
def test_console_index_names_every_model_in_chinese(client, rita, console_records):
    client.force_login(rita)
    page = client.get("/admin/", **ZH).content.decode()
    links = {
        path: text.strip()
        for path, text in re.findall(
            r'<th scope="row"[^>]*>\s*<a href="(/admin/[^"]+/)"[^>]*>([^<]+)</a>', page
        )
    }
    expected = {
        "/admin/rightsholders/organisation/": "机构",
        "/admin/rightsholders/trademark/": "商标",
        "/admin/rightsholders/authorisation/": "授权书",
        "/admin/rightsholders/integrityevent/": "诚信分明细",
        "/admin/complaints/complaint/": "投诉",
        "/admin/complaints/counternotice/": "反通知",
        "/admin/marketplace/listing/": "商品链接",
        "/admin/marketplace/shop/": "店铺",
        "/admin/marketplace/seller/": "卖家",
        "/admin/detection/suspect/": "疑似侵权链接",
        "/admin/detection/hazeterm/": "模糊词",
        "/admin/detection/scanjob/": "排查",
        "/admin/appraisal/case/": "大众评审案件",
        "/admin/appraisal/judgeprofile/": "大众评审员",
        "/admin/networks/ring/": "售假团伙",
        "/admin/platform_core/auditevent/": "审计记录",
    }
    assert {path: links.get(path) for path in expected} == expected
    # Every model the console lists is named in Chinese, none in English.
    assert [text for text in links.values() if english_words(text)] == []
    # Django's own headers its catalogue lacks come from ours (screen readers read them).
    assert "模型名称" in page and "Model name" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("record", list(CONSOLE_PAGES))
def test_console_changelist_and_change_form_in_chinese(client, rita, console_records, record):
    spec = CONSOLE_PAGES[record]
    client.force_login(rita)

    changelist = client.get(spec["list"], **ZH)
    assert changelist.status_code == 200
    page = changelist.content.decode()
    headers = column_headers(page)
    for column in spec["zh_columns"]:
        assert column in headers, (column, headers)
    assert [h for h in headers if english_words(h)] == []
    filters = filter_titles(page)
    for title in spec["zh_filters"]:
        assert title in filters, (title, filters)
    assert [t for t in filters if english_words(t)] == []

    change = client.get(spec["change"].format(**console_records), **ZH)
    assert change.status_code == 200
    page = change.content.decode()
    labels = field_labels(page)
    for label in spec["zh"]:
        assert any(label == text.rstrip(":：") for text in labels), (label, labels)
    assert [text for text in labels if english_words(text)] == []
    for english in spec["en"]:
        assert f">{english}:<" not in page

    # English is still English.
    page = client.get(spec["change"].format(**console_records)).content.decode()
    for english in spec["en"]:
        assert f">{english}:</label>" in page, english
    assert not any(f">{label}:</label>" in page for label in spec["zh"])


@pytest.mark.django_db
def test_console_rows_and_choices_in_chinese(client, rita, console_records):
    client.force_login(rita)
    complaint = console_records["complaint"]
    page = client.get("/admin/complaints/complaint/", **ZH).content.decode()
    assert f"投诉 #{complaint.pk}（假冒）" in page  # the record's name
    assert "已提交" in page  # its status, a choice
    assert "Submitted" not in page and "Counterfeit)" not in page
    english = client.get("/admin/complaints/complaint/").content.decode()
    assert f"Complaint #{complaint.pk} (Counterfeit)" in english


# --- The catalogue ------------------------------------------------------------


def test_catalogue_is_complete_and_compiled():
    entries = read_po(PO_PATH)
    assert len(entries) > 300
    assert untranslated(entries) == []

    # The compiled .mo (kept in the repository) carries every current entry.
    with MO_PATH.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)
    for e in entries:
        context = e.get("msgctxt")  # pgettext: the same msgid may differ by context
        if "msgid_plural" in e:
            args = (e["msgid"], e["msgid_plural"], 1)
            found = catalog.npgettext(context, *args) if context else catalog.ngettext(*args)
        else:
            found = (
                catalog.pgettext(context, e["msgid"]) if context else catalog.gettext(e["msgid"])
            )
        assert found == e["msgstr"][0], f"{e['msgid']!r}: run compilemessages"


def test_translations_keep_their_placeholders():
    wrong = []
    for e in read_po(PO_PATH):
        expected = sorted(PLACEHOLDER.findall(e["msgid"]))
        for text in e["msgstr"].values():
            if sorted(PLACEHOLDER.findall(text)) != expected:
                wrong.append((e["msgid"], text))
    assert wrong == []


@pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("xgettext", "msgmerge", "msguniq")),
    reason="GNU gettext tools (xgettext, msgmerge, msguniq) are not installed",
)
def test_every_marked_string_is_in_the_catalogue(tmp_path, monkeypatch):
    """Extract into a copy of the tree, merged with the catalogue: anything new
    comes out untranslated (or fuzzy) and fails here, naming the string."""
    tree = tmp_path / "tree"
    skip = shutil.ignore_patterns(
        *MAKEMESSAGES_IGNORE, ".*", "__pycache__", "*.pyc", "*.mo", "media", "static"
    )
    shutil.copytree(ROOT, tree, ignore=skip)
    locale = tree / "locale"
    assert (locale / "zh_Hans" / "LC_MESSAGES" / "django.po").exists()
    monkeypatch.chdir(tree)
    with override_settings(LOCALE_PATHS=[locale]):
        call_command(
            "makemessages",
            locale=["zh_Hans"],
            ignore_patterns=MAKEMESSAGES_IGNORE,
            no_obsolete=True,
            verbosity=0,
        )
    missing = untranslated(read_po(locale / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    assert missing == [], (
        f"{len(missing)} marked strings are not translated in locale/zh_Hans/LC_MESSAGES/"
        "django.po; run makemessages, translate them and compilemessages (README, "
        "Languages): " + "; ".join(repr(m) for m in missing[:20])
    )
