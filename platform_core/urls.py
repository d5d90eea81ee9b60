from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from insights.urls import console_urlpatterns as insights_console_urls
from platform_core.portal_urls import auth_urlpatterns
from platform_core.views import healthz, public_media, set_language

handler404 = "platform_core.api.errors.json_404"

admin.site.site_header = _("CoGuard reviewer console")
admin.site.site_title = _("CoGuard console")
admin.site.index_title = _("Queues and records")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", include((insights_console_urls, "insights-console"))),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("platform_core.api.urls", "api"))),
    path("i18n/setlang/", set_language, name="set_language"),
    *auth_urlpatterns,
    path("appraisal/", include("appraisal.urls")),
    path("", include("insights.urls")),
    path("", include("platform_core.portal_urls")),
]

if settings.DEBUG or settings.SERVE_MEDIA:
    # Public listing images and references only; private documents are served
    # through access-checked views, never from here.
    urlpatterns += [
        path("media/<path:path>", public_media, name="media"),
    ]
