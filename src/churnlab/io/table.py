"""Column-at-a-time reading of the operator's ``;``-separated exports.

The network files (docs/concepts/contracts/network-files.md) run to millions of rows, so they are read by
pandas' C parser as text and each column is converted with vectorised string
operations; a Python function runs once per *distinct* spelling only (dates,
competences), never per row. Every cell that does not convert becomes a
:class:`Reject` naming its line and column; the row is left out, never
dropped silently.

Line numbers are the file's physical lines (the header is line 1); a quoted
cell spanning lines would shift the numbers after it, which the operator's
exports do not do.
"""

from __future__ import annotations

import csv
import io
import os
import re
import warnings
from collections.abc import Callable, Collection, Iterator
from typing import Any, TypedDict

import numpy as np
import pandas as pd

from churnlab.errors import DataError
from churnlab.io.csv_file import BLOCK_BYTES, Layout, opened, read_header, row_blocks


class Reject(TypedDict):
    """A CSV row left out, and why: line, column header (None for the whole row), cell, reason."""

    line: int
    column: str | None
    value: str
    reason: str


TEXT_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)
"""Cells as Arrow strings: vectorised string operations run in Arrow's C++, not a Python loop."""
_SKIPPED = re.compile(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)")
_DECIMAL = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?")
_INTEGER = r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)"
_INTEGER_OR_EMPTY = f"(?:{_INTEGER})?"
_DECIMAL_OR_EMPTY = f"(?:{_DECIMAL.pattern})?"


class Table:
    """A CSV read as text: one ``str`` column per known header, the line of each row, rejects.

    Conversions (:meth:`decimals`, :meth:`integers`, :meth:`mapped`) record a
    reject for each bad cell; :meth:`good_rows` says which rows have none.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        text: pd.DataFrame,
        lines: np.ndarray,
        headers: dict[str, str],
        rejects: list[Reject],
        newlines: int = 0,
    ) -> None:
        self.path = path
        self.newlines = newlines  # line ends in the text read (a block's: where the next one starts)
        self.text = text
        self.lines = lines
        self.headers = headers
        self.rejects = rejects
        self._bad = np.zeros(len(text), dtype=bool)
        self._whole = np.zeros(len(text), dtype=bool)  # rows rejected whole: their cells say nothing more

    def __len__(self) -> int:
        return len(self.text)

    def has(self, column: str) -> bool:
        """Whether the file has this (optional) column."""
        return column in self.text

    def reject(
        self,
        mask: np.ndarray,
        column: str | None,
        reason: str | Callable[[str], str],
        show_value: bool = True,
    ) -> None:
        """Leave out the rows under ``mask``, with a reject each naming ``column`` and ``reason``."""
        mask = np.asarray(mask, dtype=bool) & ~self._whole
        if not mask.any():
            return
        header = self.headers.get(column) if column else None
        values = self.text[column][mask].to_numpy() if column and show_value else None  # the bad cells only
        for i, row in enumerate(np.flatnonzero(mask)):
            value = "" if values is None else str(values[i])
            why = reason(value) if callable(reason) else reason
            self.rejects.append(Reject(line=int(self.lines[row]), column=header, value=value, reason=why))
        self._bad |= mask

    def reject_rows(self, rows: np.ndarray, reasons: list[str]) -> None:
        """Leave out whole rows (by position), each with its reason."""
        for row, reason in zip(rows, reasons, strict=True):
            self.rejects.append(Reject(line=int(self.lines[row]), column=None, value="", reason=reason))
        self._bad[rows] = True
        self._whole[rows] = True

    def good_rows(self) -> np.ndarray:
        """Boolean mask of the rows without a reject."""
        return ~self._bad

    def stripped(self, column: str) -> pd.Series:
        """A column's cells, spaces trimmed (empty string for an empty cell)."""
        return self.text[column].str.strip()

    def required(self, column: str, reason: str) -> pd.Series:
        """A column's cells; empty ones are rejected with ``reason``."""
        cells = self.stripped(column)
        self.reject((cells == "").to_numpy(), column, reason)
        return cells

    def decimals(self, column: str, low: float | None = None, high: float | None = None) -> np.ndarray:
        """Brazilian decimals (``1.234,56``, ``R$ 10,00``, ``R$ -`` = 0); empty is NaN."""
        values, bad = _decimal_values(self.text[column])
        self.reject(
            bad, column, lambda v: f"{v!r} is not a Brazilian decimal (expected e.g. 0,35 or 1.234,50)"
        )
        self._range(column, values, low, high)
        return values

    def integers(self, column: str, low: float | None = None, high: float | None = None) -> np.ndarray:
        """Whole numbers (``3.843`` is 3843); empty is NaN (a float array)."""
        import pyarrow.compute as pc

        cells = arrow_text(self.stripped(column))
        ok = _matches(cells, _INTEGER_OR_EMPTY)
        self.reject(~ok, column, lambda v: f"{v!r} is not a whole number")
        values = _to_float(pc.replace_substring(cells, ".", ""), ok)
        self._range(column, values, low, high)
        return values

    def mapped(self, column: str, parse: Callable[[str], object], dates: bool = False) -> pd.Series:
        """``parse`` applied once per distinct cell; a ``ValueError`` rejects the rows holding it.

        With ``dates`` the values (dates, None) come back as ``datetime64`` (NaT for None).
        """
        cells = self.stripped(column)
        codes, uniques = pd.factorize(cells)
        parsed: list[object] = []
        errors: dict[int, str] = {}
        for index, cell in enumerate(uniques):
            try:
                parsed.append(parse(cell))
            except ValueError as exc:
                parsed.append(None)
                errors[index] = str(exc)
        if errors:
            bad_codes = np.array(sorted(errors))
            mask = np.isin(codes, bad_codes)
            reasons = {str(uniques[i]): why for i, why in errors.items()}
            self.reject(mask, column, lambda v: reasons[v.strip()])  # the reject shows the raw cell
        # code -1 (a NaN cell) takes the None at the end
        table = (
            pd.to_datetime(pd.Series(parsed + [None], dtype=object)).to_numpy()
            if dates
            else np.array(parsed + [None], dtype=object)
        )
        return pd.Series(table[codes], index=self.text.index)

    def _range(self, column: str, values: np.ndarray, low: float | None, high: float | None) -> None:
        outside = np.zeros(len(values), dtype=bool)
        if low is not None:
            outside |= values < low
        if high is not None:
            outside |= values > high
        if outside.any():
            self.reject(outside, column, lambda v: f"{v!r} is outside the plausible range {low} to {high}")


