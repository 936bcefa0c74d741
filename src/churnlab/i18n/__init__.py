"""Words for people, in Brazilian Portuguese (the default) or English: one catalogue, one formatter.

Everything a retention lead reads — the worklist page, the column headers of
the CSVs and workbook made for people, action words, per-case reasons — is a
message of :data:`~churnlab.i18n.messages.MESSAGES`, looked up by key with
:func:`say`. A message is a :meth:`str.format` template; numbers in it are
written the reader's way (``1.234,56`` in Portuguese, ``1,234.56`` in English)
by the same format spec. Machine files (``scores.csv``, ``network_scores.csv``,
the HTTP API's keys) keep their English column names whatever the language.

A table in Python rather than gettext/Babel: two languages, a few hundred
short messages that the code also needs in English (reasons in notebooks),
and a test that every key has both; no compile step, nothing to install.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from numbers import Number

import numpy as np
import pandas as pd

from churnlab.i18n.messages import MESSAGES

LANGUAGES = ("pt", "en")
"""Languages of the catalogue: ``pt`` (Brazilian Portuguese, the default for people) and ``en``."""
DEFAULT_LANGUAGE = "pt"

_SWAP = str.maketrans({",": ".", ".": ","})


def check_language(lang: str) -> str:
    """``lang`` if the catalogue has it, else a ``ValueError`` naming the choices."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return lang


class _Formatter(string.Formatter):
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: object, format_spec: str) -> str:
        if format_spec.startswith("plural"):
            return plural(float(value), format_spec, self.lang)  # type: ignore[arg-type]
        text = super().format_field(value, format_spec)
        numeric = isinstance(value, Number) and not isinstance(value, bool)
        return text.translate(_SWAP) if numeric and self.lang == "pt" else text


_FORMATTERS = {lang: _Formatter(lang) for lang in LANGUAGES}


def plural(value: float, spec: str, lang: str) -> str:
    """A count in words that agree with it: the ``plural`` format spec of the catalogue's messages.

    ``spec`` is ``plural[FORMAT]:ONE|OTHER`` or ``plural[FORMAT]:ZERO|ONE|OTHER``: the
    form for one (the count as written by ``FORMAT``, default ``,.0f``, is 1), for
    zero when given, else the other; ``#`` in the form is the count, written the
    reader's way. In a message: ``{months:plural:# mês|# meses}``.

    Examples
    --------
    >>> plural(1, "plural:# mês|# meses", "pt"), plural(3, "plural:# mês|# meses", "pt")
    ('1 mês', '3 meses')
    >>> plural(0.2, "plural:this month|# month ago|# months ago", "en")
    'this month'
    >>> plural(1234, "plural:# glosa|# glosas", "pt"), plural(1.0, "plural.1f:# year|# years", "en")
    ('1.234 glosas', '1.0 year')
    """
    head, _, forms = spec.partition(":")
    choices = forms.split("|")
    if not forms or len(choices) not in (2, 3):
        raise ValueError(f"a plural spec is plural[FORMAT]:ONE|OTHER or ZERO|ONE|OTHER, got {spec!r}")
    written = format(value, head.removeprefix("plural") or ",.0f")
    count = float(written.replace(",", ""))
    one, other = choices[-2:]
    form = choices[0] if len(choices) == 3 and count == 0 else one if abs(count) == 1 else other
    return form.replace("#", written.translate(_SWAP) if lang == "pt" else written)


def say(key: str, lang: str = "en", **params: object) -> str:
    """The message ``key`` in ``lang``, its ``{fields}`` filled from ``params``.

    Examples
    --------
    >>> say("feature.glosa_count_12m", "pt", value=3.0), say("feature.glosa_count_12m", "pt", value=1.0)
    ('3 glosas nos 12 meses antes do pedido', '1 glosa nos 12 meses antes do pedido')
    >>> say("feature.us_value", "pt", value=0.3), say("feature.us_value", "en", value=0.3)
    ('US de R$ 0,30', 'fee unit R$ 0.30')
    """
    template = getattr(MESSAGES[key], check_language(lang))
    return _FORMATTERS[lang].format(template, **params)


def number(value: float, spec: str, lang: str) -> str:
    """``value`` formatted by ``spec`` (e.g. ``,.2f``, ``.0%``) with the language's separators.

    Examples
    --------
    >>> number(1234.5, ",.2f", "pt"), number(1234.5, ",.2f", "en"), number(0.253, ".0%", "pt")
    ('1.234,50', '1,234.50', '25%')
    """
    return _FORMATTERS[check_language(lang)].format_field(float(value), spec)


