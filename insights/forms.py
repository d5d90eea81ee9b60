"""The filters in the results pages' URLs: brand, period, date range; and the
transparency report's year and month. Bad values answer 400, never a 500."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .selectors import Window

MAX_SPAN_DAYS = 5 * 366
DEFAULT_BUCKETS = 12
# Results exist from the platform's start to now; a year of slack either way
# keeps date arithmetic (buckets, the day after the end) far from date.min/max.
EARLIEST = datetime.date(2000, 1, 1)
FUTURE_SLACK = datetime.timedelta(days=366)


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


class ResultsFilterForm(forms.Form):
    brand = forms.IntegerField(required=False, min_value=1, label=_("Brand"))
    period = forms.ChoiceField(
        required=False,
        choices=[("month", _("Month")), ("week", _("Week"))],
        label=_("Period"),
    )
    date_from = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        period = data.get("period") or "month"
        today = timezone.now().date()
        latest = today + FUTURE_SLACK
        for given in (data.get("date_from"), data.get("date_to")):
            if given is not None and not EARLIEST <= given <= latest:
                raise forms.ValidationError(
                    _("Choose dates between %(first)s and %(last)s.")
                    % {"first": EARLIEST.isoformat(), "last": latest.isoformat()}
                )
        date_to = data.get("date_to") or today
        date_from = data.get("date_from")
        if date_from is None:
            if period == "month":
                first = date_to.replace(day=1)
                for _i in range(DEFAULT_BUCKETS - 1):
                    first = (first - datetime.timedelta(days=1)).replace(day=1)
                date_from = first
            else:
                date_from = date_to - datetime.timedelta(
                    days=date_to.weekday() + 7 * (DEFAULT_BUCKETS - 1)
                )
        if date_from > date_to:
            raise forms.ValidationError(_("The start date is after the end date."))
        if (date_to - date_from).days > MAX_SPAN_DAYS:
            raise forms.ValidationError(_("Choose a range of at most five years."))
        data.update(period=period, date_from=date_from, date_to=date_to)
        return data

    def window(self) -> Window:
        data = self.cleaned_data
        return Window(
            start=_start_of_day(data["date_from"]),
            end=_start_of_day(data["date_to"] + datetime.timedelta(days=1)),
            period=data["period"],
        )


class TransparencyForm(forms.Form):
    year = forms.IntegerField(required=False, min_value=2000, max_value=9998, label=_("Year"))
    month = forms.IntegerField(required=False, min_value=1, max_value=12, label=_("Month"))

    def clean(self):
        data = super().clean()
        data["year"] = data.get("year") or timezone.now().year
        return data

    def window(self) -> Window:
        year, month = self.cleaned_data["year"], self.cleaned_data.get("month")
        if month:
            start = datetime.date(year, month, 1)
            end = (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
            return Window(start=_start_of_day(start), end=_start_of_day(end), period="week")
        return Window(
            start=_start_of_day(datetime.date(year, 1, 1)),
            end=_start_of_day(datetime.date(year + 1, 1, 1)),
            period="month",
        )
