"""Cells a spreadsheet will not run: every CSV a person may open goes through :func:`safe_frame`.

Names, cities, notes and file names come from forms typed by people. Excel
and LibreOffice read a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return as a formula (``=HYPERLINK(...)``, ``-2+3+cmd|...``). Such
text is prefixed with an apostrophe, the OWASP rule, so it shows as typed;
numbers — numeric columns, and text that is just a number like ``-12,5`` —
stay numbers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

import pandas as pd

_FORMULA_START = tuple("=+-@\t\r") + ("\uff1d", "\uff0b", "\uff0d", "\uff20")  # and full-width forms
_NUMBER = re.compile(r"[+-]?(?:\d[\d.,]*|[.,]\d+)(?:[eE][+-]?\d+)?%?")


def safe_cell(value: object) -> object:
    """``value``, with an apostrophe in front if it is text a spreadsheet would run.

    Examples
    --------
    >>> safe_cell('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> safe_cell("-2+3+cmd|' /C calc'!A0")
    "'-2+3+cmd|' /C calc'!A0"
    >>> safe_cell("-12,5"), safe_cell(-3.0), safe_cell("Salvador")
    ('-12,5', -3.0, 'Salvador')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are :func:`safe_cell`; numeric columns untouched."""
    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]) and not pd.api.types.is_bool_dtype(out[column]):
            out[column] = out[column].map(safe_cell)
    return out


def safe_rows(rows: Iterable[Iterable[object]]) -> list[list[object]]:
    """Rows for :mod:`csv` writers, each cell :func:`safe_cell`."""
    return [[safe_cell(cell) for cell in row] for row in rows]


CSV_STYLES = ("plain", "excel-br")
"""How a CSV for people is written: ``plain`` (``,`` and a decimal point, UTF-8) or
``excel-br`` (``;``, decimal comma, UTF-8 with a BOM: what Excel in a
Brazilian locale opens as columns and numbers)."""


def write_people_csv(frame: pd.DataFrame, path: str | os.PathLike[str], style: str = "plain") -> None:
    """Write ``frame`` (already :func:`safe_frame`'d text) as a CSV in one of :data:`CSV_STYLES`.

    Dates are written ``dd/mm/aaaa`` and numbers to 4 decimals in both styles.

    Examples
    --------
    >>> import io, tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "w.csv"
    ...     write_people_csv(pd.DataFrame({"nome": ["Ana"], "risco": [0.25]}), path, "excel-br")
    ...     path.read_bytes()
    b'\\xef\\xbb\\xbfnome;risco\\r\\nAna;0,25\\r\\n'
    """
    if style not in CSV_STYLES:
        raise ValueError(f"unknown CSV style {style!r}; choose one of {', '.join(CSV_STYLES)}")
    numbers = frame.select_dtypes("number").columns
    frame = frame.assign(**{c: frame[c].round(4) for c in numbers})  # 0.2799, not 0.2799310241276904
    if style == "plain":
        frame.to_csv(path, index=False, date_format="%d/%m/%Y")
    else:
        frame.to_csv(path, index=False, sep=";", decimal=",", encoding="utf-8-sig",
                              lineterminator="\r\n", date_format="%d/%m/%Y")