def money(value: float | None, lang: str, decimals: int = 2) -> str:
    """``R$ 1.234,56`` (pt) or ``R$ 1,234.56`` (en); empty for a missing value.

    Examples
    --------
    >>> money(14864.0, "pt"), money(-3.5, "en", decimals=0)
    ('R$ 14.864,00', 'R$ -4')
    """
    if value is None or not np.isfinite(value):
        return ""
    return "R$ " + number(value, f",.{decimals}f", lang)


def percent(value: float | None, lang: str, decimals: int = 0) -> str:
    """``25%``/``2,5%`` (pt) or ``25%``/``2.5%`` (en); empty for a missing value."""
    if value is None or not np.isfinite(value):
        return ""
    return number(value, f".{decimals}%", lang)


def date(value: dt.date | pd.Timestamp | None, lang: str) -> str:
    """``dd/mm/aaaa`` in both languages (the operator's forms write dates so); empty for none."""
    check_language(lang)
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).strftime("%d/%m/%Y")


def probability(value: float | None, lang: str) -> str:
    """A probability (a risk, a chance of retention) as a person reads it; empty for a missing value.

    It never reads ``0 %`` or ``100 %``: a model's probability is an estimate, and a
    person reads "100 %" as a fact. Under 1 % reads ``< 1 %``, over 99 % ``> 99 %``
    (both true of exactly 0 and 1 too). Under 10 % and over 90 %, where a point changes
    a decision, one decimal; whole percents between.

    Examples
    --------
    >>> [probability(v, "pt") for v in (0.0029, 0.0485, 0.4583, 0.953, 0.99996, 1.0)]
    ['< 1 %', '4,9 %', '46 %', '95,3 %', '> 99 %', '> 99 %']
    >>> probability(0.0485, "en"), probability(0.0, "en")
    ('4.9 %', '< 1 %')
    """
    if value is None or not np.isfinite(value):
        return ""
    value = float(value)
    if value < 0.01:
        return "< 1 %"
    if value > 0.99:
        return "> 99 %"
    decimals = 1 if value < 0.1 or value > 0.9 else 0
    return number(value * 100, f".{decimals}f", lang) + " %"


_LOWER_PARTICLES = frozenset({"da", "das", "de", "do", "dos", "e", "d'"})


def person_name(text: str | None) -> str:
    """A name or a city written the Portuguese way: each word capitalised but the particles.

    Forms write names in capitals, rosters in any case. A name all in one case is
    title-cased; one already in mixed case keeps its words as written (a pseudonym
    such as ``Pessoa 7KQ2XZ`` stays one). Either way ``da``, ``das``, ``de``,
    ``do``, ``dos`` and ``e`` are lower-case except as the first word.

    Examples
    --------
    >>> person_name("LETÍCIA ISABELA DAS TEIXEIRA COSTA"), person_name("aparecida de goiânia")
    ('Letícia Isabela das Teixeira Costa', 'Aparecida de Goiânia')
    >>> person_name("D'ÁVILA E SOUZA"), person_name("Ana Das Dores"), person_name("Pessoa 7KQ2XZ")
    ("D'Ávila e Souza", 'Ana das Dores', 'Pessoa 7KQ2XZ')
    """
    if not text:
        return ""
    one_case = str(text).isupper() or str(text).islower()
    pieces = re.split(r"(\s+)", str(text))  # the spaces between words kept as written
    for i, word in enumerate(pieces):
        low = word.lower()
        if i % 2 or not word:
            continue
        if i and low in _LOWER_PARTICLES:
            pieces[i] = low
        elif one_case and not any(ch.isdigit() for ch in word):
            parts = ("'".join(p[:1].upper() + p[1:] for p in part.split("'")) for part in low.split("-"))
            pieces[i] = "-".join(parts)
    return "".join(pieces)


def place(city: str | None, uf: str | None) -> str:
    """``Cidade/UF`` as every list writes it (``Santos/SP``); either part alone when the other is missing.

    >>> place("SANTOS", "sp"), place(None, "SP"), place("Santos", None)
    ('Santos/SP', 'SP', 'Santos')
    """
    parts = [
        p
        for p in (
            person_name(city) if isinstance(city, str) else "",
            str(uf).strip().upper() if isinstance(uf, str) else "",
        )
        if p
    ]
    return "/".join(parts)
