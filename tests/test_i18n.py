"""One catalogue for people's words: complete in both languages, numbers written the reader's way."""

from __future__ import annotations

import string

import numpy as np
import pytest

from churnlab.i18n import LANGUAGES, money, number, say
from churnlab.i18n.messages import MESSAGES, Message
from churnlab.models.network_risk import _GROUPS
from churnlab.models.persistence import load_model
from churnlab.models.risk import describe_feature, feature_message


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
        == "12 glosa(s) em 12 meses (3 nos últimos 3; 2,5% das guias)"
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
    assert describe_feature("p_reason_retired", 0.9, "pt") == "o primeiro contato dá o motivo: aposentadoria"
    assert describe_feature("p_reason_retired", 0.9, "en") == "first note gives the reason: retiring"


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
