"""The network: the roster of credentialed dentists, their monthly production, their cases.

The files are stated in 'Network files' (docs/concepts/contracts/network-files.md).

A data folder may describe the whole network beside the retention forms:
``roster.csv`` (one row per dentist ever credentialed) and ``production.csv``
(one row per dentist and month with guides). :func:`read_network` reads both,
the glosa export and the forms' first contacts (the day a dentist asked to
leave) into a :class:`Network`, the input of
:mod:`churnlab.features.network`.

Bad rows are reported (file, line, column, reason) and left out; what is
read but doubtful (a dentist without an inclusion date, production of a
dentist missing from the roster, a month on two rows) is kept and said in
:attr:`Network.warnings`. A dentist is identified by :func:`dentist_key`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from churnlab.errors import DataError
from churnlab.io.brazil import parse_competence, parse_date_br, parse_person_type
from churnlab.io.keys import dentist_key, dentist_keys
from churnlab.io.records import PLAUSIBLE_RANGES, PLAUSIBLE_YEARS, RetentionCase
from churnlab.io.sources import find_source, iter_source_tables, read_source_table
from churnlab.io.table import Reject, Table

if TYPE_CHECKING:
    from churnlab.io.glosa_months import GlosaRead

ROSTER_HEADER: dict[str, str] = {
    "cro": "CRO", "uf": "UF", "name": "Nome", "city": "Cidade", "person_type": "Tipo",
    "included_on": "Data inclusão", "left_on": "Data desligamento", "us_value": "Moeda",
}  # fmt: skip
"""Columns of ``roster.csv`` and the header each is read from, in order."""

ROSTER_OPTIONAL: dict[str, str] = {
    "lives": "nº de vidas", "listed_cros": "nº CRO(S) únicos divulgados",
    "other_plans": "Atende outros convênios", "specialty": "Especialidade",
    "phone": "Telefone", "email": "Email",
}  # fmt: skip
"""Further roster columns used when present (unknown ones are ignored)."""

PRODUCTION_HEADER: dict[str, str] = {
    "cro": "CRO", "uf": "UF", "month": "Competência", "guides": "Guias", "value": "Valor",
}  # fmt: skip
"""Columns of ``production.csv`` and their headers."""

_UF = re.compile(r"[A-Z]{2}")
_MAX_GUIDES = 100_000  # a month's guides for one CRO; more is a typo


@dataclass
class Network:
    """A network read from a data folder ('Network files' in the docs).

    Attributes
    ----------
    roster : pandas.DataFrame
        One row per dentist, indexed by :func:`dentist_key`: ``cro``, ``uf``,
        ``name``, ``city``, ``person_type`` (``F``/``J``/None), ``included_on``,
        ``left_on`` (NaT while in the network), ``us_value`` and, when the file
        has them, ``lives``, ``listed_cros``, ``other_plans`` (1.0/0.0/NaN),
        ``specialty``, ``phone`` and ``email`` (text as written).
    production : pandas.DataFrame
        ``key``, ``month`` (first day of the competence), ``guides``, ``value``;
        one row per dentist and month (months on several rows are summed).
    glosas : pandas.DataFrame or None
        The glosa export summed per dentist and month
        (:data:`~churnlab.io.glosa_months.MONTH_COLUMNS`: ``key``, ``month``
        when known, ``glosas``, ``technical``, ``value``), not its rows: memory
        follows dentists × months (:func:`~churnlab.io.glosa_months.read_glosa_months`).
    cases : pandas.DataFrame
        One row per readable form: ``key``, ``source``, ``asked_on`` (first
        contact: the day the dentist asked to leave), ``finished_on``,
        ``status``.
    end : pandas.Timestamp
        The last day the data covers: the end of the last production month.
    rejects : list of (file name, Reject)
        Rows left out.
    warnings : list of str
        What was read but is doubtful, counted.
    """

    roster: pd.DataFrame
    production: pd.DataFrame
    glosas: pd.DataFrame | None
    cases: pd.DataFrame
    end: pd.Timestamp
    rejects: list[tuple[str, Reject]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        """Every reject and warning as one line of text, for a batch report."""
        lines = [
            f"{name} line {r['line']}: " + (f"column {r['column']!r}: " if r["column"] else "") + r["reason"]
            for name, r in self.rejects
        ]
        return lines + self.warnings


_TIME = re.compile(r"\s+\d{1,2}:\d{2}(:\d{2})?$")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_ISO_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})")


def _date_in_range(text: str) -> dt.date | None:
    """``dd/mm/yyyy`` (a time after it ignored; ISO ``yyyy-mm-dd`` too: spreadsheets write both)."""
    text = _TIME.sub("", text.strip())
    iso = _ISO_DATE.fullmatch(text)
    if iso:
        try:
            date: dt.date | None = dt.date(int(iso[1]), int(iso[2]), int(iso[3]))
        except ValueError as exc:
            raise ValueError(f"{text!r} is not a valid date: {exc}") from None
    else:
        date = parse_date_br(text)
    if date is None and text.strip():
        raise ValueError(f"{text!r} is not a date (expected dd/mm/yyyy)")
    first, last = PLAUSIBLE_YEARS
    if date is not None and not first <= date.year <= last:
        raise ValueError(f"year {date.year} is outside {first} to {last}")
    return date


def _month(text: str) -> pd.Timestamp:
    """A competence: ``MM/YYYY`` (also ``FEV/23``, ISO ``YYYY-MM``, or a full date: its month)."""
    iso = _ISO_MONTH.fullmatch(text.strip())
    try:
        competence = f"{iso[1]}-{int(iso[2]):02d}" if iso and 0 < int(iso[2]) < 13 else parse_competence(text)
    except ValueError as problem:
        try:
            date = _date_in_range(text)  # a date where the month was expected: its month
        except ValueError:
            raise problem from None
        if date is None:
            raise
        competence = f"{date.year:04d}-{date.month:02d}"
    if competence is None:
        raise ValueError("empty competence (expected MM/YYYY)")
    year = int(competence[:4])
    first, last = PLAUSIBLE_YEARS
    if not first <= year <= last:
        raise ValueError(f"year {year} is outside {first} to {last}")
    return pd.Timestamp(competence + "-01")


def _dentists(table: Table) -> pd.Series:
    """The rows' dentist keys; a CRO without digits or a UF that is not two letters is rejected."""
    cro = table.stripped("cro")
    table.reject(
        ~cro.str.contains(r"\d", regex=True).to_numpy(),
        "cro",
        lambda v: (
            "empty CRO (a dentist is identified by CRO + UF)"
            if not v
            else f"{v!r} has no digits (a CRO is a number)"
        ),
    )
    uf = table.stripped("uf").str.upper()
    table.reject(
        ~uf.str.fullmatch(_UF.pattern).to_numpy(),
        "uf",
        lambda v: (
            "empty UF (a dentist is identified by CRO + UF)"
            if not v
            else f"{v!r} is not a state (two letters, e.g. SP)"
        ),
    )
    return dentist_keys(cro, uf)


