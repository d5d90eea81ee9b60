"""Text normalisation for matching protected names in listing titles.

Two views of a text:

* :func:`normalize` -- the *matching* form: Unicode NFKC (full-width -> ASCII,
  compatibility ligatures), casefold, Latin accents removed, every punctuation/symbol/
  whitespace run turned into one space, and runs of three or more single letters joined
  (``N.i.k.e``, ``N-I-K-E``, ``N i k e`` -> ``nike``).  CJK runs stay intact because CJK
  has no spaces; names in CJK are matched as substrings.  Only spaces are ever removed
  after the character-level folding, which keeps the map back to the original text
  cheap (:meth:`NormalizedText.span`, for highlighting evidence in the UI).
  Word boundaries (letters next to digits or CJK count as boundaries, so ``iPhone15``
  and ``Nike同款`` contain the words ``iphone`` and ``nike``) are the matcher's job:
  see :func:`is_boundary`.
* :func:`skeleton` -- the *lookalike* form of one token: the matching form plus
  homoglyph folding (Cyrillic/Greek letters that look Latin, ``0->o``, ``1/l/|->i``,
  ``3->e``, ``$->s``, ``@->a``, ``rn->m``, ``vv->w``...).  Two strings with equal skeletons
  look alike to a reader.  Skeletons are for comparison only: never shown, never mapped.

The common case (an ASCII title) takes a path built from C-level string methods; the
offset mapping is only computed when :meth:`NormalizedText.span` is called.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

__all__ = [
    "ASCII_FOLD_TABLE",
    "NormalizedText",
    "char_class",
    "collapse_letter_runs",
    "fold_aligned",
    "is_boundary",
    "is_cjk",
    "normalize",
    "raw_tokens",
    "skeleton",
]


def is_cjk(ch: str) -> bool:
    """Han, kana, Hangul and CJK symbols/full-width forms that NFKC keeps."""
    o = ord(ch)
    return (
        0x3040 <= o <= 0x30FF  # hiragana, katakana
        or 0x3400 <= o <= 0x4DBF  # CJK extension A
        or 0x4E00 <= o <= 0x9FFF  # CJK unified ideographs
        or 0xAC00 <= o <= 0xD7AF  # Hangul syllables
        or 0x1100 <= o <= 0x11FF  # Hangul jamo
        or 0x3130 <= o <= 0x318F  # Hangul compatibility jamo
        or 0x31F0 <= o <= 0x31FF  # katakana extensions
        or 0xF900 <= o <= 0xFAFF  # CJK compatibility ideographs
        or 0x20000 <= o <= 0x3FFFF  # CJK extensions B..
    )


def char_class(ch: str) -> int:
    """0: separator/other, 1: letter (non-CJK), 2: digit, 3: CJK."""
    if ch.isascii():
        return 1 if ch.isalpha() else (2 if ch.isdigit() else 0)
    if is_cjk(ch):
        return 3
    if ch.isalpha():
        return 1
    return 2 if ch.isdigit() else 0


def is_boundary(left: str, right: str) -> bool:
    """True when a word may end between ``left`` and ``right`` (either may be "").

    Letters next to letters, or digits next to digits, continue a word; anything else
    (space, punctuation, letter/digit change, Latin/CJK change) is a boundary.  CJK next
    to CJK is *not* a boundary, but CJK names are matched without boundary checks.
    """
    if not left or not right:
        return True
    a, b = char_class(left), char_class(right)
    return a == 0 or b == 0 or a != b


def _build_tables() -> tuple[dict[int, str | None], str]:
    """Per-code-point folding for the matching form (1:1 or deletion).

    * punctuation, symbols, separators, controls -> space
    * combining diacritics (U+0300..U+036F) -> deleted (accents on Latin/Greek/Cyrillic)
    * precomposed Latin letters with diacritics -> base letter (é -> e, ñ -> n)
    """
    table: dict[int, str | None] = {}
    for cp in range(0x30000):  # BMP and the CJK supplementary planes
        if 0xD800 <= cp <= 0xF8FF:
            continue  # surrogates and private use
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat[0] in "PSZC" and ch != " ":
            if cat == "Cn":
                continue
            table[cp] = " "
        elif 0x300 <= cp <= 0x36F:
            table[cp] = None
        elif cat[0] == "L" and (0xC0 <= cp <= 0x24F or 0x1E00 <= cp <= 0x1EFF):
            base = unicodedata.normalize("NFD", ch)[0]
            if base.isascii() and base.isalpha() and base != ch:
                table[cp] = base.lower()
    # Special Latin letters without a decomposition that readers treat as the base letter.
    for src, dst in {"ø": "o", "đ": "d", "ł": "l", "ı": "i", "ħ": "h", "ŧ": "t"}.items():
        table[ord(src)] = dst
    ascii_table = "".join(
        (table.get(c) or "") if c in table else chr(c) for c in range(128)
    )  # str.translate indexes a str table by ordinal: fastest path for ASCII text
    return table, ascii_table


_TABLE, ASCII_FOLD_TABLE = _build_tables()

# Homoglyphs (after casefold) -> Latin.  Cyrillic and Greek letters that render like
# Latin ones, plus digits and symbols commonly substituted inside words.
_CONFUSABLES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
    "ј": "j", "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "ь": "b", "ɡ": "g", "г": "r",
    "п": "n", "и": "u",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ζ": "z", "γ": "y", "ω": "w", "μ": "u",
    # digits and symbols used as letters
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a",
    "$": "s", "|": "i", "!": "i", "€": "e", "£": "l",
    # Latin letters readers confuse in a title font
    "l": "i",
}  # fmt: skip
_CONFUSABLE_TABLE = str.maketrans(_CONFUSABLES)
_MULTI_CONFUSABLES = re.compile(r"rn|vv|cl(?=[^aeiou])")
_MULTI_MAP = {"rn": "m", "vv": "w", "cl": "d"}
_RAW_TOKEN = re.compile(r"[^\s,;:/\\()\[\]{}<>\"“”「」【】《》、，。！？：；（）]+")
_INNER_SEPARATORS = str.maketrans("", "", ".-_'’·*•+~")

_LETTER_RUN = re.compile(r"(?:(?<= )|^)[^\W\d_](?: [^\W\d_]){2,}(?= |$)")

# Uppercase Greek/Cyrillic letters that look like a *different* Latin letter than their
# lowercase form does (Greek capital Nu is "N", lowercase nu is "v"): fold before casefold.
_UPPER_CONFUSABLES = str.maketrans(
    {
        "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m",
        "Ν": "n", "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x", "А": "a", "В": "b",
        "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p", "С": "c", "Т": "t",
        "У": "y", "Х": "x", "Ѕ": "s", "І": "i", "Ј": "j", "Ԁ": "d", "Һ": "h",
    }
)  # fmt: skip


@dataclass(slots=True)
class NormalizedText:
    """Normalised text plus a lazily computed map back to the original.

    ``aligned`` is an intermediate string in 1:1 correspondence with the original
    (``starts``/``ends`` give each of its characters' original span when the mapping is
    not the identity); ``text`` is ``aligned`` with space runs collapsed and, optionally,
    spaces inside single-letter runs removed -- deletions of spaces only.
    """

    original: str
    text: str
    aligned: str
    starts: list[int] | None = None
    ends: list[int] | None = None
    _map: list[int] | None = field(default=None, repr=False)

    def _mapping(self) -> list[int]:
        """Index in ``aligned`` of every character of ``text``."""
        if self._map is not None:
            return self._map
        # Only spaces were deleted, so a greedy walk aligns the two strings.
        out: list[int] = []
        a = self.aligned
        i = 0
        for ch in self.text:
            if ch != " ":
                while a[i] == " ":
                    i += 1
            out.append(i)
            i += 1
        self._map = out
        return out

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``(start, end)`` covering normalised ``text[start:end]``."""
        if not 0 <= start < end <= len(self.text):
            raise ValueError(f"bad span {start}:{end} for length {len(self.text)}")
        if self.text == self.aligned:
            a0, a1 = start, end - 1
        else:
            m = self._mapping()
            a0, a1 = m[start], m[end - 1]
        if self.starts is None or self.ends is None:
            o0, o1 = a0, a1 + 1
        else:
            o0, o1 = self.starts[a0], self.ends[a1]
        # Include combining marks that were folded away after the last character.
        n = len(self.original)
        while o1 < n and unicodedata.combining(self.original[o1]):
            o1 += 1
        return o0, o1


