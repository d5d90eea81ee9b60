"""Brand portal: the rings reached through the organisation's own suspects,
one ring's shops, links and listings, its evidence pack, and filing
complaints for all the organisation's suspects in it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from platform_core.errors import DomainError, NotFound
from platform_core.models import Role

from . import selectors, services


def _ring_or_404(user, pk):
    try:
        return selectors.ring_get_for_user(user, pk)
    except NotFound:
        raise Http404 from None


@login_required
def ring_list(request):
    page = Paginator(selectors.rings_for(request.user).order_by("-size", "-id"), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "networks/ring_list.html", {"page": page})


@login_required
def ring_detail(request, pk):
    ring = _ring_or_404(request.user, pk)
    view = selectors.ring_view(request.user, ring, max_listings=200)
    open_suspects = sum(
        1
        for listing in view["listings"]
        for s in listing["suspects"]
        if s["status"] in ("new", "confirmed")
    )
    return render(
        request,
        "networks/ring_detail.html",
        {
            "ring": ring,
            "view": view,
            "is_brand": request.user.role == Role.BRAND,
            "open_suspects": open_suspects,
        },
    )


@login_required
def ring_evidence_pack(request, pk):
    ring = _ring_or_404(request.user, pk)
    data, digest = services.evidence_pack(user=request.user, ring=ring)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="ring-{ring.pk}-evidence.zip"'
    response["X-Evidence-Pack-SHA256"] = digest
    return response


@login_required
@require_POST
def ring_file_complaints(request, pk):
    ring = _ring_or_404(request.user, pk)
    try:
        results = services.ring_file_complaints(user=request.user, ring=ring)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("portal:ring", pk=ring.pk)
    refused = [r for r in results if isinstance(r, DomainError)]
    filed = len(results) - len(refused)
    messages.success(
        request,
        _("%(filed)s complaints filed, %(refused)s refused.")
        % {"filed": filed, "refused": len(refused)},
    )
    for exc in refused[:5]:
        messages.error(request, exc.message)
    return redirect("portal:ring", pk=ring.pk)
