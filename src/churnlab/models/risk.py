"""The dismissal-risk model: P(the case ends in dismissal | what was known at opening).

A logistic regression on the standardised features of :mod:`churnlab.features.cases`
(plus the stated-reason probabilities of :class:`churnlab.models.reasons.ReasonTagger`).
It is chosen over gradient boosting because on the synthetic benchmark it is
closer to the Bayes limit (boosting overfits the noisy outcome), its
probabilities are calibrated by construction (the score equations of maximum
likelihood match predicted and observed rates; its regularisation is chosen by
cross-validated log-loss, so that holds on cases it did not see), and its per-case reasons are
exact: each feature's contribution to the log-odds is its coefficient times its
standardised value, i.e. relative to an average dentist.

Two bounds keep a risk a person can trust (docs/concepts/risk-model.md, "Risks a lead can trust"):
a feature beyond the range seen in training is read at the edge of that range (the
model never learnt what lies beyond it), and the risk stays within
``[1/(n+2), (n+1)/(n+2)]`` for ``n`` training cases: the rule of succession's
limits, the most certainty ``n`` cases can back.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit, logit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import Tags
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from churnlab.features.cases import RETIRED_FEATURES, VALUE_COLUMNS
from churnlab.i18n import say
from churnlab.i18n.messages import MESSAGES
from churnlab.models._sklearn_compat import Interval, StrOptions, check_is_fitted, fit_context, validate_data

NON_MODEL_COLUMNS = ("first_note", "opened_on", *VALUE_COLUMNS)

MIN_CONTRIBUTION = 0.05
"""Smallest log-odds push (about 1 point of risk) worth naming as a reason."""

NOT_REASONS = frozenset(RETIRED_FEATURES)
"""Features never named as a reason: a lead can neither read them as a cause nor act on them
(how long the analyst's note is, how many months back the last production was). A risk model
fitted now does not read them (:func:`risk_columns`); one saved before still does, silently."""


def model_columns(X: pd.DataFrame) -> list[str]:
    """The columns of a feature frame that models read: numeric, not the note or date."""
    return [c for c in X.columns if c not in NON_MODEL_COLUMNS and pd.api.types.is_numeric_dtype(X[c])]


def risk_columns(X: pd.DataFrame) -> list[str]:
    """The columns the risk model reads: :func:`model_columns` but those of :data:`NOT_REASONS`.

    The risk model says why; a feature it could never name is left out (what that
    costs: docs/concepts/risk-model.md, "Reasons"). The action recommender still reads them.
    """
    return [c for c in model_columns(X) if c not in NOT_REASONS]


_BOOLEAN = ("person_type_j", "requested_by_operator", "other_plans", "no_guides")
_LOGGED = ("log_lives", "log_listed_cros", "log_last_production_value", "log_glosa_value")


def feature_message(name: str, value: float) -> tuple[str, dict[str, object]]:
    """The catalogue key (:mod:`churnlab.i18n.messages`) and fields saying a feature's value."""
    if name.startswith(("p_reason_", "says_")):
        key = name.removeprefix("p_reason_").removeprefix("says_")
        reason = f"reason.{key}" if f"reason.{key}" in MESSAGES else key
        return "feature.reason", {"reason": reason}
    known = f"feature.{name}" in MESSAGES or any(f"feature.{name}.{v}" in MESSAGES for v in ("yes", "zero"))
    if not known:
        return (
            ("feature.unknown", {"name": name})
            if np.isnan(value)
            else ("feature.other", {"name": name, "value": value})
        )
    missing = bool(np.isnan(value))
    for variant, applies in (
        ("none", missing),
        ("unknown", missing),
        ("zero", value == 0),
        ("one", value == 1),
    ):
        if applies and f"feature.{name}.{variant}" in MESSAGES:
            return f"feature.{name}.{variant}", {}
    if np.isnan(value):
        return "feature.unknown", {"name": name}
    if name in _BOOLEAN:
        return f"feature.{name}.{'yes' if value else 'no'}", {}
    # log1p-scaled counts and amounts are said in their own units (clipped: a service user may send 1e308)
    amount = float(np.expm1(np.clip(value, -50, 700))) if name in _LOGGED else None
    return f"feature.{name}", {"value": value, "amount": amount}


def _say_fields(fields: dict[str, object], lang: str) -> dict[str, object]:
    """Fields naming a catalogue key (a dismissal reason) said in ``lang`` too."""
    return {k: say(v, lang) if isinstance(v, str) and v in MESSAGES else v for k, v in fields.items()}


def describe_feature(name: str, value: float, lang: str = "en") -> str:
    """Say in words what a feature's value is, for a reason shown to a retention lead.

    Examples
    --------
    >>> describe_feature("glosa_count_12m", 3.0)
    '3 glosas in the 12 months before the request'
    >>> describe_feature("p_reason_retired", 0.9, lang="pt")
    'o primeiro contato dá o motivo “aposentadoria”'
    """
    key, fields = feature_message(name, value)
    return say(key, lang, **_say_fields(fields, lang))


@dataclass(frozen=True)
class Reason:
    """One feature (or group of features) pushing a risk up or down: its name, value and log-odds push.

    ``key`` and ``fields`` say it in words in any language of the catalogue
    (:meth:`say`, with its direction; :meth:`words`, without); ``text`` is the
    English rendering, for notebooks and the API.
    """

    feature: str
    value: float
    contribution: float
    key: str
    fields: tuple[tuple[str, object], ...] = ()

    @property
    def direction(self) -> str:
        """``"up"`` when the reason raises the risk, ``"down"`` when it lowers it."""
        return "up" if self.contribution > 0 else "down"

    def words(self, lang: str = "en") -> str:
        """What the reason is, in ``lang`` (``pt`` or ``en``), without its direction."""
        return say(self.key, lang, **_say_fields(dict(self.fields), lang))

    def say(self, lang: str = "en") -> str:
        """The reason in words, in ``lang``, led by its direction.

        >>> Reason("glosa_count", 3.0, 0.4, "feature.glosa_count", (("value", 3.0),)).say("pt")
        '↑ aumenta o risco: 3 glosas antes do pedido'
        """
        return say(f"feature.{self.direction}", lang, reason=self.words(lang))

    @property
    def text(self) -> str:
        """The reason in English, with its direction."""
        return self.say("en")

    def __str__(self) -> str:
        return self.text  # tables and notebooks show the words


C_GRID = (0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
"""The regularisation strengths ``C="cv"`` chooses among."""

FALLBACK_C = 0.1
"""``C`` when an outcome has too few cases (fewer than 2) to cross-validate."""


def _pipeline(C: float) -> Pipeline:
    """Median imputation with missing-value indicators, scaling, L2 logistic regression."""
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(C=C, max_iter=5000)),
        ]
    )


