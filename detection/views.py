"""Brand portal: the queue of suspected links, evidence, judgments, brand
assets and sweep progress. Thin views over the detection services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from platform_core import params
from platform_core.errors import DomainError, NotFound
from platform_core.models import Role
from platform_core.params import safe_next
from rightsholders import selectors as rh_selectors
from rightsholders import services as rh_services

from . import selectors, services
from .forms import FakeCharacteristicForm, JudgmentForm, ProductModelForm, ReferenceImageForm
from .models import SignalCode, SuspectStatus


def _or_404(getter, user, pk):
    try:
        return getter(user, pk)
    except NotFound:
        raise Http404 from None


@login_required
def suspect_queue(request):
    qs = selectors.suspects_for(request.user).prefetch_related("listing__images")
    try:
        qs = selectors.suspects_filtered(qs, request.GET)
    except DomainError as exc:
        messages.error(request, exc.message)
        qs = qs.none()
    page = Paginator(qs.order_by("-score", "-id"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "detection/queue.html",
        {
            "page": page,
            "brands": rh_selectors.brands_for(request.user).order_by("name"),
            "statuses": SuspectStatus.choices,
            "signal_codes": SignalCode.choices,
            "filters": request.GET,
            "query": query.urlencode(),
            "can_judge": request.user.role == Role.BRAND,
        },
    )


@login_required
def suspect_detail(request, pk):
    suspect = _or_404(selectors.suspect_get_for_user, request.user, pk)
    from rightsholders.models import ReferenceImage

    ref_ids = [s.get("evidence", {}).get("reference_image") for s in suspect.signals]
    references = ReferenceImage.objects.filter(
        pk__in=[r for r in ref_ids if r], brand=suspect.brand
    )
    return render(
        request,
        "detection/suspect_detail.html",
        {
            "suspect": suspect,
            "listing": suspect.listing,
            "images": suspect.listing.images.all(),
            "references": references,
            "product_models": suspect.brand.product_models.all(),
            "can_judge": request.user.role == Role.BRAND,
        },
    )


@login_required
@require_POST
def suspect_judge(request, pk):
    suspect = _or_404(selectors.suspect_get_for_user, request.user, pk)
    form = JudgmentForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Invalid judgment."))
    try:
        suspect = services.suspect_judge(user=request.user, suspect=suspect, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
    if request.htmx:
        suspect = selectors.suspect_get_for_user(request.user, suspect.pk)
        return render(request, "detection/_queue_row.html", {"s": suspect, "can_judge": True})
    return redirect(safe_next(request, "portal:suspects"))


@login_required
@require_POST
def suspects_bulk_judge(request):
    form = JudgmentForm(request.POST)
    ids = request.POST.getlist("ids")
    if not form.is_valid():
        return HttpResponseBadRequest(_("Invalid judgment."))
    judged = 0
    for suspect in selectors.suspects_for(request.user).filter(pk__in=params.ids(ids)):
        try:
            services.suspect_judge(user=request.user, suspect=suspect, **form.cleaned_data)
            judged += 1
        except DomainError:
            continue
    messages.success(request, _("%(n)d suspects judged.") % {"n": judged})
    return redirect(safe_next(request, "portal:suspects"))


@login_required
def brand_assets(request, pk):
    brand = _or_404(rh_selectors.brand_get_for_user, request.user, pk)
    can_edit = request.user.role == Role.BRAND
    forms = {
        "reference": ReferenceImageForm(brand=brand, prefix="ref"),
        "model": ProductModelForm(prefix="pm"),
        "characteristic": FakeCharacteristicForm(prefix="fc"),
    }
    if request.method == "POST" and can_edit:
        action = request.POST.get("action")
        try:
            if action == "reference":
                form = forms["reference"] = ReferenceImageForm(
                    request.POST, request.FILES, brand=brand, prefix="ref"
                )
                if form.is_valid():
                    rh_services.reference_image_add(
                        user=request.user,
                        brand=brand,
                        content=form.cleaned_data["image"].read(),
                        kind=form.cleaned_data["kind"],
                        product_model=form.cleaned_data["product_model"],
                    )
            elif action == "model":
                form = forms["model"] = ProductModelForm(request.POST, prefix="pm")
                if form.is_valid():
                    rh_services.product_model_add(
                        user=request.user, brand=brand, **form.cleaned_data
                    )
            elif action == "characteristic":
                form = forms["characteristic"] = FakeCharacteristicForm(request.POST, prefix="fc")
                if form.is_valid():
                    rh_services.fake_characteristic_add(
                        user=request.user, brand=brand, **form.cleaned_data
                    )
            elif action == "sweep":
                services.scan_start(user=request.user, brand=brand)
                messages.success(request, _("Sweep started."))
                return redirect("portal:brand-assets", pk=brand.pk)
            else:
                form = None
            if form is not None and form.is_valid():
                messages.success(request, _("Saved. The catalogue is being swept for this brand."))
                return redirect("portal:brand-assets", pk=brand.pk)
        except DomainError as exc:
            target = forms.get(action)
            if target is not None:
                for field, errs in (exc.fields or {None: [exc.message]}).items():
                    target.add_error(field if field in target.fields else None, errs)
            else:
                messages.error(request, exc.message)
    return render(
        request,
        "detection/brand_assets.html",
        {
            "brand": brand,
            "can_edit": can_edit,
            "forms": forms,
            "references": brand.reference_images.all(),
            "product_models": brand.product_models.all(),
            "characteristics": brand.fake_characteristics.all(),
            "scans": brand.scan_jobs.all()[:5],
        },
    )


@login_required
def scan_progress(request, pk):
    job = _or_404(selectors.scan_get_for_user, request.user, pk)
    return render(request, "detection/_scan_progress.html", {"job": job})
