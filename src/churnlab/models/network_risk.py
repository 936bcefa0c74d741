"""Proactive risk: P(a dentist asks to leave or leaves within 30/90/180 days of a date).

One gradient-boosted classifier learns all horizons at once: each snapshot
row appears once per horizon whose label is complete, with the horizon as a
feature constrained to be monotone, so ``risk_30d <= risk_90d <= risk_180d``
for every dentist (a survival curve at three points). Log-loss boosting on
this many rows is calibrated enough (measured in the backtest); there is no
separate calibration step to hold data back for.

Reasons name the feature groups whose values, replaced by the network's
median, would move the dentist's 90-day risk the most, up or down; each
says which way. No risk is exactly 0 or 1 (:meth:`NetworkRiskModel.bounded_risk`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.utils import Tags

from churnlab.features.network import FEATURES, MODEL_FEATURES
from churnlab.features.network_history import OWN_PAST_FEATURES, RAW_FEATURES
from churnlab.models._sklearn_compat import Interval, check_is_fitted, fit_context
from churnlab.models.learners import one_thread
from churnlab.models.risk import Reason

HORIZONS: tuple[int, ...] = (30, 90, 180)
"""Days after the as-of date the risks are for."""


def horizon_labels(y: pd.DataFrame, horizon: int) -> np.ndarray:
    """1 if the event came within ``horizon`` days, 0 if followed that long without it, else NaN.

    With a ``followed`` column (days from the snapshot to the end of the data,
    as :func:`~churnlab.features.network.network_snapshots` gives), a row
    followed less than ``horizon`` days is NaN even when its event came: a
    window cut by the end of the data holds its events but not its
    non-events, and keeping those events alone would inflate the risk.
    """
    duration = y["duration"].to_numpy(dtype=float)
    event = y["event"].to_numpy(dtype=bool)
    labels = np.full(len(y), np.nan)
    labels[duration >= horizon] = 0.0
    labels[event & (duration <= horizon)] = 1.0
    if "followed" in y:
        labels[y["followed"].to_numpy(dtype=float) < horizon] = np.nan
    return labels


class NetworkRiskModel(ClassifierMixin, BaseEstimator):
    """Calibrated probability that an active dentist asks to leave or leaves within each horizon.

    A scikit-learn classifier over :data:`churnlab.features.network.MODEL_FEATURES`
    (used by name; the frame may hold more columns). ``fit(X, y)`` takes ``y``
    with ``duration`` (days from the snapshot to the event or to the end of
    the data) and ``event`` (0/1), as :func:`~churnlab.features.network.network_snapshots`
    returns; ``predict_proba`` gives the 90-day risk, :meth:`predict_risk` every horizon.

    Parameters
    ----------
    horizons : tuple of int
        Days; the 90-day risk is :meth:`predict_proba`'s, so 90 must be among them.
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization
        Of the :class:`~sklearn.ensemble.HistGradientBoostingClassifier`.
    max_rows : int
        Snapshot rows used for fitting at most (a random subset beyond it):
        consecutive months of one dentist repeat each other, so more rows cost
        time and add little.
    features : sequence of str or None
        The columns of ``X`` to learn from (default
        :data:`~churnlab.features.network.MODEL_FEATURES`).
    random_state : int or None
        Seed of the subset and of the boosting.
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "horizons": [tuple, list],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_leaf_nodes": [Interval(Integral, 2, None, closed="left")],
        "min_samples_leaf": [Interval(Integral, 1, None, closed="left")],
        "l2_regularization": [Interval(Real, 0, None, closed="left")],
        "max_rows": [Interval(Integral, 100, None, closed="left")],
        "features": [tuple, list, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        horizons: Sequence[int] = HORIZONS,
        max_iter: int = 150,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 7,
        min_samples_leaf: int = 200,
        l2_regularization: float = 1.0,
        max_rows: int = 300_000,
        features: Sequence[str] | None = None,
        random_state: int | None = 0,
    ) -> None:
        self.horizons = horizons
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.max_rows = max_rows
        self.features = features
        self.random_state = random_state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Load a model saved before ``features`` was a parameter (it learnt from its own list)."""
        state.setdefault("features", None)
        super().__setstate__(state)

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # a feature not observed yet (gradient boosting routes it)
        return tags

    @fit_context(prefer_skip_nested_validation=True)  # checks the parameters first
    def fit(self, X: pd.DataFrame, y: pd.DataFrame) -> NetworkRiskModel:
        """Fit on snapshot rows ``X`` and their outcomes ``y`` (``duration``, ``event``).

        The fitted attributes are set only when the fit succeeds (a refit first
        forgets the last one).
        """
        for fitted in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
            delattr(self, fitted)  # a refit decides afresh
        horizons = list(self.horizons)
        if 90 not in horizons or not all(isinstance(h, Integral) and h > 0 for h in horizons):
            raise ValueError(
                f"horizons must be positive whole days including 90 (network_scores.csv's "
                f"risk_90d), got {self.horizons}"
            )
        names = list(MODEL_FEATURES if self.features is None else self.features)
        features = self._matrix(X, names)
        # A feature never seen (24-month trend on a year of data) is a constant: HGB cannot bin all-NaN.
        unseen = np.isnan(features).all(axis=0)
        features[:, unseen] = 0.0
        y = pd.DataFrame(y).reset_index(drop=True)
        rng = np.random.default_rng(self.random_state)
        rows = np.arange(len(features))
        if len(rows) > self.max_rows:
            rows = np.sort(rng.choice(rows, self.max_rows, replace=False))
        parts, labels = [], []
        for horizon in horizons:
            label = horizon_labels(y.iloc[rows], horizon)
            known = ~np.isnan(label)
            parts.append(np.column_stack([features[rows][known], np.full(known.sum(), horizon)]))
            labels.append(label[known])
        target = np.concatenate(labels)
        if len(np.unique(target)) < 2:
            raise ValueError(
                "the snapshots hold only one outcome; the network model needs dentists who "
                "asked to leave or left and dentists who did not"
            )
        model = HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            monotonic_cst=[0] * features.shape[1] + [1],
            early_stopping=False,
            random_state=self.random_state,
        ).fit(np.vstack(parts), target)
        reference = np.nanmedian(features[rows], axis=0)
        self.model_ = model
        self.n_fit_rows_ = len(rows)  # the rows behind risk_bounds
        self.unseen_features_ = unseen
        self.reference_ = np.where(np.isnan(reference), 0.0, reference)
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = np.array(names, dtype=object)
        self.n_features_in_ = len(names)
        return self

    def _names(self) -> list[str]:
        """The features of the fitted model (a model saved by an older churnlab keeps its own)."""
        return list(getattr(self, "feature_names_in_", MODEL_FEATURES))

    def _matrix(self, X: pd.DataFrame, names: list[str] | None = None) -> np.ndarray:
        names = self._names() if names is None else names
        missing = [c for c in names if c not in X]
        if missing:
            raise ValueError(f"X lacks the network features {missing}")
        features = X[names].to_numpy(dtype=np.float64)
        if hasattr(self, "unseen_features_"):
            features[:, self.unseen_features_] = 0.0
        return features

    @one_thread  # the trees' OpenMP threads wait on each other on a busy machine (see one_thread)
    def _risk(self, features: np.ndarray, horizon: int) -> NDArray[np.float64]:
        stacked = np.column_stack([features, np.full(len(features), horizon)])
        return self.bounded_risk(self.model_.predict_proba(stacked)[:, 1])

    def bounded_risk(self, risk: NDArray[np.float64]) -> NDArray[np.float64]:
        """``risk`` within ``[1/(n+2), (n+1)/(n+2)]``, ``n`` the snapshot rows the model was fitted on.

        The rule of succession's limits (as for the case model, :attr:`DismissalRiskModel.risk_bounds`):
        no risk is exactly 0 or 1. A model saved before churnlab kept ``n`` is read unbounded.
        """
        n = getattr(self, "n_fit_rows_", None)
        bounded: NDArray[np.float64] = risk if n is None else np.clip(risk, 1 / (n + 2), (n + 1) / (n + 2))
        return bounded

    def predict_risk(self, X: pd.DataFrame, horizons: Sequence[int] | None = None) -> pd.DataFrame:
        """``risk_{h}d`` for each horizon (default: the fitted ones), same index as ``X``."""
        check_is_fitted(self, "model_")
        features = self._matrix(X)
        horizons = self.horizons if horizons is None else horizons
        risks = {f"risk_{h}d": self._risk(features, h) for h in horizons}
        frame = pd.DataFrame(risks, index=X.index)
        return frame.cummax(axis=1) if len(horizons) > 1 and list(horizons) == sorted(horizons) else frame

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """``[P(no event), P(event)]`` within 90 days."""
        check_is_fitted(self, "model_")
        risk = self._risk(self._matrix(X), 90)
        return np.column_stack([1 - risk, risk])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """1 where the 90-day risk is at least one half."""
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def explain(self, X: pd.DataFrame, top: int = 3) -> list[list[Reason]]:
        """Per row, up to ``top`` reasons moving the 90-day risk most, up or down, strongest first.

        A reason is a group of features (production, months without a guide,
        glosas, fee unit, tenure, earlier cases, market) whose values set to
        the network's median would move the risk's log-odds; the push is that
        move, positive where the dentist's values raise the risk.
        """
        check_is_fitted(self, "model_")
        features = self._matrix(X)
        pushes = _group_pushes(self, features)
        names = self._names()
        reasons = []
        # the words read the shaped features even when the model does not (the plain fallback)
        shown = [c for c in FEATURES if c in X and c not in set(names)]
        context = X[shown].to_numpy(dtype=np.float64)
        for i in range(len(features)):
            row = dict(zip(names, features[i], strict=True)) | dict(zip(shown, context[i], strict=True))
            order = np.argsort(-np.abs(pushes[i]), kind="stable")[:top]
            reasons.append([_reason(g, row, float(pushes[i, g])) for g in order if abs(pushes[i, g]) > 0.05])
        return reasons


def _group_pushes(model: NetworkRiskModel, features: np.ndarray) -> NDArray[np.float64]:
    """Rows × reason groups: the drop in 90-day log-odds when the group's values become the median."""
    base = _logit(model._risk(features, 90))
    pushes = np.zeros((len(features), len(_GROUPS)))
    index = {name: i for i, name in enumerate(model._names())}
    for g, (_, columns, _) in enumerate(_GROUPS):
        moved = features.copy()
        for column in (c for c in columns if c in index):  # a missing value stays missing
            j = index[column]
            moved[:, j] = np.where(np.isnan(features[:, j]), np.nan, model.reference_[j])
        pushes[:, g] = base - _logit(model._risk(moved, 90))
    return pushes


