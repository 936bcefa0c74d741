"""Off-policy evaluation: IPW and DR values of a recommender's policy, the analysts' and fixed actions."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import clone

from churnlab.io.records import ACTION_LABELS, NO_ACTION
from churnlab.models._sklearn_compat import check_is_fitted
from churnlab.models.actions import (
    N_ACTIONS,
    action_codes,
    action_folds,
    action_frame,
    as_frame,
    best_action,
    check_actions,
    check_retained,
)
from churnlab.models.economics import Economics
from churnlab.models.policy_value import dr_scores, dr_value, ipw_value, mean_interval
from churnlab.models.recommender import ActionRecommender

# --- off-policy evaluation --------------------------------------------------------------------


def evaluate_policy(
    recommender: ActionRecommender,
    X: pd.DataFrame,
    actions: ArrayLike,
    retained: ArrayLike,
    *,
    units: str = "value",
    economics: Economics | None = None,
    cv: int | None = None,
    random_state: int | None = None,
) -> pd.DataFrame:
    """IPW and DR values of the recommended policy, the historical one and each fixed action.

    Parameters
    ----------
    recommender : ActionRecommender
        Fitted, when ``cv`` is ``None``: then ``X`` must be cases it did not
        learn from (estimates on its own training cases are optimistic).
        With ``cv`` it is cloned and cross-fitted on ``X`` (fitted or not):
        every case is scored by a model that did not see it.
    X, actions, retained
        Logged cases: features, the action tried, and 1 if the dentist stayed.
    units : {"value", "retention"}
        ``"value"``: reward = retained × dentist value − cost of the action
        tried (R$ per case); ``"retention"``: reward = retained (a rate).
    economics : Economics or None
        For ``units="value"``; defaults to the recommender's.
    cv : int or None
        Cross-fit with this many folds instead of using the fitted recommender.

    Returns
    -------
    pandas.DataFrame
        One row per policy (``recommended``, ``historical``, ``always_<label>``)
        plus ``recommended_minus_historical`` and ``recommended_minus_none``
        (paired differences); columns ``ipw``, ``ipw_low``, ``ipw_high``,
        ``dr``, ``dr_low``, ``dr_high`` (95 % normal intervals) and ``n``. The
        historical row is the observed mean reward (on-policy, both columns).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> X = pd.DataFrame({"p_reason_fees": rng.integers(0, 2, 3000).astype(float)})
    >>> actions = rng.choice(ACTION_LABELS, 3000)
    >>> p = 0.3 + 0.5 * ((actions == "new_prices") & (X["p_reason_fees"] == 1))
    >>> retained = (rng.random(3000) < p).astype(int)
    >>> table = evaluate_policy(ActionRecommender(learner="s"), X, actions, retained,
    ...                         units="retention", cv=2, random_state=0)
    >>> rec, hist, none = table.loc[["recommended", "historical", "always_none"], "dr"]
    >>> bool(0.50 < rec < 0.58), bool(0.30 < hist < 0.36), bool(0.25 < none < 0.31)
    (True, True, True)
    >>> bool(table.loc["recommended_minus_historical", "dr_low"] > 0)
    True
    """
    if units not in ("value", "retention"):
        raise ValueError(f"units must be 'value' or 'retention'; got {units!r}")
    X = as_frame(X)
    logged = check_actions(actions, len(X))
    y = check_retained(retained, len(X))
    target, props, effects = _predictions(recommender, X, logged, y, cv, random_state)
    econ = economics or recommender.active_economics()
    clip = recommender.clip
    if units == "value":
        value = econ.dentist_value(X)
        costs = econ.action_costs_for(X)[list(ACTION_LABELS)]
        rewards = y * value - costs.to_numpy()[np.arange(len(y)), action_codes(logged)]
        outcomes = econ.expected_values(effects, X)
    else:
        rewards = y.astype(float)
        outcomes = effects
    outcomes = outcomes.fillna(0.0)  # actions without an estimate are never targets
    policies = {"recommended": np.asarray(target, dtype=object)}
    policies.update({f"always_{a}": np.full(len(X), a, dtype=object) for a in ACTION_LABELS})
    rows = {}
    for name, policy in policies.items():
        ipw = ipw_value(logged, rewards, policy, props, clip=clip)
        dr = dr_value(logged, rewards, policy, props, outcomes, clip=clip)
        rows[name] = _row(ipw.value, ipw.low, ipw.high, dr.value, dr.low, dr.high, len(X))
    observed = mean_interval(rewards)
    rows["historical"] = _row(*observed, *observed, len(X))
    # Paired differences: per-case terms, so the interval accounts for their correlation.
    gamma = dr_scores(logged, rewards, props, outcomes, clip=clip).to_numpy()
    p_logged = np.maximum(props.to_numpy()[np.arange(len(y)), action_codes(logged)], clip)
    n = np.arange(len(y))
    chosen = action_codes(policies["recommended"])
    dr_rec = gamma[n, chosen]
    ipw_rec = (logged == policies["recommended"]) / p_logged * rewards
    ipw_none = (logged == NO_ACTION) / p_logged * rewards
    rows["recommended_minus_historical"] = _row(
        *mean_interval(ipw_rec - rewards), *mean_interval(dr_rec - rewards), len(X)
    )
    rows["recommended_minus_none"] = _row(
        *mean_interval(ipw_rec - ipw_none), *mean_interval(dr_rec - gamma[:, 0]), len(X)
    )
    order = [
        "recommended",
        "historical",
        *(f"always_{a}" for a in ACTION_LABELS),
        "recommended_minus_historical",
        "recommended_minus_none",
    ]
    return pd.DataFrame(rows).T.loc[order].astype({"n": int})


def _predictions(
    recommender: ActionRecommender,
    X: pd.DataFrame,
    logged: np.ndarray,
    y: np.ndarray,
    cv: int | None,
    random_state: int | None,
) -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame]:
    """Recommended action, propensities and effects per case: from the fitted recommender
    (``cv`` None), or cross-fitted so that no case is scored by a model that saw it."""
    if cv is None:
        check_is_fitted(recommender, "models_")
        return (recommender.recommend(X), recommender.predict_propensities(X), recommender.predict_effects(X))
    target = np.empty(len(X), dtype=object)
    props = action_frame(np.zeros((len(X), N_ACTIONS)), X.index)
    effects = props.copy()
    codes = action_codes(logged)
    for train, test in action_folds(codes, cv, random_state):
        model = clone(recommender).fit(X.iloc[train], logged[train], y[train])
        target[test] = model.recommend(X.iloc[test])
        props.iloc[test] = model.predict_propensities(X.iloc[test]).to_numpy()
        effects.iloc[test] = model.predict_effects(X.iloc[test]).to_numpy()
    return target, props, effects


def uplift_calibration(
    recommender: ActionRecommender,
    X: pd.DataFrame,
    actions: ArrayLike,
    retained: ArrayLike,
    *,
    bins: int = 10,
    cv: int | None = 3,
    random_state: int | None = None,
) -> pd.DataFrame:
    """Predicted vs doubly-robust uplift by decile: does a larger predicted uplift mean a larger one?

    For each case, the action with the largest predicted P(retained) other than
    ``none`` (:func:`~churnlab.models.actions.best_action` with ``none`` ruled out:
    ties to the first listed, ``none`` itself, uplift 0, when no action has an
    estimate) and its predicted uplift over ``none`` (retention units); cases are
    grouped by deciles of that uplift, and in each group the mean prediction is
    set beside the mean doubly-robust estimate of the same uplift,
    Γ(x, a*) − Γ(x, none), with its 95 % interval. Cross-fitted (``cv`` folds)
    unless ``cv`` is None, when ``recommender`` must be fitted on other cases.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``n``, ``predicted``, ``dr``, ``dr_low``, ``dr_high``.
    """
    X = as_frame(X)
    logged = check_actions(actions, len(X))
    y = check_retained(retained, len(X))
    _, props, effects = _predictions(recommender, X, logged, y, cv, random_state)
    actions_only = np.ones(effects.shape, dtype=bool)
    actions_only[:, 0] = False  # the best action other than none, by P(retained)
    best = action_codes(best_action(effects, allowed=actions_only))
    rows = np.arange(len(X))
    predicted = np.nan_to_num(effects.to_numpy()[rows, best] - effects[NO_ACTION].to_numpy())
    gamma = dr_scores(logged, y.astype(float), props, effects.fillna(0.0), clip=recommender.clip).to_numpy()
    estimate = gamma[rows, best] - gamma[:, 0]
    group = pd.qcut(pd.Series(predicted).rank(method="first"), bins, labels=False)
    out = []
    for g in range(int(group.max()) + 1):
        hit = (group == g).to_numpy()
        dr, low, high = mean_interval(estimate[hit])
        out.append(
            {
                "n": int(hit.sum()),
                "predicted": float(predicted[hit].mean()),
                "dr": dr,
                "dr_low": low,
                "dr_high": high,
            }
        )
    return pd.DataFrame(out).rename_axis("group")


def _row(
    ipw: float, ipw_low: float, ipw_high: float, dr: float, dr_low: float, dr_high: float, n: int
) -> dict[str, float]:
    return {
        "ipw": ipw,
        "ipw_low": ipw_low,
        "ipw_high": ipw_high,
        "dr": dr,
        "dr_low": dr_low,
        "dr_high": dr_high,
        "n": n,
    }
