"""Messages safe to keep: what was wrong and where, never the value that was read.

A parser's message quotes what it read (``field 'lives': '529.982.247-25' is
not a whole number``): right on the user's own terminal, wrong in a model
card, a log or anything shared. :func:`redact` keeps the file, the field and
the reason and drops the values.
"""

from __future__ import annotations

import re

_QUOTED = re.compile(r"(?<!column )(?<!field )(?<![\w])'[^']*'(?![\w])|\"[^\"]*\"")  # names kept
_LONG_NUMBER = re.compile(r"\+?\(?\d[\d.\-/() ]{5,}\d")  # CPF, CNPJ, phone numbers, protocols


def redact(reason: str) -> str:
    """``reason`` with quoted values and long digit runs replaced by ``…``.

    Examples
    --------
    >>> redact("'529.982.247-25' is not a whole number")
    '… is not a whole number'
    >>> redact("'(71) 97874-8578 JOAO' is not a date (expected dd/mm/yyyy)")
    '… is not a date (expected dd/mm/yyyy)'
    >>> redact("column 'Data': '2263' is not a date")
    "column 'Data': … is not a date"
    """
    return _LONG_NUMBER.sub("…", _QUOTED.sub("…", reason))


def redacted_error(source: str, reason: str, field: str | None = None) -> str:
    """A value-free summary of a refusal: file, field and reason."""
    where = f"{_LONG_NUMBER.sub('…', source)}: " + (f"field {field!r}: " if field else "")
    return where + redact(reason)
