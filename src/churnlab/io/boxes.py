"""The form's tick boxes: their glyphs and states, and their labels matched to the record's keys.

A box is written ``☒`` (ticked), ``☐`` (not ticked) or ``⍰`` (its state could
not be read). Its label is compared accent- and case-folded to a vocabulary of
:mod:`churnlab.io.vocabulary`, fuzzily, because real forms misspell the labels
("Grossoeiro", "Régras").
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from functools import lru_cache

from churnlab.io.vocabulary import (
    ACTION_BOXES,
    CHECKED,
    DISMISSAL_BOXES,
    SECTOR_BOXES,
    STATUS_BOXES,
    UNCHECKED,
    UNREADABLE,
    YES_NO,
)

BoxKey = str | bool
"""What a box label maps to: a record key (``"retained"``, ``"fees"``...) or a yes/no answer."""

VOCABULARIES: dict[str, Mapping[str, BoxKey]] = {
    "status": STATUS_BOXES,
    "yes_no": YES_NO,
    "actions": ACTION_BOXES,
    "dismissal": DISMISSAL_BOXES,
    "sectors": SECTOR_BOXES,
}
"""Each box grid's folded labels and the keys they stand for, by vocabulary name."""

COMBINED_TRAINING_BOX = "combined box 'Ofertado treinamento/ ou reciclagem' ticked"
"""How a record's warning starts when the older template's one box for training *or* refresher is
ticked: ``actions`` then holds ``training`` (the parsed-record contract), and the case store and
the report count it as a refresher when a refresher was offered."""

_COMBINED_RE = re.compile(r"treinamento\W*(ou\W*)?reciclagem")

_LONGEST_LABEL = {name: max(map(len, table)) for name, table in VOCABULARIES.items()}
_BOX_RE = re.compile(r"([☐☒⍰])\s*([^☐☒⍰\t]*)")
_BOX_STATE = {CHECKED: True, UNCHECKED: False, UNREADABLE: None}


def is_box(text: str) -> bool:
    """Whether ``text`` holds a box glyph."""
    return CHECKED in text or UNCHECKED in text or UNREADABLE in text


def boxes_in(line: str) -> list[tuple[bool | None, str]]:
    """The boxes of a line: each one's state (``None`` when unreadable) and its label as written."""
    return [(_BOX_STATE[glyph], label) for glyph, label in _BOX_RE.findall(line)]


def match_box(label: str, vocabulary: str) -> BoxKey | None:
    """Map a folded box label to its key in ``vocabulary``, tolerating typos.

    A label longer than 1.5 times every candidate cannot reach the 0.8
    similarity asked (``2·matches / (len(a) + len(b))``), so it is turned down
    by its length alone: the cost is linear in the label, however long the line.
    """
    label = label.strip(" .:;*")
    if len(label) * 2 > _LONGEST_LABEL[vocabulary] * 3:
        return None
    return _match_short_box(label, vocabulary)


@lru_cache(maxsize=4096)
def _match_short_box(label: str, vocabulary: str) -> BoxKey | None:
    table = VOCABULARIES[vocabulary]
    if label in table:
        return table[label]
    if vocabulary == "actions" and label.startswith("ofertado treinamento"):
        return "training"
    candidates = list(table) + [k.removeprefix("ofertado ") for k in table if k.startswith("ofertado ")]
    close = difflib.get_close_matches(label, candidates, n=1, cutoff=0.8)
    if not close:
        return None
    best = close[0]  # a key, or an action key without its "ofertado " (a value may be False: "nao")
    return table[best] if best in table else table["ofertado " + best]


def combined_box_warning(action_boxes: list[tuple[bool | None, str]]) -> str | None:
    """The warning a record carries when its ticked action boxes include the combined training box.

    The older plain-text template has one box, "Ofertado treinamento/ ou
    reciclagem", where the newer ones have two: ticked, it says that a training
    *or* a refresher was offered. It is read as ``training`` and the record says
    so, so that a refresher offer recorded on it counts as followed.

    >>> warning = combined_box_warning([(True, "ofertado treinamento/ ou reciclagem")])
    >>> warning.startswith(COMBINED_TRAINING_BOX)
    True
    >>> combined_box_warning([(True, "ofertado treinamento"), (False, "ofertado reciclagem")]) is None
    True
    """
    if not any(checked and _COMBINED_RE.search(label) for checked, label in action_boxes):
        return None
    return f"{COMBINED_TRAINING_BOX}: read as training; it may stand for a refresher (one box for both)"
