"""The worklist's files for people: the CSVs and the workbook beside the page, and how they read.

:func:`people_table` turns score rows into what a lead reads: headers, actions,
reasons and stated reasons in words, names title-cased, ``Sim``/``Não``, whole
months; :func:`write_people_files` writes it as CSVs
(:func:`churnlab.app.spreadsheet.write_people_csv`, Brazilian by default) and as
a workbook (:func:`churnlab.app.excel.write_workbook`). Machine files
(``scores.csv``) never come through here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from churnlab.app.excel import write_workbook
from churnlab.app.scoring import for_people
from churnlab.app.spreadsheet import write_people_csv
from churnlab.i18n import DEFAULT_LANGUAGE, person_name, say
from churnlab.i18n.messages import MESSAGES
from churnlab.io.records import ACTION_LABELS

ACTIONS = ACTION_LABELS  # "none" first, then the six actions


def action_words(lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """What each action label means, in the words a retention lead uses (``pt`` or ``en``)."""
    return {action: say(f"action.{action}", lang) for action in ACTIONS}


def offer_words(row: pd.Series, lang: str) -> str:
    """The offer a lead reads for a row: its action's words, or "no retention action indicated"."""
    if row.get("out_of_reach") is True:
        return say("page.out_of_reach_action", lang)
    action = row.get("offered_action")
    action = str(action if isinstance(action, str) else row["best_action"])
    return say(f"action.{action}", lang) if action in ACTIONS else action


def stated_reason_words(reason: object, lang: str) -> str:
    """The reason the form states, in words (empty when the note states none clearly)."""
    return say(f"reason.{reason}", lang) if isinstance(reason, str) and f"reason.{reason}" in MESSAGES else ""


MONEY = ("expected_gain", "dentist_value", "expected_loss")
PROBABILITIES = (
    "dismissal_risk",
    "risk_30d",
    "risk_90d",
    "risk_180d",
    *(f"p_retained_{action}" for action in ACTIONS),
)
"""Columns shown as a person reads a probability (:func:`churnlab.i18n.probability`)."""
POINTS = ("uplift", "uplift_low", "uplift_high")
"""Differences of probabilities, shown in whole percentage points."""
MONTHS = ("months_since_last_guide", "tenure_months")
"""Counts of months, shown whole."""

_PEOPLE_FIRST = (
    "priority",
    "dentist",
    "name",
    "cro",
    "phones",
    "emails",
    "city",
    "uf",
    "opened_on",
    "dismissal_risk",
    "risk_90d",
    "best_action_words",
    "explored",
    "expected_gain",
    "expected_loss",
    "stated_reason",
    "reasons",
    "uplift",
    "uplift_low",
    "uplift_high",
    "best_action_note",
)

_MACHINE_ONLY = (
    "case_key",
    "offer_probability",
    "offered_action",
    "out_of_reach",
    *(f"cost_{a}" for a in ACTIONS),
)
"""Columns people do not need (the case store keeps them); ``case_key`` also names the CRO."""


def column_title(column: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A column's header in files for people (machine files keep ``column``).

    Examples
    --------
    >>> column_title("expected_gain", "pt"), column_title("p_retained_support", "en")
    ('Ganho esperado (R$)', 'Chance of retention: Offer support')
    """
    action = column.removeprefix("p_retained_")
    if action != column and action in ACTIONS:
        return say("column.p_retained", lang, action=say(f"action.{action}", lang))
    return say(f"column.{column}", lang) if f"column.{column}" in MESSAGES else column


def _yes_no(value: object, lang: str) -> object:
    if isinstance(value, (bool, np.bool_)):
        return say("page.yes" if value else "page.no", lang)
    return value


def people_table(frame: pd.DataFrame, lang: str = DEFAULT_LANGUAGE, plain: bool = False) -> pd.DataFrame:
    """Rows for people: what a lead reads first, headers and words in ``lang``, formula-safe cells.

    Actions (the model's best and the one offered), reasons and the stated
    reason are words; names and cities are title-cased the Portuguese way.
    Unless ``plain`` (the machine dialect: full precision, ``True``/``False``),
    booleans read ``Sim``/``Não`` and months are whole.
    """
    out = frame.copy()
    if "offered_action" in out or "best_action" in out:
        out["best_action_words"] = [offer_words(row, lang) for _, row in out.iterrows()]
    if "best_action" in out:
        out["best_action"] = out["best_action"].map(lambda a: say(f"action.{a}", lang) if a in ACTIONS else a)
    if "stated_reason" in out:
        out["stated_reason"] = [stated_reason_words(r, lang) for r in out["stated_reason"]]
    if "cro" in out and "uf" in out:  # the network's rows hold the CRO's digits and the UF apart
        out["cro"] = [
            f"{cro}/{uf}" if isinstance(cro, str) and "/" not in cro and isinstance(uf, str) else cro
            for cro, uf in zip(out["cro"], out["uf"], strict=True)
        ]
    for column in ("dentist", "name", "city"):
        if column in out:
            out[column] = [person_name(v) if isinstance(v, str) else v for v in out[column]]
    out = for_people(out.drop(columns=[c for c in _MACHINE_ONLY if c in out]), lang)
    if "opened_on" in out:
        out["opened_on"] = pd.to_datetime(out["opened_on"], errors="coerce")  # dd/mm/aaaa in CSV and Excel
    if "status" in out:
        out["status"] = [say(f"status.{v}", lang) if f"status.{v}" in MESSAGES else v for v in out["status"]]
    if not plain:
        for column in out.columns:
            if pd.api.types.is_bool_dtype(out[column]) or out[column].map(type).isin([bool, np.bool_]).any():
                out[column] = out[column].map(lambda v: _yes_no(v, lang))
        for column in MONTHS:
            if column in out:
                out[column] = pd.to_numeric(out[column], errors="coerce").round().astype("Int64")
        for column in out.select_dtypes("float").columns:  # counts held as floats (12.0 glosas) read 12
            values = out[column].dropna()
            if len(values) and (values == values.round()).all() and column not in PROBABILITIES + POINTS:
                out[column] = out[column].round().astype("Int64")
    order = [c for c in _PEOPLE_FIRST if c in out] + [c for c in out if c not in _PEOPLE_FIRST]
    return out[order].rename(columns=lambda c: column_title(c, lang))


def write_people_files(
    sheets: dict[str, tuple[pd.DataFrame, Path]],
    workbook: Path | None,
    csv_style: str,
    lang: str,
) -> None:
    """Write each list as a CSV for people and, given ``workbook``, all of them as its sheets.

    ``sheets`` maps a sheet's title to ``(score rows, CSV path)``.
    """
    plain = csv_style == "plain"
    titles = {
        "money": tuple(column_title(c, lang) for c in MONEY),
        "probability": tuple(column_title(c, lang) for c in PROBABILITIES),
        "percent": tuple(column_title(c, lang) for c in POINTS),
    }
    tables = {}
    for title, (rows, path) in sheets.items():
        tables[title] = people_table(rows, lang)
        written = people_table(rows, lang, plain=True) if plain else tables[title]
        write_people_csv(written, path, csv_style, **titles)
    if workbook is not None:
        write_workbook(tables, workbook, **titles)
