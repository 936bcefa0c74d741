"""What training saw, and whether what is scored now still looks like it.

:func:`profile_frame` keeps a compact, JSON-safe profile of a feature frame:
per feature, the training quantiles as bin edges, the share of rows in each
bin and the missing rate. Only aggregates of model features are kept (shares
and cut points, at least :data:`MIN_ROWS_PER_BIN` rows behind each bin), never
a row, so a profile holds no personal data.

:func:`drift_table` compares a new frame with a profile by the population
stability index (PSI) of each feature, missing values counted as a bin of
their own. A feature drifts when its PSI passes both

- a **practical** floor, :data:`PSI_FLOOR` = 0.1 (the usual "moderate shift"
  line of credit-scoring practice: below it nobody would act), and
- a **statistical** bar: with no drift, PSI ≈ χ²(k − 1) · (1/n + 1/m) for k
  bins and n, m rows (PSI is the symmetrised Kullback–Leibler divergence,
  whose second-order term is Pearson's χ²), so the bar is the χ² quantile at
  ``1 − alpha / features`` (Bonferroni over the features scored), times
  (1/n + 1/m).

The floor keeps big batches from flagging shifts too small to matter; the
statistical bar keeps small batches (40 open cases) from flagging noise. Both
are stated on every row of the table, so a reader sees why a feature was or
was not named.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2

PSI_FLOOR = 0.1
"""PSI below which no shift is reported, however certain."""
ALPHA = 0.01
"""Chance of naming at least one feature in a run with no drift (before the floor)."""
BINS = 10
"""Quantile bins per feature (fewer when the feature has fewer distinct values)."""
MIN_ROWS_PER_BIN = 5
"""Training rows behind each bin at least, so a profile never describes a handful of people."""
DRIFT_COLUMNS = [
    "input",
    "feature",
    "psi",
    "threshold",
    "drifted",
    "missing_trained",
    "missing_now",
    "rows_trained",
    "rows_now",
]
"""Columns of :func:`drift_table`."""


_INPUTS: dict[str, str] = {
    "tenure_years": "included_on",
    "person_type_j": "person_type",
    "log_lives": "lives",
    "log_listed_cros": "listed_cros",
    "other_plans_count": "other_plans",
    "no_guides": "last_production",
    "months_since_production": "last_production",
    "log_last_production_value": "last_production",
    "months_since_last_glosa": "glosas",
    "log_glosa_value": "glosas",
    "note_length": "first_note",
}
_INPUT_PREFIXES = (("glosa_", "glosas"), ("says_", "first_note"), ("p_reason_", "first_note"))


def input_of(feature: str) -> str:
    """The form field or file a case feature is computed from (the feature itself when unknown).

    A shift in one input moves every feature made from it (doubled glosas move
    the glosa count, the 12-month count and the glosa value): the drift report
    names the input once, with its features.

    >>> input_of("glosa_count_12m"), input_of("log_lives"), input_of("us_value")
    ('glosas', 'lives', 'us_value')
    """
    for prefix, source in _INPUT_PREFIXES:
        if feature.startswith(prefix):
            return source
    return _INPUTS.get(feature, feature)


def _edges(values: np.ndarray, bins: int) -> list[float]:
    """Inner cut points: quantiles of the values, or midpoints between few distinct values."""
    distinct = np.unique(values)
    if len(distinct) <= 1:
        return []
    if len(distinct) <= bins:
        return [float(x) for x in (distinct[:-1] + distinct[1:]) / 2]
    cuts = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1]))
    return [float(x) for x in cuts if distinct[0] <= x < distinct[-1]]


def _counts(values: pd.Series, edges: list[float]) -> np.ndarray:
    """Rows per bin (``len(edges) + 1`` value bins, then the missing bin)."""
    x = pd.to_numeric(values, errors="coerce").to_numpy(np.float64)
    missing = np.isnan(x)
    bins = np.searchsorted(np.asarray(edges, np.float64), x[~missing], side="left")
    counts = np.bincount(bins, minlength=len(edges) + 1).astype(np.float64)
    return np.append(counts, float(missing.sum()))


def _merge_small(cuts: list[float], rows_per_bin: np.ndarray, least: int) -> list[float]:
    """Drop cut points until every value bin holds at least ``least`` rows (or one bin is left)."""
    edges, counts = list(cuts), [float(c) for c in rows_per_bin[:-1]]
    while len(counts) > 1 and min(counts) < least:
        i = int(np.argmin(counts))
        j = i - 1 if i == len(counts) - 1 or (i > 0 and counts[i - 1] <= counts[i + 1]) else i + 1
        lo = min(i, j)
        counts[lo : lo + 2] = [counts[lo] + counts[lo + 1]]
        del edges[lo]
    return edges


def profile_frame(frame: pd.DataFrame, bins: int = BINS) -> dict[str, Any]:
    """A JSON-safe profile of ``frame``'s numeric columns (what :func:`drift_table` compares with).

    Examples
    --------
    >>> frame = pd.DataFrame({"x": range(100), "flag": [0.0, 1.0] * 50})
    >>> profile = profile_frame(frame)
    >>> profile["rows"], len(profile["features"]["x"]["shares"]), profile["features"]["flag"]["edges"]
    (100, 11, [0.5])
    """
    features: dict[str, Any] = {}
    for name in frame.columns:
        column = pd.to_numeric(frame[name], errors="coerce")
        present = column.dropna().to_numpy(np.float64)
        edges = _edges(present, bins)
        edges = _merge_small(edges, _counts(column, edges), MIN_ROWS_PER_BIN)
        counts = _counts(column, edges)
        features[str(name)] = {
            "edges": edges,
            "shares": [float(c) for c in counts / max(len(column), 1)],
            "missing": float(column.isna().mean()) if len(column) else 0.0,
        }
    return {"rows": len(frame), "bins": bins, "features": features}


def psi(expected: np.ndarray, observed: np.ndarray, n_expected: float, n_observed: float) -> float:
    """Population stability index of two share vectors, each smoothed by half a row per bin."""
    k = len(expected)
    p = (np.asarray(expected) * n_expected + 0.5) / (n_expected + 0.5 * k)
    q = (np.asarray(observed) * n_observed + 0.5) / (n_observed + 0.5 * k)
    return float(np.sum((q - p) * np.log(q / p)))


def drift_threshold(bins: int, n_expected: float, n_observed: float, features: int) -> float:
    """The PSI a feature must pass to be named: the floor or the χ² bar, whichever is higher."""
    dof = max(bins - 1, 1)
    bar = float(chi2.ppf(1 - ALPHA / max(features, 1), dof)) * (1 / n_expected + 1 / n_observed)
    return max(PSI_FLOOR, bar)


class DriftCounter:
    """Counts, per profiled feature, the rows scored in each bin: batch after batch, in O(bins) memory.

    ``churnlab score`` adds each chunk of forms it scores and the service each
    request, so drift is measured on everything scored without keeping it.

    Examples
    --------
    >>> profile = profile_frame(pd.DataFrame({"x": range(100)}))
    >>> counter = DriftCounter(profile)
    >>> counter.add(pd.DataFrame({"x": range(50)}))
    >>> counter.add(pd.DataFrame({"x": range(50, 100)}))
    >>> counter.rows, bool(counter.table()["drifted"].any())
    (100, False)
    """

    def __init__(self, profile: Mapping[str, Any]) -> None:
        self.profile = profile
        self.counts = {name: np.zeros(len(spec["shares"])) for name, spec in profile["features"].items()}
        self.rows = 0
        self._lock = threading.Lock()  # the service counts from several threads

    def add(self, frame: pd.DataFrame) -> None:
        """Count ``frame``'s rows (profiled features it lacks are counted as missing)."""
        counted = {
            name: _counts(
                frame[name] if name in frame.columns else pd.Series(np.nan, index=frame.index), spec["edges"]
            )
            for name, spec in self.profile["features"].items()
        }
        with self._lock:
            for name, counts in counted.items():
                self.counts[name] += counts
            self.rows += len(frame)

    def add_row(self, row: Mapping[str, Any]) -> None:
        """Count one row given as a mapping (the service's single-case path: no DataFrame to build)."""
        bins = {}
        for name, spec in self.profile["features"].items():
            value = row.get(name)
            x = float(value) if isinstance(value, (int, float, np.number)) else np.nan
            bins[name] = (
                len(spec["shares"]) - 1 if np.isnan(x) else int(np.searchsorted(spec["edges"], x, "left"))
            )
        with self._lock:
            for name, b in bins.items():
                self.counts[name][b] += 1
            self.rows += 1

    def table(self) -> pd.DataFrame:
        """:func:`drift_table` of everything added so far."""
        rows = []
        n_trained = float(self.profile["rows"])
        with self._lock:
            snapshot = {name: counts.copy() for name, counts in self.counts.items()}
        for name, counts in snapshot.items():
            spec = self.profile["features"][name]
            n_now = float(counts.sum())
            if n_now == 0 or n_trained == 0:
                continue
            expected = np.asarray(spec["shares"], np.float64)
            observed = counts / n_now
            used = (expected > 0) | (observed > 0)
            value = psi(expected[used], observed[used], n_trained, n_now)
            threshold = drift_threshold(int(used.sum()), n_trained, n_now, len(self.counts))
            rows.append(
                {
                    "input": input_of(name),
                    "feature": name,
                    "psi": value,
                    "threshold": threshold,
                    "drifted": bool(value > threshold),
                    "missing_trained": float(spec["missing"]),
                    "missing_now": float(observed[-1]),
                    "rows_trained": int(n_trained),
                    "rows_now": int(n_now),
                }
            )
        table = pd.DataFrame(rows, columns=DRIFT_COLUMNS)
        return table.sort_values("psi", ascending=False, kind="stable").reset_index(drop=True)


