"""Features of a retention case as of the moment it opened (its first contact).

One row per case, indexed by ``source``. Only what was known when the case
opened is used: the form's header (filled when the case is opened), the first
contact's note, and glosas dated before the opening. Everything written later
(status, later contacts, the ticked action and dismissal-reason boxes, the
finish date) is ignored, so a closed case and the same case cut back to its
first contact give the same row; ``tests/test_features.py`` proves it.

The columns are documented in :data:`FEATURES`; ``first_note`` carries the
folded text of the first contact's note for text models.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from churnlab.io import brazil
from churnlab.io.glosas import glosa_kind, parse_glosa_mentions, text_before_mentions
from churnlab.io.keys import dentist_key
from churnlab.io.records import RetentionCase
from churnlab.io.text import fold

# Stated reasons, as analysts write them in the first note: folded regexes that
# tolerate missing accents and common typos. Keys follow the dismissal reasons.
REASON_LEXICON: dict[str, str] = {
    "glosas": r"glos|recurso de glosa",
    "fees": r"valor|preco|precos|honorar|tabela|reajust|remunera|pagam|paga pouco|barat",
    "guide_release_time": r"libera|autoriza|demora.{0,20}guia|prazo.{0,20}guia",
    "system_difficulties": r"sistema|portal|aplicativo|\bapp\b|site|login|senha",
    "operator_support_lacking": r"suporte|sem retorno|nao (me )?respond|descaso|abandon",
    "central_contact_difficulty": r"central|telefone|ligac|nao consig\w* contato",
    "low_demand": r"pouc\w* (paciente|procura|demanda|atendimento)|baixa (procura|demanda)|"
    r"nao (tem|ha|recebe) paciente|sem paciente|movimento",
    "retired": r"aposent",
    "moved_area": r"mud\w* (de )?(cidade|estado|area|endereco)|mudanca|outra cidade|outro estado",
    "health_problems": r"saude|doenc|cirurgi|tratamento medico|gestac|gravid|licenca",
    "closed_business": r"encerr|fech\w* (o |a )?(consultorio|clinica)|fechou|fechando",
    "death": r"obito|falec",
    "studies": r"estud|mestrado|doutorado|especializ|residencia|curso",
    "public_servant": r"concurs|servidor|publico",
    "technical_rules": r"regra|auditoria|pericia|raio.?x|\brx\b",
    "operator_bureaucracy": r"burocra|papelad|exigenc",
    "private_patients": r"particular|carteira propria",
    "lawsuit_threat": r"judic|advogad|procon|\bans\b|processar",
    "rude_beneficiary": r"grosse|mal educad|desrespeit",
    "care_denied": r"negativa|negad",
    "migration": r"migra|outra operadora|outro plano|concorren",
}
_REASON_RES = {key: re.compile(rx) for key, rx in REASON_LEXICON.items()}

NUMERIC_FEATURES: dict[str, str] = {
    "tenure_years": "years in the network at opening (opening − inclusion date)",
    "person_type_j": "1 for a legal entity (Tipo J), 0 for a person (F)",
    "requested_by_operator": "1 when the operator, not the dentist, asked for the dismissal",
    "cro_count": "number of CROs on the form (Qtd CRO(s))",
    "log_lives": "log(1 + beneficiaries in the dentist's area) (nº de vidas)",
    "log_listed_cros": "log(1 + CROs listed in the area) (nº CRO(S) únicos divulgados)",
    "other_plans": "1 when the dentist serves other plans, 0 when not",
    "other_plans_count": "number of other plans named",
    "us_value": "value of the fee unit (Moeda, R$)",
    "no_guides": "1 when the last production says SEM GUIAS (no guides issued)",
    "log_last_production_value": "log(1 + value of the last production, R$)",
    "glosa_count": "glosa items before opening (form notes and glosas.csv)",
    "glosa_count_12m": "glosa items in the 12 months before opening",
    "glosa_technical_share": "share of those items with a technical code",
    "glosa_distinct_codes": "distinct glosa codes before opening",
    "months_since_last_glosa": "months from the latest glosa to opening",
    "log_glosa_value": "log(1 + refused value before opening, R$)",
}
RETIRED_FEATURES: dict[str, str] = {
    "months_since_production": "months from the last production to opening (when a date is given)",
    "note_length": "words in the first contact's note",
}
"""Columns the risk model no longer reads (no reason a lead acts on, and worth < 0.001 AUC:
docs/concepts/risk-model.md, "Reasons"); the action recommender and risk models saved before do."""
VALUE_COLUMNS: dict[str, str] = {
    "lives": "beneficiaries in the dentist's area (nº de vidas), as on the form",
    "listed_cros": "CROs listed in the area (nº CRO(S) únicos divulgados), as on the form",
    "last_production_value": "value of the last production (R$), as on the form",
}
"""Raw values beside the features, for the economics (what a dentist is worth); not model inputs."""

FEATURES: dict[str, str] = {
    **NUMERIC_FEATURES,
    **RETIRED_FEATURES,
    **{f"says_{key}": f"the first note states the reason {key!r} (lexicon match)" for key in REASON_LEXICON},
    "first_note": "folded text of the first contact's note (for text models)",
}
"""Every column :func:`build_features` returns, with its meaning."""


def first_note(case: RetentionCase) -> str:
    """The note of a case's first contact: what the analyst wrote when it opened ("" if none)."""
    first = min(case.contacts, key=lambda c: c.n, default=None)
    return (first.note or "") if first is not None else ""


