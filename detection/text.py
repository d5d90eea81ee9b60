"""Text normalisation and brand-name matching for titles and descriptions.

Names are matched on a normalised form (NFKC, case-folded, common homoglyphs
folded to Latin, separators inside spelled-out names removed) with
Aho-Corasick, so the cost does not grow with the number of brands. Latin
names must stand as whole words ("apple" is not in "pineapple"); CJK names
match anywhere, as CJK text has no spaces.
"""

from __future__ import annotations

import re
import unicodedata

import ahocorasick

# Cyrillic and Greek letters that render like Latin ones, as sellers use them
# to slip past exact matching ("Аdidas" with a Cyrillic А).
HOMOGLYPHS = str.maketrans(
    {
        "а": "a",
        "в": "b",
        "е": "e",
        "к": "k",
        "м": "m",
        "н": "h",
        "о": "o",
        "р": "p",
        "с": "c",
        "т": "t",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ɡ": "g",
        "α": "a",
        "β": "b",
        "ε": "e",
        "ι": "i",
        "κ": "k",
        "ν": "v",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "υ": "u",
        "χ": "x",
    }
)
# "N.i.k.e", "N-I-K-E", "N i k e": single letters joined by separators.
_SPELLED = re.compile(r"\b(?:[^\W\d_][.\-_*·\s]){2,}[^\W\d_]\b")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().translate(HOMOGLYPHS)
    return _SPELLED.sub(lambda m: re.sub(r"[.\-_*·\s]", "", m.group(0)), text)


def _is_cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uac00" <= ch <= "\ud7af"


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() and not _is_cjk(ch)


class BrandMatcher:
    """Finds protected names in text. Built from (brand id, name) pairs."""

    def __init__(self, names: list[tuple[int, str]]):
        self._automaton = ahocorasick.Automaton()
        entries: dict[str, set[int]] = {}
        for brand_id, name in names:
            key = normalise(name).strip()
            if len(key) >= 2:
                entries.setdefault(key, set()).add(brand_id)
        for key, brands in entries.items():
            self._automaton.add_word(key, (key, tuple(sorted(brands))))
        self.empty = not entries
        if not self.empty:
            self._automaton.make_automaton()

    def find(self, text: str) -> dict[int, list[str]]:
        """brand id -> the protected names found in ``text`` (normalised)."""
        if self.empty or not text:
            return {}
        norm = normalise(text)
        found: dict[int, list[str]] = {}
        for end, (key, brands) in self._automaton.iter(norm):
            start = end - len(key) + 1
            latin = not _is_cjk(key[0])
            if latin:
                before = norm[start - 1] if start > 0 else " "
                after = norm[end + 1] if end + 1 < len(norm) else " "
                if _is_word_char(before) or _is_word_char(after):
                    continue
            for brand_id in brands:
                names = found.setdefault(brand_id, [])
                if key not in names:
                    names.append(key)
        return found


class TermMatcher:
    """Finds any of a list of terms (haze terms, a brand's tell-tale keywords)."""

    def __init__(self, terms: list[str]):
        self._inner = BrandMatcher([(n, t) for n, t in enumerate(terms)])
        self._terms = terms

    def find(self, text: str) -> list[str]:
        return [self._terms[n] for n in sorted(self._inner.find(text))]
