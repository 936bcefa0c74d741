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

Every retention is a :class:`Rate`, within 0–1: the doubly-robust estimate is a
mean of weighted terms that can leave 0–1 on few cases (an inverse-propensity
weight of 10 on one retained case), and a rate's normal interval can too; both
are cut at the bounds, and the estimate as computed is kept in ``raw``. A rate
on fewer than :data:`MIN_CASES` cases is shown as "few cases".

The older template's combined box "Ofertado treinamento/ ou reciclagem" is
recorded as ``training``; :meth:`churnlab.store.CaseStore.decisions` turns it
into ``refresher`` where a refresher was offered, so the offer counts as
followed; :attr:`LoopReport.combined_box` counts such cases for the page's
footnote.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from churnlab.io.records import ACTION_LABELS
from churnlab.models.policy_value import PolicyValue, dr_value, mean_interval

EFFECTS = [f"p_retained_{a}" for a in ACTION_LABELS]
COSTS = [f"cost_{a}" for a in ACTION_LABELS]

MIN_CASES = 20
"""Fewest cases a rate is shown on as a figure to read; below, "few cases (n = …)".

The report's 95 % intervals are normal ones, sound when a group holds at least
about 5 dentists kept and 5 lost (``n·p ≥ 5`` and ``n·(1 − p) ≥ 5``): at the
desk's usual retention of 50–75 % that takes 20 cases. Below 20 the interval
is unreliable and, even so, wider than ±22 points around a rate of 50 %: too
wide to tell one action from another.
"""

MAX_HALF_WIDTH = 0.22
"""Widest 95 % range (± this) of a figure read as a figure: that of a rate of 50 % on :data:`MIN_CASES`
cases (1.96 · 0.5 / √20). An estimate on many cases can be wider still when few of them carry the
information (offers drawn with a small probability); the page greys it too."""


@dataclass(frozen=True)
class Rate(PolicyValue):
    """A retention rate (or its estimate) within 0–1, with its interval cut at 0 and 1.

    ``raw`` is the estimate as computed when any part of it fell outside 0–1
    (``None`` otherwise); :attr:`clipped` tells when the estimate itself did.
    """

    raw: PolicyValue | None = None

    @property
    def clipped(self) -> bool:
        """Whether the estimate itself (not only its interval) fell outside 0–1 and was cut."""
        return self.raw is not None and self.raw.value != self.value

    @property
    def few(self) -> bool:
        """Whether it rests on fewer than :data:`MIN_CASES` cases."""
        return self.n < MIN_CASES


def bounded(value: PolicyValue) -> Rate:
    """``value`` as a :class:`Rate`: estimate and interval cut at 0 and 1, the original in ``raw``.

    >>> rate = bounded(PolicyValue("DR", -0.304, -2.384, 1.777, 1))
    >>> rate.value, rate.low, rate.high, rate.clipped, rate.raw.value
    (0.0, 0.0, 1.0, True, -0.304)
    """
    numbers = np.array([value.value, value.low, value.high], dtype=float)
    cut = np.where(np.isfinite(numbers), np.clip(numbers, 0.0, 1.0), numbers)
    changed = bool(np.any(np.isfinite(numbers) & (cut != numbers)))
    low, estimate, high = float(cut[1]), float(cut[0]), float(cut[2])
    return Rate(value.method, estimate, low, high, value.n, raw=value if changed else None)