def choose_C(X: NDArray[np.float64], event: NDArray[np.int_]) -> float:
    """The ``C`` of :data:`C_GRID` with the best log-loss over stratified folds (5 at most).

    The log-loss judges the probabilities themselves, so this is the
    regularisation under which the model's risks come out calibrated on
    cases it did not see.
    """
    folds = int(min(5, np.bincount(event).min()))
    if folds < 2:
        return FALLBACK_C
    split = StratifiedKFold(folds, shuffle=True, random_state=0)
    losses = [
        -cross_val_score(_pipeline(C), X, event, cv=split, scoring="neg_log_loss").mean() for C in C_GRID
    ]
    return float(C_GRID[int(np.argmin(losses))])


class DismissalRiskModel(ClassifierMixin, BaseEstimator):
    """Calibrated probability that a retention case ends in dismissal.

    A scikit-learn classifier: ``X`` is a feature frame (its model columns,
    :func:`model_columns`, are used by name, so the frame may hold more) or a
    numeric array; ``y`` has two classes, the second (1 = dismissed) being the
    event. Missing values are imputed by the median, with indicators.

    Parameters
    ----------
    C : float or "cv"
        Inverse L2 regularisation strength of the logistic regression, or
        ``"cv"`` (the default): the value of :data:`C_GRID` with the best
        cross-validated log-loss (5 stratified folds, fixed split), kept as ``C_``.
        A fixed ``C`` of 0.5 was overconfident on a few hundred cases (held-out
        Platt slope 0.35–0.42: risks of 0 % and 100 %); the data's own choice
        shrinks harder on small data and less on large. There is no
        ``random_state``: the lbfgs solver is deterministic and the folds are fixed.

    Examples
    --------
    >>> X = pd.DataFrame({"glosa_count": [0.0, 1, 5, 8, 0, 7], "tenure_years": [9.0, 8, 1, 2, 7, 1]})
    >>> model = DismissalRiskModel().fit(X, [0, 0, 1, 1, 0, 1])
    >>> model.predict_proba(X).shape
    (6, 2)
    """

    _parameter_constraints: dict[str, list[Any]] = {
        "C": [Interval(Real, 0, None, closed="neither"), StrOptions({"cv"})],
    }

    def __init__(self, C: float | str = "cv") -> None:
        self.C = C

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: pd.DataFrame | ArrayLike, y: ArrayLike) -> DismissalRiskModel:
        """Fit on the features of closed cases; ``y``: 1 (or the larger label) for dismissed."""
        if isinstance(X, pd.DataFrame):
            columns = risk_columns(X)
            if not columns:
                raise ValueError("X has no numeric feature columns; build it with churnlab.build_features")
            X = X[columns]
        X, y = validate_data(self, X, y, dtype=np.float64, ensure_all_finite="allow-nan")
        check_classification_targets(y)
        kind = type_of_target(y, input_name="y")
        if kind != "binary":
            found = f"{len(np.unique(y))} class(es)" if kind in ("multiclass", "binary") else kind
            raise ValueError(
                f"Only binary classification is supported. The type of the target is {kind} "
                f"({found}); the risk model needs both outcomes: retained (0) and dismissed (1)"
            )
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(
                "y holds only one class; the risk model needs both outcomes: retained (0) and dismissed (1)"
            )
        event = (y == self.classes_[1]).astype(int)
        self.C_ = choose_C(np.asarray(X), event) if self.C == "cv" else float(self.C)
        self.pipeline_ = _pipeline(self.C_).fit(X, event)
        with warnings.catch_warnings():  # a column never filled has no range: NaN bounds, not clipped
            warnings.simplefilter("ignore", RuntimeWarning)
            self.feature_range_ = np.vstack([np.nanmin(X, axis=0), np.nanmax(X, axis=0)])
        return self

    @property
    def risk_bounds(self) -> tuple[float, float]:
        """The lowest and highest risk the model gives: ``1/(n+2)`` and ``(n+1)/(n+2)``, ``n`` cases.

        By the rule of succession, ``n`` cases that all ended one way put the
        chance of the other outcome at ``1/(n+2)``: no more certainty than that
        is backed by the data the model learnt from.
        """
        check_is_fitted(self, "pipeline_")
        n = int(np.max(self.pipeline_.named_steps["scale"].n_samples_seen_))
        return 1 / (n + 2), (n + 1) / (n + 2)

    def within_training_range(self, matrix: NDArray[np.float64]) -> NDArray[np.float64]:
        """``matrix`` (rows × fitted features) with each value moved into the range seen in training.

        Missing values stay missing. A model fitted before churnlab kept the
        range (no ``feature_range_``) reads the values as they are.
        """
        bounds = getattr(self, "feature_range_", None)
        if bounds is None:
            return matrix
        low, high = bounds
        clipped = np.fmin(np.fmax(matrix, low), high)  # fmin/fmax: a NaN bound does not clip
        return np.where(np.isnan(matrix), matrix, clipped)

    @property
    def feature_names_(self) -> np.ndarray:
        """Names of the features, as fitted (``x0``, ``x1``... for an array)."""
        check_is_fitted(self, "pipeline_")
        names = getattr(self, "feature_names_in_", None)
        return names if names is not None else np.array([f"x{i}" for i in range(self.n_features_in_)])

    def _matrix(self, X: pd.DataFrame | ArrayLike) -> tuple[NDArray[np.float64], pd.Index]:
        """The fitted features of ``X`` as a float matrix, and the rows' index."""
        check_is_fitted(self, "pipeline_")
        index = X.index if isinstance(X, pd.DataFrame) else None
        if isinstance(X, pd.DataFrame) and hasattr(self, "feature_names_in_"):
            missing = [c for c in self.feature_names_in_ if c not in X.columns]
            if missing:
                raise ValueError(f"X lacks the feature columns {missing[:10]} the model was fitted with")
            X = X[self.feature_names_in_]
        matrix: NDArray[np.float64] = validate_data(
            self, X, reset=False, dtype=np.float64, ensure_all_finite="allow-nan"
        )
        return matrix, index if index is not None else pd.RangeIndex(len(matrix))

    def predict_proba(self, X: pd.DataFrame | ArrayLike) -> NDArray[np.float64]:
        """Columns: P(retained), P(dismissed); the latter within :attr:`risk_bounds`."""
        risk = self.bounded_risk(expit(self.decision_function(X)))
        return np.column_stack([1 - risk, risk])

    def bounded_risk(self, risk: NDArray[np.float64]) -> NDArray[np.float64]:
        """``risk`` clipped to :attr:`risk_bounds` (one place for the batch and single-case paths)."""
        low, high = self.risk_bounds
        bounded: NDArray[np.float64] = np.clip(risk, low, high)
        return bounded

    def decision_function(self, X: pd.DataFrame | ArrayLike) -> NDArray[np.float64]:
        """Log-odds of dismissal: of features within their training range, within :attr:`risk_bounds`."""
        matrix, _ = self._matrix(X)
        log_odds = self.pipeline_.decision_function(self.within_training_range(matrix))
        low, high = logit(self.risk_bounds)
        bounded: NDArray[np.float64] = np.clip(log_odds, low, high)
        return bounded

    def predict(self, X: pd.DataFrame | ArrayLike) -> np.ndarray:
        """The dismissed label where dismissal is more likely than not, else the retained one."""
        proba = self.predict_proba(X)  # checks the model is fitted first
        labels: np.ndarray = self.classes_[(proba[:, 1] >= 0.5).astype(int)]
        return labels

    def contributions(self, X: pd.DataFrame | ArrayLike) -> pd.DataFrame:
        """Each feature's contribution to each case's log-odds, relative to an average dentist."""
        matrix, index = self._matrix(X)
        names = self.feature_names_
        terms = (
            self.pipeline_[:-1].transform(self.within_training_range(matrix)) * self.pipeline_[-1].coef_[0]
        )
        owner = self.term_owners()
        summed = np.zeros((len(matrix), len(names)))
        for column, feature in enumerate(owner):
            summed[:, feature] += terms[:, column]
        return pd.DataFrame(summed, index=index, columns=names)

    def term_owners(self) -> np.ndarray:
        """For each model term, the feature it belongs to (a missing-value indicator's is its feature)."""
        owner = np.arange(self.n_features_in_)
        indicator = self.pipeline_.named_steps["impute"].indicator_
        return owner if indicator is None else np.concatenate([owner, indicator.features_])

    def explain(self, X: pd.DataFrame, top: int = 3) -> list[list[Reason]]:
        """The ``top`` features pushing each case's risk most, up or down, in words a retention lead reads.

        The lexicon flag and the tagger's probability of the same stated reason
        count as one reason, so "retiring" is not said twice; a stated reason
        the note hardly gives (below 0.3) is not named. Only pushes beyond
        :data:`MIN_CONTRIBUTION` count, and never a feature of :data:`NOT_REASONS`
        or a value missing from the form (a gap in the form is nothing to act on).
        """
        contributions = self.contributions(X)
        return explain_pushes(self._matrix(X)[0], contributions.to_numpy(), list(contributions.columns), top)


