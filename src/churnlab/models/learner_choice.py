"""The cross-validated choice of meta-learner (``ActionRecommender(learner="auto")``).

:class:`~churnlab.models.recommender.ActionRecommender` with ``learner="auto"``
picks the meta-learner by **cross-validated policy value**, not by fit quality:
on each of ``cv`` folds every candidate is fitted on the other folds and
recommends on the held-out fold, and that policy's value is estimated by DR on
the held-out cases (R$ per case under ``economics``; one common outcome model
per fold keeps the comparison paired). A candidate less than one paired
standard error behind the best counts as a tie, and ties go to the first of
:data:`~churnlab.models.learners.AUTO_LEARNERS` (s, s_mix, t, dr: pooled and
least variable first).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from churnlab.io.records import ACTION_LABELS, NO_ACTION
from churnlab.models.actions import action_codes, action_folds, action_frame, best_action
from churnlab.models.economics import Economics
from churnlab.models.learners import AUTO_LEARNERS, fit_propensity, predict_propensity
from churnlab.models.policy_value import dr_scores

FitLearner = Callable[[str, NDArray[np.float64], NDArray[np.intp], NDArray[np.int_]], Any]
"""``fit(learner, Z, codes, y)``: the fitted models of one meta-learner."""

PredictLearner = Callable[[str, Any, NDArray[np.float64]], NDArray[np.float64]]
"""``predict(learner, models, Z)``: P(retained | Z, a), one column per label."""


def cross_validate_learners(
    fit: FitLearner,
    predict: PredictLearner,
    Z: NDArray[np.float64],
    codes: NDArray[np.intp],
    y: NDArray[np.int_],
    X: pd.DataFrame,
    *,
    economics: Economics,
    propensity_C: float,
    clip: float,
    cv: int,
    random_state: int | None,
) -> pd.DataFrame:
    """DR value (R$ per case) of each candidate's policy on held-out folds, and the one chosen.

    ``Z`` are the preprocessed features of the cases of ``X`` (whose raw
    columns the economics read), ``codes`` their action codes and ``y`` 1 when
    the dentist stayed. One row per learner of ``AUTO_LEARNERS``; the boolean
    column ``chosen`` marks the choice.
    """
    labels = np.array(ACTION_LABELS, dtype=object)
    value = economics.dentist_value(X)
    costs = economics.action_costs_for(X)[list(ACTION_LABELS)].to_numpy()
    rewards = y * value - costs[np.arange(len(y)), codes]
    terms = {name: np.empty(len(y)) for name in (*AUTO_LEARNERS, NO_ACTION)}
    fitted_alone = [m for m in dict.fromkeys(("s", "s_hgb", *AUTO_LEARNERS)) if m != "s_mix"]
    seconds = dict.fromkeys((*fitted_alone, "s_mix"), 0.0)
    for train, test in action_folds(codes, cv, random_state):
        Xt = X.iloc[test]
        pi = predict_propensity(fit_propensity(Z[train], codes[train], propensity_C), Z[test])
        fitted: dict[str, Any] = {}
        for name in fitted_alone:  # s and s_hgb first: s_mix is their mean, and the DR model below
            start = time.perf_counter()
            fitted[name] = fit(name, Z[train], codes[train], y[train])
            seconds[name] += time.perf_counter() - start
        fitted["s_mix"] = {"s": fitted["s"], "s_hgb": fitted["s_hgb"]}  # its parts, fitted once
        # A common outcome model for every candidate's DR estimate keeps the comparison
        # paired; DR stays unbiased whatever model it is, and the better it fits the
        # narrower the comparison. The mean of this fold's logistic and boosted S-learners
        # fits linear and region-shaped effects alike (the logistic one alone left a boosted
        # candidate that was truly far ahead within one standard error on small data).
        q = action_frame(predict("s_mix", fitted["s_mix"], Z[test]), Xt.index)
        q_eval = economics.expected_values(q, Xt)
        gamma = dr_scores(
            labels[codes[test]],
            rewards[test],
            action_frame(pi, Xt.index),
            q_eval.fillna(0.0),
            clip=clip,
        ).to_numpy()
        rows = np.arange(len(test))
        for name in AUTO_LEARNERS:
            effects = action_frame(predict(name, fitted[name], Z[test]), Xt.index)
            choice = action_codes(best_action(economics.expected_values(effects, Xt)))
            terms[name][test] = gamma[rows, choice]
        terms[NO_ACTION][test] = gamma[:, 0]
    seconds["s_mix"] = seconds["s"] + seconds["s_hgb"]
    n = len(y)
    best = max(AUTO_LEARNERS, key=lambda m: terms[m].mean())
    diff = {m: terms[best] - terms[m] for m in AUTO_LEARNERS}
    # One-standard-error rule on the paired differences: a candidate not clearly worse
    # than the best is a tie, and ties go to the learner listed first (lowest variance).
    chosen = next(m for m in AUTO_LEARNERS if diff[m].mean() <= diff[m].std(ddof=1) / np.sqrt(n) or m == best)
    return pd.DataFrame(
        {
            "dr_value": [terms[m].mean() for m in AUTO_LEARNERS],
            "dr_se": [terms[m].std(ddof=1) / np.sqrt(n) for m in AUTO_LEARNERS],
            "gain_over_none": [(terms[m] - terms[NO_ACTION]).mean() for m in AUTO_LEARNERS],
            "gain_se": [(terms[m] - terms[NO_ACTION]).std(ddof=1) / np.sqrt(n) for m in AUTO_LEARNERS],
            "behind_best": [diff[m].mean() for m in AUTO_LEARNERS],
            "behind_best_se": [diff[m].std(ddof=1) / np.sqrt(n) for m in AUTO_LEARNERS],
            "fit_seconds": [seconds[m] / cv for m in AUTO_LEARNERS],
            "chosen": [m == chosen for m in AUTO_LEARNERS],
        },
        index=pd.Index(AUTO_LEARNERS, name="learner"),
    )
