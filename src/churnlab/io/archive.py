"""Zip members read by counting the bytes actually inflated, never by trusting the archive's header.

A ``.docx`` form and a ``.skops`` model file are zip archives, and a zip's
header states each member's size. A forged header can say 1,000 bytes for a
member that inflates to 1.9 GB, and :meth:`zipfile.ZipFile.read` inflates all
of it before it notices (then reports a bad CRC). Here each member's deflate
stream is inflated in 64 KiB steps, counting: reading stops as soon as the
count passes the caller's limit or the size the header declares.
"""

from __future__ import annotations

import zipfile
import zlib

__all__ = ["ArchiveLimitError", "check_members", "read_member"]

_STEP = 1 << 16
_LOCAL_HEADER = 30  # bytes of a zip local file header before the name and the extra field


class ArchiveLimitError(ValueError):
    """A zip member over a size limit, or inflating to another size than its header declares."""


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, keep: bool) -> bytes:
    """Inflate ``info``'s raw data, counting; its bytes when ``keep`` (else b"")."""
    if info.file_size > limit:
        raise ArchiveLimitError(f"{info.filename}: {info.file_size} bytes, over the limit of {limit}")
    if info.flag_bits & 0x1:
        raise ArchiveLimitError(f"{info.filename}: an encrypted member")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ArchiveLimitError(f"{info.filename}: compression method {info.compress_type} is not supported")
    fp = archive.fp
    if fp is None:
        raise ArchiveLimitError("the archive is closed")
    fp.seek(info.header_offset)
    header = fp.read(_LOCAL_HEADER)
    if len(header) < _LOCAL_HEADER or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"{info.filename}: bad local file header")
    fp.seek(int.from_bytes(header[26:28], "little") + int.from_bytes(header[28:30], "little"), 1)
    declared = info.file_size
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type == zipfile.ZIP_DEFLATED else None
    left, size, parts = info.compress_size, 0, []
    while True:
        if inflater is None:
            raw = fp.read(min(_STEP, left)) if left > 0 else b""
            left -= len(raw)
            chunk = raw
        else:
            if inflater.eof:
                break
            raw = inflater.unconsumed_tail
            if not raw and left > 0:
                raw = fp.read(min(_STEP, left))
                left -= len(raw)
            chunk = inflater.decompress(raw, _STEP)  # at most one step of output per call
        if not chunk and not raw:
            break  # no input left, and nothing more comes out
        size += len(chunk)
        if size > declared:
            raise ArchiveLimitError(
                f"{info.filename}: inflates to more than the {declared} bytes "
                "its header declares; a forged archive"
            )
        if keep:
            parts.append(chunk)
    if size != declared:
        raise zipfile.BadZipFile(f"{info.filename}: inflates to {size} bytes, its header declares {declared}")
    return b"".join(parts)


def read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """The bytes of member ``name``, inflated at most ``limit`` (and at most its declared size).

    Raises
    ------
    KeyError
        No such member.
    ArchiveLimitError
        Over ``limit``, or inflating past the size its header declares.
    zipfile.BadZipFile
        A damaged archive.
    """
    return _inflate(archive, archive.getinfo(name), limit, keep=True)


def check_members(archive: zipfile.ZipFile, limit: int) -> None:
    """Inflate every member once, counting: all inflate to their declared sizes, ``limit`` bytes in all.

    After this, :meth:`zipfile.ZipFile.read` on any member inflates no more than
    checked here.
    """
    total = 0
    for info in archive.infolist():
        _inflate(archive, info, limit - total, keep=False)
        total += info.file_size
