"""Server-rendered bar charts: the geometry is computed here, the SVG and the
table beside it are drawn by ``insights/_chart.html``, and the same rows go
to CSV. No JavaScript: the page's CSP allows none inline, and a chart read
as a table is what screen readers and spreadsheets need anyway."""

from __future__ import annotations

import csv
import datetime
import math
import unicodedata
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils import translation
from django.utils.formats import date_format, number_format
from django.utils.text import slugify
from django.utils.translation import gettext, pgettext

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 14, 40
MAX_X_LABELS = 12
# Fill colours as SVG presentation attributes (allowed by the CSP, unlike
# style attributes), so a chart draws the same in the portal and the console;
# each has at least 3:1 contrast on white, as WCAG asks of graphics.
PALETTE = ("#1f5fa8", "#b34700", "#2e7d32", "#6a1b9a")


@dataclass
class Line:
    key: str
    label: str


@dataclass
class Chart:
    slug: str
    title: str
    description: str
    unit: str
    periods: list[datetime.date]
    period_kind: str
    series: list[Line]
    values: dict[datetime.date, dict[str, float]]
    decimals: int = 0
    geometry: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.geometry = _geometry(self)

    def label(self, period: datetime.date) -> str:
        """The period as the reader's language writes it ("November 2026",
        "2026年11月"; a week by its Monday)."""
        if self.period_kind == "month":
            return date_format(period, "YEAR_MONTH_FORMAT")
        return date_format(period, "SHORT_DATE_FORMAT")

    def axis_label(self, period: datetime.date) -> str:
        """The same, short enough for twelve labels under a chart."""
        if self.period_kind == "month":
            return date_format(period, pgettext("date format: a month on a chart axis", "M Y"))
        return date_format(period, pgettext("date format: a week on a chart axis", "j M"))

    def machine_label(self, period: datetime.date) -> str:
        """ISO for CSV, in every language: spreadsheets sort and parse it."""
        return period.strftime("%Y-%m") if self.period_kind == "month" else period.isoformat()

    def value(self, period: datetime.date, key: str) -> float | None:
        """A count missing from the database's rows is a zero; a median
        missing is no figure (nothing to take the median of)."""
        value = self.values.get(period, {}).get(key)
        return 0 if value is None and not self.decimals else value

    def shown(self, value) -> str:
        if value is None:
            return "—"
        if self.decimals:
            return number_format(value, self.decimals, force_grouping=True)
        return number_format(int(value), force_grouping=True)

    @property
    def rows(self) -> list[dict]:
        return [
            {
                "period": self.label(p),
                "cells": [self.shown(self.value(p, s.key)) for s in self.series],
            }
            for p in self.periods
        ]

    @property
    def totals(self) -> list[str] | None:
        if self.decimals:  # medians and rates do not add up
            return None
        return [
            self.shown(sum(self.value(p, s.key) or 0 for p in self.periods)) for s in self.series
        ]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 0.25
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


def _text_width(text: str, size: float = 11) -> float:
    """Rough width in px of ``text`` at ``size``: wide (CJK) characters take a
    full em, others about 0.55 of one."""
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.55 * size for ch in text)


def _geometry(chart: Chart) -> dict:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    highest = max(
        (chart.value(p, s.key) or 0 for p in chart.periods for s in chart.series), default=0
    )
    # Four gridlines at round steps; counts get whole-number steps.
    step = _nice_max(highest / 4)
    if not chart.decimals:
        step = max(1, math.ceil(step))
    top = 4 * step
    n = max(len(chart.periods), 1)
    group = plot_w / n
    bar = group * 0.8 / max(len(chart.series), 1)
    # Thin the period labels until the widest fits its slot ("2025年12月" is wider
    # than "Dec 2025").
    widest = max((_text_width(chart.axis_label(p)) for p in chart.periods), default=0)
    every = max(1, math.ceil(n / MAX_X_LABELS), math.ceil((widest + 4) / group))
    bars, labels = [], []
    for i, period in enumerate(chart.periods):
        x0 = LEFT + i * group + group * 0.1
        for j, s in enumerate(chart.series):
            value = chart.value(period, s.key)
            height = (value or 0) / top * plot_h
            bars.append(
                {
                    "x": round(x0 + j * bar, 2),
                    "y": round(TOP + plot_h - height, 2),
                    "w": round(max(bar - 1, 1), 2),
                    "h": round(height, 2),
                    "css": f"s{j}",
                    "fill": PALETTE[j % len(PALETTE)],
                    "title": gettext("%(series)s, %(period)s: %(value)s")
                    % {
                        "series": s.label,
                        "period": chart.label(period),
                        "value": chart.shown(value),
                    },
                }
            )
        if (n - 1 - i) % every == 0:  # the newest period always has its label
            labels.append(
                {"x": round(LEFT + i * group + group / 2, 2), "text": chart.axis_label(period)}
            )
    ticks = []
    for k in range(5):
        value = top * k / 4
        ticks.append(
            {
                "y": round(TOP + plot_h - plot_h * k / 4, 2),
                "text": number_format(
                    int(value) if value == int(value) else value, force_grouping=True
                ),
            }
        )
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "base": TOP + plot_h,
        "label_y": TOP + plot_h + 18,
        "bars": bars,
        "labels": labels,
        "ticks": ticks,
        "legend": [
            {"css": f"s{j}", "fill": PALETTE[j % len(PALETTE)], "label": s.label}
            for j, s in enumerate(chart.series)
        ],
    }


def _safe(cell) -> str:
    """Keep a spreadsheet from reading a cell as a formula."""
    if not isinstance(cell, str):
        return "" if cell is None else str(cell)
    text = cell
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(filename: str, header: list, rows: list[list]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(filename)}.csv"'
    if not (translation.get_language() or "en").startswith("en"):
        # A byte-order mark: without it spreadsheet programs read UTF-8 as the
        # local code page and garble the Chinese headers.
        response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_safe(h) for h in header])
    for row in rows:
        writer.writerow([_safe(c) for c in row])
    return response


def chart_csv(chart: Chart, filename: str) -> HttpResponse:
    """Headers in the reader's language, like the table on the page; periods
    ISO and numbers plain, for the spreadsheet to compute with."""
    header = [gettext("period"), *[str(s.label) for s in chart.series]]
    rows = []
    for p in chart.periods:
        cells = []
        for s in chart.series:
            value = chart.value(p, s.key)
            cells.append(
                "" if value is None else (round(value, 2) if chart.decimals else int(value))
            )
        rows.append([chart.machine_label(p), *cells])
    return csv_response(filename, header, rows)
