"""Glosas (refused claim items): the TISS code table, note mentions and the operator's CSV.

Glosa histories reach churnlab two ways: written by analysts inside the notes
of a retention form (``FEV/23 1273027 - 20/1 Descrição: 3040 - GLOSA TECNICA
... 3040 rx enviados sem condições de analise``) and as the operator's export
``glosas.csv`` (docs/concepts/contracts/batch-cli.md). Both become frames with the same columns
(:data:`COLUMNS`) so they can be concatenated and turned into features.

Each code is tagged ``technical`` (clinical audit) or ``administrative``
(eligibility, filling, deadlines, pricing, files) from the shipped TISS table
38 transcription; codes missing from the table are kept and tagged
``unknown``, because the table is incomplete (see the reference README).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from churnlab.errors import DataError
from churnlab.io.brazil import format_date_br, parse_competence, parse_date_br
from churnlab.io.csv_writer import as_typed, write_csv
from churnlab.io.records import PLAUSIBLE_YEARS, GlosaEvent
from churnlab.io.table import Table
from churnlab.io.text import fold

if TYPE_CHECKING:
    from pandas.api.extensions import ExtensionDtype

HEADER: tuple[str, ...] = (
    "CRO", "UF", "Guia", "Competência", "Data", "Código", "Descrição", "Valor glosado",
)  # fmt: skip
"""The header row of the operator's glosa export ('Batch CLI' in the docs), in order."""

COLUMNS: tuple[str, ...] = (
    "cro", "uf", "guide", "competence", "date", "code", "description", "value", "kind",
)  # fmt: skip
"""Columns of every glosa frame: the CSV's columns in snake_case, then ``kind``."""

_TEXT_COLUMNS = ("cro", "uf", "guide", "competence", "code", "description", "kind")
_STR_DTYPE = pd.Series([""]).dtype  # pandas' default string dtype ("str" since pandas 3)
GLOSA_DTYPES: dict[str, str | np.dtype[Any] | ExtensionDtype] = {
    **dict.fromkeys(_TEXT_COLUMNS, _STR_DTYPE),
    "date": "datetime64[ns]",
    "value": "float64",
}
"""Each column's dtype, so frames from notes and from CSV files agree, even when empty."""
HEADER_OF_COLUMN = dict(zip(COLUMNS[:-1], HEADER, strict=True))
_COLUMN_OF_HEADER = {fold(name): column for column, name in HEADER_OF_COLUMN.items()}


# --- the TISS code table ----------------------------------------------------


@functools.cache
def _code_table() -> pd.DataFrame:
    source = resources.files("churnlab") / "data" / "tiss_glosa_codes.csv"
    with source.open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


def glosa_code_table() -> pd.DataFrame:
    """The TISS glosa-code table shipped with churnlab (a fresh copy of a cached read).

    Returns
    -------
    pandas.DataFrame
        Columns ``code``, ``description``, ``group`` and ``kind``, all text.
        ``group`` and ``kind`` are the project's judgement, not ANS fields.

    Examples
    --------
    >>> table = glosa_code_table()
    >>> list(table.columns)
    ['code', 'description', 'group', 'kind']
    >>> table.set_index("code").loc["3040", "kind"]
    'technical'
    """
    return _code_table().copy()


@functools.cache
def _kind_of() -> dict[str, str]:
    table = _code_table()
    return dict(zip(table["code"], table["kind"], strict=True))


@functools.cache
def _description_words() -> dict[str, tuple[str, ...]]:
    table = _code_table()
    return {code: _words(text) for code, text in zip(table["code"], table["description"], strict=True)}


