"""How sure the recommender is: bootstrap intervals for each action's uplift.

With ``ActionRecommender(n_bootstrap=B)`` the chosen learner is refitted, with
its tuned settings, on ``B`` resamples of the training cases, drawn within each
action's cases so every action keeps its count. The spread of a case's
predicted uplift across the refits is its interval: the percentile bootstrap.
It measures how much the estimate moves with the data (variance), not a bias
the learner shares across resamples, so the recommender widens it by its
cross-fitted model error (:meth:`ActionRecommender._model_error`, the error
resampling cannot see); ``tests/test_uncertainty.py`` and
``benchmarks/bench_intervals.py`` measure the coverage of the true uplift on
simulated data, and that the lower end, which ``min_confidence`` reads, holds at
the nominal one-sided level for the S-learner, whose misses lie above.
"""

from __future__ import annotations

import warnings
from statistics import NormalDist

import numpy as np

MIN_BOOTSTRAP = 20
"""Fewest refits for an interval (and for ``min_confidence``)."""


def bootstrap_samples(codes: np.ndarray, n: int, random_state: int | None) -> list[np.ndarray]:
    """``n`` resamples (row indices) drawn with replacement within each action's rows."""
    if n <= 0:
        return []
    rng = np.random.default_rng(random_state)
    groups = [np.flatnonzero(codes == code) for code in np.unique(codes)]
    return [np.sort(np.concatenate([rng.choice(rows, len(rows)) for rows in groups])) for _ in range(n)]


def uplift_interval(
    draws: np.ndarray, level: float, model_error: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Interval of the uplift over label 0 (``none``) from effect draws (B × rows × labels).

    The percentile interval of the draws, widened on both sides so that its
    half-width becomes z·√(sd² + model_error²) instead of z·sd, where sd is the
    draws' spread and ``model_error`` (per label) the error resampling cannot see.
    """
    uplift = draws - draws[:, :, :1]
    tail = (1 - level) / 2 * 100
    with warnings.catch_warnings():  # labels without an estimate are all-NaN: NaN bounds, as meant
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanpercentile(uplift, tail, axis=0), np.nanpercentile(uplift, 100 - tail, axis=0)
        if model_error is None:
            return low, high
        sd = np.nanstd(uplift, axis=0)
    z = NormalDist().inv_cdf(1 - (1 - level) / 2)
    extra = z * (np.sqrt(sd**2 + np.asarray(model_error)[None, :] ** 2) - sd)
    return low - extra, high + extra
