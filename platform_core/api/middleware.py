from django.conf import settings
from django.http import JsonResponse

from .errors import error_body


class ApiBodyLimitMiddleware:
    """Answer 413 before reading an API body over the upload ceiling. Django
    checks the ceiling only for ``request.body``; DRF's parsers read the
    stream directly, so the check belongs in front of them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
                limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
                return JsonResponse(
                    error_body("payload_too_large", f"The request body is over {limit_mb} MB."),
                    status=413,
                )
        return self.get_response(request)
