"""Domain errors: raised by services, turned into the API's error body."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the request. ``status`` is the HTTP status
    the API answers with; the portal shows ``message``."""

    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict | None = None,
        status: int | None = None,
        extra: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.fields = fields or {}
        self.extra = extra or {}
        if status is not None:
            self.status = status


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Forbidden(DomainError):
    status = 403
    code = "permission_denied"


class ServiceUnavailable(DomainError):
    """Something the request needs (the task queue) is down; sending the same
    request again later is safe and finishes the job."""

    status = 503
    code = "service_unavailable"
