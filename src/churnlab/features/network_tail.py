"""An export's incomplete tail: the newest competence months, whose statements have not all arrived.

Real exports are late: a month's guides and glosas keep arriving for weeks
after it ends, so its volume in an export taken soon after looks like a
network-wide collapse. :func:`incomplete_tail` compares the network's
guides per dentist in each of the last :data:`MAX_TAIL` months with what
its season and trend predict, and calls the months from the end that fall
below :data:`THRESHOLD` of it incomplete. :func:`stated_tail` takes the
user's word instead (``--complete-through MONTH``).

The network model then reads production up to the last complete month
only, in training snapshots and in scoring alike (``lag`` in
:func:`~churnlab.features.network.network_snapshots`), so both see the same
kind of data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from churnlab.errors import DataError
from churnlab.io.network import Network

MAX_TAIL = 3
"""The most months at the end of an export that can be called incomplete."""

THRESHOLD = 0.8
"""A month below this share of its expected volume (guides per dentist) is incomplete."""


@dataclass(frozen=True)
class Tail:
    """How much of an export's end is complete.

    Attributes
    ----------
    last_month : pandas.Timestamp
        The export's last production month (first day).
    lag : int
        Months at the end left out as incomplete (0: complete).
    stated : bool
        Whether the user said it (``--complete-through``) rather than measured.
    ratios : dict
        ``MM/YYYY`` → the month's volume as a share of its expectation (measured only).
    """

    last_month: pd.Timestamp
    lag: int
    stated: bool = False
    ratios: dict[str, float] = field(default_factory=dict)

    @property
    def complete_through(self) -> pd.Timestamp:
        """The last complete month (first day)."""
        return self.last_month - pd.offsets.MonthBegin(self.lag) if self.lag else self.last_month

    def message(self) -> str:
        """One line for stderr and the model card."""
        through = f"{self.complete_through:%m/%Y}"
        if self.stated:
            return (
                f"production taken as complete through {through} (--complete-through); later months left out"
            )
        if not self.lag:
            return f"production complete through {through} (no incomplete tail found)"
        shares = ", ".join(
            f"{month} at {share:.0%} of its expected volume"
            for month, share in self.ratios.items()
            if share < THRESHOLD
        )
        return (
            f"incomplete tail: {shares}; production read through {through} only "
            "(say otherwise with --complete-through MM/YYYY)"
        )

    def as_card(self) -> dict[str, object]:
        """The card's record of it."""
        return {
            "complete_through": f"{self.complete_through:%m/%Y}",
            "lag_months": self.lag,
            "stated": self.stated,
            "ratios": {k: round(v, 3) for k, v in self.ratios.items()},
            "message": self.message(),
        }


def monthly_rate(network: Network) -> pd.Series:
    """Guides per dentist in the network, by production month."""
    production, roster = network.production, network.roster
    months = pd.date_range(production["month"].min(), network.end, freq="MS")
    totals = production.groupby("month")["guides"].sum().reindex(months, fill_value=0.0)
    included = roster["included_on"].fillna(pd.Timestamp.min).to_numpy()
    left = roster["left_on"].fillna(pd.Timestamp.max).to_numpy()
    present = np.array(
        [((included <= m + pd.offsets.MonthEnd(0)) & (left >= m)).sum() for m in months], dtype=float
    )
    return totals / np.maximum(present, 1.0)


def _expected(rate: pd.Series, k: int, base: slice) -> float:
    """Month ``k``'s expected rate: a year earlier × the year-on-year level, else the recent median."""
    values = rate.to_numpy()
    idx = np.arange(len(values))[base]
    yearly = [values[j] / values[j - 12] for j in idx if j >= 12 and values[j - 12] > 0]
    if k >= 12 and len(yearly) >= 6 and values[k - 12] > 0:
        return float(values[k - 12] * np.median(yearly))
    return float(np.median(values[idx])) if len(idx) else float("nan")


def incomplete_tail(network: Network, threshold: float = THRESHOLD) -> Tail:
    """Measure the export's incomplete tail (see the module); none on fewer than 9 months of data."""
    rate = monthly_rate(network)
    last = pd.Timestamp(rate.index[-1])
    n = len(rate)
    if n < 6 + MAX_TAIL:
        return Tail(last, 0)
    base = slice(max(0, n - MAX_TAIL - 12), n - MAX_TAIL)
    ratios: dict[str, float] = {}
    for k in range(n - MAX_TAIL, n):
        expected = _expected(rate, k, base)
        ratios[f"{rate.index[k]:%m/%Y}"] = float(rate.iloc[k] / expected) if expected > 0 else 1.0
    lag = 0
    for share in reversed(list(ratios.values())):
        if share >= threshold:
            break
        lag += 1
    return Tail(last, lag, ratios=ratios)


def stated_tail(network: Network, complete_through: str) -> Tail:
    """The tail a user states: production complete through ``MM/YYYY`` (or ``YYYY-MM``)."""
    text = complete_through.strip()
    month = pd.to_datetime(text, format="%m/%Y", errors="coerce")
    if pd.isna(month):
        month = pd.to_datetime(text, format="%Y-%m", errors="coerce")
    last = network.production["month"].max()
    if pd.isna(month):
        raise DataError(f"--complete-through {complete_through!r}: not a month (expected MM/YYYY)")
    lag = (last.year - month.year) * 12 + last.month - month.month
    if not 0 <= lag <= 12:
        raise DataError(
            f"--complete-through {complete_through}: the production data's last month is "
            f"{last:%m/%Y}; give a month from 12 before it to it"
        )
    return Tail(pd.Timestamp(last), int(lag), stated=True)


def export_tail(network: Network, complete_through: str | None = None) -> Tail:
    """The user's word when given, else the measured tail."""
    return stated_tail(network, complete_through) if complete_through else incomplete_tail(network)
