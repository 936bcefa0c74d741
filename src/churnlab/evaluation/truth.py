"""Judge models against the truth a synthetic data set knows (``truth.csv``).

On real data only off-policy estimates exist; on generated data the true
``P(retained | case, action)`` is known, so policies and risk scores can be
measured against the best possible: the oracle (each case gets its truly best
action) and the Bayes risk (the true probability of dismissal).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from churnlab.io.records import ACTION_LABELS
from churnlab.models.economics import Economics

TRUE_P = [f"p_retained_{label}" for label in ACTION_LABELS]
PROPENSITY = [f"propensity_{label}" for label in ACTION_LABELS]


def true_effects(truth: pd.DataFrame) -> pd.DataFrame:
    """The true P(retained | case, action), one column per action label."""
    if set(ACTION_LABELS) <= set(truth.columns):
        return truth[list(ACTION_LABELS)]
    return truth[TRUE_P].set_axis(list(ACTION_LABELS), axis=1)


def _value_matrix(truth: pd.DataFrame, X: pd.DataFrame | None, economics: Economics | None) -> np.ndarray:
    """True value of each action per case: P(retained), or P × dentist value − cost in R$."""
    effects = true_effects(truth)
    if economics is None:
        return effects.to_numpy(dtype=float)
    if X is None:
        raise ValueError("policy values in R$ need the feature frame X for dentist values and costs")
    return economics.expected_values(effects.set_axis(X.index), X).to_numpy(dtype=float)


def true_policy_value(
    policy: ArrayLike,
    truth: pd.DataFrame,
    X: pd.DataFrame | None = None,
    economics: Economics | None = None,
) -> float:
    """True mean value of one policy (an action per case).

    ``truth`` holds the true ``p_retained_<label>`` columns (``truth.csv``), or
    one column per action label. In retention units without ``economics``;
    in R$ per case with it (and ``X``, the cases' features in the same order).
    """
    matrix = _value_matrix(truth, X, economics)
    chosen = [ACTION_LABELS.index(a) for a in np.asarray(policy, dtype=object)]
    return float(matrix[np.arange(len(matrix)), chosen].mean())


def policy_values(
    truth: pd.DataFrame,
    policies: dict[str, ArrayLike],
    X: pd.DataFrame | None = None,
    economics: Economics | None = None,
) -> pd.DataFrame:
    """True mean value per case of each policy, plus the oracle, historical practice and fixed actions.

    With ``economics`` and ``X`` (the cases' features, same order as ``truth``)
    the value is in R$ (P × dentist value − cost); otherwise it is the
    retention rate. ``share_of_oracle_gain`` is (V − V_none) / (V_oracle − V_none).
    """
    matrix = _value_matrix(truth, X, economics)
    n = len(matrix)
    props = truth[PROPENSITY].to_numpy()
    table = {
        "oracle": float(matrix.max(axis=1).mean()),
        "historical": float((props * matrix).sum(axis=1).mean()),
        **{f"always {label}": true_policy_value([label] * n, truth, X, economics) for label in ACTION_LABELS},
        **{name: true_policy_value(actions, truth, X, economics) for name, actions in policies.items()},
    }
    out = pd.DataFrame({"value": table})
    none, oracle = table["always none"], table["oracle"]
    out["share_of_oracle_gain"] = (out["value"] - none) / (oracle - none)
    return out


def uplift_curve(predicted_uplift: np.ndarray, true_uplift: np.ndarray) -> pd.DataFrame:
    """Cumulative true uplift when treating cases in order of predicted uplift (a Qini-style curve).

    Returns the share of cases treated and the cumulative true gain in retained
    dentists; the diagonal is random targeting, the upper envelope sorts by truth.
    """
    order = np.argsort(-np.asarray(predicted_uplift), kind="stable")
    gain = np.cumsum(np.asarray(true_uplift)[order])
    share = np.arange(1, len(order) + 1) / len(order)
    return pd.DataFrame({"share_treated": share, "cumulative_true_uplift": gain})
