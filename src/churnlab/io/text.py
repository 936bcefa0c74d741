"""Text normalisation shared by the parsers: accent folding and whitespace clean-up."""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

_SPACES = re.compile(r"[ \t\u00a0]+")


def _fold_char(ch: str) -> str:
    """One character folded to one character (so positions in folded text match the original)."""
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    lower = (base or ch).lower()
    return lower if len(lower) == 1 else ch


# Latin letters with accents, and º/ª, folded once; other characters go through NFKD.
_BEYOND_TABLE = re.compile("[^\x00-\u024f☐☒]")
_FOLD_TABLE = {code: _fold_char(chr(code)) for code in range(0x80, 0x250)}


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower-case ``text``, drop accents and collapse runs of spaces.

    Labels and free text are compared folded, so ``"Régras Técnicas"`` matches
    ``"regras tecnicas"``. Results are cached: form labels repeat across files.

    Examples
    --------
    >>> fold("  Não  se trata de RETENÇÃO ")
    'nao se trata de retencao'
    """
    if not text.isascii():
        text = text.translate(_FOLD_TABLE)
        if _BEYOND_TABLE.search(text):
            text = "".join(_fold_char(ch) for ch in text)
    return _SPACES.sub(" ", text).strip().lower()


def clean(text: str | None) -> str | None:
    """Collapse inner spaces and strip; return ``None`` for empty text.

    Examples
    --------
    >>> clean("  SEM   GUIAS ")
    'SEM GUIAS'
    >>> clean("   ") is None
    True
    """
    if text is None:
        return None
    out = _SPACES.sub(" ", text).strip()
    return out or None


def names_a_path(value: object) -> bool:
    """Whether ``value`` names a file or folder rather than holding a form's text.

    The one rule for every API that takes either: a path object, or a one-line
    string (a form's text has many lines) naming something that exists.
    """
    if isinstance(value, os.PathLike):
        return True
    if not (isinstance(value, str) and "\n" not in value and 0 < len(value) < 4096):
        return False
    try:
        return Path(value).exists()
    except (OSError, ValueError):  # a NUL byte, a name too long: text, not a path
        return False
