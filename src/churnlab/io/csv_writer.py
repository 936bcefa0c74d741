"""The one CSV writer: every CSV churnlab writes goes through :func:`write_csv`.

Names, cities, notes and file names come from forms typed by people, and a
CSV is opened in Excel or LibreOffice. Two things in a text cell can hurt:

- a **control character**: a carriage return inside a cell that is not quoted
  starts a new row for a spreadsheet (``ANA\\r=1+1`` became a row whose first
  cell is ``=1+1``). Every line ends ``\\r\\n`` (RFC 4180), so Python's csv
  quoting quotes every cell holding a ``\\r`` or a ``\\n``: a line break stays
  inside its cell. Other control characters (escapes, NUL, form feeds) have no
  place in a cell: :func:`safe_cell` turns each into a space;
- a **formula**: a cell starting with ``=``, ``+``, ``-`` or ``@`` (or their
  full-width forms), after any leading spaces, tabs or line breaks, runs as a formula
  (``=HYPERLINK(...)``, ``-2+3+cmd|...``). Such text is prefixed with an
  apostrophe, the OWASP rule, so it shows as typed; numbers — numeric
  columns, and text that is just a number like ``-12,5`` — stay numbers.

Column names are the code's own and are written as they are.
"""

from __future__ import annotations

import os
import re

import pandas as pd

__all__ = ["as_typed", "safe_cell", "safe_frame", "write_csv"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")  # all but \t \n \r
_FORMULA_START = tuple("=+-@") + ("\uff1d", "\uff0b", "\uff0d", "\uff20")  # and full-width forms
_NUMBER = re.compile(r"[+-]?(?:\d[\d.,]*|[.,]\d+)(?:[eE][+-]?\d+)?%?")


def safe_cell(value: object) -> object:
    """``value`` without control characters but tab and line breaks, made text if a spreadsheet would run it.

    Examples
    --------
    >>> safe_cell('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> safe_cell("ANA\\r=1+1"), safe_cell("\\r=1+1"), safe_cell("a\\x1bb")
    ('ANA\\r=1+1', "'\\r=1+1", 'a b')
    >>> safe_cell("-12,5"), safe_cell(-3.0), safe_cell("Salvador")
    ('-12,5', -3.0, 'Salvador')
    """
    if not isinstance(value, str):
        return value
    if _CONTROL.search(value):
        value = _CONTROL.sub(" ", value)
    start = value.lstrip(" \t\r\n")
    if start.startswith(_FORMULA_START) and not _NUMBER.fullmatch(start):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are :func:`safe_cell`; numeric and boolean columns untouched."""
    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]) and not pd.api.types.is_bool_dtype(out[column]):
            out[column] = out[column].map(safe_cell)
    return out


def as_typed(value: object) -> object:
    """A cell :func:`safe_cell` neutralised, as typed (its apostrophe removed): for churnlab's readers.

    >>> as_typed("'=1+1"), as_typed("'quoted'"), as_typed(safe_cell("-12,5"))
    ('=1+1', "'quoted'", '-12,5')
    """
    if isinstance(value, str) and value.startswith("'") and safe_cell(value[1:]) == value:
        return value[1:]
    return value


def write_csv(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    sep: str = ",",
    decimal: str = ".",
    encoding: str = "utf-8",
    date_format: str | None = None,
) -> None:
    """Write ``frame`` (without its index) as a CSV whose every text cell is :func:`safe_cell`.

    The options are pandas' ``to_csv`` ones. Lines end ``\\r\\n``; cells holding
    the separator, a quote or a line break are quoted.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "x.csv"
    ...     write_csv(pd.DataFrame({"name": ["ANA\\r=1+1", "=1+1"], "n": [1, 2]}), path)
    ...     path.read_bytes()
    b'name,n\\r\\n"ANA\\r=1+1",1\\r\\n\\'=1+1,2\\r\\n'
    """
    safe_frame(frame).to_csv(
        path,
        index=False,
        sep=sep,
        decimal=decimal,
        encoding=encoding,
        lineterminator="\r\n",
        date_format=date_format,
    )
