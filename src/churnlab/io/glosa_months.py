"""Glosas per dentist and month, summed while the export streams: memory follows dentists × months.

The network model needs, per dentist and month, how many glosas became known,
how many were technical and their value (:mod:`churnlab.features.network`),
not the rows. :func:`read_glosa_months` reads the export block by block
(:func:`churnlab.io.sources.iter_source_tables`), checks each block as
:func:`~churnlab.io.glosas.read_glosa_csv` does (the same rejects, lines and
reasons) and adds it to a :class:`GlosaMonths`; the text of a block is
dropped before the next is read.

A glosa counts in the month of its date, or the month after its competence
when undated (when a glosa is usually known); one with neither is not counted.
Sums run in file order in float32, so the result does not depend on the block size.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from churnlab.io.glosas import (
    COLUMNS,
    GLOSA_DTYPES,
    HEADER_OF_COLUMN,
    check_glosas,
    cleaned_column,
    glosa_kinds,
    glosa_rows,
)
from churnlab.io.keys import dentist_key
from churnlab.io.progress import progress_bar
from churnlab.io.sources import iter_source_tables
from churnlab.io.table import Reject, Table, arrow_text

MONTH_COLUMNS: tuple[str, ...] = ("key", "month", "glosas", "technical", "value")
"""Columns of a glosa-month frame: dentist key, month (first day), count, technical count, value (R$)."""


def known_month(date: pd.Series, competence: pd.Series) -> np.ndarray:
    """The month each glosa became known (``datetime64[M]``; NaT when neither date nor competence)."""
    known = _by_distinct(pd.to_datetime(date).to_numpy(), lambda days: days.astype("datetime64[M]"))
    undated = np.isnat(known)
    if undated.any():  # the month after the competence: when a glosa is usually known
        texts = np.asarray(competence, dtype=object)[undated]
        known[undated] = _by_distinct(texts, _month_after)
    return known


def _month_after(competences: np.ndarray) -> np.ndarray:
    """The month after each ``YYYY-MM`` competence (NaT when it is not one)."""
    texts = pd.Series(competences, dtype="string") + "-01"
    months = pd.to_datetime(texts, errors="coerce").to_numpy().astype("datetime64[M]")
    return months + np.timedelta64(1, "M")


def _by_distinct(values: np.ndarray, months: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``months`` of ``values`` computed once per distinct value (a missing value gives NaT)."""
    codes, distinct = pd.factorize(values)
    table = np.append(months(np.asarray(distinct)), np.datetime64("NaT", "M"))
    return table[codes]