def _dates(table: Table, column: str) -> pd.Series:
    return table.mapped(column, _date_in_range, dates=True)


def _yes_no(text: str) -> float:
    folded = text.strip().lower()
    if not folded:
        return np.nan
    if folded in ("sim", "s", "yes", "x"):
        return 1.0
    if folded in ("não", "nao", "n", "no"):
        return 0.0
    raise ValueError(f"{text!r} is not Sim or Não")


def read_roster(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, list[Reject], list[str]]:
    """Read ``roster.csv``: (roster indexed by dentist key, rejected rows, warnings).

    A dentist on several rows keeps the row with the latest inclusion; the
    others are rejected with the line kept. An empty ``Data inclusão`` is kept
    (tenure unknown, counted active from the start of the data) and warned.

    Raises
    ------
    DataError
        Missing file, not UTF-8, or a required header column missing.
    """
    table = read_source_table(path, ROSTER_HEADER, ROSTER_OPTIONAL, "roster")
    key = _dentists(table)
    frame = pd.DataFrame(
        {
            "key": key,
            "cro": table.stripped("cro"),
            "uf": table.stripped("uf").str.upper(),
            "name": table.stripped("name"),
            "city": table.stripped("city"),
        }
    )
    frame["person_type"] = table.mapped("person_type", parse_person_type)
    frame["included_on"] = _dates(table, "included_on")
    frame["left_on"] = _dates(table, "left_on")
    frame["us_value"] = table.decimals("us_value", *PLAUSIBLE_RANGES["us_value"])
    for column in ("lives", "listed_cros"):
        if table.has(column):
            frame[column] = table.integers(column, *PLAUSIBLE_RANGES[column])
    if table.has("other_plans"):
        frame["other_plans"] = table.mapped("other_plans", _yes_no).astype(float)
    for column in ("specialty", "phone", "email"):  # text, as written (contacts: for the call list)
        if table.has(column):
            frame[column] = table.stripped(column)
    backwards = (frame["left_on"] < frame["included_on"]).to_numpy()
    table.reject(backwards, "left_on", "leaves the network before the inclusion date")
    frame["line"] = table.lines
    frame = frame.loc[table.good_rows()]
    order = frame.sort_values(["key", "included_on", "line"], na_position="first")
    duplicate = order.duplicated("key", keep="last")
    kept_line = order.drop_duplicates("key", keep="last").set_index("key")["line"]
    for _, row in order.loc[duplicate].iterrows():
        table.rejects.append(
            Reject(
                line=int(row["line"]),
                column=None,
                value="",
                reason=(
                    f"the dentist (CRO + UF) is also on line {kept_line[row['key']]}, with a later "
                    "inclusion; "
                    "that row is kept"
                ),
            )
        )
    roster = order.loc[~duplicate].set_index("key").sort_values("line").drop(columns="line")
    warnings = []
    undated = int(roster["included_on"].isna().sum())
    if undated:
        warnings.append(
            f"{Path(path).name}: {undated} dentist(s) without 'Data inclusão': tenure unknown, "
            "counted in the network from the first month of data"
        )
    return roster, sorted(table.rejects, key=lambda r: r["line"]), warnings


