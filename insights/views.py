"""Results pages: the brand portal's results and the public transparency
report. Thin: validate the filters, ask the services, render or write CSV."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext

from platform_core.errors import NotFound
from platform_core.models import Role

from . import selectors, services
from .charts import chart_csv, csv_response
from .forms import ResultsFilterForm, TransparencyForm


def _bad_request(request, form, template="insights/bad_request.html"):
    return HttpResponseBadRequest(render_to_string(template, {"form": form}, request=request))


def _chart_or_404(charts, slug):
    for chart in charts:
        if chart.slug == slug:
            return chart
    raise Http404


def results_context(request, *, console: bool = False):
    """Parse the filters and build the charts for ``request.user``; answers
    ``(context, None)`` or ``(None, response)`` for bad input."""
    brands = selectors.results_brands_for(request.user)
    form = ResultsFilterForm(request.GET)
    if not form.is_valid():
        return None, _bad_request(request, form)
    try:
        scope = selectors.scope_for(request.user, form.cleaned_data.get("brand"))
    except NotFound:
        raise Http404 from None
    window = form.window()
    charts = services.results_charts(scope, window)
    query = request.GET.copy()
    query.pop("format", None)
    query.pop("chart", None)
    context = {
        "form": form,
        "brands": brands,
        "selected_brand": form.cleaned_data.get("brand"),
        "platform": scope.platform,
        "charts": charts,
        "totals": selectors.removal_totals(scope, window),
        "window": window,
        "query": query.urlencode(),
    }
    if console:
        context["precision_by_brand"] = selectors.precision_by_brand(scope, window)
        context["precision_by_signal"] = selectors.precision_by_signal(scope, window)
        context["model_versions"] = selectors.model_versions()
    return context, None


def csv_for(request, context, *, prefix: str):
    """``?format=csv&chart=<slug>`` (or ``precision-brand`` / ``precision-signal``
    / ``model-versions`` in the console)."""
    slug = request.GET.get("chart", "")
    name = f"{prefix}-{slug}-{context['window'].start:%Y%m%d}-{context['window'].end:%Y%m%d}"
    if slug == "precision-brand" and "precision_by_brand" in context:
        rows = context["precision_by_brand"]
        return csv_response(
            name,
            [gettext("brand"), gettext("judged"), gettext("infringing"), gettext("precision")],
            [[r["brand"], r["judged"], r["infringing"], _ratio(r["precision"])] for r in rows],
        )
    if slug == "precision-signal" and "precision_by_signal" in context:
        rows = context["precision_by_signal"]
        return csv_response(
            name,
            [gettext("signal"), gettext("judged"), gettext("infringing"), gettext("precision")],
            [[r["code"], r["judged"], r["infringing"], _ratio(r["precision"])] for r in rows],
        )
    if slug == "model-versions" and "model_versions" in context:
        return csv_response(
            name,
            [
                "id",
                gettext("created_at"),
                gettext("labels"),
                gettext("positives"),
                gettext("precision"),
                gettext("recall"),
                gettext("active"),
            ],
            [
                [
                    m.pk,
                    m.created_at.isoformat(),
                    m.labels,
                    m.positives,
                    round(m.precision, 4),
                    round(m.recall, 4),
                    m.active,
                ]
                for m in context["model_versions"]
            ],
        )
    return chart_csv(_chart_or_404(context["charts"], slug), name)


def _ratio(value):
    return "" if value is None else round(value, 4)


@login_required
def results(request):
    if request.user.role not in (Role.BRAND, Role.REVIEWER):
        raise Http404
    context, error = results_context(request)
    if error:
        return error
    if request.GET.get("format") == "csv":
        return csv_for(request, context, prefix="results")
    return render(request, "insights/results.html", context)


def transparency(request):
    """Public: a transparency report is published for anyone to read, and it
    holds only platform-wide totals, never one organisation's figures."""
    form = TransparencyForm(request.GET)
    if not form.is_valid():
        return _bad_request(request, form)
    window = form.window()
    report = selectors.transparency(window)
    charts = services.transparency_charts(window)
    if request.GET.get("format") == "csv":
        if request.GET.get("chart"):
            return chart_csv(
                _chart_or_404(charts, request.GET["chart"]),
                f"transparency-{request.GET['chart']}-{_label(form)}",
            )
        return csv_response(
            f"transparency-{_label(form)}", ["section", "measure", "value"], _report_rows(report)
        )
    query = request.GET.copy()
    query.pop("format", None)
    query.pop("chart", None)
    return render(
        request,
        "insights/transparency.html",
        {
            "form": form,
            "report": report,
            "charts": charts,
            "label": _label(form),
            "query": query.urlencode(),
            "years": _years(),
            "months": range(1, 13),
        },
    )


def _label(form) -> str:
    year, month = form.cleaned_data["year"], form.cleaned_data.get("month")
    return f"{year}-{month:02d}" if month else str(year)


def _years() -> list[int]:
    from django.utils import timezone

    now = timezone.now().year
    return list(range(now, now - 6, -1))


def _report_rows(report: dict) -> list[list]:
    """The report as (section, measure, value) rows; measure names are stable
    identifiers for spreadsheets, the page shows translated labels."""
    rows = [["notices", "received", report["notices"]["total"]]]
    rows += [["notices", f"kind:{code}", n] for code, _name, n in report["notices"]["by_kind"]]
    rows.append(["notices", "fast_track", report["notices"]["fast_track"]])
    rows += [["decisions", k, v] for k, v in report["decisions"].items()]
    median = report["timing"]["median_hours"]
    rows.append(["timing", "decided", report["timing"]["n"]])
    rows.append(["timing", "median_hours_to_decision", "" if median is None else round(median, 2)])
    rows += [["actions", k, v] for k, v in report["actions"].items()]
    removal_median = report["removals"]["median_hours"]
    rows.append(["removals", "proactive", report["removals"]["proactive"]])
    rows.append(["removals", "after_complaint", report["removals"]["after_complaint"]])
    rows.append(
        [
            "removals",
            "median_hours_to_takedown",
            "" if removal_median is None else round(removal_median, 2),
        ]
    )
    rows += [["counter_notices", k, v] for k, v in report["counter_notices"].items()]
    rows += [["appraisal", k, v] for k, v in report["appraisal"].items()]
    return rows
