"""The export as a file: opening it (a path or an fsspec URL), its header, its rows cut into blocks.

:mod:`churnlab.io.table` turns a block into checked columns; this module
only finds where the rows are, so the single process and a Dask cluster's
workers (:mod:`churnlab.io.blocks`) cut a file the same way.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from churnlab.errors import DataError
from churnlab.io.text import fold

BLOCK_BYTES = 32 << 20
"""Bytes of CSV read at a time by :func:`iter_tables`: memory follows the block, not the file."""


@dataclass(frozen=True)
class Layout:
    """What the header says: the header line's bytes, its width, and where each known column is.

    ``positions`` are the columns read; ``unread`` the known ones left aside (:meth:`only`).
    """

    header: bytes
    width: int
    positions: dict[str, int]
    headers: dict[str, str]
    unread: dict[str, int] = field(default_factory=dict)

    def only(self, columns: Collection[str] | None) -> Layout:
        """The layout reading only ``columns`` of the known columns (None: all of them).

        What a pass that needs a few columns of a wide export reads: Arrow
        then skips converting the others, which is most of a block's cost.
        """
        if columns is None:
            return self.whole()
        known = {**self.positions, **self.unread}
        return replace(
            self,
            positions={c: i for c, i in known.items() if c in columns},
            unread={c: i for c, i in known.items() if c not in columns},
        )

    def whole(self) -> Layout:
        """The layout reading every known column."""
        return replace(self, positions={**self.positions, **self.unread}, unread={})


def is_url(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is an fsspec URL (``s3://``, ``gs://``, ``abfs://``...) rather than a local path."""
    return "://" in str(path)


@contextlib.contextmanager
def opened(path: str | os.PathLike[str], what: str) -> Iterator[io.BufferedIOBase]:
    """The file (a path or an fsspec URL) open for reading bytes; missing or unreadable: a DataError."""
    try:
        if is_url(path):  # read through fsspec (installed with Dask), e.g. by a cluster's workers
            import fsspec

            handle = fsspec.open(str(path), "rb").open()
        else:
            handle = open(path, "rb")  # noqa: SIM115 - closed below; errors become DataError
    except ImportError:
        raise DataError(f"{path}: reading a URL needs fsspec: pip install 'churnlab[dask]'") from None
    except FileNotFoundError:
        raise DataError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read the {what}: {exc.strerror}") from None
    with handle:
        yield handle


def known_columns(
    names: list[str], required: dict[str, str], optional: dict[str, str]
) -> tuple[dict[str, int], list[str]]:
    """Where each known column is among ``names``, and the headers of the required ones not found.

    Headers match folded (case, accents, ``_`` for a space); of two that match, the first is used.
    """
    wanted = {fold(name): column for column, name in {**optional, **required}.items()}
    positions: dict[str, int] = {}
    for index, name in enumerate(names):
        column = wanted.get(fold(name).replace("_", " "))
        if column is not None:
            positions.setdefault(column, index)
    return positions, [name for column, name in required.items() if column not in positions]


def read_header(
    path: str | os.PathLike[str], required: dict[str, str], optional: dict[str, str], what: str
) -> Layout:
    """What the header line of ``path`` says (:class:`Layout`); a required column missing is a DataError."""
    with opened(path, what) as handle:
        raw = handle.readline()
    cr = raw.find(b"\r")
    if 0 <= cr < len(raw) - 1 and raw[cr + 1 : cr + 2] != b"\n":  # old Mac line ends: the header ends there
        raw = raw[: cr + 1]
    try:
        first = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text (byte {exc.start}); export it as UTF-8") from None
    if not first.strip():
        problem = "empty file" if not first else "the first line is blank"
        raise DataError(f"{path}: {problem}; expected header {';'.join(required.values())}")
    header = next(csv.reader([first.rstrip("\r\n")], delimiter=";"))
    positions, missing = known_columns(header, required, optional)
    if missing:
        hint = " (is the file ;-separated?)" if len(header) == 1 else ""
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)}{hint}; "
            f"expected header {';'.join(required.values())}"
        )
    headers = {column: name for column, name in {**optional, **required}.items() if column in positions}
    return Layout(raw, len(header), positions, headers)


def row_blocks(handle: io.BufferedIOBase, block_bytes: int | None) -> Iterator[bytes | bytearray]:
    """The file's bytes after the header in blocks ending at a line end outside quotes.

    Each block is read into a buffer of its own and cut there (the rest of its
    last row starts the next one), so the block's bytes are copied once, from
    the file, not again to cut it.
    """
    if block_bytes is None:
        if rest := handle.read():
            yield rest
        return
    carry = b""
    while True:
        block = bytearray(len(carry) + block_bytes)
        block[: len(carry)] = carry
        got = handle.readinto(memoryview(block)[len(carry) :])
        if not got:
            break
        del block[len(carry) + got :]
        cut = _last_row_end(block)
        if cut < 0:
            carry = bytes(block)  # one row longer than a block (or an open quote): read on
            continue
        carry = bytes(block[cut + 1 :])
        del block[cut + 1 :]
        yield block
    if carry:
        yield carry


def _last_row_end(data: bytes | bytearray) -> int:
    """Position of the last ``\\n`` with an even number of ``"`` before it (-1 if none)."""
    if b'"' not in data:
        return data.rfind(b"\n")
    array = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(array == 10)
    if not len(ends):
        return -1
    quotes = np.flatnonzero(array == 34)
    if not len(quotes):
        return int(ends[-1])
    even = np.searchsorted(quotes, ends) % 2 == 0
    return int(ends[even][-1]) if even.any() else -1
