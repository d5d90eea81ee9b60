"""Normalisation with offsets, skeletons, and BrandMatcher boundary semantics."""

from __future__ import annotations

import random

import pytest

from detection.engine.matcher import BrandMatcher, ProtectedName
from detection.engine.synthetic import brand_names, listing_titles
from detection.engine.text import is_boundary, normalize, raw_tokens, skeleton


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("N.i.k.e Air Max 90 - Men's", "nike air max 90 men s"),
        ("ＮＩＫＥ　ＡＩＲ", "nike air"),
        ("N I K E shoes", "nike shoes"),
        ("N-I-K-E", "nike"),
        ("Hermès Birkin", "hermes birkin"),
        ("Dolce & Gabbana", "dolce gabbana"),
        ("ﬁne", "fine"),
        ("  lots   of   space ", "lots of space"),
        ("耐克同款运动鞋", "耐克同款运动鞋"),
        ("cafe\u0301 au lait", "cafe au lait"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text).text == expected


def test_offsets_map_back_to_the_original() -> None:
    for text in [
        "N.i.k.e Air Max 90 - Men's",
        "ＮＩＫＥ　ＡＩＲ max",
        "Hermès   Birkin bag",
        "cafe\u0301 au lait",
        "ﬁne ＡＢＣ shoes",
        "耐克 Nike同款",
    ]:
        nt = normalize(text)
        pos = 0
        for word in nt.text.split(" "):
            start = nt.text.index(word, pos)
            pos = start + len(word)
            o0, o1 = nt.span(start, pos)
            # The original slice normalises back to the same word.
            assert normalize(text[o0:o1]).text == word, (text, word, text[o0:o1])
    nt = normalize("ＮＩＫＥ　ＡＩＲ")
    assert nt.span(0, 4) == (0, 4)
    assert "cafe\u0301"[slice(*normalize("cafe\u0301 x").span(0, 4))] == "cafe\u0301"


def test_skeleton_folds_homoglyphs_but_not_real_cyrillic() -> None:
    assert skeleton("N1ke") == skeleton("Nlke") == skeleton("NIKE") == skeleton("nike")
    assert skeleton("Аdidas") == "adidas"  # Cyrillic А
    assert skeleton("Νike") == skeleton("nike")  # Greek capital Nu
    assert skeleton("Arrnani") == skeleton("armani")
    assert skeleton("G@cci") != skeleton("gucci")  # '@' reads as 'a', a different letter
    assert skeleton("Адидас") == "адидас"  # a real Cyrillic word stays Cyrillic
    assert skeleton("Adidos") != skeleton("adidas")


def test_raw_tokens_keep_lookalike_characters() -> None:
    text = 'Nike!! (N1ke) "G@cci" bag'
    toks = [t for t, _, _ in raw_tokens(text)]
    assert toks == ["Nike", "N1ke", "G@cci", "bag"]
    for tok, s, e in raw_tokens(text):
        assert text[s:e] == tok


def test_is_boundary() -> None:
    assert is_boundary("", "a") and is_boundary(" ", "a")
    assert not is_boundary("a", "b")
    assert is_boundary("e", "1")  # iPhone15
    assert is_boundary("e", "同")  # Nike同款
    assert not is_boundary("1", "2")


@pytest.fixture(scope="module")
def matcher() -> BrandMatcher:
    return BrandMatcher(
        [
            ProtectedName(1, "Nike", ["耐克"]),
            ProtectedName(2, "Apple", ["iPhone"]),
            ProtectedName(3, "Puma"),
            ProtectedName(4, "Louis Vuitton", ["LV"]),
            ProtectedName(5, "Air Jordan"),
            ProtectedName(6, "Jordan"),
            ProtectedName(7, "3M"),
        ]
    )


def _found(m: BrandMatcher, text: str) -> list[tuple[int, str]]:
    return [(x.brand_id, text[x.start : x.end]) for x in m.find(text)]


def test_word_boundaries(matcher: BrandMatcher) -> None:
    assert _found(matcher, "Fresh pineapple juice") == []
    assert _found(matcher, "Apple iPhone15 case") == [(2, "Apple"), (2, "iPhone")]
    assert _found(matcher, "Puma sneakers") == [(3, "Puma")]
    assert _found(matcher, "Pumas") == []
    assert _found(matcher, "Nike同款运动鞋") == [(1, "Nike")]
    assert _found(matcher, "耐克同款运动鞋") == [(1, "耐克")]
    assert _found(matcher, "正品耐克鞋") == [(1, "耐克")]  # CJK: no boundaries needed
    assert _found(matcher, "3M tape") == [(7, "3M")]
    assert _found(matcher, "13M cable") == []
    assert _found(matcher, "SLV mount") == []