def _words(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", fold(text)))


def glosa_kind(code: str | None) -> str:
    """Whether a glosa code is ``technical``, ``administrative`` or ``unknown``.

    Unknown means the code is missing (``None``) or not in
    :func:`glosa_code_table`; such codes are kept, not rejected.

    Examples
    --------
    >>> glosa_kind("3040")
    'technical'
    >>> glosa_kind(" 1001 ")
    'administrative'
    >>> glosa_kind("9999"), glosa_kind(None)
    ('unknown', 'unknown')
    """
    if code is None:
        return "unknown"
    return _kind_of().get(code.strip(), "unknown")


# --- mentions in analysts' notes ----------------------------------------------

_MONTH_NAME = r"(?:jan|fev|mar|abr|mai|jun|jul|ago|set|out|nov|dez)[a-zç]*"
_MENTION = re.compile(
    r"(?<![\w/])"
    rf"(?P<competence>{_MONTH_NAME}\s*/\s*(?:\d{{4}}|\d{{2}})|(?:0?[1-9]|1[0-2])\s*/\s*\d{{4}})"
    r"(?!\d)\s+(?P<guide>\d{3,20})(?!\d)"
    r"(?:\s*[-–]?\s*\d{1,2}/\d{1,2}(?:/\d{2,4})?)?"  # service date, e.g. "- 20/1"
    r"(?:\s*[-–]?\s*desc(?:ri[cç][aã]o|r)?\.?\s*:?)?"  # "Descrição:", "Descricao", "Desc."
    r"\s*(?P<code>\d{4})(?!\d)\s*[-–:]?",
    re.IGNORECASE,
)
"""Start of a mention: competence, guide, optional service date and label, code."""

_SEPARATOR = re.compile(r"^[-–:]+$")
_MENTION_HINT = re.compile(r"/\s*\d{2,4}\s+\d{3}")
_SPACES = re.compile(r"\s+")


def parse_glosa_mentions(text: str) -> list[GlosaEvent]:
    """Find the glosa listings an analyst wrote inside a note.

    A mention is ``competence guide [- service date] [Descrição:] code -
    description detail``; its detail runs until the next mention starts. The
    description is the part matching the TISS table's text for the code
    (accents and case ignored), else the upper-case run before the code is
    repeated or before the first lower-case word. A repeated code at the start
    of the detail, even mistyped (``040`` for ``3040``), is dropped. Never
    raises: text without mentions gives ``[]``.

    Parameters
    ----------
    text : str
        Free text, e.g. a contact's note.

    Returns
    -------
    list of GlosaEvent
        One event per mention, in order; the service date is not kept.

    Examples
    --------
    >>> note = ("Feito levantamento. FEV/23 1273027 - 20/1 Descrição: 3040 - GLOSA TECNICA "
    ...         "(ESPECIFICAR DETALHADAMENTE) 3040 rx sem condições de analise.")
    >>> event = parse_glosa_mentions(note)[0]
    >>> event.competence, event.guide, event.code
    ('2023-02', '1273027', '3040')
    >>> event.description
    'GLOSA TECNICA (ESPECIFICAR DETALHADAMENTE)'
    >>> event.detail
    'rx sem condições de analise.'
    >>> parse_glosa_mentions("Sem glosas no período.")
    []
    """
    if not text or not _MENTION_HINT.search(text):
        return []  # cheap and exact: every mention has "/YY(YY) <guide>"
    text = _SPACES.sub(" ", text)  # single spaces also keep the pattern linear
    starts = list(_MENTION.finditer(text))
    if not starts:
        return []
    ends = [match.start() for match in starts[1:]] + [len(text)]
    return [_event(match, text[match.end() : end]) for match, end in zip(starts, ends, strict=True)]


def text_before_mentions(text: str) -> str:
    """A note up to its first glosa listing: what the analyst wrote in their own words.

    A listing's technical wording ("GLOSA TECNICA ...") says little about why
    the dentist wants to leave and drowns a short complaint written before it;
    the listed items themselves become glosa features.

    Examples
    --------
    >>> text_before_mentions("Sem apoio. FEV/23 1273027 - 20/1 Descrição: 3040 - GLOSA TECNICA rx")
    'Sem apoio.'
    """
    if not text or not _MENTION_HINT.search(text):
        return text or ""
    text = _SPACES.sub(" ", text)
    match = _MENTION.search(text)
    return text[: match.start()].strip() if match else text


def _event(match: re.Match[str], body: str) -> GlosaEvent:
    code = match["code"]
    description, detail = _split_body(code, body.split())
    return GlosaEvent(
        competence=_competence_or_none(match["competence"]),
        guide=match["guide"],
        code=code,
        description=description,
        detail=detail,
    )


def _competence_or_none(text: str) -> str | None:
    # Case-insensitive [a-z] also admits letters like "ı" that fold to no month.
    try:
        return parse_competence(text)
    except ValueError:
        return None


def _split_body(code: str, tokens: list[str]) -> tuple[str | None, str | None]:
    """Split what follows a code into (description, detail)."""
    size = _table_match_size(code, tokens)
    if size is None:
        size = _upper_run_size(code, tokens)
    description = " ".join(tokens[:size]).rstrip(" -–:") or None
    rest = tokens[size:]
    if rest and _is_code_echo(rest[0], code):
        rest = rest[1:]
    while rest and _SEPARATOR.match(rest[0]):
        rest = rest[1:]
    return description, " ".join(rest) or None


def _table_match_size(code: str, tokens: list[str]) -> int | None:
    """How many leading tokens spell the table's description of ``code``, if they do."""
    target = _description_words().get(code)
    if not target:
        return None
    seen: tuple[str, ...] = ()
    for size, token in enumerate(tokens, start=1):
        seen += _words(token)
        if seen[: len(target)] != target[: len(seen)]:
            return None
        if len(seen) >= len(target):
            return size if len(seen) == len(target) else None
    return None


def _upper_run_size(code: str, tokens: list[str]) -> int:
    """How many leading tokens form an upper-case run before the code repeats."""
    for size, token in enumerate(tokens):
        if _is_code_echo(token, code) or any(ch.islower() for ch in token):
            return size
    return len(tokens)


def _is_code_echo(token: str, code: str) -> bool:
    """Whether ``token`` repeats ``code``, allowing one digit lost at either end."""
    digits = token.rstrip("-–:.")
    if not re.fullmatch(r"[0-9]+", digits) or len(digits) < len(code) - 1:
        return False
    return code.startswith(digits) or code.endswith(digits)


# --- frames -----------------------------------------------------------------


def _frame(records: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    """Records keyed by :data:`COLUMNS` as a frame with stable dtypes, even when empty."""
    frame = pd.DataFrame({column: [r[column] for r in records] for column in COLUMNS})
    return frame.astype(GLOSA_DTYPES)


def glosa_events_frame(
    events: Iterable[GlosaEvent], cro: str | None = None, uf: str | None = None
) -> pd.DataFrame:
    """Glosa events found in notes as a frame with the columns of :func:`read_glosa_csv`.

    Notes carry no date or value, so ``date`` is NaT and ``value`` NaN; the
    free-text ``detail`` is not a CSV column and is left out.

    Parameters
    ----------
    events : iterable of GlosaEvent
        E.g. the ``glosas`` of a parsed form.
    cro, uf : str, optional
        The dentist the events belong to (``uf`` is upper-cased).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`, one row per event.

    Examples
    --------
    >>> events = parse_glosa_mentions("MAR/23 1317317 Desc. 3040 - GLOSA TECNICA")
    >>> glosa_events_frame(events, cro="1234", uf="ba").iloc[0].tolist()[:4]
    ['1234', 'BA', '1317317', '2023-03']
    """
    records = [
        {
            "cro": cro,
            "uf": uf.strip().upper() if uf else None,
            "guide": event.guide,
            "competence": event.competence,
            "date": None,
            "code": event.code,
            "description": event.description,
            "value": None,
            "kind": glosa_kind(event.code),
        }
        for event in events
    ]
    return _frame(records)


# --- the operator's CSV export ---------------------------------------------------


def _glosa_date(text: str) -> dt.date | None:
    """A row's date, refused outside :data:`PLAUSIBLE_YEARS` (``01/01/1500`` is a typo, not history)."""
    date = parse_date_br(text)
    first, last = PLAUSIBLE_YEARS
    if date is not None and not first <= date.year <= last:
        raise ValueError(f"year {date.year} is outside {first} to {last}")
    return date


def cleaned_column(cells: pd.Series, collapse: bool = False) -> pd.Series:
    """Text cells stripped (inner spaces collapsed with ``collapse``); empty cells become None.

    A spreadsheet's protective apostrophe is removed (:func:`as_typed`), once per distinct cell.
    """
    if collapse:  # the characters themselves, not escapes: pandas may hand the pattern to Arrow's RE2
        cells = cells.str.replace("[ \t\u00a0]+", " ", regex=True)
    codes, uniques = pd.factorize(cells.str.strip())
    typed = np.array([as_typed(cell) or None for cell in uniques] + [None], dtype=object)
    return pd.Series(typed[codes], index=cells.index)


def check_glosas(table: Table) -> dict[str, Any]:
    """Check a block of the glosa export (rejects go to ``table``); the columns the checks read.

    ``cro`` and ``uf`` (upper case) name the dentist, ``competence``
    (``YYYY-MM``), ``date`` (datetime64) and ``value`` (float) are converted;
    the other columns are converted only for the rows kept
    (:func:`glosa_rows`), so an aggregate of millions of rows skips them.
    """
    cro = table.stripped("cro")
    table.reject((cro == "").to_numpy(), "cro", "empty CRO (a dentist is identified by CRO + UF)")
    return {
        "cro": cro, "uf": cleaned_column(table.text["uf"].str.upper()),
        "competence": table.mapped("competence", parse_competence),
        "date": table.mapped("date", _glosa_date, dates=True),
        "value": table.decimals("value"),
    }  # fmt: skip


def glosa_kinds(codes: pd.Series) -> np.ndarray:
    """:func:`glosa_kind` of a column of codes (once per distinct code)."""
    found, uniques = pd.factorize(codes)
    kinds = np.array([glosa_kind(code) for code in uniques] + ["unknown"], dtype=object)
    return kinds[found]


def glosa_rows(table: Table, checked: dict[str, Any], rows: np.ndarray) -> pd.DataFrame:
    """The rows under the mask ``rows`` of a checked block as a frame of :data:`COLUMNS`."""
    text = table.text.loc[rows]
    frame = pd.DataFrame({name: np.asarray(values)[rows] for name, values in checked.items()})
    frame["guide"] = cleaned_column(text["guide"]).to_numpy()
    frame["code"] = cleaned_column(text["code"]).to_numpy()
    frame["description"] = cleaned_column(text["description"], collapse=True).to_numpy()
    frame["kind"] = glosa_kinds(frame["code"])
    return frame[list(COLUMNS)].astype(GLOSA_DTYPES)


def read_glosa_csv(
    path: str | os.PathLike[str], errors: Literal["raise", "collect"] = "raise"
) -> pd.DataFrame:
    """Read the operator's glosa export ('Batch CLI', docs/concepts/contracts/batch-cli.md).

    The file is UTF-8 (a BOM is accepted), ``;``-separated, with decimal
    commas, dates ``dd/mm/yyyy``, competences ``MM/YYYY`` and the header
    ``CRO;UF;Guia;Competência;Data;Código;Descrição;Valor glosado`` (case and
    accents may differ; extra columns and blank rows are ignored). A Parquet
    file (or folder of parts) with the same columns is read the same way
    (:mod:`churnlab.io.sources`). The file is read block by block.

    Parameters
    ----------
    path : str or os.PathLike
        The CSV file.
    errors : {"raise", "collect"}
        What to do with a bad row (bad date, number or competence, empty CRO,
        missing fields): ``"raise"`` a :class:`~churnlab.errors.DataError`
        naming file, line, column and reason; or ``"collect"`` it in
        ``df.attrs["rejects"]`` and return the good rows. Rows are never
        dropped silently.

    Returns
    -------
    pandas.DataFrame
        One row per refused guide item, columns:

        - ``cro`` (str), ``uf`` (str, upper case), ``guide`` (str)
        - ``competence`` (str, ``YYYY-MM``), ``date`` (datetime64, NaT if empty)
        - ``code`` (str), ``description`` (str), ``value`` (float, R$; NaN if empty)
        - ``kind``: ``technical``, ``administrative`` or ``unknown`` (see :func:`glosa_kind`)

        ``df.attrs["rejects"]`` lists the rejected rows as :class:`Reject`
        dicts (``line``, ``column``, ``value``, ``reason``); empty with
        ``errors="raise"``.

    Raises
    ------
    DataError
        If the file is missing, unreadable, not UTF-8 or lacks a header
        column, or (with ``errors="raise"``) has a bad row.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> text = ("CRO;UF;Guia;Competência;Data;Código;Descrição;Valor glosado\\n"
    ...         "1234;ba;1273027;02/2023;20/01/2023;3040;GLOSA TÉCNICA;85,50\\n"
    ...         "1234;BA;1273028;02/2023;31/02/2023;1001;CARTEIRA INVÁLIDA;10,00\\n")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "glosas.csv"
    ...     _ = path.write_text(text, encoding="utf-8")
    ...     df = read_glosa_csv(path, errors="collect")
    >>> df[["uf", "competence", "kind"]].iloc[0].tolist(), df["value"].tolist()
    (['BA', '2023-02', 'technical'], [85.5])
    >>> [(r["line"], r["column"]) for r in df.attrs["rejects"]]
    [(3, 'Data')]
    """
    from churnlab.io.sources import iter_source_tables

    if errors not in ("raise", "collect"):
        raise ValueError(f"errors must be 'raise' or 'collect', not {errors!r}")
    parts, rejects = [], []
    for table in iter_source_tables(path, dict(HEADER_OF_COLUMN), {}, "glosa file"):
        checked = check_glosas(table)
        found = sorted(table.rejects, key=lambda r: r["line"])
        if found and errors == "raise":
            first = found[0]
            where = f"column {first['column']!r}: " if first["column"] else ""
            raise DataError(f"{path}: line {first['line']}: {where}{first['reason']}")
        rejects += found
        parts.append(glosa_rows(table, checked, table.good_rows()))
    frame = parts[0] if len(parts) == 1 else pd.concat(parts, ignore_index=True)
    frame.attrs["rejects"] = rejects
    return frame


_Cell = str | float | dt.date | None
"""A glosa frame's cell as ``itertuples`` gives it; None, NaN and NaT are missing."""


def _format_competence(value: _Cell) -> str:
    if pd.isna(value):
        return ""
    match = re.fullmatch(r"(\d{4})-(\d{2})", str(value))
    if not match:
        raise ValueError(f"competence {value!r} is not YYYY-MM")
    return f"{match[2]}/{match[1]}"


def _format_date(value: _Cell) -> str:
    return "" if pd.isna(value) else format_date_br(pd.Timestamp(value).date())


def _format_value(value: _Cell) -> str:
    if pd.isna(value):
        return ""
    if isinstance(value, dt.date):
        raise ValueError(f"value {value} is a date, not an amount")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"value {number} is not a finite amount")
    # Shortest positional form, so reading it back gives the same float.
    return np.format_float_positional(number, trim="-").replace(".", ",")


def _format_text(value: _Cell) -> str:
    return "" if pd.isna(value) else str(value)


_FIELD_FORMATTERS: dict[str, Callable[[_Cell], str]] = {
    "cro": _format_text,
    "uf": _format_text,
    "guide": _format_text,
    "competence": _format_competence,
    "date": _format_date,
    "code": _format_text,
    "description": _format_text,
    "value": _format_value,
}


def write_glosa_csv(df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write glosas in the operator's export format, the inverse of :func:`read_glosa_csv`.

    UTF-8 without BOM, ``;``-separated, decimal commas, ``dd/mm/yyyy`` dates,
    ``MM/YYYY`` competences, header :data:`HEADER`; the ``kind`` column and
    any other extra columns are not written (``kind`` is derived on reading).

    Parameters
    ----------
    df : pandas.DataFrame
        A frame with the columns of :func:`read_glosa_csv` (``kind`` optional).
    path : str or os.PathLike
        Where to write; an existing file is replaced.

    Raises
    ------
    DataError
        If a column is missing, a competence is not ``YYYY-MM`` or a value is
        not finite.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> events = parse_glosa_mentions("FEV/23 1273027 3040 - GLOSA TECNICA")
    >>> df = glosa_events_frame(events, cro="1234", uf="BA")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "glosas.csv"
    ...     write_glosa_csv(df, path)
    ...     print(path.read_text(encoding="utf-8"), end="")
    CRO;UF;Guia;Competência;Data;Código;Descrição;Valor glosado
    1234;BA;1273027;02/2023;;3040;GLOSA TECNICA;
    """
    missing = [column for column in _FIELD_FORMATTERS if column not in df.columns]
    if missing:
        raise DataError(f"cannot write {path}: the frame lacks column(s) {', '.join(missing)}")
    rows = []
    for number, row in enumerate(df[list(_FIELD_FORMATTERS)].itertuples(index=False), start=1):
        try:
            rows.append([fmt(value) for fmt, value in zip(_FIELD_FORMATTERS.values(), row, strict=True)])
        except ValueError as exc:
            raise DataError(f"cannot write {path}: data row {number}: {exc}") from None
    write_csv(pd.DataFrame(rows, columns=list(HEADER), dtype=object), path, sep=";")
