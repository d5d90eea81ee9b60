"""Evidence display: the words that raised a signal, marked in the listing's text."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from detection.evidence_text import localise_evidence
from detection.models import SignalCode

register = template.Library()


@register.filter
def highlight(text: str, signals_and_field) -> str:
    """``{{ listing.title|highlight:suspect.signals }}`` marks the title spans the
    signals point at (``evidence.spans`` of ``[field, start, end]``)."""
    signals, field = (
        signals_and_field if isinstance(signals_and_field, tuple) else (signals_and_field, "title")
    )
    spans = sorted(
        {
            (start, end)
            for s in signals or []
            for f, start, end in (s.get("evidence") or {}).get("spans", [])
            if f == field and 0 <= start < end <= len(text)
        }
    )
    out, cursor = [], 0
    for start, end in spans:
        if start < cursor:
            continue  # overlapping spans: keep the first
        out.append(escape(text[cursor:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        cursor = end
    out.append(escape(text[cursor:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text is escaped above


@register.filter
def signal_label(code: str) -> str:
    """A signal's name in the reader's language (the code itself if unknown)."""
    try:
        return str(SignalCode(code).label)
    except ValueError:
        return code


@register.filter
def evidence(detail: str) -> str:
    """A signal's evidence sentence in the reader's language."""
    return localise_evidence(detail)
