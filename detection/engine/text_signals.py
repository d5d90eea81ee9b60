"""Text signals of counterfeit/knockoff listings, computed from a title and description.

Signals (``TextFinding.code``):

``brand_keyword``
    A protected name, alias or per-brand keyword appears.  Whether that is a problem
    (an authorised shop may sell the brand) is the caller's decision; the weight only
    says how prominent the mention is: 0.5 in the title, 0.3 in the description only,
    0.2 for a per-brand keyword (product line), 0.7 when spelled with separators
    (``N.i.k.e``, a filter-evasion habit).  **Accessory rule:** a mention right after an
    accessory cue (``compatible with``, ``for``, ``fits``, ``replacement for``,
    ``适用于`` ...; see :data:`ACCESSORY_CUES`) is how honest sellers of cases, chargers
    and spare parts must name the product they fit, so it gets weight 0.1 and is not
    counted for brand stacking; a haze term anchored only on such a mention has its
    weight halved.
``haze_term``
    A "haze" term (``same style``, ``replica``, ``1:1``, ``dupe``, ``同款``, ``高仿`` ...)
    within ``window_tokens`` tokens (default 3; a CJK character counts as half a token)
    of a brand mention: ``Nike same style shoes``, ``耐克同款``, ``dupe of Gucci bag``.
    Haze terms without a brand nearby are not reported: alone they are ordinary words.
``brand_stacking``
    Several different brands in the title (keyword stuffing to catch searches).
    Three or more distinct brands: weight 0.6, +0.1 per extra brand (max 0.9).  Exactly
    two: weight 0.3 -- two brands co-occur legitimately less often than not in a title,
    but collaborations ("Adidas x Prada") exist, so it is a weak signal.
    Accessory-context mentions are not counted.
``lookalike_name``
    A token that reads like a protected name but is not it:

    * homoglyph variant -- same :func:`~detection.engine.text.skeleton` (``N1ke``,
      ``Nlke``, Cyrillic ``Аdidas``), weight 0.9;
    * near spelling -- Damerau-Levenshtein (optimal string alignment) distance 1 for
      names up to 7 letters, up to 2 for longer ones, same first letter (``Adidos``,
      ``Gucii``, ``Chanell``, ``Rolax``, ``Nikey``), weight 0.7 (distance 1) / 0.5.

    Never flagged: tokens shorter than 4 letters, the name itself or its plural, any
    other protected term, ordinary English words (a 63k-word list: ``like``, ``bike``,
    ``mike``, ``nice`` are not "Nike") and caller-supplied allowed words.
    Candidates come from a deletion-neighbourhood (SymSpell-style) index over name
    skeletons, so the cost per token is a handful of dict lookups, not a loop over
    brands; most tokens stop at the English-word check.

Spans are ``(field, start, end)`` offsets into the original title or description.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from detection.engine.matcher import BrandMatch, BrandMatcher, ProtectedName
from detection.engine.text import is_cjk, normalize, raw_tokens, skeleton

__all__ = [
    "ACCESSORY_CUES",
    "DEFAULT_HAZE_TERMS",
    "SignalCode",
    "Span",
    "TextFinding",
    "TextSignalDetector",
    "english_words",
    "osa_distance",
]


class SignalCode(StrEnum):
    BRAND_KEYWORD = "brand_keyword"
    HAZE_TERM = "haze_term"
    BRAND_STACKING = "brand_stacking"
    LOOKALIKE_NAME = "lookalike_name"


class Span(NamedTuple):
    field: str  # "title" or "description"
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class TextFinding:
    code: SignalCode
    brand_ids: tuple[int, ...]
    weight: float  # 0..1
    detail: str
    spans: tuple[Span, ...]


# Platform-wide haze terms with their weights (stronger = more explicit about copying).
# The Django side seeds these into the database; terms added there get the default 0.7.
DEFAULT_HAZE_TERMS: dict[str, float] = {
    "replica": 0.9,
    "1:1": 0.9,
    "1 to 1": 0.8,
    "aaa": 0.8,
    "aaa+": 0.8,
    "aaaaa": 0.8,
    "7a": 0.7,
    "super copy": 0.9,
    "high copy": 0.9,
    "master copy": 0.9,
    "mirror copy": 0.9,
    "mirror quality": 0.9,
    "1:1 copy": 0.9,
    "fake": 0.9,
    "knockoff": 0.9,
    "knock off": 0.9,
    "imitation": 0.8,
    "counterfeit": 0.9,
    "dupe": 0.7,
    "same style": 0.7,
    "same style as": 0.7,
    "inspired by": 0.6,
    "comparable": 0.5,
    "comparable to": 0.6,
    "look alike": 0.7,
    "lookalike": 0.7,
    "similar to": 0.5,
    "alternative to": 0.5,
    "oem": 0.5,
    "unbranded": 0.5,
    "同款": 0.7,
    "仿": 0.8,
    "高仿": 0.9,
    "平替": 0.7,
    "复刻": 0.8,
    "精仿": 0.9,
    "原单": 0.7,
    "a货": 0.9,
    "1比1": 0.9,
    "一比一": 0.9,
}
_DEFAULT_HAZE_WEIGHT = 0.7

# Words that, right before a brand, say "this product fits/works with that brand".
ACCESSORY_CUES: tuple[str, ...] = (
    "compatible with",
    "compatible for",
    "compatible",
    "for",
    "fits",
    "fit for",
    "fit",
    "works with",
    "replacement for",
    "replacement",
    "suitable for",
    "designed for",
    "made for",
    "适用于",
    "适用",
    "兼容",
    "专用",
    "适配",
)

_DATA = Path(__file__).with_name("data")


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Ordinary English words (lowercase, 3-20 letters); see data/README.md."""
    with gzip.open(_DATA / "english_words.txt.gz", "rt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip())


def osa_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment (restricted Damerau-Levenshtein) distance.

    Returns ``limit + 1`` as soon as the distance must exceed ``limit``.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


# First letters that knockoffs swap because they look alike in a logo's type
# ("Cucci" for Gucci, "Qmega" for Omega). Other first-letter changes mostly make
# ordinary words or names ("Bike", "Luma") and are not lookalikes.
_CONFUSABLE_INITIALS = frozenset(
    (a, b) for pair in ("cg", "il", "uv", "mn", "oq", "bp") for a, b in (pair, pair[::-1])
)
# A swapped first letter counts only on names this long: on shorter ones a
# single changed letter too often makes another real word or name.
_MIN_SWAPPED_INITIAL_LENGTH = 5


def _max_distance(length: int) -> int:
    return 1 if length <= 7 else 2


def _deletions(word: str, depth: int) -> set[str]:
    """``word`` with up to ``depth`` letters deleted (every choice of positions)."""
    out = {word}
    frontier = {word}
    for _ in range(depth):
        # Slicing, not joining characters: the scan context builds this for every
        # protected name, and every worker rebuilds it when a brand's assets change.
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


@dataclass(slots=True)
class _Mention:
    brand_id: int
    term: str
    field: str
    start: int
    end: int
    norm_start: int
    norm_end: int
    accessory: bool
    spaced: bool
    keyword: bool  # a per-brand extra keyword, not the name/alias


@dataclass(slots=True)
class _FieldText:
    name: str
    text: str
    norm: str = ""
    mentions: list[_Mention] = field(default_factory=list)


class TextSignalDetector:
    """Computes :class:`TextFinding` lists for listings against protected names."""

    def __init__(
        self,
        matcher: BrandMatcher,
        haze_terms: Mapping[str, float] | Iterable[str] = DEFAULT_HAZE_TERMS,
        brand_keywords: Mapping[int, Iterable[str]] | None = None,
        allow_words: Iterable[str] = (),
        window_tokens: int = 3,
    ) -> None:
        self.matcher = matcher
        self.window_tokens = window_tokens
        weights = (
            dict(haze_terms)
            if isinstance(haze_terms, Mapping)
            else dict.fromkeys(haze_terms, _DEFAULT_HAZE_WEIGHT)
        )
        self._haze_terms = list(weights)
        self._haze_weight = [float(weights[t]) for t in self._haze_terms]
        self._haze = BrandMatcher(
            ProtectedName(i, t) for i, t in enumerate(self._haze_terms) if t.strip()
        )
        kw = [(bid, k) for bid, ks in (brand_keywords or {}).items() for k in ks]
        self._keywords = BrandMatcher(ProtectedName(bid, k) for bid, k in kw)
        self._allow = english_words() | {w.casefold() for w in allow_words}
        self._cues = sorted((normalize(c).text for c in ACCESSORY_CUES), key=len, reverse=True)
        self._build_lookalike_index()

    # ------------------------------------------------------------------ lookalike index
    def _build_lookalike_index(self) -> None:
        self._display_names: dict[str, str] = {}
        for pn in self.matcher.names:
            for term in (pn.name, *pn.aliases):
                folded = normalize(term, join_letters=False).text
                self._display_names.setdefault(folded, term)
                self._display_names.setdefault(folded.replace(" ", ""), term)
                for word in folded.split(" ")[1:] if " " in folded else ():
                    self._display_names.setdefault(word, term)
                if " " in folded:
                    self._display_names.setdefault(folded.split(" ")[0], term)
        self._exact_terms: set[str] = set(self.matcher.term_brands)
        # Words of multi-word names also count as "the name itself" (e.g. "vuitton").
        for term in list(self.matcher.term_brands):
            self._exact_terms.update(term.split(" "))
        self._skel: dict[str, set[str]] = {}  # skeleton -> normalised terms
        self._term_of_skel_brands: dict[str, set[int]] = {}
        self._dels: dict[str, set[str]] = {}  # deletion variant -> skeletons
        for term, brands in self.matcher.term_brands.items():
            words = [term] if " " not in term else [term.replace(" ", "")]
            words += [w for w in term.split(" ") if " " in term and len(w) >= 5]
            for w in words:
                sk = skeleton(w)
                if len(sk) < 4 or not sk.isascii() or not sk.isalpha():
                    continue
                self._skel.setdefault(sk, set()).add(w)
                self._term_of_skel_brands.setdefault(sk, set()).update(brands)
                for d in _deletions(sk, _max_distance(len(sk))):
                    self._dels.setdefault(d, set()).add(sk)

    def _lookalike(self, token: str) -> tuple[str, int, set[int], str] | None:
        """(matched skeleton, distance, brand ids, kind) if ``token`` imitates a name."""
        plain = normalize(token).text.replace(" ", "")
        if len(plain) < 4 or plain in self._exact_terms:
            return None
        if plain in self._allow or (plain.endswith("s") and plain[:-1] in self._exact_terms):
            return None
        if sum(c.isalpha() for c in plain) < 3:
            return None  # model numbers, sizes
        sk = skeleton(token)
        if len(sk) < 4 or not sk.isascii():
            return None
        if sk in self._skel:
            # Same skeleton as a protected name but not the name: homoglyph spelling.
            return sk, 0, self._term_of_skel_brands[sk], "homoglyph"
        best: tuple[str, int] | None = None
        for d in _deletions(sk, _max_distance(len(sk))):
            for cand in self._dels.get(d, ()):
                if cand[0] != sk[0]:
                    if (sk[0], cand[0]) not in _CONFUSABLE_INITIALS:
                        continue
                    if len(cand) < _MIN_SWAPPED_INITIAL_LENGTH or sk[1:] != cand[1:]:
                        continue  # only the first letter may differ
                limit = _max_distance(len(cand))
                dist = osa_distance(sk, cand, limit)
                if dist <= limit and (best is None or dist < best[1]):
                    best = (cand, dist)
        if best is None:
            return None
        return best[0], best[1], self._term_of_skel_brands[best[0]], "spelling"

    # ------------------------------------------------------------------ analysis
    def analyse(self, title: str, description: str = "") -> list[TextFinding]:
        """All findings for one listing, strongest first."""
        fields = [_FieldText("title", title)]
        if description:
            fields.append(_FieldText("description", description))
        findings: list[TextFinding] = []
        for f in fields:
            nt = normalize(f.text, join_letters=False)
            f.norm = nt.text
            for m in self.matcher.find_normalized(nt):
                f.mentions.append(self._mention(f, m, keyword=False))
            for m in self._keywords.find_normalized(nt):
                f.mentions.append(self._mention(f, m, keyword=True))
            self._propagate_accessory(f)
        findings.extend(self._keyword_findings(fields))
        findings.extend(self._haze_findings(fields))
        stacking = self._stacking_finding(fields[0])
        if stacking:
            findings.append(stacking)
        findings.extend(self._lookalike_findings(fields))
        findings.sort(key=lambda x: -x.weight)
        return findings

    def analyse_many(self, listings: Sequence[tuple[str, str]]) -> list[list[TextFinding]]:
        """:meth:`analyse` for (title, description) pairs."""
        return [self.analyse(t, d) for t, d in listings]

    def _mention(self, f: _FieldText, m: BrandMatch, *, keyword: bool) -> _Mention:
        return _Mention(
            m.brand_id,
            m.term,
            f.name,
            m.start,
            m.end,
            m.norm_start,
            m.norm_end,
            self._after_accessory_cue(f.norm, m.norm_start),
            m.spaced,
            keyword,
        )

    @staticmethod
    def _propagate_accessory(f: _FieldText) -> None:
        """ "for Apple iPhone": a mention right after an accessory mention is one too."""
        f.mentions.sort(key=lambda m: m.norm_start)
        for prev, cur in zip(f.mentions, f.mentions[1:], strict=False):
            if prev.accessory and not f.norm[prev.norm_end : cur.norm_start].strip():
                cur.accessory = True

    def _after_accessory_cue(self, norm: str, start: int) -> bool:
        before = norm[max(0, start - 24) : start].rstrip(" ")
        for cue in self._cues:
            if before.endswith(cue):
                i = len(before) - len(cue)
                if i == 0 or before[i - 1] == " " or is_cjk(cue[0]):
                    return True
        return False

    def _keyword_findings(self, fields: list[_FieldText]) -> list[TextFinding]:
        by_brand: dict[int, list[_Mention]] = {}
        for f in fields:
            for m in f.mentions:
                by_brand.setdefault(m.brand_id, []).append(m)
        out = []
        for bid, ms in by_brand.items():
            in_title = [m for m in ms if m.field == "title"]
            primary = [m for m in ms if not m.keyword]
            if any(m.spaced for m in ms):
                weight, how = 0.7, "spelled with separators to evade filters"
            elif primary and all(m.accessory for m in primary):
                weight, how = 0.1, "only as the product it fits (accessory wording)"
            elif any(not m.keyword for m in in_title):
                weight, how = 0.5, "in the title"
            elif primary:
                weight, how = 0.3, "in the description"
            else:
                weight, how = 0.2, "through a product keyword"
            terms = sorted({m.term for m in ms})
            shown = ", ".join(f'"{t}"' for t in terms)
            out.append(
                TextFinding(
                    SignalCode.BRAND_KEYWORD,
                    (bid,),
                    weight,
                    f"Protected name {shown} appears {how}",
                    tuple(Span(m.field, m.start, m.end) for m in ms),
                )
            )
        return out

    def _haze_findings(self, fields: list[_FieldText]) -> list[TextFinding]:
        out = []
        for f in fields:
            if not f.mentions:
                continue
            # Several configured terms can fold to the same text ("aaa", "aaa+"): keep the
            # strongest per span.
            best: dict[tuple[int, int], BrandMatch] = {}
            for h in self._haze.find(f.text):
                key = (h.start, h.end)
                if (
                    key not in best
                    or self._haze_weight[h.brand_id] > self._haze_weight[best[key].brand_id]
                ):
                    best[key] = h
            for h in best.values():
                term = self._haze_terms[h.brand_id]
                window = self.window_tokens
                near = [m for m in f.mentions if self._gap_tokens(f.norm, h, m) <= window]
                if not near:
                    continue
                weight = self._haze_weight[h.brand_id]
                if all(m.accessory for m in near):
                    weight *= 0.5
                brands = tuple(sorted({m.brand_id for m in near}))
                names = ", ".join(sorted({f'"{m.term}"' for m in near}))
                out.append(
                    TextFinding(
                        SignalCode.HAZE_TERM,
                        brands,
                        round(weight, 3),
                        f'Haze term "{f.text[h.start : h.end]}" ({term}) next to {names}',
                        (
                            Span(f.name, h.start, h.end),
                            *(Span(f.name, m.start, m.end) for m in near),
                        ),
                    )
                )
        return out

    @staticmethod
    def _gap_tokens(norm: str, h: BrandMatch, m: _Mention) -> float:
        """Tokens between a haze term and a mention; a CJK character counts as half."""
        if h.norm_end <= m.norm_start:
            gap = norm[h.norm_end : m.norm_start]
        elif m.norm_end <= h.norm_start:
            gap = norm[m.norm_end : h.norm_start]
        else:
            return 0.0  # overlapping
        count = 0.0
        for tok in gap.split():
            cjk = sum(1 for c in tok if is_cjk(c))
            count += cjk / 2 if cjk else 1
        return count

    def _stacking_finding(self, title: _FieldText) -> TextFinding | None:
        brands: dict[int, list[_Mention]] = {}
        for m in title.mentions:
            if not m.accessory:
                brands.setdefault(m.brand_id, []).append(m)
        n = len(brands)
        if n < 2:
            return None
        weight = 0.3 if n == 2 else min(0.9, 0.6 + 0.1 * (n - 3))
        names = ", ".join(f'"{ms[0].term}"' for ms in brands.values())
        return TextFinding(
            SignalCode.BRAND_STACKING,
            tuple(sorted(brands)),
            weight,
            f"{n} different protected brands in the title: {names}",
            tuple(Span("title", m.start, m.end) for ms in brands.values() for m in ms),
        )

    def _lookalike_findings(self, fields: list[_FieldText]) -> list[TextFinding]:
        out = []
        seen: set[tuple[str, int, int]] = set()
        allow = self._allow
        for f in fields:
            covered = [(m.start, m.end) for m in f.mentions]
            for tok, s, e in raw_tokens(f.text):
                low = tok.lower()
                if low in allow or (len(tok) < 4):
                    continue  # the common case: an ordinary word
                if any(a <= s and e <= b for a, b in covered):
                    continue  # part of a real mention
                hit = self._lookalike(tok)
                if hit is None:
                    continue
                sk, dist, brands, kind = hit
                key = (f.name, s, e)
                if key in seen:
                    continue
                seen.add(key)
                name = min(self._skel[sk])
                if kind == "homoglyph":
                    weight = 0.9
                    why = "same letters with lookalike characters"
                else:
                    weight = 0.7 if dist == 1 else 0.5
                    why = f"{dist} letter{'s' if dist > 1 else ''} changed"
                out.append(
                    TextFinding(
                        SignalCode.LOOKALIKE_NAME,
                        tuple(sorted(brands)),
                        weight,
                        f'"{tok}" looks like the protected name "{self._display(name)}" ({why})',
                        (Span(f.name, s, e),),
                    )
                )
        return out

    def _display(self, normalised_term: str) -> str:
        """The configured spelling of a normalised term, for details shown to people."""
        return self._display_names.get(normalised_term, normalised_term)
