"""Text signals: positives and the legitimate wordings that must stay quiet."""

from __future__ import annotations

import pytest

from detection.engine.matcher import BrandMatcher, ProtectedName
from detection.engine.text_signals import (
    DEFAULT_HAZE_TERMS,
    SignalCode,
    TextFinding,
    TextSignalDetector,
    english_words,
    osa_distance,
)


@pytest.fixture(scope="module")
def detector() -> TextSignalDetector:
    names = [
        ProtectedName(1, "Nike", ["耐克"]),
        ProtectedName(2, "Adidas", ["阿迪达斯"]),
        ProtectedName(3, "Gucci", ["古驰"]),
        ProtectedName(4, "Apple", ["iPhone", "苹果"]),
        ProtectedName(5, "Puma"),
        ProtectedName(6, "Chanel"),
        ProtectedName(7, "Rolex"),
        ProtectedName(8, "Louis Vuitton", ["LV"]),
        ProtectedName(9, "Samsung"),
    ]
    return TextSignalDetector(
        BrandMatcher(names), brand_keywords={8: ["Speedy", "Neverfull"]}, allow_words=["nikeland"]
    )


def _codes(findings: list[TextFinding]) -> dict[str, list[TextFinding]]:
    out: dict[str, list[TextFinding]] = {}
    for f in findings:
        out.setdefault(f.code.value, []).append(f)
    return out


@pytest.mark.parametrize(
    ("title", "brand", "haze"),
    [
        ("Nike same style shoes", 1, "same style"),
        ("耐克同款运动鞋", 1, "同款"),
        ("dupe of Gucci bag", 3, "dupe"),
        ("1:1 replica Rolex Submariner", 7, "1:1"),
        ("阿迪达斯高仿跑鞋", 2, "高仿"),
        ("LV Speedy 30 mirror quality", 8, "mirror quality"),
        ("Inspired by Chanel No 5 perfume", 6, "Inspired by"),
    ],
)
def test_haze_term_next_to_brand(
    detector: TextSignalDetector, title: str, brand: int, haze: str
) -> None:
    haze_findings = _codes(detector.analyse(title))["haze_term"]
    assert any(brand in f.brand_ids for f in haze_findings)
    spans = [title[s.start : s.end] for f in haze_findings for s in f.spans]
    assert haze in spans
    assert all(0 < f.weight <= 1 for f in haze_findings)


def test_haze_term_far_from_brand_is_ignored(detector: TextSignalDetector) -> None:
    title = "Nike running shoes size 42 black white breathable mesh very comfortable same style"
    assert "haze_term" not in _codes(detector.analyse(title))
    assert "haze_term" not in _codes(detector.analyse("replica vintage poster, no brand"))


@pytest.mark.parametrize(
    ("title", "brand", "kind"),
    [
        ("Аdidas Superstar white", 2, "lookalike characters"),  # Cyrillic А
        ("Nlke running shoes", 1, "lookalike characters"),
        ("N1ke shoes", 1, "lookalike characters"),
        ("Adidos sneakers", 2, "1 letter changed"),
        ("Gucii bag", 3, "1 letter changed"),
        ("Chanell perfume", 6, "1 letter changed"),
        ("Rolax watch", 7, "1 letter changed"),
        ("Nikey hoodie", 1, "1 letter changed"),
        ("Louis Vuiton bag", 8, "1 letter changed"),
        ("Cucci sneakers hot sale", 3, "1 letter changed"),  # C for G, alike in type
        ("Ghanel perfume", 6, "1 letter changed"),
    ],
)
def test_lookalike_names(detector: TextSignalDetector, title: str, brand: int, kind: str) -> None:
    found = _codes(detector.analyse(title)).get("lookalike_name", [])
    assert len(found) == 1, found
    f = found[0]
    assert f.brand_ids == (brand,)
    assert kind in f.detail
    token = title[f.spans[0].start : f.spans[0].end]
    assert f'"{token}" looks like the protected name' in f.detail


