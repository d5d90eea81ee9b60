"""Checks for uploaded documents (certificates, authorisation letters, evidence)."""

from django.core.files.uploadedfile import UploadedFile

from platform_core.errors import DomainError
from platform_core.images import ImageRejected, inspect_image_bytes

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


def validate_document(upload: UploadedFile, *, field: str) -> None:
    """A PDF or a JPEG/PNG/WebP scan, recognised by content, at most 10 MB."""
    if upload.size > MAX_DOCUMENT_BYTES:
        raise DomainError(
            "The document is larger than 10 MB.",
            code="file_too_large",
            fields={field: ["At most 10 MB."]},
            status=413,
        )
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return
    data = upload.read()
    upload.seek(0)
    try:
        inspect_image_bytes(data)
    except ImageRejected as exc:
        raise DomainError(
            "The document must be a PDF, JPEG, PNG or WebP file.",
            code="unsupported_file",
            fields={field: [exc.message]},
        ) from exc