def read_production(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, list[Reject], list[str]]:
    """Read ``production.csv``: (``key``, ``month``, ``guides``, ``value`` rows, rejects, warnings).

    Raises
    ------
    DataError
        Missing file, not UTF-8, or a required header column missing.
    """
    parts, rejects = [], []
    for table in iter_source_tables(path, PRODUCTION_HEADER, {}, "production file"):
        parts.append(production_rows(table))
        rejects += sorted(table.rejects, key=lambda r: r["line"])
    return production_of(path, parts, rejects)


def production_of(
    path: str | os.PathLike[str], parts: list[pd.DataFrame], rejects: list[Reject]
) -> tuple[pd.DataFrame, list[Reject], list[str]]:
    """:func:`read_production`'s result from its blocks' rows and rejects, in file order."""
    frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    warnings = []
    repeated = frame.duplicated(["key", "month"], keep=False)
    if repeated.any():
        months = int(frame.loc[repeated, ["key", "month"]].drop_duplicates().shape[0])
        warnings.append(f"{Path(path).name}: {months} dentist-month(s) on more than one row: summed")
        frame = frame.groupby(["key", "month"], as_index=False, sort=False).sum(min_count=1)
    return frame, rejects, warnings


def production_rows(table: Table) -> pd.DataFrame:
    """The good rows of a block of ``production.csv`` (``key``, ``month``, ``guides``, ``value``)."""
    key = _dentists(table)
    month = table.mapped("month", _month, dates=True)
    guides = table.integers("guides", 0, _MAX_GUIDES)
    table.reject(
        np.isnan(guides), "guides", "empty guide count (a month without guides has no row)", show_value=False
    )
    value = table.decimals("value", 0, 50 * PLAUSIBLE_RANGES["last_production_value"][1])
    good = table.good_rows()
    return pd.DataFrame(
        {
            "key": key[good].to_numpy(),
            "month": month[good].to_numpy(),
            "guides": guides[good],
            "value": value[good],
        }
    )


def case_events(cases: Sequence[RetentionCase]) -> tuple[pd.DataFrame, list[str]]:
    """When each form's dentist asked to leave (first contact), how the case ended; and warnings.

    The first contact's date is the request; without contacts the start date
    (``Data início``) stands in, and a form with neither is left out and
    counted in the warnings.
    """
    rows, undated = [], []
    for case in cases:
        dates = [c.date for c in case.contacts if c.date is not None]
        asked = min(dates) if dates else case.started_on
        if asked is None:
            undated.append(case.source)
            continue
        rows.append(
            {
                "key": dentist_key(case.cro, case.cro_uf or case.uf),
                "source": case.source,
                "asked_on": pd.Timestamp(asked),
                "finished_on": pd.Timestamp(case.finished_on) if case.finished_on else pd.NaT,
                "status": case.status,
            }
        )
    frame = pd.DataFrame(rows, columns=["key", "source", "asked_on", "finished_on", "status"])
    frame["asked_on"] = pd.to_datetime(frame["asked_on"])
    frame["finished_on"] = pd.to_datetime(frame["finished_on"])
    warnings = (
        [
            f"{len(undated)} form(s) without a contact or start date, so no request date: "
            f"not used as events ({', '.join(undated[:3])}{'…' if len(undated) > 3 else ''})"
        ]
        if undated
        else []
    )
    return frame.sort_values(["key", "asked_on"]).reset_index(drop=True), warnings


def has_network(path: str | os.PathLike[str]) -> bool:
    """Whether a data folder holds the network files (``roster`` and ``production``, CSV or Parquet)."""
    return find_source(path, "roster") is not None and find_source(path, "production") is not None