def arrow_text(cells: Any) -> Any:
    """A text column as one Arrow string array (no copy when it already holds Arrow strings).

    ``cells`` is a Series, a NumPy array or an Arrow array; missing cells (None, NaN) become nulls.
    """
    import pyarrow as pa

    if isinstance(cells, pa.Array):
        return cells
    if isinstance(cells, pd.Series) and cells.dtype == TEXT_DTYPE:
        array = pa.array(cells.array)  # the Arrow strings themselves
        return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    return pa.array(np.asarray(cells, dtype=object), type=pa.large_string(), from_pandas=True)


def _matches(cells: Any, pattern: str) -> np.ndarray:
    """Which cells match ``pattern`` whole (RE2, in Arrow's C++; a missing cell does not)."""
    import pyarrow.compute as pc

    found = pc.fill_null(pc.match_substring_regex(cells, f"^(?:{pattern})$"), False)
    return found.to_numpy(zero_copy_only=False)


def _decimal_values(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Brazilian decimal cells as floats (NaN when empty or bad) and the mask of the bad ones.

    The usual cell (digits, thousands dots, a decimal comma, or nothing) is
    checked and converted in Arrow; only the others (surrounding spaces, ``R$``,
    a dash for zero, or no number at all) take the exact, slower path.
    """
    import pyarrow.compute as pc

    arrow = arrow_text(cells)
    plain = _matches(arrow, _DECIMAL_OR_EMPTY)
    if pc.any(pc.match_substring(arrow, ".")).as_py():  # thousands dots: most exports have none
        arrow = pc.replace_substring(arrow, ".", "")
    values = _to_float(pc.replace_substring(arrow, ",", "."), plain)
    bad = np.zeros(len(cells), dtype=bool)
    if plain.all():
        return values, bad
    other = ~plain
    rest = cells[other].str.strip()
    if rest.str.contains("$", regex=False).any():
        rest = rest.str.replace(r"^[Rr]\s*\$", "", regex=True)
    rest = rest.str.replace(" ", "", regex=False)
    rest = rest.mask(rest.isin(["-", "–", "—"]), "0")
    ok = rest.str.fullmatch(_DECIMAL.pattern).fillna(False).to_numpy(dtype=bool)
    ok |= (rest == "").to_numpy(dtype=bool)
    rest_arrow = pc.replace_substring(pc.replace_substring(arrow_text(rest), ".", ""), ",", ".")
    values[other] = _to_float(rest_arrow, ok)
    bad[other] = ~ok
    return values, bad


def _to_float(numbers: Any, ok: np.ndarray) -> np.ndarray:
    """Arrow strings written with a ``.`` decimal mark as floats where ``ok`` (else NaN; empty is NaN)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    usable = pc.not_equal(numbers, "")
    if not ok.all():
        usable = pc.and_(pa.array(ok), usable)
    if not pc.all(usable).as_py():
        numbers = pc.if_else(usable, numbers, None)
    return pc.cast(numbers, pa.float64()).to_numpy(zero_copy_only=False)


def read_table(
    path: str | os.PathLike[str], required: dict[str, str], optional: dict[str, str], what: str
) -> Table:
    """Read a ``;``-separated UTF-8 export as text columns named by ``required`` and ``optional``.

    ``required`` and ``optional`` map column names to the header each is
    found under (case, accents and spacing may differ; unknown headers are
    ignored). Rows with more fields than the header are rejected. The whole
    file is one :class:`Table`; :func:`iter_tables` reads a big one block by block.

    Raises
    ------
    DataError
        The file is missing, not UTF-8, empty, or lacks a required header.
    """
    return next(iter_tables(path, required, optional, what, block_bytes=None))


def iter_tables(
    path: str | os.PathLike[str],
    required: dict[str, str],
    optional: dict[str, str],
    what: str,
    block_bytes: int | None = 0,
    columns: Collection[str] | None = None,
) -> Iterator[Table]:
    """:func:`read_table` of a big file, one block of about ``block_bytes`` at a time.

    ``block_bytes`` 0 is :data:`BLOCK_BYTES` (looked up on each call); None reads one block.
    ``columns`` (None: all) are the known columns to read; the header must
    still hold every required one.

    Blocks end at a line end outside quotes, so no row is cut; line numbers
    and rejects are those of the whole file. An empty body still gives one
    (empty) table.
    """
    layout = read_header(path, required, optional, what).only(columns)
    with opened(path, what) as handle:
        handle.seek(len(layout.header))
        first_line, offset, any_block = 2, len(layout.header), False
        for block in row_blocks(handle, BLOCK_BYTES if block_bytes == 0 else block_bytes):
            table = block_table(path, layout, block, first_line, offset, what)
            yield table
            first_line += table.newlines
            offset += len(block)
            any_block = True
        if not any_block:
            yield block_table(path, layout, b"", first_line, offset, what)


def block_table(
    path: str | os.PathLike[str],
    layout: Layout,
    block: bytes | bytearray,
    first_line: int,
    offset: int,
    what: str,
) -> Table:
    """The rows of ``block`` (lines from ``first_line``, at byte ``offset`` of the file) as a Table.

    The block is read with the header line before it, as a file of its own;
    line numbers are then moved to the whole file's. Only ``layout.positions``
    are read, unless a row is blank in all of them: then every known column
    decides whether it is a blank row or a bad one.
    """
    width, shift = layout.width, first_line - 2
    read = sorted(layout.positions.values())
    fast = _read_arrow(layout.header, block, width, read)
    if fast is not None:
        frame, lines, fields, long_rows, rejects, newlines = fast
    else:
        newlines = block.count(b"\n")
        data = layout.header + block
        frame, lines, fields, long_rows = _read_pandas(
            path, data, width, what, _line_fields(data), offset - len(layout.header)
        )
        rejects = []
    frame, recovered = _with_trailing_empties(
        layout.header + block if long_rows else b"", frame, long_rows, width
    )
    frame = frame[[f"c{i}" for i in read]]  # unknown columns are ignored
    frame.columns = [column for column, _ in sorted(layout.positions.items(), key=lambda item: item[1])]
    lines = np.concatenate([lines, np.array(sorted(recovered), dtype=int)])
    fields = np.concatenate([fields, np.full(len(recovered), width)])
    if len(lines) > 1 and (np.diff(lines) < 0).any():  # rows added back after the others: reorder
        order = np.argsort(lines, kind="stable")
        frame, lines, fields = frame.iloc[order].reset_index(drop=True), lines[order], fields[order]
    lines = lines + shift
    rejects = [Reject(line=r["line"] + shift, column=None, value="", reason=r["reason"]) for r in rejects]
    rejects += [
        Reject(line=line + shift, column=None, value="", reason=f"row has {saw} fields, expected {width}")
        for line, saw in sorted(long_rows.items())
        if line not in recovered
    ]
    blank = blank_rows(frame)
    if blank.any() and layout.unread:  # blank in the columns read: the others may not be
        return block_table(path, layout.whole(), block, first_line, offset, what)
    if blank.any():
        frame, lines, fields = frame.loc[~blank].reset_index(drop=True), lines[~blank], fields[~blank]
    table = Table(path, frame, lines, dict(layout.headers), rejects, newlines)
    short = np.flatnonzero(fields < width)  # a cut row: its last cells are missing, not empty
    table.reject_rows(
        short, [f"row has {fields[r]} field{'s' if fields[r] != 1 else ''}, expected {width}" for r in short]
    )
    return table


def blank_rows(text: pd.DataFrame) -> np.ndarray:
    """Rows whose every cell is empty (a blank line, a spreadsheet's empty row): left out, not rejected."""
    if not len(text.columns) or not (text.iloc[:, 0] == "").any():  # only then can a row be all blank
        return np.zeros(len(text), dtype=bool)
    return (text == "").all(axis=1).to_numpy()


def _text(data: bytes) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")


def _read_arrow(
    header: bytes, block: bytes | bytearray, width: int, read: list[int]
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, dict[int, int], list[Reject], int] | None:
    """Every row of ``block`` through pyarrow's CSV reader, or None to take the exact path.

    Returns the rows' text (the columns ``read``), their lines and field counts, the too-long rows,
    the rejects, and the line ends in ``block``: counted by Arrow's rows when the block has no quote
    and no carriage return (each line is then one row, good or skipped), else counted in the bytes.

    Lines are numbered as in ``header + block`` (the header is line 1); the
    block is read where it lies, without copying the header before it, when
    the header is a plain line. When Arrow read a row per line, every line is a good row. Otherwise rows
    whose field count differs from the header's are set aside by line
    (too long: returned for :func:`_with_trailing_empties`; cut short: rejected;
    blank: dropped), found by counting each line's ``;`` (:func:`_line_fields`);
    when that quote-blind count does not account for the rows Arrow read (a
    quoted ``;`` or line break), None.
    """
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    names = [f"c{i}" for i in range(width)]
    # a header ending its line outside quotes cannot run on into the block: the block is read alone
    alone = bool(block) and header.endswith(b"\n") and header.count(b'"') % 2 == 0
    data = block if alone else header + block
    skipped = 0

    def skip(row: Any) -> str:
        nonlocal skipped
        skipped += 1
        return "skip"

    try:
        arrow = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(
                skip_rows=0 if alone else 1, column_names=names, use_threads=False
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=";", ignore_empty_lines=False, invalid_row_handler=skip
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()),
                strings_can_be_null=False,
                include_columns=[names[i] for i in read],
            ),
        )
    except (pa.ArrowInvalid, OSError):
        return None
    unended = not data.endswith(b"\n")  # a last line without its line end
    if alone and b'"' not in block and b"\r" not in block:  # one row per line, read or skipped
        newlines = arrow.num_rows + skipped - unended
    else:
        newlines = block.count(b"\n")
    before = 0 if alone else header.count(b"\n") - 1  # the header's line ends, less its own
    lines = newlines + before + unended  # after the header
    if arrow.num_rows == lines:  # the usual export: one good row per line, nothing to set aside
        frame = arrow.to_pandas(types_mapper={pa.large_string(): TEXT_DTYPE}.get)
        return frame, np.arange(2, lines + 2), np.full(lines, width), {}, [], newlines
    data = header + block  # rows to set aside by line: the header counts as line 1
    per_line = _line_fields(data)[1:]
    numbers = np.arange(2, len(per_line) + 2)
    good = per_line == width
    if arrow.num_rows != int(good.sum()):
        return None
    frame = arrow.to_pandas(types_mapper={pa.large_string(): TEXT_DTYPE}.get)
    odd: dict[int, int] = dict(zip(numbers[~good].tolist(), per_line[~good].tolist(), strict=True))
    rejects: list[Reject] = []
    if odd:
        for number, line in enumerate(_text(data), start=1):
            if number in odd and '"' in line:
                return None  # a quoted cell may hold the ; or line break: the exact path reads it
            if number in odd and not line.strip():
                del odd[number]  # a blank line
            elif number in odd and odd[number] < width:
                saw = odd.pop(number)
                rejects.append(
                    Reject(
                        line=number,
                        column=None,
                        value="",
                        reason=(f"row has {saw} field{'s' if saw != 1 else ''}, expected {width}"),
                    )
                )
    return frame, numbers[good], per_line[good], odd, rejects, newlines


