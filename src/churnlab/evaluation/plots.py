"""Plots the notebooks and reports show: ROC, calibration, uplift, policy values, survival, capture."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from numpy.typing import ArrayLike
from sklearn.metrics import roc_curve

from churnlab.evaluation.metrics import calibration_table


def _axes(ax: Axes | None) -> Axes:
    """``ax``, or the axes of a new 5 × 4 in figure."""
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 4))
    return ax


def roc_plot(y: ArrayLike, scores: dict[str, ArrayLike], ax: Axes | None = None) -> Axes:
    """ROC curve of each named score on the same outcomes."""
    ax = _axes(ax)
    for name, p in scores.items():
        fpr, tpr, _ = roc_curve(y, p)
        ax.plot(fpr, tpr, label=name)
    ax.plot([0, 1], [0, 1], color="gray", linestyle=":")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    ax.legend(loc="lower right", fontsize="small")
    return ax


def calibration_plot(
    y: ArrayLike, scores: dict[str, ArrayLike], bins: int = 10, ax: Axes | None = None
) -> Axes:
    """Observed dismissal rate against mean predicted risk, per equal-count bin."""
    ax = _axes(ax)
    for name, p in scores.items():
        table = calibration_table(y, p, bins)
        ax.plot(table["predicted"], table["observed"], marker="o", label=name)
    ax.plot([0, 1], [0, 1], color="gray", linestyle=":")
    ax.set(xlabel="mean predicted risk", ylabel="observed dismissal rate", title="Calibration")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def uplift_plot(curves: dict[str, pd.DataFrame], ax: Axes | None = None) -> Axes:
    """Cumulative true uplift curves (see :func:`churnlab.evaluation.truth.uplift_curve`)."""
    ax = _axes(ax)
    for name, curve in curves.items():
        ax.plot(curve["share_treated"], curve["cumulative_true_uplift"], label=name)
    ax.axhline(0, color="gray", linestyle=":")
    ax.set(xlabel="share of cases treated", ylabel="retained dentists gained", title="Uplift")
    ax.legend(fontsize="small")
    return ax


def policy_plot(values: pd.Series[float], ax: Axes | None = None, unit: str = "retention rate") -> Axes:
    """Horizontal bars of policy values, best at the top."""
    ax = _axes(ax)
    ordered = values.sort_values()
    colors = [
        "tab:orange" if "recommend" in name or name == "churnlab" else "tab:blue" for name in ordered.index
    ]
    ax.barh(ordered.index, ordered.to_numpy(), color=colors)
    ax.set(xlabel=unit, title="Policy value")
    return ax


def uplift_calibration_plot(table: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Doubly-robust uplift (with its 95 % interval) against the predicted one, per group."""
    ax = _axes(ax)
    low = table["dr"] - table["dr_low"]
    high = table["dr_high"] - table["dr"]
    ax.errorbar(
        table["predicted"],
        table["dr"],
        yerr=[low, high],
        fmt="o",
        capsize=3,
        label="DR estimate, 95 % interval",
    )
    edge = [
        min(table["predicted"].min(), table["dr_low"].min()),
        max(table["predicted"].max(), table["dr_high"].max()),
    ]
    ax.plot(edge, edge, color="grey", lw=1, ls="--", label="perfect calibration")
    ax.axhline(0, color="black", lw=0.5)
    ax.set_xlabel("predicted uplift (best action vs none)")
    ax.set_ylabel("doubly-robust uplift")
    ax.legend(loc="upper left")
    return ax


def survival_plot(risks: pd.DataFrame, labels: list[str], ax: Axes | None = None) -> Axes:
    """Each dentist's chance of still being in the network (not having asked to leave) 0–180 days on.

    ``risks`` has ``risk_{h}d`` columns (as :meth:`NetworkRiskModel.predict_risk`
    gives); one step curve per row, labelled by ``labels``.
    """
    ax = _axes(ax)
    days = [0] + [int(c[len("risk_") : -1]) for c in risks.columns]
    for (_, row), label in zip(risks.iterrows(), labels, strict=True):
        ax.step(days, [1.0, *(1 - row.to_numpy())], where="post", label=label)
    ax.set(
        xlabel="days after the as-of date",
        ylabel="P(still in the network, no request)",
        title="Survival curves",
        ylim=(0, 1.02),
    )
    ax.legend(fontsize="small")
    return ax


def capture_plot(scores: pd.DataFrame, outcome: ArrayLike, ax: Axes | None = None) -> Axes:
    """Share of the dentists who left that the top k % by each score holds, k from 0 to 100."""
    ax = _axes(ax)
    y = np.asarray(outcome)
    share = np.arange(1, len(y) + 1) / len(y)
    for name in scores:
        order = np.argsort(-scores[name].to_numpy(), kind="stable")
        ax.plot(share, np.cumsum(y[order]) / max(y.sum(), 1), label=name)
    ax.plot([0, 1], [0, 1], color="gray", linestyle=":")
    ax.axvline(0.1, color="gray", linewidth=0.5)
    ax.set(
        xlabel="share of active dentists called, riskiest first",
        ylabel="share of leavers reached",
        title="Backtest: who the first calls reach",
    )
    ax.legend(fontsize="small")
    return ax