def _roster_and_production(
    roster_path: Path,
    production_path: Path,
    production_read: tuple[pd.DataFrame, list[Reject], list[str]] | None,
) -> tuple[pd.DataFrame, list[Reject], list[str], tuple[pd.DataFrame, list[Reject], list[str]]]:
    """The roster, then the production (unless already read): read beside the glosa export."""
    roster, rejects, warnings = read_roster(roster_path)
    return roster, rejects, warnings, production_read or read_production(production_path)


def _network_file(folder: Path, name: str) -> Path:
    found = find_source(folder, name)
    if found is None:
        raise DataError(
            f"{folder}: no {name}.csv; the network needs roster.csv and production.csv "
            "(or .parquet; see 'Network files', docs/concepts/contracts/network-files.md)"
        )
    return found


def read_network(
    path: str | os.PathLike[str],
    cases: Sequence[RetentionCase] | None = None,
    glosas: pd.DataFrame | GlosaRead | None = None,
    production_read: tuple[pd.DataFrame, list[Reject], list[str]] | None = None,
    progress: bool = False,
) -> Network:
    """Read a data folder's network: roster, production, glosa export and forms.

    ``cases`` and ``glosas`` may be passed when already read (``churnlab
    train`` reads the forms once for both models; glosas as rows, monthly
    sums or a :class:`~churnlab.io.glosa_months.GlosaRead`); otherwise
    ``forms/`` and ``glosas.csv`` are read when present; ``production_read`` may
    be :func:`read_production`'s result, read elsewhere (on a Dask cluster,
    :mod:`churnlab.app.distributed`). ``progress`` shows a bar over the glosa
    export's blocks on a terminal. Each file may be
    Parquet instead (:mod:`churnlab.io.sources`); the glosa export is
    streamed into monthly sums, so memory follows dentists × months.

    Raises
    ------
    DataError
        A missing network file (naming it), or one that cannot be read at all.
    """
    from churnlab.io.batch import read_forms
    from churnlab.io.folder import read_folder_glosas
    from churnlab.io.glosa_months import GlosaRead, glosa_months

    folder = Path(path)
    roster_path, production_path = _network_file(folder, "roster"), _network_file(folder, "production")
    with ThreadPoolExecutor(1, thread_name_prefix="churnlab-network") as pool:  # beside the glosa export
        beside = pool.submit(_roster_and_production, roster_path, production_path, production_read)
        try:
            if glosas is None:
                glosas = read_folder_glosas(folder, keep_rows_of=False, progress=progress)
        except DataError:
            beside.result()  # a bad roster or production file is named first, as when read in turn
            raise
        roster, roster_rejects, warnings, (production, production_rejects, more) = beside.result()
    warnings += more
    if production.empty:
        raise DataError(
            f"{production_path}: no readable production row; the network needs at least one month of guides"
        )
    unknown = ~production["key"].isin(roster.index)
    if unknown.any():
        warnings.append(
            f"production.csv: {int(unknown.sum())} row(s) of {production.loc[unknown, 'key'].nunique()}"
            " dentist(s) not in the roster: not used"
        )
        production = production.loc[~unknown].reset_index(drop=True)
        if production.empty:
            raise DataError(
                f"{production_path}: none of its dentists is in roster.csv (CRO + UF); "
                "are the two files from the same network?"
            )
    if isinstance(glosas, pd.DataFrame):
        glosas = GlosaRead(glosa_months(glosas), None, glosas.attrs.get("rejects", []), len(glosas))
    rejects = [(roster_path.name, r) for r in roster_rejects] + [
        (production_path.name, r) for r in production_rejects
    ]
    if glosas is not None:
        rejects += [(glosas.name, r) for r in glosas.rejects]
    if cases is None:
        cases = list(read_forms(folder / "forms")) if (folder / "forms").is_dir() else []
    events, more = case_events(cases)
    warnings += more
    if not len(events):
        warnings.append(
            "no readable retention form: nobody is known to have asked to leave, so open "
            "cases cannot be left out of the active dentists nor earlier requests counted"
        )
    outside = ~events["key"].isin(roster.index)
    if outside.any():
        shown = ", ".join(events.loc[outside, "source"].head(2))
        warnings.append(
            f"{int(outside.sum())} form(s) of dentists not in the roster (their CRO + UF is not in "
            f"roster.csv; e.g. {shown}): the network model, which scores the roster's dentists, leaves "
            "them out; scoring the cases and the worklist still use them. Nothing to do when these "
            "forms come from outside this roster; otherwise add their dentists to roster.csv"
        )
        events = events.loc[~outside].reset_index(drop=True)
    end = production["month"].max() + pd.offsets.MonthEnd(0)
    return Network(
        roster=roster,
        production=production,
        glosas=None if glosas is None else glosas.months,
        cases=events,
        end=end,
        rejects=rejects,
        warnings=warnings,
    )