def shown_as_reason(feature: str, key: str) -> bool:
    """Whether a feature's message is a reason a lead can read and act on.

    Not: a feature of :data:`NOT_REASONS`, or a value the form does not give
    (``feature.unknown`` and the ``.unknown`` variants, "... not on the form").
    """
    return feature not in NOT_REASONS and key != "feature.unknown" and not key.endswith(".unknown")


def explain_pushes(vals: np.ndarray, push: np.ndarray, names: list[str], top: int = 3) -> list[list[Reason]]:
    """The reasons of :meth:`DismissalRiskModel.explain`, from feature values and log-odds pushes.

    ``vals`` and ``push`` are rows × features; one body for the batch and the single-row paths.
    Strongest push first, whichever its direction.
    """
    keys, member = _concept_groups(tuple(names))
    # Per concept: summed push, the member pushing most its way (named), its strength.
    grouped = np.column_stack([push[:, member[k]].sum(axis=1) for k in keys])
    way = np.where(grouped < 0, -1.0, 1.0)
    lead = np.column_stack(
        [member[k][np.argmax(push[:, member[k]] * way[:, [j]], axis=1)] for j, k in enumerate(keys)]
    )
    strength = np.column_stack([vals[:, member[k]].max(axis=1) for k in keys])
    is_reason = np.array([k.startswith("reason:") for k in keys])
    eligible = (np.abs(grouped) > MIN_CONTRIBUTION) & (~is_reason | (np.nan_to_num(strength) >= 0.3))
    ranked = np.argsort(-np.where(eligible, np.abs(grouped), -np.inf), axis=1, kind="stable")
    out = []
    for i in range(len(push)):
        reasons: list[Reason] = []
        for j in ranked[i]:
            if not eligible[i, j] or len(reasons) == top:
                break
            column = lead[i, j]
            value = float(vals[i, column])
            key, fields = feature_message(names[column], value)
            if not shown_as_reason(names[column], key):
                continue
            reason = Reason(names[column], value, float(grouped[i, j]), key, tuple(fields.items()))
            if all(r.words() != reason.words() for r in reasons):  # two glosa counts, one "no glosa"
                reasons.append(reason)
        out.append(reasons)
    return out


@lru_cache(maxsize=16)
def _concept_groups(names: tuple[str, ...]) -> tuple[list[str], dict[str, np.ndarray]]:
    """The concepts of a model's features, in order, and each concept's feature positions."""
    concepts = [_concept(c) for c in names]
    keys = list(dict.fromkeys(concepts))
    return keys, {k: np.array([i for i, c in enumerate(concepts) if c == k]) for k in keys}


def _concept(name: str) -> str:
    for prefix in ("p_reason_", "says_"):
        if name.startswith(prefix):
            return "reason:" + name.removeprefix(prefix)
    return name
