"""The reason a dentist states for leaving, and when it puts the dentist out of a retention offer's reach.

A dentist who retires, closes the practice, moves away or has died will not
stay for new prices or a training course, and no lead would call to offer
them. :func:`stated_reasons` reads the reason the first contact's note states
(the reason tagger's ``p_reason_<key>`` columns when it is sure, else the
fixed lexicon's ``says_<key>``); :func:`withheld_reasons` decides which of the
:data:`OUT_OF_REACH` reasons still get no offer: all of them, unless the
folder's closed cases show an action works there (:data:`MIN_CASES_ACTED`
closed cases with that stated reason and an action taken, at least
:data:`MIN_RETAINED_SHARE` of them retained).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from churnlab.io.records import DISMISSAL_REASONS, NO_ACTION

OUT_OF_REACH: tuple[str, ...] = ("retired", "closed_business", "death", "moved_area")
"""Stated reasons that put the dentist out of reach of a retention offer."""

STATED_MIN = 0.5
"""The tagger's probability from which a reason counts as the one the note states."""

MIN_CASES_ACTED = 20
"""Closed cases with the stated reason and an action taken needed to judge that an action works."""

MIN_RETAINED_SHARE = 0.2
"""Share of those cases retained from which an action is held to work for the reason."""


def stated_reasons(X: pd.DataFrame) -> list[str | None]:
    """The reason each row's first note states (a :data:`DISMISSAL_REASONS` key), None when unclear.

    The tagger's most probable reason when its probability is at least
    :data:`STATED_MIN`; else (a tagger unsure, or none) the first reason of the
    fixed lexicon (:data:`churnlab.features.cases.REASON_LEXICON`) the note matches.

    Examples
    --------
    >>> X = pd.DataFrame({"p_reason_retired": [0.9, 0.2, 0.0], "p_reason_fees": [0.1, 0.3, 0.0],
    ...                   "says_fees": [0, 0, 1]})
    >>> stated_reasons(X)
    ['retired', None, 'fees']
    """
    columns = [f"p_reason_{key}" for key in DISMISSAL_REASONS if f"p_reason_{key}" in X]
    said = [key for key in DISMISSAL_REASONS if f"says_{key}" in X]
    p = X[columns].to_numpy(dtype=float) if columns else np.zeros((len(X), 0))
    lexicon = X[[f"says_{key}" for key in said]].to_numpy(dtype=float) if said else np.zeros((len(X), 0))
    out: list[str | None] = []
    for i in range(len(X)):
        if p.shape[1] and p[i].max() >= STATED_MIN:
            out.append(columns[int(p[i].argmax())].removeprefix("p_reason_"))
        elif lexicon.shape[1] and lexicon[i].any():
            out.append(said[int(np.flatnonzero(lexicon[i])[0])])
        else:
            out.append(None)
    return out


def withheld_reasons(closed: pd.DataFrame) -> set[str]:
    """The :data:`OUT_OF_REACH` reasons that get no offer, judged on closed cases.

    ``closed`` has one row per closed case: ``stated_reason``, ``action_taken``
    and ``retained``. A reason is withheld unless at least
    :data:`MIN_CASES_ACTED` of its cases had an action and at least
    :data:`MIN_RETAINED_SHARE` of those were retained.

    Examples
    --------
    >>> closed = pd.DataFrame({"stated_reason": ["retired"] * 25 + ["moved_area"] * 25,
    ...                        "action_taken": ["support"] * 50,
    ...                        "retained": [False] * 25 + [True] * 10 + [False] * 15})
    >>> sorted(withheld_reasons(closed))
    ['closed_business', 'death', 'retired']
    """
    withheld = set(OUT_OF_REACH)
    if not len(closed):
        return withheld
    acted = closed[closed["action_taken"].fillna(NO_ACTION) != NO_ACTION]
    for reason, rows in acted.groupby("stated_reason"):
        if reason in withheld and len(rows) >= MIN_CASES_ACTED:
            if rows["retained"].astype(bool).mean() >= MIN_RETAINED_SHARE:
                withheld.discard(str(reason))
    return withheld


def out_of_reach(reasons: Iterable[object], withheld: set[str]) -> np.ndarray:
    """Whether each stated reason is one of ``withheld`` (a boolean array)."""
    return np.array([reason in withheld for reason in reasons], dtype=bool)
