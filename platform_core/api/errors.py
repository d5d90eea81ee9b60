"""The contract's error body: ``{"error": {"code", "message", "fields"}}``."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from platform_core.errors import DomainError

_CODES = {
    exceptions.ParseError: "malformed_request",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ValidationError: "validation_error",
}


def error_body(code: str, message: str, fields: dict | None = None, **extra) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}, **extra}}


def _as_text(detail) -> str:
    if isinstance(detail, list | tuple):
        return " ".join(_as_text(d) for d in detail)
    if isinstance(detail, dict):
        return " ".join(f"{k}: {_as_text(v)}" for k, v in detail.items())
    return str(detail)


def _fields(detail):
    """DRF's nested error detail as plain JSON (strings, lists, dicts)."""
    if isinstance(detail, dict):
        return {str(k): _fields(v) for k, v in detail.items()}
    if isinstance(detail, list | tuple):
        return [_fields(d) for d in detail]
    return str(detail)


def validation_error_body(detail) -> dict:
    if isinstance(detail, dict):
        fields = _fields(detail)
        non_field = fields.pop("non_field_errors", None)
        message = _as_text(non_field) if non_field else "Some fields are invalid."
        if not fields and non_field:
            return error_body("validation_error", message)
        return error_body("validation_error", message, fields)
    return error_body("validation_error", _as_text(detail))


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(
            error_body(exc.code, exc.message, exc.fields, **exc.extra), status=exc.status
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail)
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: let Django log it and answer 500

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    set_rollback()
    if isinstance(exc, exceptions.ValidationError):
        body = validation_error_body(exc.detail)
    else:
        code = next((c for cls, c in _CODES.items() if isinstance(exc, cls)), None)
        code = code or str(getattr(exc, "default_code", "error"))
        body = error_body(code, _as_text(exc.detail))
    return Response(body, status=exc.status_code, headers=headers)


def json_404(request, exception=None):
    """Django's 404 for paths no URL matches; JSON under the API, HTML elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body("not_found", "No such endpoint."), status=status.HTTP_404_NOT_FOUND
        )
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
