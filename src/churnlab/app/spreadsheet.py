"""CSVs for people: the two styles a worklist or a score list is written in.

Every cell is made safe by :mod:`churnlab.io.csv_writer` (no control
character, no formula), which also writes every other CSV churnlab writes.
"""

from __future__ import annotations

import os

import pandas as pd

from churnlab.io.csv_writer import write_csv

__all__ = ["CSV_STYLES", "write_people_csv"]

CSV_STYLES = ("plain", "excel-br")
"""How a CSV for people is written: ``plain`` (``,`` and a decimal point, UTF-8) or
``excel-br`` (``;``, decimal comma, UTF-8 with a BOM: what Excel in a
Brazilian locale opens as columns and numbers)."""


def write_people_csv(frame: pd.DataFrame, path: str | os.PathLike[str], style: str = "plain") -> None:
    """Write ``frame`` as a CSV in one of :data:`CSV_STYLES`, every cell made safe (:func:`write_csv`).

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
        write_csv(frame, path, date_format="%d/%m/%Y")
    else:
        write_csv(frame, path, sep=";", decimal=",", encoding="utf-8-sig", date_format="%d/%m/%Y")