def test_spaced_joined_and_overlapping_names(matcher: BrandMatcher) -> None:
    got = matcher.find("N.i.k.e Air Max")
    assert [(m.brand_id, m.spaced) for m in got] == [(1, True)]
    assert "N.i.k.e Air Max"[got[0].start : got[0].end] == "N.i.k.e"
    assert _found(matcher, "LouisVuitton bag") == [(4, "LouisVuitton")]
    assert _found(matcher, "Louis - Vuitton bag") == [(4, "Louis - Vuitton")]
    # Different brands overlapping are all reported ("Air Jordan" and "Jordan").
    assert sorted(_found(matcher, "Air Jordan 1")) == [(5, "Air Jordan"), (6, "Jordan")]
    assert _found(matcher, "ＮＩＫＥ shoes") == [(1, "ＮＩＫＥ")]


def test_find_many_equals_find_on_realistic_titles() -> None:
    brands = brand_names(2000, seed=3)
    m = BrandMatcher(ProtectedName(i, n, a) for i, n, a in brands)
    titles = listing_titles(3000, brands, seed=4)
    rnd = random.Random(5)
    titles += ["  " + t.upper() + " ！" for t in rnd.sample(titles, 200)]  # full-width etc.
    titles.append("title with a \x1e separator Kaxapaba")
    batch = m.find_many(titles, batch=97)
    single = [m.find(t) for t in titles]
    key = [[(x.brand_id, x.start, x.end) for x in r] for r in batch]
    assert key == [[(x.brand_id, x.start, x.end) for x in r] for r in single]
    named = sum(1 for r in single if r)
    assert named > 800  # ~30% of titles name a brand
    for t, r in zip(titles, single, strict=True):
        for x in r:
            assert normalize(t[x.start : x.end]).text.replace(" ", "") == normalize(
                x.term
            ).text.replace(" ", "")


def test_names_at_the_edges_of_a_title_and_of_a_batch(matcher: BrandMatcher) -> None:
    titles = [
        "Nike",
        "Nike shoes",
        "shoes by Nike",
        "Jordan",  # exactly a name: one match, nothing outside the title
        "bag Louis",  # ... and the next title starts with "Vuitton": no match across titles
        "Vuitton shoes",
        "耐克",
        "正品耐克",
        "耐克正品",
        "puma,nike;apple",
        "Nikes Pumas Apples",
        "",
        "iPhone",
    ]
    single = [_found(matcher, t) for t in titles]
    assert single == [
        [(1, "Nike")],
        [(1, "Nike")],
        [(1, "Nike")],
        [(6, "Jordan")],
        [],
        [],
        [(1, "耐克")],
        [(1, "耐克")],
        [(1, "耐克")],
        [(3, "puma"), (1, "nike"), (2, "apple")],
        [],
        [],
        [(2, "iPhone")],
    ]
    # Batched scanning joins titles with a separator: the same matches, same offsets.
    for batch in (1, 2, 5, 64):
        got = [
            [(x.brand_id, t[x.start : x.end]) for x in r]
            for t, r in zip(titles, matcher.find_many(titles, batch=batch), strict=True)
        ]
        assert got == single


def test_overlapping_names_and_cjk_inside_text(matcher: BrandMatcher) -> None:
    # Same brand: the longer name wins; different brands: both are reported.
    assert _found(matcher, "Air Jordan Air Jordan") == [
        (5, "Air Jordan"),
        (6, "Jordan"),
        (5, "Air Jordan"),
        (6, "Jordan"),
    ]
    # CJK names match inside CJK text (no spaces), next to Latin and digits too.
    assert _found(matcher, "2024新款耐克运动鞋") == [(1, "耐克")]
    assert _found(matcher, "耐克耐克") == [(1, "耐克"), (1, "耐克")]
    assert _found(matcher, "Nike耐克") == [(1, "Nike"), (1, "耐克")]
    assert _found(matcher, "耐克Air Jordan") == [(1, "耐克"), (5, "Air Jordan"), (6, "Jordan")]
    # Letters glued to a name on either side are another word; digits are a boundary.
    assert _found(matcher, "xNike Nikex Nike2 2Nike") == [(1, "Nike"), (1, "Nike")]
