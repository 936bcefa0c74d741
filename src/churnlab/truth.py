"""Judge models against the truth a synthetic data set knows (``truth.csv``).

On real data only off-policy estimates exist; on generated data the true
``P(retained | case, action)`` is known, so policies and risk scores can be
measured against the best possible: the oracle (each case gets its truly best
action) and the Bayes risk (the true probability of dismissal).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from churnlab.economics import Economics
from churnlab.records import ACTION_LABELS

TRUE_P = [f"p_retained_{label}" for label in ACTION_LABELS]
PROPENSITY = [f"propensity_{label}" for label in ACTION_LABELS]


def true_effects(truth: pd.DataFrame) -> pd.DataFrame:
    """The true P(retained | case, action), one column per action label."""
    return truth[TRUE_P].set_axis(list(ACTION_LABELS), axis=1)


def policy_values(truth: pd.DataFrame, policies: dict[str, np.ndarray], X: pd.DataFrame | None = None,
                  economics: Economics | None = None) -> pd.DataFrame:
    """True mean value per case of each policy, plus the oracle, historical practice and fixed actions.

    With ``economics`` and ``X`` (the cases' features, same order as ``truth``)
    the value is in R$ (P × dentist value − cost); otherwise it is the
    retention rate. ``share_of_oracle_gain`` is (V − V_none) / (V_oracle − V_none).
    """
    effects = true_effects(truth).reset_index(drop=True)
    if economics is not None:
        if X is None:
            raise ValueError("policy values in R$ need the feature frame X for dentist values and costs")
        values = economics.expected_values(effects, X.reset_index(drop=True))
    else:
        values = effects
    rows = np.arange(len(values))
    matrix = values.to_numpy()
    column = {label: i for i, label in enumerate(values.columns)}

    def value_of(actions) -> float:
        return float(matrix[rows, [column[a] for a in actions]].mean())

    props = truth[PROPENSITY].to_numpy()
    table = {
        "oracle": float(matrix.max(axis=1).mean()),
        "historical": float((props * matrix).sum(axis=1).mean()),
        **{f"always {label}": value_of([label] * len(rows)) for label in ACTION_LABELS},
        **{name: value_of(actions) for name, actions in policies.items()},
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