def test_lookalike_detail_text(detector: TextSignalDetector) -> None:
    f = _codes(detector.analyse("Adidos sneakers"))["lookalike_name"][0]
    assert f.detail == '"Adidos" looks like the protected name "Adidas" (1 letter changed)'


@pytest.mark.parametrize(
    "title",
    [
        "I like nice bikes, ask Mike",
        "Fresh apple 1kg from the farm",
        "Puma plush toy for kids",
        "Used Nike shoes, worn twice, honest description, small scuff on the left toe",
        "Case compatible with iPhone 15 Pro, shockproof",
        "Gucci belt, second hand, bought in the Milan store, receipt included",
        "Nikes for sale",  # plural of the name itself
        "Nikeland adventure game",  # caller-allowed word
        "Bike lock and Luma lamp, Duma sofa",  # a first letter changed to an unlike one
        "Buma yoga mat",  # an alike first letter (B for P) on a name this short: too common
    ],
)
def test_legitimate_text_has_no_lookalike_or_haze(detector: TextSignalDetector, title: str) -> None:
    codes = _codes(detector.analyse(title))
    assert "lookalike_name" not in codes
    assert "haze_term" not in codes
    assert "brand_stacking" not in codes


def test_keyword_weights_and_accessory_rule(detector: TextSignalDetector) -> None:
    fruit = _codes(detector.analyse("Fresh apple 1kg"))["brand_keyword"]
    assert fruit[0].brand_ids == (4,) and fruit[0].weight == 0.5  # the caller decides
    case = _codes(detector.analyse("Case compatible with iPhone 15 Pro"))["brand_keyword"]
    assert case[0].weight == 0.1 and "accessory" in case[0].detail
    charger = _codes(detector.analyse("Samsung charger for Apple iPhone"))
    assert "brand_stacking" not in charger  # "Apple iPhone" follows "for"
    spaced = _codes(detector.analyse("N.i.k.e Air Max 90"))["brand_keyword"][0]
    assert spaced.weight == 0.7 and "separators" in spaced.detail
    desc = _codes(detector.analyse("Running shoes", "Similar fit to Nike"))["brand_keyword"][0]
    assert desc.weight == 0.3 and desc.spans[0].field == "description"
    kw = _codes(detector.analyse("Speedy 30 bag"))["brand_keyword"][0]
    assert kw.brand_ids == (8,) and kw.weight == 0.2


def test_brand_stacking(detector: TextSignalDetector) -> None:
    four = _codes(detector.analyse("Nike Adidas Puma Gucci sneakers"))["brand_stacking"][0]
    assert four.brand_ids == (1, 2, 3, 5) and four.weight == pytest.approx(0.7)
    two = _codes(detector.analyse("Nike Adidas running shoes"))["brand_stacking"][0]
    assert two.weight == 0.3
    assert "brand_stacking" not in _codes(detector.analyse("Nike Nike Nike shoes"))


def test_findings_sorted_and_spans_valid(detector: TextSignalDetector) -> None:
    title = "1:1 replica Rolex watch Gucii strap Nike Adidas Puma"
    findings = detector.analyse(title, "super copy of Rolex, dupe")
    assert [f.weight for f in findings] == sorted((f.weight for f in findings), reverse=True)
    assert {f.code for f in findings} == set(SignalCode)
    texts = {"title": title, "description": "super copy of Rolex, dupe"}
    for f in findings:
        for s in f.spans:
            assert 0 <= s.start < s.end <= len(texts[s.field])


def test_helpers() -> None:
    assert osa_distance("nike", "nkie") == 1  # transposition
    assert osa_distance("adidas", "adidos") == 1
    assert osa_distance("chanel", "chanell") == 1
    assert osa_distance("abc", "xyz", limit=1) == 2
    words = english_words()
    assert {"like", "bike", "mike", "nice", "apple", "puma"} <= words
    assert "nike" not in words and "adidas" not in words
    assert DEFAULT_HAZE_TERMS["replica"] > DEFAULT_HAZE_TERMS["comparable"]
