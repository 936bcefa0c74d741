"""Judge the loop on the operator's own cases: recommendations, what leads did, what happened.

From the case store's decisions (:meth:`churnlab.store.CaseStore.decisions`:
one row per recommended case, with the offer, the probability with which it
was offered, the model's effects and, once closed, the action taken and the
outcome), :func:`loop_report` measures

* retention of cases whose offer was followed against those where it was not
  (descriptive: leads choose when to follow);
* the doubly-robust value of **offering churnlab's best action** to every case,
  and of offering nothing special, with 95 % intervals. The treatment is the
  offer (intent to treat: what happens when the list says so, leads being who
  they are); its propensity is the logged offer probability, known exactly
  because churnlab drew it, so the estimate is unbiased whatever the model's
  effects are worth — they only narrow the interval. Without exploration an
  offer other than the best is never made and only the best policy's value
  is identified;
* what was actually done (the observed retention rate: the analysts'
  decisions, informed by the list);
* per offered action: cases, share followed, retention, and the doubly-robust
  retention had it been offered to every case; per month of scoring.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from churnlab.io.records import ACTION_LABELS
from churnlab.models.policy_value import PolicyValue, dr_value, mean_interval

EFFECTS = [f"p_retained_{a}" for a in ACTION_LABELS]
COSTS = [f"cost_{a}" for a in ACTION_LABELS]


@dataclass(frozen=True)
class LoopReport:
    """The loop's numbers: see :func:`loop_report`."""

    recommended: int
    closed: int
    followed: PolicyValue
    not_followed: PolicyValue
    churnlab: PolicyValue
    no_offer: PolicyValue
    practice: PolicyValue
    by_action: pd.DataFrame
    by_month: pd.DataFrame
    churnlab_reais: PolicyValue
    no_offer_reais: PolicyValue
    practice_reais: PolicyValue


def offer_propensities(decisions: pd.DataFrame) -> pd.DataFrame:
    """P(each action was offered | case): ``(1 − ε)·[a = best] + ε/K`` over the K eligible actions."""
    effects = decisions[EFFECTS].to_numpy(dtype=float)
    eligible = np.isfinite(effects)
    k = np.maximum(eligible.sum(axis=1), 1)
    share = decisions["explore_share"].to_numpy(dtype=float)
    best = decisions["best_action"].to_numpy()
    matrix = eligible * (share / k)[:, None]
    for j, action in enumerate(ACTION_LABELS):
        matrix[:, j] += (1 - share) * (best == action)
    return pd.DataFrame(matrix, columns=list(ACTION_LABELS), index=decisions.index)


def _rate(method: str, outcomes: pd.Series) -> PolicyValue:
    values = outcomes.to_numpy(dtype=float)
    if not len(values):
        return PolicyValue(method, float("nan"), float("nan"), float("nan"), 0)
    return PolicyValue(method, *mean_interval(values), len(values))


def _dr(closed: pd.DataFrame, target: np.ndarray, name: str, reais: bool = False) -> PolicyValue:
    """DR value of offering ``target``: in retention, or with ``reais`` in R$ per case.

    In R$ the reward is the dentist's value if retained minus the cost of the
    action actually taken, and the outcome model p_a · value − cost_a; rows
    recorded without value and costs (before migration 0002) are left out.
    """
    if reais:
        known = (
            closed[["dentist_value", *COSTS]].notna().all(axis=1)
            if "dentist_value" in closed
            else pd.Series(False, index=closed.index)
        )
        target, closed = np.asarray(target)[known.to_numpy()], closed[known]
    if not len(closed):
        return PolicyValue(name, float("nan"), float("nan"), float("nan"), 0)
    outcomes = closed[EFFECTS].set_axis(list(ACTION_LABELS), axis=1).fillna(0.0)
    rewards = closed["retained"].astype(float).to_numpy()
    if reais:
        value = closed["dentist_value"].to_numpy(dtype=float)
        costs = closed[COSTS].set_axis(list(ACTION_LABELS), axis=1)
        outcomes = outcomes.mul(value, axis=0) - costs
        taken = costs.columns.get_indexer(pd.Index(closed["action_taken"]))
        rewards = rewards * value - costs.to_numpy(dtype=float)[np.arange(len(closed)), taken]
    estimate = dr_value(
        closed["offered_action"].to_numpy(), rewards, target, offer_propensities(closed), outcomes, clip=1e-9
    )
    return PolicyValue(name, estimate.value, estimate.low, estimate.high, estimate.n)


