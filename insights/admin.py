"""The reviewer console's dashboard: the results charts for the whole
platform (or one brand), detection precision per brand and per signal, and
the learned score's model versions. Served under ``/admin/dashboard/``
through the admin site's own login and context."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from platform_core.admin import is_reviewer

from .views import csv_for, results_context


def _dashboard(request):
    if not is_reviewer(request.user):
        raise PermissionDenied
    context, error = results_context(request, console=True)
    if error:
        return error
    if request.GET.get("format") == "csv":
        return csv_for(request, context, prefix="platform")
    context.update(admin.site.each_context(request), title=_("Results dashboard"))
    return TemplateResponse(request, "insights/console_dashboard.html", context)


# The admin site's wrapper: anonymous users and non-staff go to its login.
dashboard = admin.site.admin_view(_dashboard)
