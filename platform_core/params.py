"""Reading ids and redirect targets from request parameters.

``str.isdigit`` accepts "²" and "٣", which ``int()`` and the ORM then refuse
with a 500; ids here are plain ASCII digits that fit a PostgreSQL bigint."""

from __future__ import annotations

import re

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

_ID = re.compile(r"[0-9]{1,18}")


def as_id(value: object) -> int | None:
    """The id a parameter names, or None when it names none."""
    text = "" if value is None else str(value)
    return int(text) if _ID.fullmatch(text) else None


def ids(values) -> list[int]:
    """The ids among several parameters (``getlist``), ignoring the rest."""
    return [i for i in map(as_id, values) if i is not None]


def safe_next(request, default: str, **kwargs) -> str:
    """Where to go after a form: the page's own ``next`` if it stays on this
    site, else ``default`` (a URL name or path). Never an open redirect."""
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default, **kwargs)
