"""A network file cut into blocks planned once, each read on its own: the seam for a cluster.

The single process reads a big export block by block
(:func:`~churnlab.io.table.iter_tables`). To spread the reading over
processes or machines (:mod:`churnlab.app.distributed`), :func:`plan_blocks`
finds the same blocks once (byte ranges ending at a row end outside quotes,
with each block's first line number; for Parquet, one block per part), and
:func:`read_block` reads one of them anywhere the file can be opened (a
local path, a shared folder, an fsspec URL). The block's rows are checked
by the same functions as in the single process, so the rejects, their lines
and the sums are the same; :func:`glosa_piece` and :func:`production_piece`
are what a worker does with a block, :func:`add_glosa_piece` what the caller
does with each result, in block order.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from churnlab.errors import DataError
from churnlab.io.csv_file import BLOCK_BYTES, opened, read_header, row_blocks
from churnlab.io.glosa_months import (
    SUMMED_COLUMNS,
    GlosaMonths,
    GlosaRows,
    KeptDentists,
    check_block,
    dentist_pairs,
)
from churnlab.io.glosas import HEADER_OF_COLUMN, glosa_rows
from churnlab.io.network import PRODUCTION_HEADER, production_rows
from churnlab.io.sources import is_parquet, iter_source_tables, parquet_parts
from churnlab.io.table import Reject, Table, block_table


@dataclass(frozen=True)
class Block:
    """One block of a network file: where its bytes are and the file line of its first row.

    For CSV, ``start`` and ``size`` are a byte range after the header; for
    Parquet, ``path`` is one part, read whole (``size`` is its row count) and
    its rows' lines counted on from ``first_line``.
    """

    path: str
    start: int
    size: int
    first_line: int
    parquet: bool = False


def plan_blocks(
    path: str | os.PathLike[str],
    required: dict[str, str],
    optional: dict[str, str],
    what: str,
    block_bytes: int = 0,
) -> list[Block]:
    """The blocks :func:`~churnlab.io.table.iter_tables` would read, found with one pass over the file.

    ``block_bytes`` 0 is :data:`~churnlab.io.csv_file.BLOCK_BYTES`. The header is
    checked here, so a missing column is said before any block is read.

    Raises
    ------
    DataError
        A missing or unreadable file, or a required column missing.
    """
    if is_parquet(path):
        return _parquet_blocks(Path(path), required, optional, what)
    layout = read_header(path, required, optional, what)
    blocks, first_line, offset = [], 2, len(layout.header)
    with opened(path, what) as handle:
        handle.seek(offset)
        for data in row_blocks(handle, block_bytes or BLOCK_BYTES):
            blocks.append(Block(str(path), offset, len(data), first_line))
            first_line += data.count(b"\n")
            offset += len(data)
    return blocks or [Block(str(path), offset, 0, 2)]  # an empty body: one empty block, as iter_tables


def _parquet_blocks(path: Path, required: dict[str, str], optional: dict[str, str], what: str) -> list[Block]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    blocks, line = [], 2
    for part in parquet_parts(path, what):
        try:
            rows = pq.ParquetFile(part).metadata.num_rows
        except FileNotFoundError:
            raise DataError(f"{part}: {what} not found") from None
        except (pa.ArrowException, OSError) as exc:
            raise DataError(f"{part}: cannot read the {what} as Parquet: {exc}") from None
        blocks.append(Block(str(part), 0, rows, line, parquet=True))
        line += rows
    return blocks


def read_block(
    block: Block,
    required: dict[str, str],
    optional: dict[str, str],
    what: str,
    columns: Collection[str] | None = None,
) -> Iterator[Table]:
    """The rows of one planned block as text tables, lines numbered as in the whole file.

    ``columns`` (None: all known) as :func:`~churnlab.io.table.iter_tables`.

    Raises
    ------
    DataError
        The file cannot be opened or read here (naming it).
    """
    if block.parquet:
        shift = block.first_line - 2  # the part's rows are numbered from line 2 as a file of its own
        for table in iter_source_tables(block.path, required, optional, what, columns=columns):
            table.lines = table.lines + shift
            yield table
        return
    layout = read_header(block.path, required, optional, what).only(columns)
    with opened(block.path, what) as handle:
        handle.seek(block.start)
        data = handle.read(block.size)
    if len(data) != block.size:
        raise DataError(f"{block.path}: the {what} changed while it was read (shorter than planned)")
    yield block_table(block.path, layout, data, block.first_line, block.start, what)


@dataclass
class GlosaPiece:
    """What a worker makes of a block of the glosa export: small arrays, not the block's text.

    ``pair`` gives each good row's position in ``cros``/``ufs`` (the block's
    distinct CRO + UF spellings, in order of first appearance, as
    :meth:`~churnlab.io.glosa_months.GlosaMonths.key_ids` meets them);
    ``month``, ``technical`` and ``value`` are what
    :meth:`~churnlab.io.glosa_months.GlosaMonths.add` takes; ``rows`` the good
    rows themselves when asked for.
    """

    pair: np.ndarray
    cros: Any
    ufs: np.ndarray
    month: np.ndarray
    technical: np.ndarray
    value: np.ndarray
    rejects: list[Reject]
    rows: pd.DataFrame | None = None


def glosa_piece(table: Table, keep_rows: bool = False) -> GlosaPiece:
    """Check a block of the glosa export as the single process does; reduce it to a :class:`GlosaPiece`."""
    block = check_block(table)
    pair, cros, ufs = dentist_pairs(block.cro, block.uf)
    return GlosaPiece(
        pair=pair.astype(np.int32),
        cros=cros,
        ufs=ufs,
        month=block.month,
        technical=block.technical,
        value=np.asarray(block.value, dtype=np.float32),
        rejects=block.rejects,
        rows=glosa_rows(table, block.checked, block.good) if keep_rows else None,
    )


def glosa_pieces(block: Block, keep_rows: bool = False) -> list[GlosaPiece]:
    """:func:`glosa_piece` of each table of a planned block of the glosa export (a worker's task)."""
    columns = None if keep_rows else SUMMED_COLUMNS
    tables = read_block(block, dict(HEADER_OF_COLUMN), {}, "glosa file", columns)
    return [glosa_piece(table, keep_rows) for table in tables]


def add_glosa_piece(
    sums: GlosaMonths, kept: GlosaRows | None, piece: GlosaPiece, of: KeptDentists | None = None
) -> int:
    """Add a piece to the sums (and its rows to ``kept``: those ``of`` the dentists asked for, or all).

    Pieces are added in block order; returns the good rows the piece held.
    """
    ids = sums.spelling_ids(piece.cros, piece.ufs)[piece.pair] if len(piece.pair) else np.zeros(0, np.int64)
    sums.add(ids, piece.month, piece.technical, piece.value)
    if kept is not None and piece.rows is not None:
        chosen = np.ones(len(ids), dtype=bool) if of is None else of.among(sums, ids)
        kept.add(piece.rows.loc[chosen].reset_index(drop=True), ids[chosen])
    return len(piece.pair)


def production_pieces(block: Block) -> list[tuple[pd.DataFrame, list[Reject]]]:
    """The good rows and rejects of each table of a planned block of ``production`` (a worker's task)."""
    out = []
    for table in read_block(block, PRODUCTION_HEADER, {}, "production file"):
        rows = production_rows(table)
        out.append((rows, sorted(table.rejects, key=lambda r: r["line"])))
    return out
