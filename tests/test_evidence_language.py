"""Why a listing is suspected, in the reader's language: signal names and the
evidence sentences signals write are shown in Chinese to a Chinese reader;
the stored sentence (and the API) stays as written."""

import re

import pytest
from django.utils import translation

from detection.engine.matcher import BrandMatcher, ProtectedName
from detection.engine.text_signals import TextSignalDetector
from detection.evidence_text import localise_evidence
from detection.models import Suspect
from tests.factories import ListingFactory

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ENGLISH_FRAME = re.compile(r"\b(appears|looks like|next to|different protected|changed)\b")


def text_evidence() -> list[str]:
    """Evidence as the text signals write it, for titles that raise each of them."""
    names = [ProtectedName(1, "Adidas", ["阿迪达斯"]), ProtectedName(2, "Nike", ["耐克"])]
    detector = TextSignalDetector(BrandMatcher(names))
    titles = ["Adidas 1:1 replica trainers", "Adidos running shoes", "Adidas Nike mashup"]
    titles += ["N.i.k.e shoes", "Аdidas bag", "耐克 同款 运动鞋"]
    return [finding.detail for title in titles for finding in detector.analyse(title)]


def test_every_text_signal_sentence_reads_in_chinese_and_stays_english_in_english():
    written = text_evidence()
    assert {s.split()[0] for s in written} >= {"Protected", "Haze", '"Adidos"', "2"}
    with translation.override("zh-hans"):
        shown = [localise_evidence(sentence) for sentence in written]
    for english, chinese in zip(written, shown, strict=True):
        assert chinese != english and not ENGLISH_FRAME.search(chinese), english
    with translation.override("en"):
        assert [localise_evidence(sentence) for sentence in written] == written


@pytest.mark.django_db
def test_queue_and_evidence_page_name_signals_and_reasons_in_chinese(client, alice, adidas):
    suspect = Suspect.objects.create(
        listing=ListingFactory(title="Adidas Superstar"),
        brand=adidas,
        score=0.8,
        signals=[
            {
                "code": "price_anomaly",
                "weight": 0.6,
                "detail": "99.00 CNY is 11% of the Superstar MSRP (899.00 CNY)",
            },
            {
                "code": "logo_smear",
                "weight": 0.7,
                "detail": "Adidas's logo appears blur: logo located (correlation 0.91, colour "
                "layout 0.95) at (1, 2, 3, 4); detail energy 20% of the reference, 0% of its "
                "detailed cells flat, grid pattern 0.00",
            },
            {"code": "haze_term", "weight": 0.6, "detail": "Something no template knows"},
        ],
    )
    client.force_login(alice)

    queue = client.get("/suspects/", **ZH).content.decode()
    assert "价格异常" in queue and "商标打码" in queue
    assert "99.00 CNY 仅为 Superstar 建议零售价（899.00 CNY）的 11%" in queue
    detail = client.get(f"/suspects/{suspect.pk}/", **ZH).content.decode()
    assert "Adidas的商标被模糊处理：在 (1, 2, 3, 4) 处定位到商标" in detail
    assert "Something no template knows" in detail  # shown as stored, never lost

    english = client.get("/suspects/", **EN).content.decode()
    assert "Price anomaly" in english and "is 11% of the Superstar MSRP" in english
    assert Suspect.objects.get(pk=suspect.pk).signals[0]["detail"].startswith("99.00 CNY is")
