"""Workbooks for people who live in Excel: a sheet per list, header frozen, filters, formats.

Written with openpyxl. Every text cell is stored as a *string* (openpyxl
would store text starting with ``=`` as a formula), so a dentist's name or a
note typed as ``=HYPERLINK(...)`` shows as typed and never runs; numbers stay
numbers with money and percent formats. A probability keeps its exact value but
never *reads* 0 % or 100 % when it is not exactly that (:data:`PROBABILITY_FORMAT`).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pandas as pd

MONEY_FORMAT = '"R$" #,##0.00'
PERCENT_FORMAT = "0%"
PROBABILITY_FORMAT = '[>0.99]"> 99 %";[<0.01]"< 1 %";0.0%'
"""A probability's cell format: ``> 99 %`` and ``< 1 %`` at the ends, one decimal between.

The cell holds the number (it sorts, filters and sums); Excel allows two conditions
in a format, so they go to the ends, where ``0%`` would read ``100%`` for 0.998.
Exactly 1 reads ``> 99 %``, a bound that stays true."""
DATE_FORMAT = "dd/mm/yyyy"
_MAX_WIDTH = 60


def _cell_value(value: object) -> object:
    if isinstance(value, (np.integer, np.floating)):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return None if pd.isna(value) else pd.Timestamp(value).to_pydatetime()
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (bool, int, float)):
        return value
    return str(value)


def write_workbook(
    sheets: dict[str, pd.DataFrame],
    path: str | os.PathLike[str],
    money: tuple[str, ...] = (),
    percent: tuple[str, ...] = (),
    probability: tuple[str, ...] = (),
) -> Path:
    """Write each frame as a sheet: bold frozen header, a filter, column widths, formats (dates dd/mm/yyyy).

    ``money``, ``percent`` and ``probability`` name the columns (in any sheet) shown
    as ``R$`` amounts, as percentages and as probabilities (:data:`PROBABILITY_FORMAT`).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.worksheets[0])  # a new workbook comes with one empty sheet: ours replace it
    for title, frame in sheets.items():
        sheet = book.create_sheet(title=title[:31])  # Excel's limit on sheet names
        columns = list(frame.columns)
        for j, name in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=j, value=str(name))
            cell.data_type = "s"
            cell.font = Font(bold=True)
        widths = [len(str(name)) for name in columns]
        for i, row in enumerate(frame.itertuples(index=False), start=2):
            for j, raw in enumerate(row, start=1):
                value = _cell_value(raw)
                cell = sheet.cell(row=i, column=j, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text is text, even when it starts with "="
                name = columns[j - 1]
                if name in money and isinstance(value, (int, float)):
                    cell.number_format = MONEY_FORMAT
                elif name in probability and isinstance(value, (int, float)):
                    cell.number_format = PROBABILITY_FORMAT
                elif name in percent and isinstance(value, (int, float)):
                    cell.number_format = PERCENT_FORMAT
                elif isinstance(value, dt.datetime):
                    cell.number_format = DATE_FORMAT
                widths[j - 1] = max(widths[j - 1], min(len(str(value or "")), _MAX_WIDTH))
        for j, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(j)].width = min(width + 2, _MAX_WIDTH)
        sheet.freeze_panes = "A2"
        if columns:
            sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(frame) + 1, 1)}"
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    book.save(out)
    return out
