"""Bundled common Brazilian first names (folded), for the anonymiser and the reason tagger's vocabulary."""

from __future__ import annotations

import functools
from importlib import resources

from churnlab.io.text import fold


@functools.cache
def first_names() -> frozenset[str]:
    """The bundled common Brazilian first names, folded (no accents, lower case).

    Examples
    --------
    >>> "joao" in first_names() and "fernanda" in first_names()
    True
    >>> len(first_names()) > 300
    True
    """
    text = resources.files("churnlab").joinpath("data", "first_names.txt").read_text("utf-8")
    lines = (line.strip() for line in text.splitlines())
    return frozenset(fold(line) for line in lines if line and not line.startswith("#"))
