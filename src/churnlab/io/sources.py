"""Where a network file is and how it is read: ``;``-CSV in blocks, or Parquet.

A data folder may hold each network file as ``NAME.csv``, as
``NAME.parquet`` or as a folder ``NAME/`` of Parquet parts (what a warehouse
exports; 'Network files', docs/concepts/contracts/network-files.md). Either
way the rows reach the readers as :class:`~churnlab.io.table.Table` blocks of
text cells, so the same column names, checks and rejects apply:

- a Parquet column may be text (read as the CSV's cells) or typed: whole
  numbers, decimals (written back with a decimal comma), dates and
  timestamps (as ``dd/mm/yyyy``) and booleans (``Sim``/``Não``);
- a Parquet row's "line" is its position counted as in a CSV with a header:
  the first row is line 2, parts of a folder numbered on in name order.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from churnlab.errors import DataError
from churnlab.io.csv_file import known_columns
from churnlab.io.table import TEXT_DTYPE, Table, blank_rows, iter_tables

PARQUET_BATCH_ROWS = 500_000
"""Rows of a Parquet file read at a time."""


def find_source(folder: str | os.PathLike[str], name: str) -> Path | None:
    """``NAME.csv``, ``NAME.parquet`` or a folder ``NAME/`` of ``*.parquet`` parts in ``folder`` (or None).

    Raises
    ------
    DataError
        When the folder holds the same file twice (CSV and Parquet): which one is meant is unclear.
    """
    folder = Path(folder)
    found = [
        path
        for path in (folder / f"{name}.csv", folder / f"{name}.parquet", folder / name)
        if path.is_file() or (path.is_dir() and any(path.glob("*.parquet")))
    ]
    if len(found) > 1:
        raise DataError(
            f"{folder}: {' and '.join(p.name for p in found)} both hold the {name} file; keep one"
        )
    return found[0] if found else None


def is_parquet(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a Parquet file or a folder of Parquet parts."""
    path = Path(path)
    return path.suffix.lower() == ".parquet" or path.is_dir()


def iter_source_tables(
    path: str | os.PathLike[str],
    required: dict[str, str],
    optional: dict[str, str],
    what: str,
    block_bytes: int | None = 0,
    columns: Collection[str] | None = None,
) -> Iterator[Table]:
    """The rows of a CSV or Parquet network file as text :class:`Table` blocks.

    ``block_bytes`` and ``columns`` as :func:`~churnlab.io.table.iter_tables` (0: the default
    size, None: the whole file as one table); Parquet is read
    :data:`PARQUET_BATCH_ROWS` rows at a time.

    Raises
    ------
    DataError
        A missing or unreadable file, or a required column missing.
    """
    if is_parquet(path):
        yield from _parquet_tables(path, required, optional, what, block_bytes is not None, columns)
    else:
        yield from iter_tables(path, required, optional, what, block_bytes=block_bytes, columns=columns)


def read_source_table(
    path: str | os.PathLike[str], required: dict[str, str], optional: dict[str, str], what: str
) -> Table:
    """A whole CSV or Parquet network file as one :class:`Table`."""
    return next(iter_source_tables(path, required, optional, what, block_bytes=None))


def parquet_parts(path: Path, what: str) -> list[Path]:
    """The Parquet file, or the parts of a folder of them in name order; none or missing: a DataError."""
    if path.is_dir():
        parts = sorted(p for p in path.glob("*.parquet") if not p.name.startswith((".", "_")))
        if not parts:
            raise DataError(f"{path}: no .parquet part in the {what} folder")
        return parts
    if not path.is_file():
        raise DataError(f"{path}: {what} not found")
    return [path]


def _parquet_tables(
    path: str | os.PathLike[str],
    required: dict[str, str],
    optional: dict[str, str],
    what: str,
    stream: bool,
    columns: Collection[str] | None = None,
) -> Iterator[Table]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    line, tables, known = 2, [], list(required)
    for part in parquet_parts(path, what):
        try:
            handle = pq.ParquetFile(part, pre_buffer=False)  # pre-buffering keeps each row group read
        except (pa.ArrowException, OSError) as exc:
            raise DataError(f"{part}: cannot read the {what} as Parquet: {exc}") from None
        positions, headers = _columns(part, handle.schema_arrow.names, required, optional)
        known = list(positions)
        read = [c for c in positions if columns is None or c in columns]
        names = {column: handle.schema_arrow.names[i] for column, i in positions.items()}
        try:
            batches = handle.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=[names[c] for c in read])
            for index, batch in enumerate(batches):
                text = pd.DataFrame({column: _as_text(batch.column(i)) for i, column in enumerate(read)})
                blank = blank_rows(text)
                if blank.any() and len(read) < len(positions):  # blank in the columns read: the others decide
                    rest = [c for c in positions if c not in read]
                    again = _batch(handle, index, [names[c] for c in rest])
                    text = text.assign(**{c: _as_text(again.column(i)) for i, c in enumerate(rest)})
                    blank = blank_rows(text)
                lines = np.arange(line, line + len(text))
                line += len(text)
                table = Table(part, text.loc[~blank].reset_index(drop=True), lines[~blank], dict(headers), [])
                if stream:
                    yield table
                else:
                    tables.append(table)
        except (pa.ArrowException, OSError) as exc:
            raise DataError(f"{part}: cannot read the {what} as Parquet: {exc}") from None
    if not stream or not tables and line == 2:  # one table, or an empty file: one empty table
        yield _joined(path, tables, known)


def _batch(handle: Any, index: int, names: list[str]) -> Any:
    """Batch ``index`` of a Parquet file read again with the columns ``names`` (same size: same rows)."""
    return next(islice(handle.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=names), index, None))


def _joined(path: Path, tables: list[Table], columns: list[str]) -> Table:
    if not tables:
        empty = pd.DataFrame({column: pd.Series([], dtype=TEXT_DTYPE) for column in columns})
        return Table(path, empty, np.zeros(0, dtype=int), {}, [])
    text = pd.concat([t.text for t in tables], ignore_index=True)
    return Table(path, text, np.concatenate([t.lines for t in tables]), tables[0].headers, [])


def _columns(
    part: Path, names: list[str], required: dict[str, str], optional: dict[str, str]
) -> tuple[dict[str, int], dict[str, str]]:
    """Where each known column is (headers matched as in the CSV), and its header."""
    positions, missing = known_columns(names, required, optional)
    if missing:
        raise DataError(
            f"{part}: missing column(s) {', '.join(missing)}; expected columns {', '.join(required.values())}"
        )
    headers = {column: names[index] for column, index in positions.items()}
    return dict(sorted(positions.items(), key=lambda item: item[1])), headers


def _as_text(column: Any) -> pd.Series:
    """A Parquet column as the text a CSV cell would hold (empty for null)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array: pa.Array = column
    kind = array.type
    if pa.types.is_dictionary(kind):
        array = array.cast(kind.value_type)
        kind = array.type
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        array = pc.replace_substring(pc.cast(array, pa.string()), ".", ",")
    elif pa.types.is_date(kind) or pa.types.is_timestamp(kind):
        array = pc.strftime(array, format="%d/%m/%Y")
    elif pa.types.is_boolean(kind):
        array = pc.if_else(array, "Sim", "Não")
    elif not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        array = pc.cast(array, pa.string())
    array = pc.fill_null(pc.cast(array, pa.large_string()), "")
    return pd.Series(array.to_pandas(types_mapper={pa.large_string(): TEXT_DTYPE}.get), dtype=TEXT_DTYPE)
