"""Is the risk model still as good as when it was trained? Figures with intervals, month by month.

:func:`metrics_with_intervals` gives AUC, Brier score, calibration error and
|mean risk − observed rate| with percentile-bootstrap intervals; training puts
them in the model card for the held-out cases. :func:`decay_by_month` measures
the same on the cases a store has seen close since, month by month of closing,
and flags a month whose figures fall outside what the card promised.
:func:`paired_comparison` compares two models' risks on the same cases (the
champion/challenger check), with paired bootstrap intervals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import rankdata

from churnlab.evaluation.metrics import expected_calibration_error

LEVEL = 0.90
"""Two-sided level of every interval here (5 % in each tail)."""
N_BOOTSTRAP = 400
"""Bootstrap resamples: the 5 % and 95 % quantiles move by under 0.005 AUC beyond this on 100 cases."""
MIN_CASES_PER_MONTH = 20
"""A month with fewer closed cases is shown but never flagged: its intervals are too wide to judge."""
DECAY_Z = 3.0
"""How many standard errors of the difference a month must fall behind the card to be flagged.

Each month is judged on two figures (AUC, Brier) one-sidedly: at z = 3 a model
that still fits raises a false alarm in about 0.13 % of month-figures, so about
3 % of years (12 months × 2 figures); a 90 % interval per month would raise one
in most years.
"""

_Metric = Callable[[np.ndarray, np.ndarray], float]


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    """Mann–Whitney AUC with ties counted half (what ``roc_auc_score`` gives), NaN with one class."""
    positives = y.sum()
    if not 0 < positives < len(y):
        return float("nan")
    ranks = rankdata(p)
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * (len(y) - positives)))


METRICS: dict[str, _Metric] = {
    "auc": _auc,
    "brier": lambda y, p: float(np.mean((p - y) ** 2)),
    "ece": lambda y, p: expected_calibration_error(y, p),
    "mean_gap": lambda y, p: float(abs(p.mean() - y.mean())),
}
"""What is measured: higher is better for ``auc``, lower for the others."""


def _bootstrap(
    y: np.ndarray, scores: list[np.ndarray], n_bootstrap: int, random_state: int | None
) -> dict[str, np.ndarray]:
    """Each metric of each score on the same resamples: ``{metric: array (resamples, scores)}``."""
    rng = np.random.default_rng(random_state)
    draws = {name: np.full((n_bootstrap, len(scores)), np.nan) for name in METRICS}
    for b in range(n_bootstrap):
        rows = rng.integers(0, len(y), len(y))
        for name, metric in METRICS.items():
            draws[name][b] = [metric(y[rows], s[rows]) for s in scores]
    return draws


def _se(values: np.ndarray) -> float:
    kept = values[~np.isnan(values)]
    return float(kept.std(ddof=1)) if len(kept) > 1 else float("nan")


def _interval(values: np.ndarray) -> tuple[float, float]:
    tail = (1 - LEVEL) / 2
    kept = values[~np.isnan(values)]
    if not len(kept):
        return float("nan"), float("nan")
    return float(np.quantile(kept, tail)), float(np.quantile(kept, 1 - tail))


def metrics_with_intervals(
    y: ArrayLike, p: ArrayLike, n_bootstrap: int = N_BOOTSTRAP, random_state: int | None = 0
) -> dict[str, Any]:
    """AUC, Brier, ECE and mean gap of a risk score, each ``{value, low, high, se}``, and ``n``.

    ``low``/``high`` bound the :data:`LEVEL` percentile-bootstrap interval;
    ``se`` is the bootstrap standard error.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p = rng.uniform(size=300)
    >>> y = (rng.uniform(size=300) < p).astype(int)
    >>> m = metrics_with_intervals(y, p, n_bootstrap=100)
    >>> m["n"], m["auc"]["low"] < m["auc"]["value"] < m["auc"]["high"]
    (300, True)
    """
    outcome, risk = np.asarray(y, float), np.asarray(p, float)
    draws = _bootstrap(outcome, [risk], n_bootstrap, random_state)
    result: dict[str, Any] = {"n": len(outcome)}
    for name, metric in METRICS.items():
        low, high = _interval(draws[name][:, 0])
        result[name] = {
            "value": metric(outcome, risk),
            "low": low,
            "high": high,
            "se": _se(draws[name][:, 0]),
        }
    return result


def paired_comparison(
    y: ArrayLike,
    new: ArrayLike,
    old: ArrayLike,
    n_bootstrap: int = N_BOOTSTRAP,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """Per metric: the new and old model's value and new − old with a paired interval.

    ``better`` says whether the new model wins beyond chance: the whole
    interval of the difference lies on the good side (above 0 for AUC, below
    for the others).
    """
    outcome = np.asarray(y, float)
    scores = [np.asarray(new, float), np.asarray(old, float)]
    draws = _bootstrap(outcome, scores, n_bootstrap, random_state)
    rows = []
    for name, metric in METRICS.items():
        low, high = _interval(draws[name][:, 0] - draws[name][:, 1])
        values = [metric(outcome, s) for s in scores]
        higher_is_better = name == "auc"
        rows.append(
            {
                "metric": name,
                "new": values[0],
                "old": values[1],
                "difference": values[0] - values[1],
                "low": low,
                "high": high,
                "better": bool(low > 0) if higher_is_better else bool(high < 0),
                "worse": bool(high < 0) if higher_is_better else bool(low > 0),
            }
        )
    return pd.DataFrame(rows).set_index("metric")


def decay_by_month(
    decisions: pd.DataFrame,
    reference: Mapping[str, Any] | None = None,
    n_bootstrap: int = N_BOOTSTRAP,
    random_state: int | None = 0,
) -> pd.DataFrame:
    """The risk model's figures on the cases closed each month, against the card's held-out figures.

    ``decisions`` is :meth:`churnlab.CaseStore.decisions` (``dismissal_risk``,
    ``retained``, ``closed_on``); ``reference`` the card's
    ``risk_holdout_intervals`` (:func:`metrics_with_intervals` of the held-out
    cases). A month is flagged ``decayed`` when it has at least
    :data:`MIN_CASES_PER_MONTH` closed cases and its AUC is below the card's,
    or its Brier score above it, by more than :data:`DECAY_Z` standard errors of
    the difference (month's and card's bootstrap errors combined): worse than
    training promised, beyond chance.
    """
    closed = decisions.dropna(subset=["retained", "closed_on", "dismissal_risk"])
    columns = ["month", "n", "dismissal_rate", "mean_risk"]
    columns += [f"{m}{part}" for m in METRICS for part in ("", "_low", "_high", "_se")] + ["decayed"]
    if not len(closed):
        return pd.DataFrame(columns=columns)
    month = pd.to_datetime(closed["closed_on"]).dt.to_period("M").astype(str)
    rows = []
    for key, group in closed.groupby(month, sort=True):
        y = 1.0 - group["retained"].astype(float).to_numpy()
        p = group["dismissal_risk"].astype(float).to_numpy()
        figures = metrics_with_intervals(y, p, n_bootstrap, random_state)
        row: dict[str, Any] = {
            "month": key,
            "n": len(group),
            "dismissal_rate": y.mean(),
            "mean_risk": p.mean(),
        }
        for name in METRICS:
            row[name] = figures[name]["value"]
            for part in ("low", "high", "se"):
                row[f"{name}_{part}"] = figures[name][part]
        row["decayed"] = _decayed(row, reference)
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def _decayed(row: Mapping[str, Any], reference: Mapping[str, Any] | None) -> bool:
    if not reference or row["n"] < MIN_CASES_PER_MONTH:
        return False
    behind = {"auc": 1.0, "brier": -1.0}  # the sign that makes "behind the card" positive
    for name, sign in behind.items():
        card = reference.get(name) or {}
        gap = sign * (card.get("value", np.nan) - row[name])
        se = float(np.hypot(card.get("se", np.nan), row[f"{name}_se"]))
        if gap > DECAY_Z * se:
            return True
    return False