@dataclass(frozen=True)
class LoopReport:
    """The loop's numbers: see :func:`loop_report`.

    Rates are :class:`Rate` (within 0–1); the R$ values are not bounded.
    ``by_action`` and ``by_month`` carry the estimate as computed beside the
    one cut to 0–1 (``*_raw``) and whether it was cut (``clipped``).
    ``combined_box`` counts closed cases whose training or refresher offer was
    recorded on the older template's combined box, and counts as followed.
    """

    recommended: int
    closed: int
    followed: Rate
    not_followed: Rate
    churnlab: Rate
    no_offer: Rate
    practice: Rate
    by_action: pd.DataFrame
    by_month: pd.DataFrame
    churnlab_reais: PolicyValue
    no_offer_reais: PolicyValue
    practice_reais: PolicyValue
    combined_box: int = 0

    def to_dict(self) -> dict[str, object]:
        """Every number, as plain JSON types (``NaN`` as ``None``): what ``report.json`` holds."""

        def value(v: PolicyValue) -> dict[str, object]:
            fields = {k: _plain(getattr(v, k)) for k in ("method", "value", "low", "high", "n")}
            if isinstance(v, Rate):
                fields.update(clipped=v.clipped, few_cases=v.few, raw=None if v.raw is None else value(v.raw))
            return fields

        policies = ("followed", "not_followed", "churnlab", "no_offer", "practice")
        reais = ("churnlab_reais", "no_offer_reais", "practice_reais")
        return {
            "recommended": self.recommended,
            "closed": self.closed,
            "min_cases": MIN_CASES,
            "max_half_width": MAX_HALF_WIDTH,
            "combined_box": self.combined_box,
            **{name: value(getattr(self, name)) for name in policies + reais},
            "by_action": [
                {"action": action, **{k: _plain(v) for k, v in row.items()}}
                for action, row in self.by_action.iterrows()
            ],
            "by_month": [{k: _plain(v) for k, v in row.items()} for _, row in self.by_month.iterrows()],
        }


def _plain(value: object) -> object:
    """A JSON-ready scalar: numpy numbers as Python ones, NaN as ``None``."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


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


def _bounded_columns(table: pd.DataFrame, value: str, low: str, high: str) -> None:
    """Cut ``value``/``low``/``high`` of ``table`` to 0–1 in place; each as calculated (``<name>_raw``)
    and whether the estimate itself was cut (``clipped``) beside."""
    for column in (value, low, high):
        table[f"{column}_raw"] = table[column]
        table[column] = table[column].clip(0.0, 1.0)
    table["clipped"] = table[value].notna() & (table[value] != table[f"{value}_raw"])


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
    by_action = by_action.reindex(
        columns=["cases", "followed", "retention", "if_offered_to_all", "low", "high"]
    )
    _bounded_columns(by_action, "if_offered_to_all", "low", "high")
    month = pd.to_datetime(closed["run_at"], utc=True).dt.tz_localize(None).dt.to_period("M")
    by_month = pd.DataFrame(
        [_month_row(str(m), group) for m, group in closed.groupby(month, sort=True)],
        columns=["month", "cases", "retention", "churnlab_value", "churnlab_low", "churnlab_high"],
    )
    _bounded_columns(by_month, "churnlab_value", "churnlab_low", "churnlab_high")
    combined = (
        closed["combined_training_box"].astype("boolean").fillna(False).astype(bool)
        if "combined_training_box" in closed
        else pd.Series(False, index=closed.index)
    )
    return LoopReport(
        recommended=int(decisions["case_key"].nunique()),
        closed=len(closed),
        followed=bounded(_rate("offer followed", closed.loc[followed, "retained"])),
        not_followed=bounded(_rate("offer not followed", closed.loc[~followed, "retained"])),
        churnlab=bounded(_dr(closed, best, "DR: offer churnlab's best action")),
        no_offer=bounded(
            _dr(closed, np.full(len(closed), "none", dtype=object), "DR: offer nothing special")
        ),
        practice=bounded(_rate("what was done", closed["retained"])),
        by_action=by_action,
        by_month=by_month,
        churnlab_reais=_dr(closed, best, "DR: offer churnlab's best action, R$", reais=True),
        no_offer_reais=_dr(
            closed, np.full(len(closed), "none", dtype=object), "DR: offer nothing, R$", reais=True
        ),
        practice_reais=_done_reais(closed),
        combined_box=int(
            (combined & followed & closed["offered_action"].isin(["training", "refresher"])).sum()
        ),
    )
