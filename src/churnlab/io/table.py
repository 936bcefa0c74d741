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
import os
import re
import warnings
from collections.abc import Callable
from typing import TypedDict

import numpy as np
import pandas as pd

from churnlab.errors import DataError
from churnlab.io.text import fold


class Reject(TypedDict):
    """A CSV row left out, and why: line, column header (None for the whole row), cell, reason."""

    line: int
    column: str | None
    value: str
    reason: str


_TEXT = pd.StringDtype("pyarrow", na_value=np.nan)
"""Cells as Arrow strings: vectorised string operations run in Arrow's C++, not a Python loop."""
_SKIPPED = re.compile(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)")
_DECIMAL = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?")
_INTEGER = re.compile(r"[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)")


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
    ) -> None:
        self.path = path
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
        header = self.headers.get(column) if column else None
        values = self.text[column].to_numpy()[mask] if column and show_value else None
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
        cells = self.stripped(column)
        if cells.str.contains("$", regex=False).any():  # regex passes only when some cell needs them
            cells = cells.str.replace(r"^[Rr]\s*\$", "", regex=True)
        if cells.str.contains(" ", regex=False).any():
            cells = cells.str.replace(" ", "", regex=False)
        cells = cells.mask(cells.isin(["-", "–", "—"]), "0")
        ok = cells.str.fullmatch(_DECIMAL.pattern) | (cells == "")
        self.reject(
            ~ok.to_numpy(),
            column,
            lambda v: f"{v!r} is not a Brazilian decimal (expected e.g. 0,35 or 1.234,50)",
        )
        numbers = cells.where(ok, "").str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        values = _to_float(numbers)
        self._range(column, values, low, high)
        return values

    def integers(self, column: str, low: float | None = None, high: float | None = None) -> np.ndarray:
        """Whole numbers (``3.843`` is 3843); empty is NaN (a float array)."""
        cells = self.stripped(column)
        ok = cells.str.fullmatch(_INTEGER.pattern) | (cells == "")
        self.reject(~ok.to_numpy(), column, lambda v: f"{v!r} is not a whole number")
        numbers = cells.where(ok, "").str.replace(".", "", regex=False)
        values = _to_float(numbers)
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


