"""How sure the recommender is: bootstrap intervals for each action's uplift.

With ``ActionRecommender(n_bootstrap=B)`` the chosen learner is refitted, with
its tuned settings, on ``B`` resamples of the training cases, drawn within each
action's cases so every action keeps its count. The spread of a case's
predicted uplift across the refits is its interval: the percentile bootstrap.
It measures how much the estimate moves with the data (variance), not a bias
the learner shares across resamples, so the recommender widens it by its
cross-fitted model error (:func:`model_error`, the error
resampling cannot see); ``tests/test_uncertainty.py`` and
``benchmarks/bench_intervals.py`` measure the coverage of the true uplift on
simulated data, and that the lower end, which ``min_confidence`` reads, holds at
the nominal one-sided level for the S-learner, whose misses lie above.
"""

from __future__ import annotations

import warnings
from statistics import NormalDist

import numpy as np
from numpy.typing import NDArray

from churnlab.io.records import ACTION_LABELS
from churnlab.models.actions import N_ACTIONS, action_folds, action_frame
from churnlab.models.learner_choice import FitLearner, PredictLearner
from churnlab.models.learners import (
    fit_propensity,
    fit_s,
    fit_s_hgb,
    predict_propensity,
    predict_s,
    predict_s_hgb,
)
from churnlab.models.policy_value import dr_scores

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


def model_error(
    fit: FitLearner,
    predict: PredictLearner,
    learner: str,
    Z: NDArray[np.float64],
    codes: NDArray[np.intp],
    y: NDArray[np.int_],
    *,
    reuse_s_parts: bool,
    C: float,
    modifiers: NDArray[np.bool_],
    propensity_C: float,
    supported: NDArray[np.bool_],
    clip: float,
    cv: int,
    random_state: int | None,
) -> NDArray[np.float64]:
    """Per label, the sd of the uplift's error that resampling cannot see (bias, misspecification).

    Cross-fitted: on each held-out fold, the squared distance between the
    learner's uplift and the doubly-robust pseudo-outcome's, minus that
    pseudo-outcome's own noise (the squared outcome residual over the squared
    propensity, for the cases that got the action or ``none``), averaged.
    That is the learner's mean squared error *minus that of the pseudo-outcome's
    outcome model* q (the mean of the logistic and boosted S-learners): it would
    be zero for ``s_mix``, which is q. q's own error is not identified from the
    data; it is added as a quarter of the two S-learners' mean squared
    disagreement, its value when their errors are uncorrelated. Measured on the
    generator (``benchmarks/bench_intervals.py``) this raised the coverage of
    every learner's intervals.

    ``fit`` and ``predict`` fit and apply ``learner``; ``reuse_s_parts`` says its
    fitted models are q's two S-learners (``s_mix`` with the logistic one), which
    are then not fitted again. ``C``, ``modifiers`` and ``propensity_C`` are the
    logistic S-learner's and the propensity model's settings.
    """
    labels = np.array(ACTION_LABELS, dtype=object)
    excess = np.full((len(y), N_ACTIONS), np.nan)
    for train, test in action_folds(codes, cv, random_state):
        fitted = fit(learner, Z[train], codes[train], y[train])
        uplift = predict(learner, fitted, Z[test])
        if reuse_s_parts:  # q's parts: fitted just now
            logistic, boosted = fitted["s"], fitted["s_hgb"]
        else:
            logistic = fit_s(Z[train], codes[train], y[train], C, modifiers)
            boosted = fit_s_hgb(Z[train], codes[train], y[train], random_state)
        q_logistic = predict_s(logistic, Z[test], modifiers)
        q_boosted = predict_s_hgb(boosted, Z[test])
        q = (q_logistic + q_boosted) / 2
        pi = np.maximum(
            predict_propensity(fit_propensity(Z[train], codes[train], propensity_C), Z[test]),
            clip,
        )
        gamma = dr_scores(
            labels[codes[test]], y[test], action_frame(pi, None), action_frame(q, None), clip=clip
        ).to_numpy()
        rows = np.arange(len(test))
        got = codes[test]
        noise = (y[test] - q[rows, got]) ** 2 / pi[rows, got] ** 2
        for j in range(1, N_ACTIONS):
            distance = (gamma[:, j] - gamma[:, 0] - (uplift[:, j] - uplift[:, 0])) ** 2
            disagreement = (q_logistic[:, j] - q_logistic[:, 0]) - (q_boosted[:, j] - q_boosted[:, 0])
            q_error = disagreement**2 / 4
            excess[test, j] = distance - noise * ((got == j) | (got == 0)) + q_error
    error = np.sqrt(np.maximum(np.nanmean(excess[:, 1:], axis=0), 0.0))
    return np.concatenate([[0.0], np.where(supported[1:], error, np.nan)])