def _read_pandas(
    path: str | os.PathLike[str], data: bytes, width: int, what: str, per_line: np.ndarray, offset: int
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, dict[int, int]]:
    """Every row through pandas' C parser, with exact line numbers (quoted line breaks included).

    ``offset`` is where ``data`` would start in the file (the header prepended
    to a block), so a byte that is not UTF-8 is named by its place in the file.
    """
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = pd.read_csv(
                io.BytesIO(data),
                sep=";",
                dtype=TEXT_DTYPE,
                keep_default_na=False,
                skip_blank_lines=False,
                encoding="utf-8-sig",
                on_bad_lines="warn",
                engine="c",
                header=0,
                index_col=False,
            )
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text (byte {exc.start + offset}); export it as UTF-8") from None
    except (pd.errors.ParserError, ValueError, OSError) as exc:
        raise DataError(f"{path}: cannot read the {what}: {exc}") from None
    skipped = {int(m[1]): (int(m[2]), int(m[3])) for w in caught for m in _SKIPPED.finditer(str(w.message))}
    frame.columns = [f"c{i}" for i in range(frame.shape[1])]
    lines, fields, long_rows = _layout(data, width, len(frame), skipped, per_line)
    return frame, lines, fields, long_rows


def _line_fields(data: bytes) -> np.ndarray:
    """Fields on each physical line (1 + its ``;``), header included, quotes not considered."""
    if not data:
        return np.zeros(0, dtype=np.int64)
    array = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(array == 10)
    if not len(ends) or ends[-1] != len(array) - 1:
        ends = np.append(ends, len(array))  # a last line without its line end
    before = np.searchsorted(np.flatnonzero(array == 59), ends)  # semicolons before each line end
    per_line = np.diff(before, prepend=0)
    return per_line + 1