def drift_table(profile: Mapping[str, Any], frame: pd.DataFrame) -> pd.DataFrame:
    """PSI of each profiled feature between training and ``frame``, and whether it drifted.

    A profiled feature ``frame`` lacks counts as missing on every row (a model
    that needs it would see it so); bins empty in both training and ``frame``
    do not count as degrees of freedom.
    """
    counter = DriftCounter(profile)
    counter.add(frame)
    return counter.table()


def drifted_inputs(table: pd.DataFrame) -> list[str]:
    """The inputs with at least one drifted feature, the most shifted first."""
    return list(dict.fromkeys(table.loc[table["drifted"], "input"]))


def drift_lines(table: pd.DataFrame) -> list[str]:
    """One line per drifted input, for stderr and logs (aggregates only, never a row's value)."""
    lines = []
    for source in drifted_inputs(table):
        rows = table[(table["input"] == source) & table["drifted"]]
        top = rows.iloc[0]
        line = f"input drift: {source}: PSI {top.psi:.2f} > {top.threshold:.2f}"
        if not math.isclose(top.missing_trained, top.missing_now, abs_tol=0.05):
            line += f", missing {top.missing_trained:.0%} in training, {top.missing_now:.0%} now"
        lines.append(line + f" ({', '.join(rows['feature'])})")
    return lines
