"""Exploration: now and then offer a random eligible action, so every action's effect stays learnable.

A recommender trained on the analysts' own choices learns little about
actions they rarely take. With ``share`` ε, each open case is offered, with
probability ε, an action drawn uniformly from the K eligible ones (those the
model has an effect for), and otherwise the model's best. The probability
with which the offered action was chosen — ``(1 − ε)·[a = best] + ε/K`` — is
logged with it: the report's off-policy estimates weight by it, so they stay
unbiased however the model ranks actions.

The draw is a keyed hash of the case key, not a random generator: re-running
the same scores offers the same actions (the case store records nothing new),
and a case still open next week keeps its offer.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from churnlab.io.records import ACTION_LABELS

OFFER_COLUMNS = ["offered_action", "explored", "offer_probability"]


def _uniform(key: str, salt: str, what: str) -> float:
    digest = hashlib.sha256(f"{salt}|{what}|{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def offers(scores: pd.DataFrame, share: float = 0.0, salt: str = "churnlab exploration") -> pd.DataFrame:
    """``scores`` with :data:`OFFER_COLUMNS`: the action to offer, whether it was drawn, its probability.

    Rows are keyed by ``case_key`` (``source`` where a case has none).

    Examples
    --------
    >>> scores = pd.DataFrame({"case_key": ["a", "b"], "best_action": ["support", "none"],
    ...                        **{f"p_retained_{a}": [0.5, 0.4] for a in ACTION_LABELS}})
    >>> offers(scores)[OFFER_COLUMNS].to_dict("list")
    {'offered_action': ['support', 'none'], 'explored': [False, False], 'offer_probability': [1.0, 1.0]}
    >>> float(offers(scores, share=1.0)["offer_probability"].iloc[0])  # 1/7: any of the seven actions
    0.14285714285714285
    """
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"the exploration share must be within [0, 1], got {share}")
    out = scores.copy()
    keys = out["case_key"].where(out["case_key"].notna(), out.get("source")).astype(str).to_numpy()
    effects = out[[f"p_retained_{a}" for a in ACTION_LABELS]].to_numpy(dtype=float)
    offered, explored, probability = [], [], []
    for key, best, row in zip(keys, out["best_action"], effects, strict=True):
        eligible = [a for a, p in zip(ACTION_LABELS, row, strict=True) if np.isfinite(p)] or [best]
        drawn = share > 0 and _uniform(key, salt, "explore") < share
        action = eligible[int(_uniform(key, salt, "action") * len(eligible))] if drawn else best
        offered.append(action)
        explored.append(bool(drawn))
        probability.append((1 - share) * (action == best) + share / len(eligible))
    out["offered_action"], out["explored"], out["offer_probability"] = offered, explored, probability
    return out