def _done_reais(closed: pd.DataFrame) -> PolicyValue:
    """The observed R$ per case of what was done (value if retained minus the cost of the action taken)."""
    if "dentist_value" not in closed:
        return _rate("what was done, R$", pd.Series([], dtype=float))
    known = closed[closed[["dentist_value", *COSTS]].notna().all(axis=1)]
    costs = known[COSTS].to_numpy(dtype=float)
    taken = pd.Index(COSTS).get_indexer(pd.Index("cost_" + known["action_taken"].astype(str)))
    rewards = (
        known["retained"].to_numpy(dtype=float) * known["dentist_value"].to_numpy(dtype=float)
        - costs[np.arange(len(known)), taken]
    )
    return _rate("what was done, R$", pd.Series(rewards))


def _month_row(month: str, group: pd.DataFrame) -> dict:
    value = _dr(group, group["best_action"].to_numpy(), "DR")
    return {
        "month": month,
        "cases": len(group),
        "retention": group["retained"].mean(),
        "churnlab_value": value.value,
        "churnlab_low": value.low,
        "churnlab_high": value.high,
    }


def loop_report(decisions: pd.DataFrame) -> LoopReport:
    """The loop's numbers from the store's decisions (closed cases judged, open ones counted).

    Examples
    --------
    >>> rows = pd.DataFrame({"case_key": ["a", "b", "c", "d"], "explore_share": 0.5,
    ...     "best_action": "support", "offered_action": ["support", "none", "support", "support"],
    ...     "offer_probability": [0.5 + 0.5 / 7, 0.5 / 7, 0.5 + 0.5 / 7, 0.5 + 0.5 / 7],
    ...     "action_taken": ["support", "none", "none", None], "retained": [1.0, 0.0, 1.0, None],
    ...     "run_at": pd.Timestamp("2024-01-05"), **{c: 0.5 for c in EFFECTS}})
    >>> report = loop_report(rows)
    >>> report.closed, report.followed.n, round(report.followed.value, 2)
    (3, 2, 0.5)
    """
    closed = decisions[decisions["retained"].notna()].copy()
    closed["retained"] = closed["retained"].astype(float)
    followed = closed["action_taken"] == closed["offered_action"]
    best = closed["best_action"].to_numpy()
    by_action = (
        closed.assign(followed=followed.astype(float))
        .groupby("offered_action")
        .agg(cases=("retained", "size"), followed=("followed", "mean"), retention=("retained", "mean"))
        .reindex([a for a in ACTION_LABELS if a in set(closed["offered_action"])])
    )
    for action in by_action.index:  # the value of offering it to every case: identified by exploration
        value = _dr(closed, np.full(len(closed), action, dtype=object), action)
        by_action.loc[action, ["if_offered_to_all", "low", "high"]] = [value.value, value.low, value.high]
    month = pd.to_datetime(closed["run_at"], utc=True).dt.tz_localize(None).dt.to_period("M")
    by_month = pd.DataFrame(
        [_month_row(str(m), group) for m, group in closed.groupby(month, sort=True)],
        columns=["month", "cases", "retention", "churnlab_value", "churnlab_low", "churnlab_high"],
    )
    return LoopReport(
        recommended=int(decisions["case_key"].nunique()),
        closed=len(closed),
        followed=_rate("offer followed", closed.loc[followed, "retained"]),
        not_followed=_rate("offer not followed", closed.loc[~followed, "retained"]),
        churnlab=_dr(closed, best, "DR: offer churnlab's best action"),
        no_offer=_dr(closed, np.full(len(closed), "none", dtype=object), "DR: offer nothing special"),
        practice=_rate("what was done", closed["retained"]),
        by_action=by_action,
        by_month=by_month,
        churnlab_reais=_dr(closed, best, "DR: offer churnlab's best action, R$", reais=True),
        no_offer_reais=_dr(
            closed, np.full(len(closed), "none", dtype=object), "DR: offer nothing, R$", reais=True
        ),
        practice_reais=_done_reais(closed),
    )