def _months_between(earlier: dt.date, later: dt.date) -> float:
    return (later - earlier).days / 30.4375


def _production_date(text: str | None) -> dt.date | None:
    """The date of the last production when it is written as a date or a month."""
    if not text:
        return None
    for parse in (brazil.parse_date_br, brazil.parse_competence):
        try:
            value = parse(text)
        except ValueError:
            continue
        if isinstance(value, str):  # a competence "YYYY-MM": production began in that month
            year, month = map(int, value.split("-"))
            return dt.date(year, month, 1)
        return value
    return None


def opening_date(case: RetentionCase) -> dt.date | None:
    """When a case opened: the first contact's date, else Data início, else the protocol date."""
    first = min(case.contacts, key=lambda c: c.n, default=None)
    if first is not None and first.date is not None:
        return first.date
    return case.started_on or case.protocol_opened_on


def case_row(case: RetentionCase) -> dict[str, object]:
    """One case's row of :func:`build_features` without the glosa columns (and with the note)."""
    opened = opening_date(case)
    note = first_note(case)
    folded_note = fold(note)
    production = _production_date(case.last_production)
    names = [n for n in re.split(r"[,;/]| e ", case.other_plans_names or "") if n.strip()]

    def flag(value: bool | None) -> float:
        return np.nan if value is None else float(value)

    row: dict[str, object] = {
        "source": case.source,
        "opened_on": opened,
        "tenure_years": (opened - case.included_on).days / 365.25 if opened and case.included_on else np.nan,
        "person_type_j": flag(None if case.person_type is None else case.person_type == "J"),
        "requested_by_operator": flag(
            None if case.requested_by is None else fold(case.requested_by).startswith("operadora")
        ),
        "cro_count": np.nan if case.cro_count is None else float(case.cro_count),
        "log_lives": np.log1p(case.lives) if case.lives is not None else np.nan,
        "log_listed_cros": np.log1p(case.listed_cros) if case.listed_cros is not None else np.nan,
        "other_plans": flag(case.other_plans),
        "other_plans_count": float(len(names)),
        "us_value": np.nan if case.us_value is None else case.us_value,
        "no_guides": float("sem guia" in fold(case.last_production or "")),
        # A production dated after the opening was written later: not known at opening.
        "months_since_production": _months_between(production, opened)
        if production and opened and production <= opened
        else np.nan,
        "log_last_production_value": np.log1p(max(case.last_production_value, 0.0))
        if case.last_production_value is not None
        else np.nan,
        "note_length": float(len(note.split())),
        "lives": np.nan if case.lives is None else float(case.lives),
        "listed_cros": np.nan if case.listed_cros is None else float(case.listed_cros),
        "last_production_value": np.nan
        if case.last_production_value is None
        else float(case.last_production_value),
    }
    own_words = fold(text_before_mentions(note))  # a glosa listing is not the stated reason
    for key, rx in _REASON_RES.items():
        row[f"says_{key}"] = float(bool(rx.search(own_words)))
    row["first_note"] = folded_note
    return row


GLOSA_FEATURES = (
    "glosa_count",
    "glosa_count_12m",
    "glosa_technical_share",
    "glosa_distinct_codes",
    "months_since_last_glosa",
    "log_glosa_value",
)


@dataclass(frozen=True)
class _Glosa:
    """One glosa item as a feature sees it: when it was known, and what it was."""

    # (guide, code, competence): the same item from a note and the CSV counts once
    key: tuple[Hashable, Hashable, str | None]
    time: dt.date | None
    technical: bool
    code: str | None
    value: float


