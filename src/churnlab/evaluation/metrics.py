"""Measures of a risk score: discrimination, calibration, and a comparison against baselines."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


def expected_calibration_error(y, p, bins: int = 10) -> float:
    """Mean |observed rate − mean prediction| over equal-count bins, weighted by bin size.

    Examples
    --------
    >>> expected_calibration_error([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5], bins=1)
    0.0
    """
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="stable")
    error = 0.0
    for chunk in np.array_split(order, min(bins, len(p))):
        if len(chunk):
            error += len(chunk) * abs(y[chunk].mean() - p[chunk].mean())
    return float(error / len(p))


def calibration_table(y, p, bins: int = 10) -> pd.DataFrame:
    """Per equal-count bin of predictions: mean prediction, observed rate and count."""
    frame = pd.DataFrame({"p": np.asarray(p, dtype=float), "y": np.asarray(y, dtype=float)})
    frame["bin"] = pd.qcut(frame["p"].rank(method="first"), min(bins, len(frame)), labels=False)
    return frame.groupby("bin").agg(predicted=("p", "mean"), observed=("y", "mean"), n=("y", "size"))


def score_metrics(y, p) -> dict[str, float]:
    """AUC, PR-AUC, Brier score, calibration error and |mean prediction − observed rate|."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    two_classes = len(np.unique(y)) == 2
    return {
        "auc": float(roc_auc_score(y, p)) if two_classes else float("nan"),
        "pr_auc": float(average_precision_score(y, p)) if two_classes else float("nan"),
        "brier": float(brier_score_loss(y, p)),
        "ece": expected_calibration_error(y, p),
        "mean_gap": float(abs(p.mean() - y.mean())),
        "n": int(len(y)),
    }


def compare_scores(y, scores: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row of :func:`score_metrics` per named score (model, baselines, Bayes limit)."""
    return pd.DataFrame({name: score_metrics(y, p) for name, p in scores.items()}).T