def _reason(group: int, row: Row, push: float) -> Reason:
    name, columns, words = _GROUPS[group]
    key, fields = words(row)
    return Reason(
        feature=name,
        value=float(row[columns[0]]),
        contribution=push,
        key=key,
        fields=tuple((k, float(v)) for k, v in fields.items()),
    )


def _logit(p: NDArray[np.float64]) -> NDArray[np.float64]:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(q / (1 - q))


Fields = dict[str, float]

Row = dict[str, float]
"""One snapshot row: feature name -> value."""


def _production_words(row: Row) -> tuple[str, Fields]:
    trend = row["production_trend"]
    if np.isfinite(trend) and trend < -0.1:
        return "network.production.down", {"drop": 1 - np.exp(trend), "guides": row["guides_3m"]}
    return "network.production", {"guides": row["guides_3m"]}


def _no_guide_words(row: Row) -> tuple[str, Fields]:
    if row["no_guide_seen"] >= 1:
        return "network.months_without_guide.never", {"months": row["months_observed"]}
    months = row["months_since_last_guide"]
    if months < 1:
        return "network.months_without_guide.recent", {}
    return "network.months_without_guide", {"months": months}


def _glosa_words(row: Row) -> tuple[str, Fields]:
    share = row["technical_share_12m"]
    fields = {
        "glosas_12m": row["glosas_12m"],
        "glosas_3m": row["glosas_3m"],
        "per_guide": row["glosas_per_guide_12m"],
    }
    if np.isfinite(share):
        return "network.glosas.technical", {**fields, "share": share}
    return "network.glosas", fields


