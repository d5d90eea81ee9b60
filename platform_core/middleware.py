from django.conf import settings
from django.utils import translation

from platform_core.services import supported_language


class UserLanguageMiddleware:
    """A signed-in person's own language when this browser has no language
    cookie yet (a new device): the cookie, the last choice here, still wins;
    the API keeps following each request's Accept-Language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and not request.path.startswith("/api/")
            and user is not None
            and user.is_authenticated
            and (own := supported_language(user.language))
        ):
            translation.activate(own)
            request.LANGUAGE_CODE = own
        return self.get_response(request)
