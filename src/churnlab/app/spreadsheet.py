"""CSVs for people: the two dialects a worklist is written in.

Every cell is made safe by :mod:`churnlab.io.csv_writer` (no control
character, no formula), which also writes every other CSV churnlab writes.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from churnlab import i18n
from churnlab.io.csv_writer import write_csv

__all__ = ["CSV_STYLES", "DEFAULT_CSV_STYLE", "write_people_csv"]

CSV_STYLES = ("excel-br", "plain")
"""How a CSV for people is written: ``excel-br`` (the default: ``;``, decimal comma,
UTF-8 with a BOM, values rounded and written as the page shows them: what Excel in
a Brazilian locale opens as columns and numbers) or ``plain`` (the machine dialect:
``,``, a decimal point, ``True``/``False``, full precision, UTF-8)."""

DEFAULT_CSV_STYLE = CSV_STYLES[0]


def _points(value: object) -> object:
    """A difference of probabilities in whole percentage points, the Brazilian way (``38 %``)."""
    if not isinstance(value, (int, float)) or not np.isfinite(value):
        return value
    return i18n.number(value * 100, ".0f", "pt") + " %"


def write_people_csv(
    frame: pd.DataFrame,
    path: str | os.PathLike[str],
    style: str = DEFAULT_CSV_STYLE,
    *,
    money: tuple[str, ...] = (),
    probability: tuple[str, ...] = (),
    percent: tuple[str, ...] = (),
) -> None:
    """Write ``frame`` as a CSV in one of :data:`CSV_STYLES`, every cell made safe (:func:`write_csv`).

    Dates are written ``dd/mm/aaaa`` in both styles. In ``excel-br``, the
    ``probability`` columns read as on the page (``< 1 %``, ``4,9 %``, ``46 %``:
    :func:`churnlab.i18n.probability`), ``percent`` ones in whole points, ``money``
    and other numbers to 2 decimals; ``plain`` writes every number as it is.

    Examples
    --------
    >>> import io, tempfile, pathlib
    >>> frame = pd.DataFrame({"nome": ["Ana"], "risco": [0.0029], "valor": [2062.8874], "novo": [True]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder) / "w.csv"
    ...     write_people_csv(frame, path, "excel-br", money=("valor",), probability=("risco",))
    ...     path.read_bytes().decode("utf-8-sig")
    'nome;risco;valor;novo\\r\\nAna;< 1 %;2062,89;True\\r\\n'
    """
    if style not in CSV_STYLES:
        raise ValueError(f"unknown CSV style {style!r}; choose one of {', '.join(CSV_STYLES)}")
    if style == "plain":
        write_csv(frame, path, date_format="%d/%m/%Y")
        return
    shown = {}
    for column in frame.columns:
        values = frame[column]
        if column in probability:
            shown[column] = values.map(_probability)
        elif column in percent:
            shown[column] = values.map(_points)
        elif pd.api.types.is_float_dtype(values):
            shown[column] = values.round(2)
    write_csv(frame.assign(**shown), path, sep=";", decimal=",", encoding="utf-8-sig", date_format="%d/%m/%Y")


def _probability(value: object) -> object:
    return i18n.probability(value, "pt") if isinstance(value, (int, float)) else value