def _aligned_slow(text: str) -> tuple[str, list[int], list[int]]:
    """Per-character NFKC + casefold + folding, tracking original spans."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for i, ch in enumerate(text):
        piece = unicodedata.normalize("NFKC", ch).casefold()
        for c in piece:
            c2 = _TABLE.get(ord(c), c)
            if not c2:
                continue  # deleted (combining accent)
            out.append(c2)
            starts.append(i)
            ends.append(i + 1)
    return "".join(out), starts, ends


class _CharFold(dict[int, str]):
    """Memoised per-character folding for ``str.translate`` on non-ASCII text.

    str.translate has no fast path for non-ASCII strings, but with this mapping each
    character costs one C-level dict lookup after its first occurrence.
    """

    def __missing__(self, cp: int) -> str:
        folded = "".join(
            c2
            for c in unicodedata.normalize("NFKC", chr(cp)).casefold()
            if (c2 := _TABLE.get(ord(c), c))
        )
        if len(self) < 200_000:  # bound memory on adversarial input
            self[cp] = folded
        return folded


_CHAR_FOLD = _CharFold({c: ASCII_FOLD_TABLE[c] for c in range(128)})
for _c in range(65, 91):
    _CHAR_FOLD[_c] = chr(_c + 32)


def fold_aligned(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """Character-level folding: NFKC, casefold, accents, separators -> space.

    Returns the folded string and each character's original start/end, or ``None``
    for both when the folding was 1:1 (the overwhelmingly common case).
    """
    if text.isascii():
        return text.lower().translate(ASCII_FOLD_TABLE), None, None
    # Per-character folding equals whole-string folding unless NFKC composes across
    # characters (e + combining accent) or a character expands (ligatures): both
    # change the length, and then the exact slow path runs.
    folded = text.translate(_CHAR_FOLD)
    if len(folded) == len(text) and unicodedata.is_normalized("NFKC", text):
        return folded, None, None
    return _aligned_slow(text)


def collapse_letter_runs(text: str) -> str:
    """Join runs of three or more space-separated single letters (``n i k e`` -> ``nike``)."""
    if _LETTER_RUN.search(text):
        return _LETTER_RUN.sub(lambda m: m.group(0).replace(" ", ""), text)
    return text


def normalize(text: str, *, join_letters: bool = True) -> NormalizedText:
    """The matching form of ``text`` (see module docstring) with an offset map.

    ``join_letters`` joins single-letter runs (``N.i.k.e`` -> ``nike``); the matcher
    turns it off and adds spaced patterns instead, which is cheaper per title.
    """
    aligned, starts, ends = fold_aligned(text)
    t = aligned
    if "  " in t or t[:1] == " " or t[-1:] == " ":
        t = " ".join(t.split())
    if join_letters:
        t = collapse_letter_runs(t)
    return NormalizedText(text, t, aligned, starts, ends)


def raw_tokens(text: str) -> list[tuple[str, int, int]]:
    """Whitespace/punctuation-delimited tokens of the *original* text with their spans.

    Keeps characters used in lookalike spellings (``N1ke``, ``G@cci``, ``Ch4nel``) and
    strips leading/trailing punctuation.
    """
    out = []
    for m in _RAW_TOKEN.finditer(text):
        s, e = m.start(), m.end()
        tok = m.group(0)
        # Strip edge punctuation but keep in-word symbols that stand for letters.
        while s < e and not (text[s].isalnum() or text[s] in "@$|"):
            s += 1
        while e > s and not (text[e - 1].isalnum() or text[e - 1] in "@$|"):
            e -= 1
        if e > s:
            tok = text[s:e]
            out.append((tok, s, e))
    return out


def skeleton(token: str) -> str:
    """Lookalike skeleton of one token (``"N1ke"``, ``"Νike"`` -> ``"nike"``).

    Homoglyph folding is applied only when the result is all ASCII, i.e. when the token
    *could* be read as a Latin word: a genuine Cyrillic or Greek word keeps its letters.
    """
    nfkc = unicodedata.normalize("NFKC", token)
    plain = _strip_marks(nfkc.casefold()).translate(_INNER_SEPARATORS)
    t = _strip_marks(nfkc.translate(_UPPER_CONFUSABLES).casefold())
    folded = t.translate(_INNER_SEPARATORS).translate(_CONFUSABLE_TABLE)
    if not folded.isascii():
        return plain  # a genuine non-Latin word: keep its own letters
    return _MULTI_CONFUSABLES.sub(lambda m: _MULTI_MAP[m.group(0)], folded)


def _strip_marks(t: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", t) if not unicodedata.combining(c))
