"""Detection evidence in the reader's language.

Signals write their evidence as English sentences, stored with the suspect
(the API returns them as written). For people, the sentence is read back
against the templates below and written again in the active language; a
sentence no template knows, names and matched terms are shown as stored.
"""

from __future__ import annotations

from functools import lru_cache

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from notifications.messages import sentence_pattern

TEMPLATES = (
    gettext_noop("A listing photo matches %(brand)s's reference %(what)s (%(similar)s similar)"),
    gettext_noop("%(brand)s's logo appears %(kind)s: %(detail)s"),
    gettext_noop(
        "logo located at %(box)s; a flat patch of colour %(colour)s covers %(hidden)s of its "
        "detail, %(rest)s of the rest matches the reference (visible strokes %(shape)s)"
    ),
    gettext_noop(
        "logo located (correlation %(correlation)s, colour layout %(layout)s) at %(box)s; "
        "detail energy %(energy)s of the reference, %(flat)s of its detailed cells flat, "
        "grid pattern %(grid)s"
    ),
    gettext_noop("Similar listings were judged infringing (%(probability)s by the model #%(n)s)"),
    gettext_noop("Protected name %(names)s appears %(how)s"),
    gettext_noop('Haze term "%(term)s" (%(haze)s) next to %(names)s'),
    gettext_noop("%(n)s different protected brands in the title: %(names)s"),
    gettext_noop('"%(token)s" looks like the protected name "%(name)s" (%(why)s)'),
    gettext_noop("%(n)s letter changed"),
    gettext_noop("%(n)s letters changed"),
    gettext_noop("%(price)s %(currency)s is below the brand's floor of %(floor)s %(currency)s"),
    gettext_noop(
        "%(price)s %(currency)s is %(share)s%% of the %(model)s MSRP (%(msrp)s %(currency)s)"
    ),
    gettext_noop(
        "The seller has %(n)s upheld complaint within %(days)s days (%(at)s suspend the seller)"
    ),
    gettext_noop(
        "The seller has %(n)s upheld complaints within %(days)s days (%(at)s suspend the seller)"
    ),
)
# Values that are words of ours rather than names or figures.
WORDS = frozenset(
    {
        gettext_noop("logo"),
        gettext_noop("product photo"),
        gettext_noop("blur"),
        gettext_noop("mosaic"),
        gettext_noop("occluded"),
        gettext_noop("spelled with separators to evade filters"),
        gettext_noop("only as the product it fits (accessory wording)"),
        gettext_noop("in the title"),
        gettext_noop("in the description"),
        gettext_noop("through a product keyword"),
        gettext_noop("same letters with lookalike characters"),
    }
)


@lru_cache(maxsize=1)
def _patterns():
    # Longest first, so a fuller sentence wins over one it contains.
    found = [(msgid, sentence_pattern(msgid)) for msgid in TEMPLATES]
    return sorted(found, key=lambda item: -len(item[1].pattern))


def localise_evidence(text: str) -> str:
    """``text`` in the active language where it is a sentence signals write."""
    language = translation.get_language() or "en"
    if not text or language.startswith("en"):
        return text
    # A queue page repeats the same sentences: each is read once per language.
    return _localised(text, language)


@lru_cache(maxsize=4096)
def _localised(text: str, language: str) -> str:
    with translation.override(language):
        return _localise(text)


def _localise(text: str, depth: int = 0) -> str:
    if depth > 2:
        return text
    for msgid, pattern in _patterns():
        match = pattern.fullmatch(text)
        if match is None:
            continue
        values = {
            name: gettext(value) if value in WORDS else _localise(value, depth + 1)
            for name, value in match.groupdict().items()
        }
        return gettext(msgid) % values
    return text
