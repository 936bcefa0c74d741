"""Backtest of the network model against the field's rules: train up to T, judge T → T + 90 days.

The model is fitted on the network as it was known on the cutoff date
(:func:`~churnlab.features.network.as_known_on`: nothing dated later), then
every dentist active on the cutoff is scored and compared with what happened
in the 90 days after it. Rivals: the loyalty tool's days-without-a-guide rules
(30/60/90 days, and the days themselves as a ranking), a Cox model on the
cutoff snapshot (when ``lifelines`` is installed) and, on synthetic data, the
generator's true risk.

Metrics: AUC; the share of the dentists who left that the top 10 % by score
holds (top-decile capture); and, for probabilities, the Brier score at 90
days, the calibration error (mean |predicted − observed| over ten risk bins,
weighted by size) and Uno's concordance truncated at 90 days (no dentist is
censored within the window, so its weights are equal).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.metrics import roc_auc_score

from churnlab.features.network import (
    FEATURES,
    as_known_on,
    month_ends,
    network_features,
    network_snapshots,
    next_event,
)
from churnlab.io.network import Network
from churnlab.models.network_risk import NetworkRiskModel

PLAIN = "plain model (raw months, roster, glosa counts)"
"""The backtest's name of the ``plain`` rival."""


def calibration_error(p: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """Size-weighted mean |mean prediction − event rate| over ``bins`` quantile bins of ``p``."""
    p, y = np.asarray(p, float), np.asarray(y, float)
    groups = pd.qcut(pd.Series(p).rank(method="first"), bins, labels=False)
    table = (
        pd.DataFrame({"p": p, "y": y, "g": groups})
        .groupby("g")
        .agg(p=("p", "mean"), y=("y", "mean"), n=("p", "size"))
    )
    return float((np.abs(table["p"] - table["y"]) * table["n"]).sum() / table["n"].sum())


def top_decile_capture(score: np.ndarray, y: np.ndarray, share: float = 0.1) -> float:
    """Share of the events among the ``share`` highest scores (ties broken by order)."""
    y = np.asarray(y)
    k = int(np.ceil(len(y) * share))
    top = np.argsort(-np.asarray(score, float), kind="stable")[:k]
    return float(y[top].sum() / max(y.sum(), 1))


def truncated_concordance(score: ArrayLike, duration: ArrayLike, event: ArrayLike, tau: float = 90) -> float:
    """Uno's C truncated at ``tau`` days: of the pairs where one dentist's event comes first (within
    ``tau``), the share in which that dentist has the higher score (ties count a half)."""
    score, duration, event = (np.asarray(a, float) for a in (score, duration, event))
    cases = np.flatnonzero((event == 1) & (duration <= tau))
    concordant = comparable = 0.0
    for i in cases:
        later = duration > duration[i]
        if not later.any():
            continue
        later_scores = np.sort(score[later])
        below = np.searchsorted(later_scores, score[i], side="left")
        ties = np.searchsorted(later_scores, score[i], side="right") - below
        concordant += below + 0.5 * ties
        comparable += len(later_scores)
    return float(concordant / comparable) if comparable else float("nan")


def _metrics(score: np.ndarray, outcome: pd.DataFrame, horizon: int, probability: bool) -> dict[str, float]:
    y = ((outcome["event"] == 1) & (outcome["duration"] <= horizon)).to_numpy(int)
    row = {
        "AUC": roc_auc_score(y, score) if 0 < y.sum() < len(y) else np.nan,
        "top-decile capture": top_decile_capture(score, y),
        f"Uno's C at {horizon} days": truncated_concordance(
            score, outcome["duration"], outcome["event"], horizon
        ),
        f"Brier at {horizon} days": float(np.mean((score - y) ** 2)) if probability else np.nan,
        "calibration error": calibration_error(score, y) if probability else np.nan,
    }
    return row


def _cox_scores(
    X_train: pd.DataFrame, y_train: pd.DataFrame, X_test: pd.DataFrame, horizon: int
) -> np.ndarray | None:
    """P(event within ``horizon``) from a lifelines Cox model on one snapshot; None without lifelines."""
    try:
        from lifelines import CoxPHFitter
    except ImportError:
        return None
    columns = [c for c in FEATURES if X_train[c].notna().mean() > 0.5 and X_train[c].std() > 0]
    medians = X_train[columns].median()
    frame = (
        X_train[columns]
        .fillna(medians)
        .assign(duration=y_train["duration"].clip(lower=1).to_numpy(), event=y_train["event"].to_numpy())
    )
    with warnings.catch_warnings():  # a near-constant column is lifelines' concern, not the user's:
        warnings.simplefilter("ignore")  # the baseline is only a comparison row in the card
        cox = CoxPHFitter(penalizer=0.05).fit(frame, "duration", "event")
    survival = cox.predict_survival_function(X_test[columns].fillna(medians), times=[horizon])
    probability: NDArray[np.float64] = 1 - survival.to_numpy().ravel()
    return probability


def backtest(
    network: Network,
    cutoff: str | pd.Timestamp | None = None,
    horizon: int = 90,
    model: NetworkRiskModel | None = None,
    truth: Callable[[pd.Index, pd.Timestamp], pd.Series] | None = None,
    plain: NetworkRiskModel | None = None,
    lag: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit on what was known at ``cutoff`` (default: the last month end ``horizon`` days before the
    end of the data) and judge every rival on the ``horizon`` days after it.

    ``truth(keys, cutoff)`` may give the true risk per dentist (synthetic data);
    ``plain``, a second model fitted and judged the same way (the plain model
    on raw months, :data:`~churnlab.features.network.PLAIN_FEATURES`, that
    training falls back to when it does better). ``lag`` months of production
    are left out before every date, as in training and scoring
    (:mod:`churnlab.features.network_tail`).

    Returns
    -------
    (metrics, scores)
        ``metrics``: one row per rival (AUC, top-decile capture, Uno's C,
        Brier, calibration error; n and events as attrs). ``scores``: each
        rival's score per dentist active on the cutoff, with the outcome.
    """
    ends = month_ends(network, horizon)
    if not ends:
        raise ValueError(f"the network has no month end with {horizon} days of data after it")
    cutoff = pd.Timestamp(cutoff) if cutoff is not None else ends[-1]
    past = as_known_on(network, cutoff)
    X_train, y_train = network_snapshots(past, horizon_days=0, lag=lag)
    model = (model or NetworkRiskModel()).fit(X_train, y_train)
    X = network_features(network, cutoff, lag=lag)
    outcome = next_event(network, X.index, cutoff)
    days = X["months_since_last_guide"].to_numpy() * 30.4 + X["no_guide_seen"].to_numpy()
    scores = pd.DataFrame(
        {
            "churnlab network model": model.predict_risk(X, [horizon]).iloc[:, 0].to_numpy(),
            "days without a guide": days,
        },
        index=X.index,
    )
    if plain is not None:
        scores[PLAIN] = plain.fit(X_train, y_train).predict_risk(X, [horizon]).iloc[:, 0].to_numpy()
    for days_rule in (30, 60, 90):
        scores[f"no guide for {days_rule}+ days"] = (days >= days_rule).astype(float)
    followed = X_train["as_of"] <= cutoff - pd.Timedelta(days=horizon)
    last = X_train.loc[X_train["as_of"] == X_train.loc[followed, "as_of"].max()]
    cox = _cox_scores(last, past_outcomes(past, last), X, horizon)
    if cox is not None:
        scores["Cox model (lifelines, one snapshot)"] = cox
    if truth is not None:
        scores["truth (generator)"] = truth(X.index, cutoff).to_numpy()
    probabilities = {
        "churnlab network model",
        PLAIN,
        "Cox model (lifelines, one snapshot)",
        "truth (generator)",
    }
    known = scores.notna().all(axis=1)
    rows = {
        name: _metrics(scores[name][known].to_numpy(), outcome.loc[known], horizon, name in probabilities)
        for name in scores
    }
    metrics = pd.DataFrame(rows).T
    y = ((outcome["event"] == 1) & (outcome["duration"] <= horizon)).astype(int)
    metrics.attrs.update(cutoff=str(cutoff.date()), dentists=int(known.sum()), events=int(y[known].sum()))
    return metrics, scores.join(outcome).assign(left_within=y)


def past_outcomes(past: Network, snapshot: pd.DataFrame) -> pd.DataFrame:
    """Outcomes of a snapshot's rows within the past network (for a model fitted on one snapshot)."""
    as_of = snapshot["as_of"].iloc[0]
    return next_event(past, pd.Index(snapshot["key"]), as_of).reset_index(drop=True).set_index(snapshot.index)
