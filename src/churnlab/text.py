"""Text normalisation shared by the parsers: accent folding and whitespace clean-up."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"[ \t\u00a0]+")


def fold(text: str) -> str:
    """Lower-case ``text``, drop accents and collapse runs of spaces.

    Labels and free text are compared folded, so ``"Régras Técnicas"`` matches
    ``"regras tecnicas"``.

    Examples
    --------
    >>> fold("  Não  se trata de RETENÇÃO ")
    'nao se trata de retencao'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().lower()


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
