"""Plots the notebooks and reports show: ROC, calibration, uplift curves and policy values."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import roc_curve

from churnlab.evaluation.metrics import calibration_table


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    return ax


def roc_plot(y, scores: dict[str, np.ndarray], ax=None):
    """ROC curve of each named score on the same outcomes."""
    ax = _axes(ax)
    for name, p in scores.items():
        fpr, tpr, _ = roc_curve(y, p)
        ax.plot(fpr, tpr, label=name)
    ax.plot([0, 1], [0, 1], color="gray", linestyle=":")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    ax.legend(loc="lower right", fontsize="small")
    return ax


def calibration_plot(y, scores: dict[str, np.ndarray], bins: int = 10, ax=None):
    """Observed dismissal rate against mean predicted risk, per equal-count bin."""
    ax = _axes(ax)
    for name, p in scores.items():
        table = calibration_table(y, p, bins)
        ax.plot(table["predicted"], table["observed"], marker="o", label=name)
    ax.plot([0, 1], [0, 1], color="gray", linestyle=":")
    ax.set(xlabel="mean predicted risk", ylabel="observed dismissal rate", title="Calibration")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def uplift_plot(curves: dict[str, pd.DataFrame], ax=None):
    """Cumulative true uplift curves (see :func:`churnlab.evaluation.truth.uplift_curve`)."""
    ax = _axes(ax)
    for name, curve in curves.items():
        ax.plot(curve["share_treated"], curve["cumulative_true_uplift"], label=name)
    ax.axhline(0, color="gray", linestyle=":")
    ax.set(xlabel="share of cases treated", ylabel="retained dentists gained", title="Uplift")
    ax.legend(fontsize="small")
    return ax


def policy_plot(values: pd.Series, ax=None, unit: str = "retention rate"):
    """Horizontal bars of policy values, best at the top."""
    ax = _axes(ax)
    ordered = values.sort_values()
    colors = ["tab:orange" if "recommend" in name or name == "churnlab" else "tab:blue"
              for name in ordered.index]
    ax.barh(ordered.index, ordered.to_numpy(), color=colors)
    ax.set(xlabel=unit, title="Policy value")
    return ax


def uplift_calibration_plot(table: pd.DataFrame, ax=None):
    """Doubly-robust uplift (with its 95 % interval) against the predicted one, per group."""
    ax = _axes(ax)
    low = table["dr"] - table["dr_low"]
    high = table["dr_high"] - table["dr"]
    ax.errorbar(table["predicted"], table["dr"], yerr=[low, high], fmt="o", capsize=3,
                label="DR estimate, 95 % interval")
    edge = [min(table["predicted"].min(), table["dr_low"].min()),
            max(table["predicted"].max(), table["dr_high"].max())]
    ax.plot(edge, edge, color="grey", lw=1, ls="--", label="perfect calibration")
    ax.axhline(0, color="black", lw=0.5)
    ax.set_xlabel("predicted uplift (best action vs none)")
    ax.set_ylabel("doubly-robust uplift")
    ax.legend(loc="upper left")
    return ax
