"""Network features: one row per active dentist as of a date, from what is dated on or before it.

Production and glosas are laid out as dentist × month matrices once, so a
snapshot of 50,000 dentists is a few array slices. Only months *complete* on
the as-of date count (a mid-month date sees the month before), glosas count
in the month of their date (the month after the competence when undated),
and a case counts from its first contact; its outcome only from its final
date. :func:`as_known_on` cuts a network at a date, and the leakage test
checks that a row is the same with or without the data after it.

A dentist is *active* on a date when included on or before it, not yet
left (``Data desligamento`` after it, no case ended in dismissal on or
before it) and without a retention case open on it ('Network files',
docs/concepts/contracts/network-files.md).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from churnlab.features.network_history import (
    HISTORY_FEATURES,
    OWN_PAST_FEATURES,
    RAW_FEATURES,
    history_features,
)
from churnlab.io.network import Network

SHAPED_FEATURES: tuple[str, ...] = (
    "tenure_months", "us_value", "is_clinic", "lives", "listed_cros", "other_plans",
    "guides_last_month", "guides_3m", "guides_12m", "production_trend", "production_trend_24m",
    "production_vs_best", "value_3m", "months_since_last_guide",
    "no_guide_seen", "active_share_12m", "months_observed", "glosas_3m", "technical_glosas_3m", "glosas_12m",
    "glosa_value_12m", "technical_share_12m", "glosas_per_guide_12m", "dentists_in_city",
    "earlier_cases", "earlier_retained", "months_since_last_case",
)  # fmt: skip
"""The features shaped after an idea of how dentists fade (trends, months without a guide...)."""

FEATURES: tuple[str, ...] = (*SHAPED_FEATURES, *HISTORY_FEATURES)
"""The columns of :func:`network_features`, in order: the shaped ones, then the raw recent months
and each dentist against his own past (:mod:`churnlab.features.network_history`)."""

MODEL_FEATURES: tuple[str, ...] = (*SHAPED_FEATURES, *OWN_PAST_FEATURES)
"""The network model's features by default: all but the raw months, which added nothing
measurable on either generator beside the rest (docs/benchmarks.md#network-model)."""

PLAIN_FEATURES: tuple[str, ...] = (
    *RAW_FEATURES, "tenure_months", "us_value", "is_clinic", "lives",
    "listed_cros", "other_plans", "glosas_3m", "glosas_12m", "guides_3m_vs_own",
)  # fmt: skip
"""A plain model's features: the raw last 12 months, the roster, glosa counts and the last
3 months against the dentist's own past. Training falls back to it when it does better."""

_DAYS_PER_MONTH = 30.4375


@dataclass
class _Grid:
    """Dentist × month matrices of a network (months from the first production month)."""

    network: Network
    first: pd.Timestamp
    guides: np.ndarray
    value: np.ndarray
    glosas: np.ndarray
    technical: np.ndarray
    glosa_value: np.ndarray
    included_month: np.ndarray  # first month index the dentist is in the network (may be < 0)
    keys: pd.Index

    @classmethod
    def of(cls, network: Network) -> _Grid:
        roster, production = network.roster, network.production
        keys = pd.Index(roster.index)
        first = production["month"].min()
        months = _month_index(pd.Series([network.end]), first)[0] + 1
        shape = (len(keys), max(months, 1))
        guides, value = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
        rows = keys.get_indexer(production["key"])
        cols = _month_index(production["month"], first)
        keep = (rows >= 0) & (cols >= 0) & (cols < shape[1])
        np.add.at(guides, (rows[keep], cols[keep]), production["guides"].to_numpy(np.float32)[keep])
        np.add.at(
            value, (rows[keep], cols[keep]), np.nan_to_num(production["value"].to_numpy(np.float32))[keep]
        )
        glosas, technical, glosa_value = (np.zeros(shape, np.float32) for _ in range(3))
        if network.glosas is not None and len(network.glosas):
            g = network.glosas  # summed per dentist and month already (io.glosa_months)
            rows = keys.get_indexer(g["key"])
            cols = _month_index(g["month"], first)
            keep = (rows >= 0) & (cols >= 0) & (cols < shape[1])
            at = (rows[keep], cols[keep])
            for matrix, column in ((glosas, "glosas"), (technical, "technical"), (glosa_value, "value")):
                np.add.at(matrix, at, g[column].to_numpy(np.float32)[keep])
        included = roster["included_on"]
        included_month = np.where(included.isna(), -(10**6), _month_index(included, first))
        return cls(network, first, guides, value, glosas, technical, glosa_value, included_month, keys)


def _month_index(dates: pd.Series, first: pd.Timestamp) -> np.ndarray:
    dates = pd.to_datetime(dates)
    return ((dates.dt.year - first.year) * 12 + dates.dt.month - first.month).to_numpy()


def _window_mean(matrix: np.ndarray, seen: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Mean over months ``lo..hi`` (inclusive) that the dentist was observed in; NaN if none."""
    lo = max(lo, 0)
    if hi < lo:
        return np.full(matrix.shape[0], np.nan)
    part, mask = matrix[:, lo : hi + 1], seen[:, lo : hi + 1]
    count = mask.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, (part * mask).sum(axis=1) / count, np.nan)


def _best_quarter(matrix: np.ndarray, seen: np.ndarray, m: int) -> np.ndarray:
    """The highest mean of 3 consecutive observed months up to ``m`` (NaN before any)."""
    if m < 0:
        return np.full(matrix.shape[0], np.nan)
    part = np.where(seen[:, : m + 1], matrix[:, : m + 1], np.nan)
    padded = np.concatenate([np.full((len(part), 2), np.nan), part], axis=1)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 3, axis=1)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: before the dentist joined
        best: NDArray[np.float64] = np.nanmax(np.nanmean(windows, axis=2), axis=1)
    return best


def _window_sum(matrix: np.ndarray, lo: int, hi: int) -> np.ndarray:
    lo = max(lo, 0)
    return matrix[:, lo : hi + 1].sum(axis=1) if hi >= lo else np.zeros(matrix.shape[0])


def _status_on(network: Network, as_of: pd.Timestamp) -> tuple[np.ndarray, pd.DataFrame]:
    """Who is active on ``as_of``, and each dentist's case history known then."""
    roster, cases = network.roster, network.cases
    keys = pd.Index(roster.index)
    included = roster["included_on"]
    left = roster["left_on"]
    active = ((included.isna() | (included <= as_of)) & (left.isna() | (left > as_of))).to_numpy()
    rows = keys.get_indexer(cases["key"])
    asked = (cases["asked_on"] <= as_of).to_numpy() & (rows >= 0)
    finished = (cases["finished_on"] <= as_of).to_numpy() & asked
    open_now = asked & ~finished
    dismissed = finished & (cases["status"] == "dismissed").to_numpy()
    blocked = np.zeros(len(keys), dtype=bool)
    blocked[rows[open_now | dismissed]] = True
    n = len(keys)
    history = pd.DataFrame({
        "earlier_cases": np.bincount(rows[asked], minlength=n).astype(float),
        "earlier_retained": np.bincount(rows[finished & (cases["status"] == "retained").to_numpy()],
                                        minlength=n).astype(float),
    }, index=keys)  # fmt: skip
    last = np.full(n, np.nan)
    if asked.any():
        days = (as_of - cases.loc[asked, "asked_on"]).dt.days.to_numpy(dtype=float)
        latest = pd.Series(days).groupby(rows[asked]).min()
        last[latest.index.to_numpy()] = latest.to_numpy() / _DAYS_PER_MONTH
    history["months_since_last_case"] = last
    return active & ~blocked, history


def _snapshot(grid: _Grid, as_of: pd.Timestamp, lag: int = 0) -> pd.DataFrame:
    """Features of every dentist active on ``as_of`` (rows in roster order, indexed by key).

    Production and glosas are read up to ``lag`` months before the last month
    complete on ``as_of`` (an export's incomplete tail); the roster and the
    cases up to ``as_of``.
    """
    network, roster = grid.network, grid.network.roster
    as_of = pd.Timestamp(as_of).normalize()
    # the last month complete on as_of, less the export's incomplete tail
    month_end = as_of + pd.offsets.MonthEnd(0)
    m = _month_index(pd.Series([as_of]), grid.first)[0] - (0 if as_of == month_end else 1)
    m = min(m, grid.guides.shape[1] - 1) - lag
    active, history = _status_on(network, as_of)
    n_months = grid.guides.shape[1]
    seen = (np.arange(n_months)[None, :] >= grid.included_month[:, None]) & (
        np.arange(n_months)[None, :] <= m
    )
    g, v = grid.guides, grid.value
    guides_3m = _window_mean(g, seen, m - 2, m)
    previous = _window_mean(g, seen, m - 11, m - 3)
    trend = np.log1p(guides_3m) - np.log1p(previous)
    produced = (g[:, : m + 1] > 0) & seen[:, : m + 1] if m >= 0 else np.zeros((len(g), 0), bool)
    any_guide = produced.any(axis=1)
    last = (
        np.where(any_guide, m - np.argmax(produced[:, ::-1], axis=1), -1) if m >= 0 else np.full(len(g), -1)
    )
    observed = seen[:, : m + 1].sum(axis=1) if m >= 0 else np.zeros(len(g))
    observed_12 = seen[:, max(m - 11, 0) : m + 1].sum(axis=1) if m >= 0 else np.zeros(len(g))
    glosas_12m = _window_sum(grid.glosas, m - 11, m)
    technical_12m = _window_sum(grid.technical, m - 11, m)
    guides_12_total = _window_sum(g, m - 11, m)
    with np.errstate(invalid="ignore", divide="ignore"):
        frame = pd.DataFrame({
            "tenure_months": ((as_of - roster["included_on"]).dt.days / _DAYS_PER_MONTH).to_numpy(),
            "us_value": roster["us_value"].to_numpy(dtype=float),
            "is_clinic": roster["person_type"].map({"J": 1.0, "F": 0.0}).to_numpy(dtype=float),
            "lives": _optional(roster, "lives"),
            "listed_cros": _optional(roster, "listed_cros"),
            "other_plans": _optional(roster, "other_plans"),
            "guides_3m": guides_3m,
            "guides_last_month": _window_mean(g, seen, m, m),
            "guides_12m": _window_mean(g, seen, m - 11, m),
            "production_trend": trend,
            "production_trend_24m": np.log1p(guides_3m) - np.log1p(_window_mean(g, seen, m - 23, m - 12)),
            "production_vs_best": np.log1p(guides_3m) - np.log1p(_best_quarter(g, seen, m)),
            "value_3m": _window_mean(v, seen, m - 2, m),
            "months_since_last_guide": np.where(any_guide, m - last, observed).astype(float),
            "no_guide_seen": (~any_guide).astype(float),
            "active_share_12m": np.where(observed_12 > 0, (produced[:, max(m - 11, 0):].sum(axis=1)
                                                            / np.maximum(observed_12, 1)), np.nan),
            "months_observed": np.minimum(observed, 24).astype(float),
            "glosas_3m": _window_sum(grid.glosas, m - 2, m),
            "technical_glosas_3m": _window_sum(grid.technical, m - 2, m),
            "glosas_12m": glosas_12m,
            "glosa_value_12m": _window_sum(grid.glosa_value, m - 11, m),
            "technical_share_12m": np.where(glosas_12m > 0, technical_12m / glosas_12m, np.nan),
            "glosas_per_guide_12m": glosas_12m / np.maximum(guides_12_total, 1.0),
        }, index=grid.keys)  # fmt: skip
    place = roster["city"].str.upper().str.strip() + "/" + roster["uf"]
    codes, _ = pd.factorize(place)
    in_city = np.bincount(codes[active], minlength=codes.max() + 1)
    frame["dentists_in_city"] = in_city[codes].astype(float)
    for name, column in history_features(g, v, grid.glosas, seen, m).items():
        frame[name] = column
    frame = frame.join(history)
    return frame.loc[active, list(FEATURES)].astype(np.float32)


def _optional(roster: pd.DataFrame, column: str) -> np.ndarray:
    return roster[column].to_numpy(dtype=float) if column in roster else np.full(len(roster), np.nan)


def network_features(network: Network, as_of: str | pd.Timestamp, lag: int = 0) -> pd.DataFrame:
    """One row per dentist active on ``as_of`` (indexed by dentist key), columns :data:`FEATURES`.

    Production counts in whole months complete on ``as_of``, less the last
    ``lag`` of them (an export's incomplete tail,
    :func:`~churnlab.features.network_tail.incomplete_tail`); glosas by the
    month of their date, with the same cut; cases from their first contact
    (outcome from the final date). Missing values (a roster without
    ``nº de vidas``, no glosa to take a share of) are NaN: the model handles them.
    """
    return _snapshot(_Grid.of(network), pd.Timestamp(as_of), lag)


def month_ends(network: Network, horizon_days: int = 0, warm_up: int = 3) -> list[pd.Timestamp]:
    """Month ends from ``warm_up`` months into the data to ``horizon_days`` before its end."""
    first = network.production["month"].min() + pd.offsets.MonthEnd(0)
    ends = pd.date_range(first, network.end, freq="ME")[warm_up:]
    return [t for t in ends if t + pd.Timedelta(days=horizon_days) <= network.end]


def next_event(network: Network, keys: pd.Index, as_of: pd.Timestamp) -> pd.DataFrame:
    """Days from ``as_of`` to each dentist's next event (asks to leave or leaves), or to the data's end.

    Returns ``duration`` (days) and ``event`` (1 when the event happened on or
    before the end of the data).
    """
    roster, cases = network.roster.loc[keys], network.cases
    later = cases.loc[cases["asked_on"] > as_of].groupby("key")["asked_on"].min()
    asked = later.reindex(keys)
    left = roster["left_on"].where(roster["left_on"] > as_of)
    when = pd.concat([asked.rename("a"), left.rename("b")], axis=1).min(axis=1)
    when = when.where(when <= network.end)
    event = when.notna()
    duration = (when.fillna(network.end) - as_of).dt.days
    return pd.DataFrame(
        {"duration": duration.to_numpy(dtype=float), "event": event.to_numpy(int)}, index=keys
    )


def network_snapshots(
    network: Network, as_of_dates: list[pd.Timestamp] | None = None, horizon_days: int = 90, lag: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Features and outcomes of every active dentist at each date (default: the month ends).

    Returns ``(X, y)``: ``X`` has :data:`FEATURES` plus ``as_of`` and ``key``
    columns; ``y`` has ``duration`` (days to the event or to the end of the
    data), ``event`` and ``followed`` (days from the date to the end of the
    data). The default dates are the month ends at least ``horizon_days``
    before the end, so every row's label over that horizon
    is complete. ``lag`` cuts production and glosas as :func:`network_features`
    does, so that training rows see the data as scoring will.
    """
    grid = _Grid.of(network)
    dates = as_of_dates if as_of_dates is not None else month_ends(network, horizon_days)
    xs, ys = [], []
    for as_of in dates:
        X = _snapshot(grid, as_of, lag)
        y = next_event(network, X.index, pd.Timestamp(as_of))
        y["followed"] = float((network.end - pd.Timestamp(as_of)).days)
        X = X.assign(as_of=pd.Timestamp(as_of), key=X.index)
        xs.append(X.reset_index(drop=True))
        ys.append(y.reset_index(drop=True))
    if not xs:
        raise ValueError(
            f"no month end has {horizon_days} days of data after it; "
            "the network needs a longer production history"
        )
    return pd.concat(xs, ignore_index=True), pd.concat(ys, ignore_index=True)


def as_known_on(network: Network, as_of: str | pd.Timestamp) -> Network:
    """The network as it could have been exported on ``as_of``: nothing dated after it.

    Dentists included later are dropped, later leaving dates cleared,
    production after ``as_of``'s month and glosas dated after it removed,
    later cases dropped and cases still running reopened (no final date,
    status or action). Backtests train on this; the leakage test compares
    features computed on it with features computed on the whole network.
    """
    as_of = pd.Timestamp(as_of).normalize()
    roster = network.roster.loc[~(network.roster["included_on"] > as_of)].copy()
    roster["left_on"] = roster["left_on"].where(roster["left_on"] <= as_of)
    production = network.production.loc[network.production["month"] <= as_of].reset_index(drop=True)
    production = production.loc[production["key"].isin(roster.index)].reset_index(drop=True)
    glosas = network.glosas
    if glosas is not None:  # by the month known: a later day of as_of's month is not read (not complete)
        glosas = glosas.loc[glosas["month"] <= as_of].reset_index(drop=True)
    cases = network.cases.loc[network.cases["asked_on"] <= as_of].copy()
    running = ~(cases["finished_on"] <= as_of)
    cases.loc[running, "finished_on"] = pd.NaT
    cases.loc[running, "status"] = None
    return Network(
        roster=roster,
        production=production,
        glosas=glosas,
        cases=cases.reset_index(drop=True),
        end=min(network.end, as_of),
        rejects=[],
        warnings=list(network.warnings),
    )
