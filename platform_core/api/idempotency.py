"""``Idempotency-Key`` for creating POSTs.

The first request with a key claims a row (unique per user, key and path)
before the view runs, so a concurrent retry finds the claim instead of
creating a second object. The first answer is stored and replayed for the
same request; a different request under the same key is a 409.
"""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from platform_core.errors import Conflict, DomainError
from platform_core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class _Replay(Exception):
    def __init__(self, record: IdempotencyRecord):
        self.record = record


def request_fingerprint(request) -> str:
    """Same JSON (whatever the key order) or the same multipart fields and file
    contents give the same fingerprint."""
    digest = hashlib.sha256()
    files = getattr(request, "FILES", None) or {}
    if files:
        fields = {k: request.data.getlist(k) for k in request.data if k not in files}
        digest.update(json.dumps(fields, sort_keys=True, default=str).encode())
        for name in sorted(files):
            for upload in files.getlist(name):
                digest.update(name.encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    else:
        data = request.data
        if hasattr(data, "lists"):  # a QueryDict from a form body
            data = dict(data.lists())
        digest.update(json.dumps(data, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def claim(*, user, key: str, path: str, fingerprint: str) -> IdempotencyRecord:
    """Claim ``key`` for this request or raise: a replay of the stored answer,
    or a conflict (different request, or the first one still running)."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise DomainError(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters.", code="invalid_idempotency_key"
        )
    expiry = timezone.now() - settings.IDEMPOTENCY_KEY_TTL
    IdempotencyRecord.objects.filter(user=user, key=key, path=path, created_at__lt=expiry).delete()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                user=user, key=key, path=path, request_hash=fingerprint
            )
    except IntegrityError:
        record = IdempotencyRecord.objects.get(user=user, key=key, path=path)
    if record.request_hash != fingerprint:
        raise Conflict(
            f"This {HEADER} was already used for a different request.",
            code="idempotency_key_reused",
        )
    if record.status_code is None:
        raise Conflict(
            f"A request with this {HEADER} is still being processed; retry shortly.",
            code="idempotency_key_in_progress",
        )
    raise _Replay(record)


class IdempotentMixin:
    """For DRF views: honours ``Idempotency-Key`` on every POST."""

    _idempotency_record: IdempotencyRecord | None = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._idempotency_record = None
        key = request.headers.get(HEADER)
        if request.method == "POST" and key is not None and request.user.is_authenticated:
            self._idempotency_record = claim(
                user=request.user,
                key=key,
                path=request.path,
                fingerprint=request_fingerprint(request),
            )

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            return Response(
                exc.record.response_body,
                status=exc.record.status_code,
                headers={"Idempotent-Replayed": "true"},
            )
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        record, self._idempotency_record = self._idempotency_record, None
        if record is not None:
            if response.status_code >= 500:
                record.delete()  # a crash is not an answer: let the client retry
            else:
                record.status_code = response.status_code
                record.response_body = json.loads(JSONRenderer().render(response.data) or "null")
                record.save(update_fields=["status_code", "response_body"])
        return response


def purge_expired() -> int:
    expiry = timezone.now() - settings.IDEMPOTENCY_KEY_TTL
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=expiry).delete()
    return deleted