def _to_float(numbers: pd.Series) -> np.ndarray:
    """Numbers written with a ``.`` decimal mark (already checked) as floats; empty cells NaN."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow = pa.array(numbers.to_numpy(dtype=object), type=pa.string())
    return pc.cast(pc.if_else(pc.equal(arrow, ""), None, arrow), pa.float64()).to_numpy(zero_copy_only=False)


def read_table(
    path: str | os.PathLike[str], required: dict[str, str], optional: dict[str, str], what: str
) -> Table:
    """Read a ``;``-separated UTF-8 export as text columns named by ``required`` and ``optional``.

    ``required`` and ``optional`` map column names to the header each is
    found under (case, accents and spacing may differ; unknown headers are
    ignored). Rows with more fields than the header are rejected.

    Raises
    ------
    DataError
        The file is missing, not UTF-8, empty, or lacks a required header.
    """
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
    except FileNotFoundError:
        raise DataError(f"{path}: {what} not found") from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text (byte {exc.start}); export it as UTF-8") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read the {what}: {exc.strerror}") from None
    if not first.strip():
        problem = "empty file" if not first else "the first line is blank"
        raise DataError(f"{path}: {problem}; expected header {';'.join(required.values())}")
    header = next(csv.reader([first], delimiter=";"))
    wanted = {fold(name): column for column, name in {**optional, **required}.items()}
    positions: dict[str, int] = {}
    for index, name in enumerate(header):
        column = wanted.get(fold(name).replace("_", " "))
        if column is not None:
            positions.setdefault(column, index)
    missing = [name for column, name in required.items() if column not in positions]
    if missing:
        hint = " (is the file ;-separated?)" if len(header) == 1 else ""
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)}{hint}; "
            f"expected header {';'.join(required.values())}"
        )
    width = len(header)
    per_line = _line_fields(path)  # one pass over the bytes, shared by both readers
    fast = _read_arrow(path, width, per_line)
    if fast is not None:
        frame, lines, fields, long_rows, rejects = fast
    else:
        frame, lines, fields, long_rows = _read_pandas(path, width, what, per_line)
        rejects = []
    frame, recovered = _with_trailing_empties(path, frame, long_rows)
    frame = frame.iloc[:, sorted(positions.values())]  # unknown columns are ignored
    frame.columns = [column for column, _ in sorted(positions.items(), key=lambda item: item[1])]
    lines = np.concatenate([lines, np.array(sorted(recovered), dtype=int)])
    fields = np.concatenate([fields, np.full(len(recovered), width)])
    order = np.argsort(lines, kind="stable")
    frame, lines, fields = frame.iloc[order].reset_index(drop=True), lines[order], fields[order]
    rejects += [
        Reject(line=line, column=None, value="", reason=f"row has {saw} fields, expected {width}")
        for line, saw in sorted(long_rows.items())
        if line not in recovered
    ]
    blank = (frame == "").all(axis=1).to_numpy()
    frame, lines, fields = frame.loc[~blank].reset_index(drop=True), lines[~blank], fields[~blank]
    headers = {column: name for column, name in {**optional, **required}.items() if column in frame}
    table = Table(path, frame, lines, headers, rejects)
    short = np.flatnonzero(fields < width)  # a cut row: its last cells are missing, not empty
    table.reject_rows(
        short, [f"row has {fields[r]} field{'s' if fields[r] != 1 else ''}, expected {width}" for r in short]
    )
    return table


def _read_arrow(
    path: str | os.PathLike[str], width: int, per_line: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, dict[int, int], list[Reject]] | None:
    """Every row through pyarrow's multithreaded CSV reader, or None to take the exact path.

    Rows whose field count differs from the header's are set aside by line
    (too long: returned for :func:`_with_trailing_empties`; cut short: rejected;
    blank: dropped). When the quote-blind count per line does not account for
    the rows Arrow read (a quoted ``;`` or line break), None.
    """
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    per_line = per_line[1:]
    names = [f"c{i}" for i in range(width)]
    try:
        arrow = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(skip_rows=1, column_names=names),
            parse_options=pacsv.ParseOptions(
                delimiter=";", ignore_empty_lines=False, invalid_row_handler=lambda row: "skip"
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, OSError):
        return None
    numbers = np.arange(2, len(per_line) + 2)
    good = per_line == width
    if arrow.num_rows != int(good.sum()):
        return None
    frame = arrow.to_pandas(types_mapper={pa.string(): _TEXT}.get)
    odd: dict[int, int] = dict(zip(numbers[~good].tolist(), per_line[~good].tolist(), strict=True))
    rejects: list[Reject] = []
    if odd:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            for number, line in enumerate(handle, start=1):
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
    return frame, numbers[good], per_line[good], odd, rejects


def _read_pandas(
    path: str | os.PathLike[str], width: int, what: str, per_line: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, dict[int, int]]:
    """Every row through pandas' C parser, with exact line numbers (quoted line breaks included)."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            frame = pd.read_csv(
                path,
                sep=";",
                dtype=_TEXT,
                keep_default_na=False,
                skip_blank_lines=False,
                encoding="utf-8-sig",
                on_bad_lines="warn",
                engine="c",
                header=0,
                index_col=False,
            )
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text (byte {exc.start}); export it as UTF-8") from None
    except (pd.errors.ParserError, ValueError, OSError) as exc:
        raise DataError(f"{path}: cannot read the {what}: {exc}") from None
    skipped = {int(m[1]): (int(m[2]), int(m[3])) for w in caught for m in _SKIPPED.finditer(str(w.message))}
    frame.columns = [f"c{i}" for i in range(frame.shape[1])]
    lines, fields, long_rows = _layout(path, width, len(frame), skipped, per_line)
    return frame, lines, fields, long_rows


def _line_fields(path: str | os.PathLike[str]) -> np.ndarray:
    """Fields on each physical line (1 + its ``;``), header included, quotes not considered."""
    counts, carry, last = [], 0, b"\n"
    with open(path, "rb") as handle:
        while block := handle.read(1 << 24):
            data = np.frombuffer(block, dtype=np.uint8)
            semicolons = np.cumsum(data == 59, dtype=np.int32)
            ends = np.flatnonzero(data == 10)
            if len(ends):
                per_line = np.diff(semicolons[ends], prepend=0)
                per_line[0] += carry
                counts.append(per_line)
                carry = int(semicolons[-1] - semicolons[ends[-1]])
            else:
                carry += int(semicolons[-1])
            last = block[-1:]
    if last != b"\n":
        counts.append(np.array([carry]))
    return np.concatenate(counts) + 1 if counts else np.zeros(0, dtype=np.int64)


def _layout(
    path: str | os.PathLike[str],
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
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=";")
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
    path: str | os.PathLike[str], frame: pd.DataFrame, skipped: dict[int, int]
) -> tuple[pd.DataFrame, set[int]]:
    """Add back the too-long rows whose extra fields are all empty (a spreadsheet's trailing ``;``)."""
    if not skipped:
        return frame, set()
    width = frame.shape[1]
    rows, recovered = [], set()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            if number in skipped:
                fields = next(csv.reader([line.rstrip("\r\n")], delimiter=";"), [])
                if not any(f.strip() for f in fields[width:]):
                    rows.append(fields[:width])
                    recovered.add(number)
    if not rows:
        return frame, set()
    extra = pd.DataFrame(rows, columns=frame.columns, dtype=_TEXT)
    return pd.concat([frame, extra], ignore_index=True), recovered