def _case_words(row: Row) -> tuple[str, Fields]:
    if row["earlier_cases"] < 1:
        return "network.earlier_cases.none", {}
    if row["earlier_cases"] == 1:
        return "network.earlier_cases.one", {"months": row["months_since_last_case"]}
    return "network.earlier_cases", {"count": row["earlier_cases"], "months": row["months_since_last_case"]}


_OWN_PAST = (*RAW_FEATURES, *(c for c in OWN_PAST_FEATURES if c.startswith(("guides", "active"))))
"""The raw months and the production against the dentist's own past: the production group's too."""

_GROUPS: tuple[tuple[str, tuple[str, ...], Callable[[Row], tuple[str, Fields]]], ...] = (
    (
        "production",
        ("production_trend", "guides_3m", "guides_12m", "value_3m", "active_share_12m", *_OWN_PAST),
        _production_words,
    ),
    (
        "months_without_guide",
        ("months_since_last_guide", "no_guide_seen", "gap_surprise", "gap_vs_usual"),
        _no_guide_words,
    ),
    (
        "glosas",
        (
            "glosas_12m",
            "glosas_3m",
            "technical_glosas_3m",
            "glosa_value_12m",
            "technical_share_12m",
            "glosas_per_guide_12m",
            "glosas_per_guide_vs_own",
        ),
        _glosa_words,
    ),
    (
        "fee_unit",
        ("us_value", "value_per_guide_vs_own"),
        lambda row: ("network.fee_unit", {"value": row["us_value"]}),
    ),
    ("tenure", ("tenure_months",), lambda row: ("network.tenure", {"months": row["tenure_months"]})),
    ("earlier_cases", ("earlier_cases", "earlier_retained", "months_since_last_case"), _case_words),
    (
        "market",
        ("dentists_in_city", "lives", "listed_cros", "is_clinic", "other_plans"),
        lambda row: ("network.market", {"dentists": row["dentists_in_city"]}),
    ),
)
"""Reason groups: (name, features — the first is the value shown, catalogue key and fields)."""
