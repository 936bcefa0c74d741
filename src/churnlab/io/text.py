"""Text normalisation shared by the parsers: accent folding and whitespace clean-up."""

from __future__ import annotations

import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

_SPACES = re.compile(r"[ \t\u00a0]+")


def _fold_char(ch: str) -> str:
    """``ch`` lower-cased without accents: NFKD, combining marks dropped, lower case.

    Compatibility forms fold to their plain letter or digit (``º`` -> ``o``,
    ``ª`` -> ``a``, ``²`` -> ``2``). A character whose folded form would be
    longer than one character (``ﬁ``, ``½``) is only lower-cased, so folding
    never moves positions.
    """
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    for candidate in ((base or ch).lower(), ch.lower()):
        if len(candidate) == 1:
            return candidate
    return ch


# ASCII and Latin letters with accents folded at once; other characters (but the
# form's boxes, which fold to themselves) one by one, cached.
_BEYOND_TABLE = re.compile("[^\x00-\u024f☐☒]")
_FOLD_TABLE = {code: _fold_char(chr(code)) for code in range(0x250)}
_fold_rare = lru_cache(maxsize=4096)(_fold_char)


def fold_chars(text: str) -> str:
    """``text`` lower-cased and without accents, one character for one character.

    The one accent folding of churnlab: :func:`fold` (labels, vocabulary, name
    keys) and the anonymiser (finding names in notes) both go through it, so
    what one calls the same word the other does too. The result has the length
    of ``text``, so a match in it is a match at the same place in ``text``.

    Examples
    --------
    >>> fold_chars("Drª JOSÉ, 2º andar")
    'dra jose, 2o andar'
    """
    if text.isascii():
        return text.lower()
    text = text.translate(_FOLD_TABLE)
    if _BEYOND_TABLE.search(text):
        text = "".join(map(_fold_rare, text))
    return text


@lru_cache(maxsize=1 << 16)
def fold(text: str) -> str:
    """Lower-case ``text``, drop accents (:func:`fold_chars`) and collapse runs of spaces.

    Labels and free text are compared folded, so ``"Régras Técnicas"`` matches
    ``"regras tecnicas"``. Results are cached: form labels repeat across files.

    Examples
    --------
    >>> fold("  Não  se trata de RETENÇÃO ")
    'nao se trata de retencao'
    """
    return _SPACES.sub(" ", fold_chars(text)).strip()


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
