"""One catalogue for people's words: complete in both languages, numbers written the reader's way."""

from __future__ import annotations

import string

import numpy as np
import pytest

from churnlab.i18n import LANGUAGES, money, number, plural, say
from churnlab.i18n.messages import MESSAGES, Message
from churnlab.models.network_risk import _GROUPS
from churnlab.models.persistence import load_model
from churnlab.models.risk import Reason, describe_feature, feature_message


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_is_in_every_language_with_the_same_fields(key):
    message = MESSAGES[key]
    texts = [getattr(message, lang) for lang in LANGUAGES]
    assert all(t.strip() for t in texts), key
    assert len({frozenset(_fields(t)) for t in texts}) == 1, key
    assert set(Message._fields) == set(LANGUAGES)


def test_numbers_are_written_the_readers_way():
    assert number(1234567.891, ",.2f", "pt") == "1.234.567,89"
    assert number(1234567.891, ",.2f", "en") == "1,234,567.89"
    assert money(14864, "pt") == "R$ 14.864,00" and money(float("nan"), "pt") == ""
    assert (
        say("network.glosas", "pt", glosas_12m=12.0, glosas_3m=3.0, per_guide=0.025)
        == "12 glosas em 12 meses (3 nos últimos 3; 2,5% das guias)"
    )
    with pytest.raises(ValueError, match="choose one of pt, en"):
        say("page.title", "fr")


def test_every_feature_of_the_case_model_has_words_in_both_languages():
    for name in load_model().risk.feature_names_in_:  # the bundled model's features
        for value in (0.0, 1.0, 2.5, np.nan):
            key, _ = feature_message(name, value)
            assert key not in ("feature.other",), name  # the generic fallback: a feature left unsaid
            pt, en = describe_feature(name, value, "pt"), describe_feature(name, value, "en")
            assert pt and en and (pt != en), (name, value)


def test_a_stated_reason_is_said_in_the_readers_language():
    assert describe_feature("p_reason_retired", 0.9, "pt") == "o primeiro contato dá o motivo “aposentadoria”"
    assert describe_feature("p_reason_retired", 0.9, "en") == "first note gives the reason “retiring”"


@pytest.mark.parametrize(
    ("key", "fields", "pt", "en"),
    [
        ("feature.glosa_count", {"value": 1.0}, "1 glosa antes do pedido", "1 glosa before the request"),
        ("feature.glosa_count", {"value": 4.0}, "4 glosas antes do pedido", "4 glosas before the request"),
        ("feature.other_plans_count", {"value": 1.0}, "atende 1 outro convênio", "serves 1 other plan"),
        ("feature.other_plans_count", {"value": 2.0}, "atende 2 outros convênios", "serves 2 other plans"),
        ("feature.log_lives", {"amount": 1234.0}, "1.234 vidas na região", "1,234 lives in the area"),
        ("feature.months_since_production", {"value": 0.2}, "última produção no mês do pedido",
         "last production in the month of the request"),
        ("feature.months_since_production", {"value": 1.0}, "última produção um mês antes do pedido",
         "last production a month before the request"),
        ("feature.months_since_production", {"value": 5.0}, "última produção 5 meses antes do pedido",
         "last production 5 months before the request"),
        ("network.production", {"guides": 1.0}, "1 guia por mês nos últimos 3 meses",
         "1 guide a month over the last 3 months"),
        ("network.production", {"guides": 6.0}, "6 guias por mês nos últimos 3 meses",
         "6 guides a month over the last 3 months"),
        ("network.months_without_guide", {"months": 1.0}, "nenhuma guia no último mês",
         "no guide last month"),
        ("network.months_without_guide", {"months": 4.0}, "nenhuma guia nos últimos 4 meses",
         "no guide in the last 4 months"),
        ("network.tenure", {"months": 1.0}, "na rede há 1 mês", "in the network for 1 month"),
        ("network.tenure", {"months": 51.3}, "na rede há 51 meses", "in the network for 51 months"),
        ("network.earlier_cases", {"count": 2.0, "months": 1.0},
         "pediu desligamento 2 vezes antes, a última há um mês",
         "asked to leave 2 times before, the last a month ago"),
        ("network.earlier_cases.one", {"months": 7.0}, "pediu desligamento uma vez antes, há 7 meses",
         "asked to leave once before, 7 months ago"),
        ("network.glosas", {"glosas_12m": 1.0, "glosas_3m": 1.0, "per_guide": 0.01},
         "1 glosa em 12 meses (1 nos últimos 3; 1,0% das guias)",
         "1 glosa in 12 months (1 in the last 3; 1.0% of guides)"),
        ("network.market", {"dentists": 1.0}, "mercado: 1 dentista da rede na cidade",
         "market: 1 network dentist in the city"),
        ("network.market", {"dentists": 3.0}, "mercado: 3 dentistas da rede na cidade",
         "market: 3 network dentists in the city"),
    ],
)  # fmt: skip
def test_counts_agree_in_number_in_both_languages(key, fields, pt, en):
    assert (say(key, "pt", **fields), say(key, "en", **fields)) == (pt, en)


@pytest.mark.parametrize(
    "key", sorted(k for k in MESSAGES if k.startswith(("feature.", "network.", "reason.")))
)
def test_no_reason_leaves_its_plural_to_the_reader(key):
    """No "mês(es)", "vez(es)", "glosa(s)", "dentista(s)": a count chooses its form."""
    for text in MESSAGES[key]:
        assert "(s)" not in text and "(es)" not in text, (key, text)


def test_a_plural_spec_needs_its_forms():
    with pytest.raises(ValueError, match="plural"):
        plural(1.0, "plural:só uma forma", "pt")


def test_every_network_reason_has_words_in_both_languages():
    row = {
        "production_trend": -0.5,
        "guides_3m": 4.0,
        "no_guide_seen": 0.0,
        "months_observed": 12.0,
        "months_since_last_guide": 3.0,
        "technical_share_12m": 0.5,
        "glosas_12m": 7.0,
        "glosas_3m": 2.0,
        "glosas_per_guide_12m": 0.04,
        "us_value": 0.31,
        "tenure_months": 40.0,
        "earlier_cases": 1.0,
        "months_since_last_case": 5.0,
        "dentists_in_city": 9.0,
    }
    for name, _, words in _GROUPS:
        key, fields = words(row)
        assert say(key, "pt", **fields) != say(key, "en", **fields), name


def test_a_reason_says_which_way_it_pushes_in_both_languages():
    up = Reason("glosa_count", 1.0, 0.3, "feature.glosa_count", (("value", 1.0),))
    down = Reason("tenure_years", 12.0, -0.4, "feature.tenure_years", (("value", 12.0),))
    assert (up.direction, down.direction) == ("up", "down")
    assert up.say("pt") == "↑ aumenta o risco: 1 glosa antes do pedido"
    assert up.say("en") == up.text == "↑ raises the risk: 1 glosa before the request"
    assert down.say("pt") == "↓ reduz o risco: 12,0 anos na rede"
    assert down.say("en") == "↓ lowers the risk: 12.0 years in the network"
    assert down.words("pt") == "12,0 anos na rede"
