"""Off-policy evaluation: what a policy would have achieved, estimated from logged cases.

Historical actions were chosen by analysts, not at random, so the retention
rate of the cases where an action happened to be tried says little about what
that action does. With the analysts' propensities π_b(a | x) (estimated by a
model) and an outcome model q(x, a) ≈ E[reward | x, a], the value of a target
policy π (one action per case) is estimated by

* IPW:  mean( 1[a_i = π(x_i)] / π_b(a_i | x_i) · r_i )
* DR:   mean( q(x_i, π(x_i)) + 1[a_i = π(x_i)] / π_b(a_i | x_i) · (r_i − q(x_i, a_i)) )

with propensities clipped from below (``clip``) to bound the variance. Both
are means of independent per-case terms, so a normal 95 % interval follows
from their standard error. DR stays unbiased when either the propensities or
the outcome model are right.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class PolicyValue:
    """An estimate of a policy's mean reward per case, with its 95 % interval."""

    method: str
    value: float
    low: float
    high: float
    n: int

    def __str__(self) -> str:
        return f"{self.method}: {self.value:.4f} [{self.low:.4f}, {self.high:.4f}] (n={self.n})"


def mean_interval(terms: np.ndarray) -> tuple[float, float, float]:
    """Mean of per-case terms and its normal 95 % interval: ``(mean, low, high)``."""
    mean = float(np.mean(terms))
    se = float(np.std(terms, ddof=1) / np.sqrt(len(terms))) if len(terms) > 1 else float("nan")
    return mean, mean - 1.96 * se, mean + 1.96 * se


def _interval(method: str, terms: np.ndarray) -> PolicyValue:
    return PolicyValue(method, *mean_interval(terms), len(terms))


def _inputs(logged: np.ndarray, target: np.ndarray, propensities: pd.DataFrame, clip: float):
    logged = np.asarray(logged)
    target = np.asarray(target)
    if not (len(logged) == len(target) == len(propensities)):
        raise ValueError("logged actions, target actions and propensities must have the same length")
    unknown = set(np.unique(np.concatenate([logged, target]))) - set(propensities.columns)
    if unknown:
        raise ValueError(f"actions {sorted(unknown)} have no propensity column")
    columns = {a: i for i, a in enumerate(propensities.columns)}
    rows = np.arange(len(logged))
    p_logged = propensities.to_numpy(dtype=float)[rows, [columns[a] for a in logged]]
    match = (logged == target).astype(float)
    return match, np.maximum(p_logged, clip), rows, columns


def ipw_value(logged, rewards, target, propensities: pd.DataFrame, clip: float = 0.02) -> PolicyValue:
    """Inverse-propensity-weighted value of ``target`` (one action per case).

    Examples
    --------
    >>> props = pd.DataFrame({"none": [0.5, 0.5], "support": [0.5, 0.5]})
    >>> ipw_value(["none", "support"], [1, 0], ["none", "none"], props).value
    1.0
    """
    match, p, _, _ = _inputs(logged, target, propensities, clip)
    return _interval("IPW", match / p * np.asarray(rewards, dtype=float))


def dr_value(
    logged, rewards, target, propensities: pd.DataFrame, outcomes: pd.DataFrame, clip: float = 0.02
) -> PolicyValue:
    """Doubly-robust value of ``target``, given outcome predictions q(x, a) per action column."""
    match, p, rows, columns = _inputs(logged, target, propensities, clip)
    q = outcomes[list(propensities.columns)].to_numpy(dtype=float)
    q_target = q[rows, [columns[a] for a in np.asarray(target)]]
    q_logged = q[rows, [columns[a] for a in np.asarray(logged)]]
    rewards = np.asarray(rewards, dtype=float)
    return _interval("DR", q_target + match / p * (rewards - q_logged))


def dr_scores(
    logged, rewards, propensities: pd.DataFrame, outcomes: pd.DataFrame, clip: float = 0.02
) -> pd.DataFrame:
    """Per-case doubly-robust pseudo-outcomes Γ(x_i, a) for every action a.

    The mean of a column is the DR value of always playing that action; the
    DR-learner regresses each column on the features.
    """
    logged = np.asarray(logged)
    rewards = np.asarray(rewards, dtype=float)
    props = np.maximum(propensities.to_numpy(dtype=float), clip)
    q = outcomes[list(propensities.columns)].to_numpy(dtype=float)
    out = q.copy()
    for j, action in enumerate(propensities.columns):
        hit = logged == action
        out[hit, j] += (rewards[hit] - q[hit, j]) / props[hit, j]
    return pd.DataFrame(out, columns=propensities.columns, index=propensities.index)
