"""Measures of a risk score: discrimination, calibration, and a comparison against baselines."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


def expected_calibration_error(y: ArrayLike, p: ArrayLike, bins: int = 10) -> float:
    """Mean |observed rate − mean prediction| over equal-count bins, weighted by bin size.

    Examples
    --------
    >>> expected_calibration_error([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5], bins=1)
    0.0
    """
    outcome = np.asarray(y, dtype=float)
    predicted = np.asarray(p, dtype=float)
    order = np.argsort(predicted, kind="stable")
    error = 0.0
    for chunk in np.array_split(order, min(bins, len(predicted))):
        if len(chunk):
            error += len(chunk) * abs(outcome[chunk].mean() - predicted[chunk].mean())
    return float(error / len(predicted))


def calibration_table(y: ArrayLike, p: ArrayLike, bins: int = 10) -> pd.DataFrame:
    """Per equal-count bin of predictions: mean prediction, observed rate and count."""
    frame = pd.DataFrame({"p": np.asarray(p, dtype=float), "y": np.asarray(y, dtype=float)})
    frame["bin"] = pd.qcut(frame["p"].rank(method="first"), min(bins, len(frame)), labels=False)
    return frame.groupby("bin").agg(predicted=("p", "mean"), observed=("y", "mean"), n=("y", "size"))


def score_metrics(y: ArrayLike, p: ArrayLike) -> dict[str, float]:
    """AUC, PR-AUC, Brier score, calibration error and |mean prediction − observed rate|."""
    outcome = np.asarray(y, dtype=float)
    predicted = np.asarray(p, dtype=float)
    two_classes = len(np.unique(outcome)) == 2
    return {
        "auc": float(roc_auc_score(outcome, predicted)) if two_classes else float("nan"),
        "pr_auc": float(average_precision_score(outcome, predicted)) if two_classes else float("nan"),
        "brier": float(brier_score_loss(outcome, predicted)),
        "ece": expected_calibration_error(outcome, predicted),
        "mean_gap": float(abs(predicted.mean() - outcome.mean())),
        "n": int(len(outcome)),
    }


def compare_scores(y: ArrayLike, scores: Mapping[str, ArrayLike]) -> pd.DataFrame:
    """One row of :func:`score_metrics` per named score (model, baselines, Bayes limit)."""
    return pd.DataFrame({name: score_metrics(y, p) for name, p in scores.items()}).T