@lru_cache(maxsize=1024)
def _month_end(competence: str | None) -> dt.date | None:
    if not competence:
        return None
    year, month = map(int, competence.split("-"))
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def _exported_glosas(glosas: pd.DataFrame | None) -> dict[str, list[_Glosa]]:
    """The glosa export grouped by dentist (CRO + UF)."""
    if glosas is None or not len(glosas):
        return {}
    dates = pd.to_datetime(glosas["date"], errors="coerce")
    days = [None if pd.isna(d) else d for d in dates.dt.date.tolist()]
    values = pd.to_numeric(glosas["value"], errors="coerce").fillna(0.0).tolist()
    kinds = glosas["kind"].where(glosas["kind"].notna(), glosas["code"].map(glosa_kind)).tolist()
    by_dentist: dict[str, list[_Glosa]] = {}
    columns = (glosas[c].tolist() for c in ("cro", "uf", "guide", "code", "competence"))
    for cro, uf, guide, code, competence, day, kind, value in zip(*columns, days, kinds, values, strict=True):
        competence = competence if isinstance(competence, str) else None
        item = _Glosa(
            (guide, code, competence), day or _month_end(competence), kind == "technical", code, float(value)
        )
        by_dentist.setdefault(dentist_key(cro, uf), []).append(item)
    return by_dentist


def _glosa_row(events: list[_Glosa], opened: dt.date | None) -> dict[str, float]:
    """Glosa history of one case: only items known before the case opened count."""
    seen: set[tuple[Hashable, Hashable, str | None]] = set()
    known: list[_Glosa] = []
    ages: list[float] = []  # months between each known item and the opening
    for event in events:
        if event.key in seen or opened is None or event.time is None or event.time >= opened:
            continue
        seen.add(event.key)
        known.append(event)
        ages.append((opened - event.time).days / 30.4375)
    if not known:
        return dict.fromkeys(GLOSA_FEATURES, 0.0) | {
            "glosa_technical_share": np.nan,
            "months_since_last_glosa": np.nan,
        }
    return {
        "glosa_count": float(len(known)),
        "glosa_count_12m": float(sum(age <= 12 for age in ages)),
        "glosa_technical_share": sum(e.technical for e in known) / len(known),
        "glosa_distinct_codes": float(len({e.code for e in known})),
        "months_since_last_glosa": min(ages),
        "log_glosa_value": float(np.log1p(sum(e.value for e in known))),
    }


@dataclass(frozen=True)
class GlosaHistory:
    """The glosa export indexed by dentist (CRO + UF), built once for many feature batches.

    :func:`build_features` accepts it wherever it accepts the export's frame;
    a batch job scoring chunk after chunk indexes the export only once.
    """

    by_dentist: dict[str, list[_Glosa]]

    @classmethod
    def from_frame(cls, glosas: pd.DataFrame | None) -> GlosaHistory:
        """Index a frame read by :func:`churnlab.io.glosas.read_glosa_csv`."""
        return cls(_exported_glosas(glosas))


def glosa_features(
    cases: list[RetentionCase], opened: list[dt.date | None], glosas: pd.DataFrame | GlosaHistory | None
) -> pd.DataFrame:
    """Glosa features per case, from the first note's mentions and the export (CRO + UF)."""
    if not isinstance(glosas, GlosaHistory):
        glosas = GlosaHistory.from_frame(glosas)
    exported = glosas.by_dentist
    rows = []
    for case, opened_on in zip(cases, opened, strict=True):
        noted = [
            _Glosa(
                (g.guide, g.code, g.competence),
                _month_end(g.competence),
                glosa_kind(g.code) == "technical",
                g.code,
                0.0,
            )
            for g in parse_glosa_mentions(first_note(case))
        ]
        rows.append(
            _glosa_row(noted + exported.get(dentist_key(case.cro, case.cro_uf or case.uf), []), opened_on)
        )
    return pd.DataFrame(rows, index=[c.source for c in cases], columns=list(GLOSA_FEATURES))


def build_features(
    cases: Iterable[RetentionCase], glosas: pd.DataFrame | GlosaHistory | None = None
) -> pd.DataFrame:
    """One row of features per case, as of the case's opening.

    Parameters
    ----------
    cases : iterable of RetentionCase
        Parsed forms, closed or open.
    glosas : DataFrame or GlosaHistory, optional
        The operator's glosa export as read by :func:`churnlab.io.glosas.read_glosa_csv`
        (or indexed once by :class:`GlosaHistory`), joined to cases by CRO + UF;
        only rows dated before each case's opening count.

    Returns
    -------
    DataFrame
        Indexed by ``source``: ``opened_on``, the raw :data:`VALUE_COLUMNS` (for the
        economics, not the models) and the columns of :data:`FEATURES`.
    """
    cases = list(cases)
    if not cases:
        return pd.DataFrame(columns=["opened_on", *VALUE_COLUMNS, *FEATURES]).rename_axis("source")
    rows = pd.DataFrame([case_row(c) for c in cases])
    if rows["source"].duplicated().any():
        dupes = rows.loc[rows["source"].duplicated(), "source"].tolist()[:5]
        raise ValueError(f"case sources must be unique; repeated: {dupes}")
    glosa = glosa_features(cases, list(rows["opened_on"]), glosas)
    out = rows.set_index("source").join(glosa)
    return out[["opened_on", *VALUE_COLUMNS, *FEATURES]]