class GlosaMonths:
    """Counts, technical counts and values per dentist (rows) and month (columns), grown as rows come."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self._key_ids: dict[str, int] = {}
        self._spellings: Any = arrow_text(np.array([], dtype=object))  # "CRO<US>UF" as written, as seen
        self._pair_keys = np.zeros(0, dtype=np.int64)  # the key id of each spelling
        self._months: dict[int, int] = {}  # month (months since 1970) -> column
        self._sums = np.zeros((3, 1024, 8), dtype=np.float32)  # count, technical, value

    def add(self, rows: np.ndarray, month: np.ndarray, technical: np.ndarray, value: np.ndarray) -> None:
        """Add rows: dentist (:meth:`key_ids`), known month (``datetime64[M]``), technical flag, value."""
        dated = ~np.isnat(month)
        if not dated.all():
            rows, month = rows[dated], month[dated]
        cols = self._cols(month.astype(np.int64))
        need = (max(len(self.keys), 1), max(len(self._months), 1))
        have = self._sums.shape
        if need[0] > have[1] or need[1] > have[2]:  # room for a quarter more dentists and 6 more months
            size = (3, max(need[0] + need[0] // 4, have[1]), max(need[1] + 6, have[2]))
            grown = np.zeros(size, np.float32)
            grown[:, : self._sums.shape[1], : self._sums.shape[2]] = self._sums
            self._sums = grown
        cells = rows * self._sums.shape[2] + cols  # into each flat (keys × months) matrix
        flat = self._sums.reshape(3, -1)
        tech = np.asarray(technical, dtype=bool)[dated]
        np.add.at(flat[0], cells, np.float32(1))  # whole counts: exact in float32 below 2**24 a cell
        np.add.at(flat[1], cells[tech], np.float32(1))
        np.add.at(flat[2], cells, np.nan_to_num(np.asarray(value, dtype=np.float32)[dated]))  # in file order

    def key_ids(self, cro: pd.Series, uf: pd.Series) -> np.ndarray:
        """The rows' dentists as positions in :attr:`keys` (each distinct spelling keyed once)."""
        pair, cros, ufs = dentist_pairs(cro, uf)
        return self.spelling_ids(cros, ufs)[pair] if len(pair) else np.zeros(0, dtype=np.int64)

    def spelling_ids(self, cros: Any, ufs: np.ndarray) -> np.ndarray:
        """Distinct CRO + UF spellings as positions in :attr:`keys` (matched in Arrow; new ones keyed)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        spellings = pc.binary_join_element_wise(
            pc.fill_null(arrow_text(cros), ""),
            pc.fill_null(arrow_text(ufs), ""),
            pa.scalar(_PAIR, pa.large_string()),
        )
        found = pc.fill_null(pc.index_in(spellings, value_set=self._spellings), -1)
        ids = found.to_numpy(zero_copy_only=False).astype(np.int64)
        new = ids < 0
        if new.any():  # spellings not seen before: their keys, once
            fresh = spellings.filter(pa.array(new))
            keys = [
                self._key_ids.setdefault(dentist_key(*pair.rsplit(_PAIR, 1)), len(self._key_ids))
                for pair in fresh.to_pylist()
            ]
            ids[new] = np.arange(len(self._spellings), len(self._spellings) + len(keys))
            self._spellings = pa.concat_arrays([self._spellings, fresh])
            self._pair_keys = np.concatenate([self._pair_keys, np.array(keys, dtype=np.int64)])
            self.keys = list(self._key_ids)  # ids are given in order
        return self._pair_keys[ids]

    def _cols(self, months: np.ndarray) -> np.ndarray:
        codes, distinct = pd.factorize(months)
        cols = np.array(
            [self._months.setdefault(m, len(self._months)) for m in distinct.tolist()], dtype=np.int64
        )
        return cols[codes] if len(cols) else np.zeros(0, dtype=np.int64)

    def frame(self) -> pd.DataFrame:
        """One row per dentist and month with a glosa: :data:`MONTH_COLUMNS`, by key then month."""
        n_keys, n_months = len(self.keys), len(self._months)
        months = np.array(list(self._months), dtype=np.int64)
        order = np.argsort(months)
        counts = self._sums[0, :n_keys, :n_months][:, order]
        rows, cols = np.nonzero(counts > 0)
        keys = np.array(self.keys, dtype=object)
        return pd.DataFrame(
            {
                "key": keys[rows] if len(rows) else np.array([], dtype=object),
                "month": months[order][cols].astype("datetime64[M]").astype("datetime64[ns]"),
                "glosas": counts[rows, cols],
                "technical": self._sums[1, :n_keys, :n_months][:, order][rows, cols],
                "value": self._sums[2, :n_keys, :n_months][:, order][rows, cols],
            }
        )


def dentist_pairs(cro: pd.Series, uf: pd.Series) -> tuple[np.ndarray, Any, np.ndarray]:
    """Each row's position among the distinct CRO + UF spellings, and those spellings (in order seen).

    The rows' dentists are hashed as two small integer codes, not as joined
    text; the CROs come back as an Arrow array, the UFs as objects (None: empty).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    by_cro = pc.dictionary_encode(arrow_text(cro))
    cro_codes = by_cro.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    uf_codes, ufs = pd.factorize(np.asarray(uf, dtype=object), use_na_sentinel=False)
    width = max(len(ufs), 1)
    pair, pairs = pd.factorize(cro_codes * width + uf_codes)
    cros = by_cro.dictionary.take(pa.array(pairs // width))
    return pair, cros, np.asarray(ufs, dtype=object)[pairs % width]


_PAIR = "\x1f"
"""Between a row's CRO and UF in the spellings :meth:`GlosaMonths.key_ids` matches (ASCII unit separator)."""


def glosa_months(glosas: pd.DataFrame) -> pd.DataFrame:
    """A glosa frame (:func:`~churnlab.io.glosas.read_glosa_csv`'s rows) summed per dentist and month.

    A frame already of :data:`MONTH_COLUMNS` is returned as it is.
    """
    if "key" in glosas and "month" in glosas:
        return glosas
    sums = GlosaMonths()
    sums.add(
        sums.key_ids(glosas["cro"], glosas["uf"]),
        known_month(glosas["date"], glosas["competence"]),
        (glosas["kind"] == "technical").to_numpy(),
        glosas["value"].to_numpy(),
    )
    return sums.frame()


@dataclass
class GlosaRead:
    """What one streamed pass over the glosa export gives.

    Attributes
    ----------
    months : pandas.DataFrame
        :data:`MONTH_COLUMNS`, every good row counted.
    rows : GlosaRows or None
        The good rows of the dentists asked for (``keep_rows_of``), kept as
        Arrow columns; None when none were asked for.
    rejects : list of Reject
        Every row left out, by line.
    rows_read : int
        Good rows read.
    name : str
        The file's name, for reports (``glosas.csv``, ``glosas.parquet``).
    """

    months: pd.DataFrame
    rows: GlosaRows | None
    rejects: list[Reject] = field(default_factory=list)
    rows_read: int = 0
    name: str = "glosas.csv"


@dataclass
class CheckedBlock:
    """A block of the glosa export checked (:func:`check_block`): what the monthly sums take of it.

    ``checked`` and ``good`` are :func:`~churnlab.io.glosas.check_glosas`' cells and the rows
    without a reject; ``cro``, ``uf``, ``month``, ``technical`` and ``value`` are the good rows'.
    """

    checked: dict[str, Any]
    good: np.ndarray
    rejects: list[Reject]
    cro: Any
    uf: Any
    month: np.ndarray
    technical: np.ndarray
    value: Any


SUMMED_COLUMNS = ("cro", "uf", "competence", "date", "code", "value")
"""The glosa export's columns the monthly sums read (:func:`check_block`); guide and description are not."""


def check_block(table: Table) -> CheckedBlock:
    """Check a block of the glosa export: the one step the single process and a cluster's workers share."""
    checked = check_glosas(table)
    good = table.good_rows()
    part = {name: cells if good.all() else cells[good] for name, cells in checked.items()}  # no copy
    code = table.text["code"] if good.all() else table.text["code"][good]
    return CheckedBlock(
        checked=checked,
        good=good,
        rejects=sorted(table.rejects, key=lambda r: r["line"]),
        cro=part["cro"],
        uf=part["uf"],
        month=known_month(part["date"], part["competence"]),
        technical=_technical(code),
        value=part["value"],
    )


def read_glosa_months(
    path: str | os.PathLike[str],
    keep_rows_of: Collection[str] | bool = False,
    block_bytes: int = 0,
    progress: bool = False,
) -> GlosaRead:
    """Read the glosa export block by block into glosas per dentist and month.

    ``keep_rows_of`` (dentist keys) also keeps those dentists' rows, e.g. the
    dentists of the retention forms, whose case features need each item
    (:func:`churnlab.features.cases.build_features`); True keeps every row. ``progress`` shows a bar
    over the blocks on a terminal; ``block_bytes`` as
    :func:`~churnlab.io.table.iter_tables` (0: the default size).

    Raises
    ------
    DataError
        As :func:`~churnlab.io.glosas.read_glosa_csv` (bad rows are collected, not raised).
    """
    sums, kept, rejects, read = GlosaMonths(), GlosaRows(), [], 0
    wanted = None if isinstance(keep_rows_of, bool) else KeptDentists(keep_rows_of)
    columns = SUMMED_COLUMNS if keep_rows_of is False else None  # kept rows need every column
    tables = iter_source_tables(
        path, dict(HEADER_OF_COLUMN), {}, "glosa file", block_bytes=block_bytes, columns=columns
    )
    for table in _read_ahead(progress_bar(tables, path, progress)):
        block = check_block(table)
        rejects += block.rejects
        read += int(block.good.sum())
        ids = sums.key_ids(block.cro, block.uf)
        sums.add(ids, block.month, block.technical, block.value)
        if wanted is not None:
            chosen = wanted.among(sums, ids)
            mine = block.good.copy()
            mine[block.good] = chosen
            kept.add(glosa_rows(table, block.checked, mine), ids[chosen])
        elif keep_rows_of:
            kept.add(glosa_rows(table, block.checked, block.good), ids)
    rows = kept if wanted is not None or keep_rows_of else None
    if rows is not None:
        rows.keys, rows.rejects = sums.keys, rejects
    return GlosaRead(sums.frame(), rows, rejects, read, os.path.basename(path))


class KeptDentists:
    """The dentists (keys) whose glosa rows are kept, looked up by a :class:`GlosaMonths`' key ids."""

    def __init__(self, keys: Collection[str]) -> None:
        self._keys = set(keys)
        self._chosen = np.zeros(0, dtype=bool)  # by key id

    def among(self, sums: GlosaMonths, ids: np.ndarray) -> np.ndarray:
        """Which of the rows' dentists (``ids``, key ids of ``sums``) are kept."""
        new = sums.keys[len(self._chosen) :]
        if new:
            self._chosen = np.concatenate(
                [self._chosen, np.array([k in self._keys for k in new], dtype=bool)]
            )
        return self._chosen[ids]


class GlosaRows:
    """Glosa rows kept as Arrow columns (repeated text dictionary-encoded), found by dentist.

    What :func:`read_glosa_months` keeps for the case features: a few tens of
    bytes a row where a pandas frame of Python strings takes hundreds.
    """

    _ENCODED = ("uf", "competence", "code", "description", "kind")

    def __init__(self) -> None:
        self.keys: list[str] = []  # key id -> dentist key
        self.rejects: list[Reject] = []
        self._parts: list[Any] = []  # pyarrow tables
        self._rows = 0

    def __len__(self) -> int:
        return self._rows

    def add(self, frame: pd.DataFrame, key_ids: np.ndarray) -> None:
        """Keep the rows of ``frame`` (of :data:`~churnlab.io.glosas.COLUMNS`) of dentists ``key_ids``."""
        import pyarrow as pa

        table = pa.Table.from_pandas(frame, preserve_index=False)
        for name in self._ENCODED:
            table = table.set_column(
                table.schema.get_field_index(name), name, table[name].dictionary_encode()
            )
        self._parts.append(table.append_column("key_id", pa.array(key_ids, type=pa.int32())))
        self._rows += len(frame)

    def frame(self, keys: Collection[str] | None = None) -> pd.DataFrame:
        """The rows of the dentists ``keys`` (all when None) as ``read_glosa_csv`` gives them.

        ``.attrs["rejects"]`` lists the export's rejected rows.
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        table = pa.concat_tables(self._parts, promote_options="permissive") if self._parts else None
        if table is not None and keys is not None:
            index = {key: i for i, key in enumerate(self.keys)}
            wanted = pa.array(sorted(index[k] for k in keys if k in index), type=pa.int32())
            table = table.filter(pc.is_in(table["key_id"], value_set=wanted))
        if table is None:
            frame = pd.DataFrame({name: [] for name in COLUMNS})
        else:
            frame = table.drop_columns(["key_id"]).to_pandas()
            for name in self._ENCODED:
                frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
        frame = frame[list(COLUMNS)].astype(GLOSA_DTYPES)
        frame.attrs["rejects"] = self.rejects
        return frame


def _technical(codes: pd.Series) -> np.ndarray:
    """Whether each glosa code (cells as read) is technical, :func:`glosa_kinds` once per distinct cell."""
    found, distinct = pd.factorize(codes)
    kinds = glosa_kinds(cleaned_column(pd.Series(distinct, dtype=object)))
    return np.append(kinds == "technical", False)[found]


def _read_ahead(tables: Iterator[Table]) -> Iterator[Table]:
    """The tables of ``tables``, the next one read in a thread while the caller checks this one.

    Arrow's reader and the checks' compute kernels let go of the GIL, so the
    two overlap on two cores; an error reading a block is raised here, in order.
    """
    with ThreadPoolExecutor(1, thread_name_prefix="churnlab-read") as pool:
        ahead = pool.submit(next, tables, None)
        while (table := ahead.result()) is not None:
            ahead = pool.submit(next, tables, None)
            yield table
