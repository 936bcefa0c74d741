"""What models learn from: each case's outcome and the action tried.

Several ticked action boxes count as the first in the form's order; none ticked is ``none``.
"""

from __future__ import annotations

import pandas as pd

from churnlab.io.records import ACTIONS, NO_ACTION, RetentionCase


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
    not used to fit models.
    """
    rows = []
    for case in cases:
        closed = case.status in ("retained", "dismissed")
        rows.append({
            "source": case.source,
            "status": case.status,
            "closed": closed,
            "dismissed": float(case.status == "dismissed") if closed else float("nan"),
            "action": primary_action(case),
            "reasons": list(case.dismissal_reasons),
        })
    return pd.DataFrame(rows).set_index("source")
