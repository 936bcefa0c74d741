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
from collections.abc import Iterable

import numpy as np
import pandas as pd

from churnlab import brazil
from churnlab.glosas import COLUMNS as GLOSA_COLUMNS
from churnlab.glosas import glosa_kind, parse_glosa_mentions
from churnlab.records import RetentionCase
from churnlab.text import fold

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
    "months_since_production": "months from the last production to opening (when a date is given)",
    "log_last_production_value": "log(1 + value of the last production, R$)",
    "glosa_count": "glosa items before opening (form notes and glosas.csv)",
    "glosa_count_12m": "glosa items in the 12 months before opening",
    "glosa_technical_share": "share of those items with a technical code",
    "glosa_distinct_codes": "distinct glosa codes before opening",
    "months_since_last_glosa": "months from the latest glosa to opening",
    "log_glosa_value": "log(1 + refused value before opening, R$)",
    "note_length": "words in the first contact's note",
}
FEATURES: dict[str, str] = {
    **NUMERIC_FEATURES,
    **{f"says_{key}": f"the first note states the reason {key!r} (lexicon match)" for key in REASON_LEXICON},
    "first_note": "folded text of the first contact's note (for text models)",
}
"""Every column :func:`build_features` returns, with its meaning."""


def _first_note(case: RetentionCase) -> str:
    first = min(case.contacts, key=lambda c: c.n, default=None)
    return first.note or "" if first is not None else ""


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
        if isinstance(value, str):  # a competence "YYYY-MM": count from the month's end
            year, month = map(int, value.split("-"))
            return (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
        return value
    return None


def opening_date(case: RetentionCase) -> dt.date | None:
    """When a case opened: the first contact's date, else Data início, else the protocol date."""
    first = min(case.contacts, key=lambda c: c.n, default=None)
    if first is not None and first.date is not None:
        return first.date
    return case.started_on or case.protocol_opened_on


def _case_row(case: RetentionCase) -> dict[str, object]:
    opened = opening_date(case)
    note = _first_note(case)
    folded_note = fold(note)
    production = _production_date(case.last_production)
    names = [n for n in re.split(r"[,;/]| e ", case.other_plans_names or "") if n.strip()]

    def flag(value: bool | None) -> float:
        return np.nan if value is None else float(value)

    row: dict[str, object] = {
        "source": case.source,
        "opened_on": opened,
        "tenure_years": (opened - case.included_on).days / 365.25
        if opened and case.included_on else np.nan,
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
        "months_since_production": _months_between(production, opened)
        if production and opened else np.nan,
        "log_last_production_value": np.log1p(max(case.last_production_value, 0.0))
        if case.last_production_value is not None else np.nan,
        "note_length": float(len(note.split())),
    }
    for key, rx in _REASON_RES.items():
        row[f"says_{key}"] = float(bool(rx.search(folded_note)))
    row["first_note"] = folded_note
    return row


def _dentist_key(cro: object, uf: object) -> str:
    digits = re.sub(r"\D", "", str(cro or "")).lstrip("0")
    return f"{digits}/{str(uf or '').strip().upper()}"


def _event_time(glosas: pd.DataFrame) -> pd.Series:
    """When a glosa was known: its date, else the last day of its competence month."""
    date = pd.to_datetime(glosas["date"], errors="coerce")
    month = pd.to_datetime(glosas["competence"] + "-01", format="%Y-%m-%d", errors="coerce")
    month_end = month + pd.offsets.MonthEnd(0)
    return date.fillna(month_end)


def _glosa_features(cases: list[RetentionCase], rows: pd.DataFrame,
                    glosas: pd.DataFrame | None) -> pd.DataFrame:
    """Glosa history per case, counting only events known before the case opened."""
    noted = [
        {"source": case.source, "guide": g.guide, "code": g.code, "competence": g.competence,
         "kind": glosa_kind(g.code), "date": pd.NaT, "value": np.nan}
        for case in cases for g in parse_glosa_mentions(_first_note(case))
    ]
    frames = [pd.DataFrame(noted)] if noted else []
    keys = pd.DataFrame({
        "source": rows["source"],
        "key": [_dentist_key(c.cro, c.cro_uf or c.uf) for c in cases],
        "opened_on": pd.to_datetime(rows["opened_on"]),
    })
    if glosas is not None and len(glosas):
        exported = glosas[list(GLOSA_COLUMNS)].copy()
        exported["key"] = [_dentist_key(c, u) for c, u in zip(exported["cro"], exported["uf"], strict=True)]
        exported = exported.merge(keys[["source", "key"]], on="key", how="inner").drop(columns="key")
        frames.append(exported)
    columns = ["glosa_count", "glosa_count_12m", "glosa_technical_share", "glosa_distinct_codes",
               "months_since_last_glosa", "log_glosa_value"]
    if not frames:
        out = pd.DataFrame(0.0, index=rows["source"], columns=columns)
        out[["glosa_technical_share", "months_since_last_glosa"]] = np.nan
        return out
    events = pd.concat(frames, ignore_index=True)
    events = events.drop_duplicates(subset=["source", "guide", "code", "competence"])
    events["time"] = _event_time(events)
    events = events.merge(keys[["source", "opened_on"]], on="source")
    events = events[events["time"].notna() & (events["time"] < events["opened_on"])]
    age_months = (events["opened_on"] - events["time"]).dt.days / 30.4375
    kind = events["kind"].where(events["kind"].notna(), events["code"].map(glosa_kind))
    events = events.assign(
        recent=(age_months <= 12).astype(float),
        technical=(kind == "technical").astype(float),
        age=age_months,
        value=pd.to_numeric(events["value"], errors="coerce").fillna(0.0),
    )
    grouped = events.groupby("source")
    out = pd.DataFrame({
        "glosa_count": grouped.size().astype(float),
        "glosa_count_12m": grouped["recent"].sum(),
        "glosa_technical_share": grouped["technical"].mean(),
        "glosa_distinct_codes": grouped["code"].nunique().astype(float),
        "months_since_last_glosa": grouped["age"].min(),
        "log_glosa_value": np.log1p(grouped["value"].sum()),
    }).reindex(rows["source"])
    counts = ["glosa_count", "glosa_count_12m", "glosa_distinct_codes", "log_glosa_value"]
    out[counts] = out[counts].fillna(0.0)
    return out


def build_features(cases: Iterable[RetentionCase], glosas: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row of features per case, as of the case's opening.

    Parameters
    ----------
    cases : iterable of RetentionCase
        Parsed forms, closed or open.
    glosas : DataFrame, optional
        The operator's glosa export as read by :func:`churnlab.glosas.read_glosa_csv`,
        joined to cases by CRO + UF; only rows dated before each case's opening count.

    Returns
    -------
    DataFrame
        Indexed by ``source``, with the columns of :data:`FEATURES` plus ``opened_on``.
    """
    cases = list(cases)
    if not cases:
        return pd.DataFrame(columns=["opened_on", *FEATURES]).rename_axis("source")
    rows = pd.DataFrame([_case_row(c) for c in cases])
    if rows["source"].duplicated().any():
        dupes = rows.loc[rows["source"].duplicated(), "source"].tolist()[:5]
        raise ValueError(f"case sources must be unique; repeated: {dupes}")
    glosa = _glosa_features(cases, rows, glosas)
    out = rows.set_index("source").join(glosa)
    return out[["opened_on", *FEATURES]]


def feature_matrix_columns() -> list[str]:
    """The numeric and lexicon columns a model reads (everything but the note and date)."""
    return [c for c in FEATURES if c != "first_note"]
