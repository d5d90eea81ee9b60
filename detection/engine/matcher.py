"""Find protected brand names (and aliases) in listing text.

Every name and alias is normalised with :func:`detection.engine.text.normalize`.

* Terms that are not pure CJK go into one Aho-Corasick automaton (pyahocorasick, C),
  which scans a title -- or a whole batch of titles joined by a separator -- in one pass.
  Raw automaton hits are then filtered for word boundaries: a Latin/digit end of a term
  needs a boundary next to it (:func:`detection.engine.text.is_boundary`), so ``apple``
  does not match ``pineapple`` while ``puma`` matches ``Puma sneakers``, ``iphone``
  matches ``iPhone15`` (letter/digit change) and ``nike`` matches ``Nike同款``.
* Pure-CJK terms (``耐克``) match as plain substrings, since CJK has no spaces.  They
  are looked up in a dict by (position, length) inside the CJK runs of a title rather
  than put into the automaton: pyahocorasick searches a node's children linearly, and a
  root with ~1,000 distinct CJK first characters made every scanned character ~8x
  slower.  Only titles that contain CJK pay for this lookup.

Letter-spaced spellings (``N.i.k.e``, ``N-I-K-E``, ``N i k e``) are matched through an
extra pattern ``n i k e`` per single-word Latin name (punctuation already folds to
spaces), which is cheaper than rewriting every title; such matches carry
``spaced=True`` so callers can treat the obfuscation as extra evidence.  Multi-word names
also get their joined form (``louisvuitton``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import NamedTuple

import ahocorasick

from detection.engine.text import (
    ASCII_FOLD_TABLE,
    NormalizedText,
    char_class,
    fold_aligned,
    is_cjk,
    normalize,
)

__all__ = ["BrandMatch", "BrandMatcher", "ProtectedName"]

# Joins titles in a batch; a control character that no title should contain.  It is
# kept (not folded to a space) so that it also acts as a word boundary.
_SEP = "\x1e"
_ASCII_TABLE_SEP = ASCII_FOLD_TABLE[:0x1E] + _SEP + ASCII_FOLD_TABLE[0x1F:]
# The same as a bytes table (UTF-8 bytes >= 0x80 pass through), lowercasing included.
_ASCII_BYTES_SEP = (_ASCII_TABLE_SEP.lower() + "".join(map(chr, range(128, 256)))).encode("latin-1")
_MULTISPACE = re.compile(" {2,}")


@dataclass(frozen=True, slots=True)
class ProtectedName:
    """A protected brand: its id, canonical name and aliases (CJK, misspellings...)."""

    brand_id: int
    name: str
    aliases: Sequence[str] = ()


class BrandMatch(NamedTuple):
    """One occurrence of a protected term in a text (a NamedTuple: cheap to create)."""

    brand_id: int
    term: str  # the configured name/alias that matched, as written in the configuration
    start: int  # span in the original text
    end: int
    norm_start: int  # span in the normalised text (NormalizedText.text)
    norm_end: int
    spaced: bool = False  # matched as a letter-spaced spelling, e.g. "N.i.k.e"


# One brand behind a key: (brand_id, configured term, spaced variant).
_Entry = tuple[int, str, bool]
# A boundary-checked raw hit: (start, end, entries) in the scanned string.
_Hit = tuple[int, int, tuple[_Entry, ...]]


class BrandMatcher:
    """Protected-name matcher with word-boundary semantics (see module docstring)."""

    def __init__(self, names: Iterable[ProtectedName]) -> None:
        self.names: list[ProtectedName] = list(names)
        entries: dict[str, list[_Entry]] = {}
        # normalised term -> brand ids, for the lookalike index and exact-name checks
        self.term_brands: dict[str, set[int]] = {}
        for pn in self.names:
            for term in (pn.name, *pn.aliases):
                key = normalize(term, join_letters=False).text
                if not key:
                    continue
                self.term_brands.setdefault(key, set()).add(pn.brand_id)
                for variant, spaced in _variants(key):
                    bucket = entries.setdefault(variant, [])
                    if not any(e[0] == pn.brand_id and e[2] == spaced for e in bucket):
                        bucket.append((pn.brand_id, term, spaced))
        self._automaton = ahocorasick.Automaton()
        self._cjk: dict[str, tuple[_Entry, ...]] = {}
        n_latin = 0
        for key, value in entries.items():
            if all(is_cjk(c) for c in key):
                self._cjk[key] = tuple(value)
                continue
            # Everything about boundaries depends on the key only: decide it once here.
            self._automaton.add_word(
                key, (len(key), _end_kind(key[0]), _end_kind(key[-1]), tuple(value))
            )
            n_latin += 1
        if n_latin:
            self._automaton.make_automaton()
        self._has_latin = n_latin > 0
        self._cjk_lengths = sorted({len(k) for k in self._cjk})
        firsts = "".join(sorted({k[0] for k in self._cjk}))
        self._cjk_first_re = re.compile(f"[{re.escape(firsts)}]" if firsts else "(?!)")

    # ------------------------------------------------------------------ public API
    def find(self, text: str) -> list[BrandMatch]:
        """All protected-name occurrences in ``text`` (sorted by position)."""
        aligned, starts, ends = fold_aligned(text)
        t = aligned
        if "  " in t or t[:1] == " " or t[-1:] == " ":
            t = " ".join(t.split())
        raw = self._scan(t)
        if self._cjk and not t.isascii():
            raw.extend(self._scan_cjk(t))
        if not raw:
            return []
        if len(t) == len(text):
            return _finish(None, raw)  # 1:1 folding, nothing removed
        return _finish(NormalizedText(text, t, aligned, starts, ends), raw)

    def find_normalized(self, nt: NormalizedText) -> list[BrandMatch]:
        """Like :meth:`find` on an already normalised text (``join_letters=False``)."""
        raw = self._scan(nt.text)
        if self._cjk and not nt.text.isascii():
            raw.extend(self._scan_cjk(nt.text))
        return _finish(nt, raw) if raw else []

    def find_many(self, texts: Sequence[str], batch: int = 512) -> list[list[BrandMatch]]:
        """:meth:`find` for each text; batches of texts are scanned in one pass.

        Titles are folded and joined with a separator, so the per-call overhead of the
        automaton and of the string methods is paid once per batch, not per title.
        """
        out: list[list[BrandMatch]] = []
        for b in range(0, len(texts), batch):
            out.extend(self._find_batch(texts[b : b + batch]))
        return out

    # ------------------------------------------------------------------ internals
    def _find_batch(self, texts: Sequence[str]) -> list[list[BrandMatch]]:
        big = _SEP.join(texts)
        if big.count(_SEP) != len(texts) - 1:  # a title contains the separator
            texts = [t.replace(_SEP, " ") for t in texts]
            big = _SEP.join(texts)
        if big.isascii():
            folded = big.lower().translate(_ASCII_TABLE_SEP)
        else:
            # str.translate is slow on any non-ASCII string, so fold the ASCII bytes of
            # the whole batch at once and re-fold only the titles that are not ASCII.
            parts = big.encode().translate(_ASCII_BYTES_SEP).decode().split(_SEP)
            for i, t in enumerate(texts):
                if not t.isascii():
                    parts[i] = fold_aligned(t)[0]
            folded = _SEP.join(parts)
        if "  " in folded:
            folded = _MULTISPACE.sub(" ", folded)
        parts = folded.split(_SEP)
        starts = [0, *accumulate(len(p) + 1 for p in parts)]
        per_title: dict[int, list[_Hit]] = {}
        for s, e, entries in self._scan(folded):
            i = bisect_right(starts, s) - 1
            per_title.setdefault(i, []).append((s - starts[i], e - starts[i], entries))
        if self._cjk and not folded.isascii():
            for i, part in enumerate(parts):
                if not part.isascii():
                    cjk_hits = self._scan_cjk(part)
                    if cjk_hits:
                        per_title.setdefault(i, []).extend(cjk_hits)
        results: list[list[BrandMatch]] = [[] for _ in texts]
        for i, hits in per_title.items():
            text = texts[i]
            seg = parts[i]
            if len(seg) == len(text):
                # Folding is 1:1 and no space was removed: offsets are the identity.
                results[i] = _finish(None, hits)
            else:
                aligned, st, en = fold_aligned(text)
                results[i] = _finish(NormalizedText(text, seg, aligned, st, en), hits)
        return results

    def _scan(self, t: str) -> list[_Hit]:
        out: list[_Hit] = []
        if not self._has_latin:
            return out
        n = len(t)
        for last, (plen, left_kind, right_kind, entries) in self._automaton.iter(t):
            s = last - plen + 1
            if left_kind and s > 0 and _continues(left_kind, t[s - 1]):
                continue
            if right_kind and last + 1 < n and _continues(right_kind, t[last + 1]):
                continue
            out.append((s, last + 1, entries))
        return out

    def _scan_cjk(self, t: str) -> list[_Hit]:
        out: list[_Hit] = []
        get = self._cjk.get
        lengths = self._cjk_lengths
        n = len(t)
        # A regex character class of the terms' first characters finds the few candidate
        # positions in C; only those are checked against the dict.
        for m in self._cjk_first_re.finditer(t):
            i = m.start()
            for length in lengths:
                if i + length > n:
                    break
                value = get(t[i : i + length])
                if value is not None:
                    out.append((i, i + length, value))
        return out


def _variants(key: str) -> list[tuple[str, bool]]:
    """The key itself, plus its joined form (multi-word) or spaced form (one word)."""
    out = [(key, False)]
    if " " in key:
        joined = key.replace(" ", "")
        if joined.isascii() and joined.isalnum():
            out.append((joined, False))
    elif len(key) >= 3 and key.isascii() and key.isalpha():
        out.append((" ".join(key), True))
    return out


def _finish(nt: NormalizedText | None, raw: list[_Hit]) -> list[BrandMatch]:
    """Build matches; ``nt`` is None when offsets are the identity."""
    if len(raw) == 1 and len(raw[0][2]) == 1:  # the common case, kept cheap
        s, e, ((brand_id, term, spaced),) = raw[0]
        o0, o1 = (s, e) if nt is None else nt.span(s, e)
        return [BrandMatch(brand_id, term, o0, o1, s, e, spaced)]
    flat = [(s, e, entry) for s, e, entries in raw for entry in entries]
    # Drop a match inside a longer match of the same brand ("jordan" in "air jordan").
    flat.sort(key=lambda r: (r[0], r[0] - r[1]))
    kept: list[tuple[int, int, _Entry]] = []
    for r in flat:
        if any(k[2][0] == r[2][0] and k[0] <= r[0] and r[1] <= k[1] for k in kept):
            continue
        kept.append(r)
    out = []
    for s, e, (brand_id, term, spaced) in kept:
        o0, o1 = (s, e) if nt is None else nt.span(s, e)
        out.append(BrandMatch(brand_id, term, o0, o1, s, e, spaced))
    return out


def _end_kind(ch: str) -> int:
    """What a term's end needs beside it: 0 nothing (CJK, symbol), 1 a non-letter,
    2 a non-digit."""
    cls = char_class(ch)
    return cls if cls in (1, 2) else 0


def _continues(kind: int, ch: str) -> bool:
    """Would ``ch`` continue the word whose end is of ``kind`` (i.e. no boundary)?"""
    if kind == 1:
        # CJK is alphabetic too, but Latin next to CJK is a boundary ("Nike同款").
        return ch.isalpha() and (ch < "\x80" or not is_cjk(ch))
    return ch.isdigit()
