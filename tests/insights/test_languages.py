"""Results in the reader's language: chart periods and numbers on the page,
and the CSV's header row; the CSV's periods and figures stay machine-readable
(ISO months and plain numbers) in every language."""

from __future__ import annotations

import csv
import datetime
import io
import itertools

import pytest
from django.utils import timezone, translation

pytestmark = pytest.mark.django_db

RESULTS = "/results/"
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def two_upheld(alice, make_listing, file_complaint, decide):
    for _ in range(2):
        decide(file_complaint(make_listing()), outcome="upheld")


def test_csv_headers_follow_the_language_and_periods_stay_iso(client, alice, two_upheld):
    client.force_login(alice)
    month = timezone.now().strftime("%Y-%m")
    query = {"format": "csv", "chart": "removals"}

    zh = client.get(RESULTS, query, **ZH)
    assert zh.content.startswith("\ufeff".encode())  # spreadsheets then read UTF-8
    zh_rows = rows(zh)
    assert zh_rows[0] == ["期间", "主动下架", "投诉后下架"]
    assert zh_rows[-1] == [month, "0", "2"]

    en_rows = rows(client.get(RESULTS, query, **EN))
    assert en_rows[0] == ["period", "Proactive", "After complaint"]
    assert en_rows[-1] == [month, "0", "2"]


def test_chart_periods_on_the_page_are_written_in_the_language(client, alice, two_upheld):
    client.force_login(alice)
    today = timezone.now().date()

    zh = client.get(RESULTS, **ZH).content.decode()
    assert f'<th scope="row">{today.year}年{today.month}月</th>' in zh
    en = client.get(RESULTS, **EN).content.decode()
    assert f'<th scope="row">{today:%B %Y}</th>' in en
    # The axis carries the short form.
    assert f">{today:%b %Y}</text>" in en and f">{today.year}年{today.month}月</text>" in zh


def test_weekly_periods_on_the_page_and_in_the_csv(client, alice, two_upheld):
    client.force_login(alice)
    today = timezone.now().date()
    monday = today - datetime.timedelta(days=today.weekday())
    query = {"period": "week", "date_from": today.isoformat(), "date_to": today.isoformat()}

    zh = client.get(RESULTS, query, **ZH).content.decode()
    assert f'<th scope="row">{monday.year}年{monday.month}月{monday.day}日</th>' in zh
    weekly = rows(client.get(RESULTS, {**query, "format": "csv", "chart": "removals"}, **ZH))
    assert weekly[-1][0] == monday.isoformat()


def test_month_labels_under_a_chart_never_run_into_each_other():
    """ "2025年12月" is wider than "Dec 2025": twelve Chinese month labels would
    touch, so every other one is shown, counting back from the newest; English
    keeps all twelve."""
    from insights.charts import Chart, Line, _text_width

    months = [datetime.date(2025, 12, 1)] + [datetime.date(2026, m, 1) for m in range(1, 12)]
    shown = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            chart = Chart("c", "t", "d", "u", months, "month", [Line("n", "N")], {})
        labels = chart.geometry["labels"]
        gaps = [b["x"] - a["x"] for a, b in itertools.pairwise(labels)]
        assert min(gaps) > max(_text_width(label["text"]) for label in labels)
        shown[language] = [label["text"] for label in labels]
    assert len(shown["en"]) == 12
    assert 4 <= len(shown["zh-hans"]) < 12 and shown["zh-hans"][-1] == "2026年11月"
