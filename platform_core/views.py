from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import Http404, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.i18n import set_language as django_set_language
from django.views.static import serve

from platform_core.services import user_language_set

PRIVATE_MEDIA_PREFIXES = ("private/", "incoming/")


@never_cache
def healthz(request):
    """Liveness for load balancers and the launcher: the database and Redis answer."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        cache.set("healthz", "1", 5)
        checks["redis"] = "ok" if cache.get("healthz") == "1" else "error"
    except Exception as exc:
        checks["redis"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


def public_media(request, path):
    """Public images only: certificates, letters and staged uploads never leave
    through this view."""
    if path.startswith(PRIVATE_MEDIA_PREFIXES) or ".." in path:
        raise Http404
    return serve(request, path, document_root=settings.MEDIA_ROOT)


def set_language(request):
    """Django's language switch (cookie, safe ``next``), remembered on the
    signed-in user as well so e-mails and their other devices follow it."""
    response = django_set_language(request)
    chosen = response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen is not None and request.user.is_authenticated:
        user_language_set(user=request.user, language=chosen.value)
    return response