def _layout(
    data: bytes,
    width: int,
    rows: int,
    skipped: dict[int, tuple[int, int]],
    per_line: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, dict[int, int]]:
    """Line and field count of each row pandas read, and the too-long rows (line -> fields).

    One record per physical line is the rule and is checked with a vectorised
    count (``per_line``, from :func:`_line_fields`); a file with quoted line breaks is
    walked by the csv module instead.
    """
    if len(per_line) - 1 == rows + len(skipped):
        numbers = np.arange(2, len(per_line) + 1)
        kept = ~np.isin(numbers, np.array(sorted(skipped), dtype=int))
        return numbers[kept], per_line[1:][kept], {line: saw for line, (_, saw) in skipped.items()}
    starts, counts = [], []
    reader = csv.reader(_text(data), delimiter=";")
    previous = 0
    for row in reader:
        starts.append(previous + 1)
        counts.append(len(row) if row else width)  # a blank line is no cut row
        previous = reader.line_num
    starts_a, counts_a = np.array(starts[1:], dtype=int), np.array(counts[1:], dtype=int)
    long = counts_a > width
    return (
        starts_a[~long],
        counts_a[~long],
        dict(zip(starts_a[long].tolist(), counts_a[long].tolist(), strict=True)),
    )


def _with_trailing_empties(
    data: bytes, frame: pd.DataFrame, skipped: dict[int, int], width: int
) -> tuple[pd.DataFrame, set[int]]:
    """Add back the too-long rows whose extra fields are all empty (a spreadsheet's trailing ``;``).

    ``frame`` holds some of the header's ``width`` columns, named ``c<position>``.
    """
    if not skipped:
        return frame, set()
    rows, recovered = [], set()
    for number, line in enumerate(_text(data), start=1):
        if number in skipped:
            fields = next(csv.reader([line.rstrip("\r\n")], delimiter=";"), [])
            if not any(f.strip() for f in fields[width:]):
                rows.append(fields[:width])
                recovered.add(number)
    if not rows:
        return frame, set()
    extra = pd.DataFrame(rows, columns=[f"c{i}" for i in range(width)], dtype=TEXT_DTYPE)[frame.columns]
    return pd.concat([frame, extra], ignore_index=True), recovered
