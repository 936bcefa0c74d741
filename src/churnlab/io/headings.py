"""Headings a form marks as such (``#``, a ``**bold**`` line, ``<hN>``) that name no known section.

A newer template may add a section churnlab does not know. The form parser
reads no field from the lines under such a heading (it cannot know what they
are) and the record says so in a warning: a section is never guessed into
another field, nor lost unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from churnlab.io.text import clean, fold

_HTML = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def _lines_starting(text: str, markers: tuple[str, ...]) -> list[str]:
    """The lines (left-stripped) that start with one of ``markers``; found with ``str.find``, not a regex."""
    found = []
    for marker in markers:
        for needle in ("\n" + marker, "\n " + marker, "\n\t" + marker):
            start = text.find(needle)
            while start >= 0:
                end = text.find("\n", start + 1)
                found.append(text[start + 1 : end if end >= 0 else len(text)].strip())
                start = text.find(needle, start + 1)
        if text.startswith(marker):
            found.append(text[: text.find("\n") if "\n" in text else len(text)].strip())
    return found


def unknown_headings(text: str, known: Callable[[str], bool]) -> dict[str, str]:
    """Folded heading -> heading as written, for the headings ``known`` does not recognise.

    ``known`` gets the folded heading (accents and case removed, ``:*`` stripped).
    """
    titles = []
    for line in _lines_starting(text, ("#", "**")):
        if line.startswith("#"):
            titles.append(line.lstrip("#"))
        elif line.rstrip(" \t:").endswith("**") and line.count("**") == 2:
            titles.append(line.rstrip(" \t:").strip("*"))
    if "<h" in text or "<H" in text:
        titles += [_TAG.sub("", m[1]) for m in _HTML.finditer(text)]
    found: dict[str, str] = {}
    for raw in titles:
        title = clean(raw.strip(" #")) or ""
        folded = fold(title).strip(" :*")
        if folded and not known(folded):
            found[folded] = title
    return found
