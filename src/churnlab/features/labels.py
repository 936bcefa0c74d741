"""What models learn from: each case's outcome and the action tried.

Several ticked action boxes count as the first in the form's order; none ticked is ``none``.
"""

from __future__ import annotations

import pandas as pd

from churnlab.io.records import ACTIONS, ACTIONS_UNREADABLE, NO_ACTION, RetentionCase


def primary_action(case: RetentionCase) -> str:
    """The action a case counts under: the first ticked box in form order, else ``none``.

    Examples
    --------
    >>> primary_action(RetentionCase(source="x", actions=["support", "new_prices"]))
    'new_prices'
    >>> primary_action(RetentionCase(source="x"))
    'none'
    """
    ticked = set(case.actions)
    return next((a for a in ACTIONS if a in ticked), NO_ACTION)


def case_table(cases: list[RetentionCase]) -> pd.DataFrame:
    """Per case: ``status``, ``closed`` (retained/dismissed), ``dismissed`` (0/1), ``action``.

    ``dismissed`` is missing for open and ``not_retention`` cases, which are
    not used to fit models. Nor is a closed case whose action boxes could not
    be read (``unreadable`` is true): its action would be a guess.
    """
    rows = []
    for case in cases:
        unreadable = any(w.startswith(ACTIONS_UNREADABLE) for w in case.warnings) or case.status_unreadable
        closed = case.status in ("retained", "dismissed") and not unreadable
        rows.append(
            {
                "source": case.source,
                "status": case.status,
                "closed": closed,
                "unreadable": unreadable,
                "dismissed": float(case.status == "dismissed") if closed else float("nan"),
                "action": primary_action(case),
                "reasons": list(case.dismissal_reasons),
            }
        )
    columns = ["source", "status", "closed", "unreadable", "dismissed", "action", "reasons"]
    return pd.DataFrame(rows, columns=columns).set_index("source")
