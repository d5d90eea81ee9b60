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
from django.test import override_settings

from notifications.models import Notification

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
def test_switch_refuses_an_unknown_language_and_a_foreign_next(client):
    response = client.post(SETLANG, {"language": "xx", "next": "/accounts/login/"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    response = client.post(SETLANG, {"language": "zh-hans", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


# --- The catalogue ------------------------------------------------------------


def test_catalogue_is_complete_and_compiled():
    entries = read_po(PO_PATH)
    assert len(entries) > 300
    assert untranslated(entries) == []

    # The compiled .mo (kept in the repository) carries every current entry.
    with MO_PATH.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)
    for e in entries:
        if "msgid_plural" in e:
            assert catalog.ngettext(e["msgid"], e["msgid_plural"], 1) == e["msgstr"][0]
        else:
            assert catalog.gettext(e["msgid"]) == e["msgstr"][0], (
                f"{e['msgid']!r}: run compilemessages"
            )


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
