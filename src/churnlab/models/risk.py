"""The dismissal-risk model: P(the case ends in dismissal | what was known at opening).

A logistic regression on the standardised features of :mod:`churnlab.features.cases`
(plus the stated-reason probabilities of :class:`churnlab.models.reasons.ReasonTagger`).
It is chosen over gradient boosting because on the synthetic benchmark it is
closer to the Bayes limit (boosting overfits the noisy outcome), its
probabilities are calibrated by construction (the score equations of maximum
likelihood match predicted and observed rates), and its per-case reasons are
exact: each feature's contribution to the log-odds is its coefficient times its
standardised value, i.e. relative to an average dentist.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from numbers import Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from churnlab.features.cases import VALUE_COLUMNS

NON_MODEL_COLUMNS = ("first_note", "opened_on", *VALUE_COLUMNS)

REASON_WORDS: dict[str, str] = {
    "loss_of_contact": "lost contact", "health_problems": "health problems",
    "rude_beneficiary": "rude beneficiaries", "fees": "fees too low",
    "franchise": "franchise", "technical_lead_change": "change of technical lead",
    "provider_removed": "provider removed", "no_service_location": "no place to work",
    "glosas": "glosas (refused claims)", "system_difficulties": "trouble with the system",
    "guide_release_time": "slow guide release", "closed_business": "closing the practice",
    "technical_rules": "technical rules", "aesthetic_only": "aesthetic work only",
    "retired": "retiring", "low_demand": "few patients",
    "central_contact_difficulty": "cannot reach the call centre",
    "operator_support_lacking": "no support from the operator",
    "undue_charges": "undue charges", "operator_bureaucracy": "bureaucracy",
    "care_denied": "care denied", "lawsuit_threat": "threat of lawsuit",
    "outsourced_care": "outsourced care", "migration": "moving to another plan",
    "private_patients": "own private patients", "studies": "studies",
    "public_servant": "public servant", "moved_area": "moving away", "death": "death",
    "personal_reasons": "personal reasons",
}  # fmt: skip
"""Plain words for each dismissal reason, used in per-case explanations."""


MIN_CONTRIBUTION = 0.05
"""Smallest log-odds push (about +1 point of risk) worth naming as a reason."""


def model_columns(X: pd.DataFrame) -> list[str]:
    """The columns of a feature frame that models read: numeric, not the note or date."""
    return [c for c in X.columns if c not in NON_MODEL_COLUMNS and pd.api.types.is_numeric_dtype(X[c])]


_UNKNOWN_WORDS: dict[str, str] = {
    "tenure_years": "inclusion date not on the form",
    "person_type_j": "person type (J/F) not on the form",
    "requested_by_operator": "who asked for the dismissal not on the form",
    "cro_count": "number of CROs not on the form",
    "log_lives": "lives in the area not on the form",
    "log_listed_cros": "listed dentists in the area not on the form",
    "other_plans": "not known whether the dentist serves other plans",
    "us_value": "fee unit not on the form",
    "months_since_production": "date of last production unknown",
    "log_last_production_value": "value of last production not on the form",
    "glosa_technical_share": "no glosa on record",
    "months_since_last_glosa": "no glosa on record",
}


_ZERO_WORDS: dict[str, str] = {
    "glosa_count": "no glosa on record",
    "glosa_distinct_codes": "no glosa on record",
    "log_glosa_value": "no glosa on record",
    "glosa_count_12m": "no glosa in the 12 months before the request",
    "other_plans_count": "serves no other plan",
}


def describe_feature(name: str, value: float) -> str:
    """Say in words what a feature's value is, for a reason shown to a retention lead.

    Examples
    --------
    >>> describe_feature("glosa_count_12m", 3.0)
    '3 glosa(s) in the 12 months before the request'
    >>> describe_feature("p_reason_retired", 0.9)
    'first note gives the reason: retiring'
    """
    if name.startswith(("p_reason_", "says_")):
        key = name.removeprefix("p_reason_").removeprefix("says_")
        return f"first note gives the reason: {REASON_WORDS.get(key, key)}"
    if np.isnan(value):
        return _UNKNOWN_WORDS.get(name, f"{name} not on the form")
    if value == 0 and name in _ZERO_WORDS:
        return _ZERO_WORDS[name]
    words = {
        "tenure_years": f"{value:.1f} years in the network",
        "person_type_j": "a clinic (legal entity)" if value else "an individual dentist",
        "requested_by_operator": "the operator asked for the dismissal" if value
        else "the dentist asked for the dismissal",
        "cro_count": "a single CRO on the form" if value == 1 else f"{value:.0f} CROs on the form",
        "log_lives": f"{np.expm1(value):,.0f} lives in the area",
        "log_listed_cros": f"{np.expm1(value):,.0f} listed dentists in the area",
        "other_plans": "serves other plans" if value else "serves no other plan",
        "other_plans_count": f"serves {value:.0f} other plan(s)",
        "us_value": f"fee unit R$ {value:.2f}",
        "no_guides": "no guides issued lately (SEM GUIAS)" if value else "has been issuing guides",
        "months_since_production": f"last production {value:.0f} months before the request",
        "log_last_production_value": f"last production worth R$ {np.expm1(value):,.2f}",
        "glosa_count": f"{value:.0f} glosa(s) before the request",
        "glosa_count_12m": f"{value:.0f} glosa(s) in the 12 months before the request",
        "glosa_technical_share": f"{value:.0%} of glosas technical",
        "glosa_distinct_codes": "glosas under a single code" if value == 1
        else f"glosas under {value:.0f} different codes",
        "months_since_last_glosa": f"last glosa {value:.0f} months before the request",
        "log_glosa_value": f"R$ {np.expm1(value):,.2f} refused in glosas",
        "note_length": f"first note of {value:.0f} words",
    }
    return words.get(name, f"{name} = {value:g}")


@dataclass(frozen=True)
class Reason:
    """One feature pushing a case's risk up: its name, value, words and log-odds contribution.

    ``feature`` and ``value`` are what a translation needs (the words are
    :func:`describe_feature` of them); ``text`` is the English rendering.
    """

    feature: str
    value: float
    text: str
    contribution: float

    def __str__(self) -> str:
        return self.text  # tables and notebooks show the words


class DismissalRiskModel(ClassifierMixin, BaseEstimator):
    """Calibrated probability that a retention case ends in dismissal.

    A scikit-learn classifier: ``X`` is a feature frame (its model columns,
    :func:`model_columns`, are used by name, so the frame may hold more) or a
    numeric array; ``y`` has two classes, the second (1 = dismissed) being the
    event. Missing values are imputed by the median, with indicators.

    Parameters
    ----------
    C : float
        Inverse L2 regularisation strength of the logistic regression.
    random_state : int or None
        Unused by the lbfgs solver (deterministic); kept for a uniform API.

    Examples
    --------
    >>> X = pd.DataFrame({"glosa_count": [0.0, 1, 5, 8, 0, 7], "tenure_years": [9.0, 8, 1, 2, 7, 1]})
    >>> model = DismissalRiskModel().fit(X, [0, 0, 1, 1, 0, 1])
    >>> model.predict_proba(X).shape
    (6, 2)
    """

    _parameter_constraints: dict = {
        "C": [Interval(Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
    }

    def __init__(self, C: float = 0.5, random_state: int | None = None) -> None:
        self.C = C
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y) -> DismissalRiskModel:
        """Fit on the features of closed cases; ``y``: 1 (or the larger label) for dismissed."""
        if isinstance(X, pd.DataFrame):
            columns = model_columns(X)
            if not columns:
                raise ValueError("X has no numeric feature columns; build it with churnlab.build_features")
            X = X[columns]
        X, y = validate_data(self, X, y, dtype=np.float64, ensure_all_finite="allow-nan")
        check_classification_targets(y)
        kind = type_of_target(y, input_name="y")
        if kind != "binary":
            found = f"{len(np.unique(y))} class(es)" if kind in ("multiclass", "binary") else kind
            raise ValueError(f"Only binary classification is supported. The type of the target is {kind} "
                             f"({found}); the risk model needs both outcomes: retained (0) and dismissed (1)")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError("y holds only one class; the risk model needs both outcomes: "
                             "retained (0) and dismissed (1)")
        self.pipeline_ = Pipeline([
            ("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(C=self.C, max_iter=5000)),
        ]).fit(X, (y == self.classes_[1]).astype(int))
        return self

    @property
    def feature_names_(self) -> np.ndarray:
        """Names of the features, as fitted (``x0``, ``x1``... for an array)."""
        check_is_fitted(self, "pipeline_")
        names = getattr(self, "feature_names_in_", None)
        return names if names is not None else np.array([f"x{i}" for i in range(self.n_features_in_)])

    def _matrix(self, X) -> tuple[np.ndarray, pd.Index]:
        """The fitted features of ``X`` as a float matrix, and the rows' index."""
        check_is_fitted(self, "pipeline_")
        index = X.index if isinstance(X, pd.DataFrame) else None
        if isinstance(X, pd.DataFrame) and hasattr(self, "feature_names_in_"):
            missing = [c for c in self.feature_names_in_ if c not in X.columns]
            if missing:
                raise ValueError(f"X lacks the feature columns {missing[:10]} the model was fitted with")
            X = X[self.feature_names_in_]
        matrix = validate_data(self, X, reset=False, dtype=np.float64, ensure_all_finite="allow-nan")
        return matrix, index if index is not None else pd.RangeIndex(len(matrix))

    def predict_proba(self, X) -> np.ndarray:
        """Columns: P(retained), P(dismissed)."""
        matrix, _ = self._matrix(X)  # checks the model is fitted first
        return self.pipeline_.predict_proba(matrix)

    def decision_function(self, X) -> np.ndarray:
        """Log-odds of dismissal."""
        matrix, _ = self._matrix(X)
        return self.pipeline_.decision_function(matrix)

    def predict(self, X) -> np.ndarray:
        """The dismissed label where dismissal is more likely than not, else the retained one."""
        proba = self.predict_proba(X)  # checks the model is fitted first
        return self.classes_[(proba[:, 1] >= 0.5).astype(int)]

    def contributions(self, X) -> pd.DataFrame:
        """Each feature's contribution to each case's log-odds, relative to an average dentist."""
        matrix, index = self._matrix(X)
        names = self.feature_names_
        terms = self.pipeline_[:-1].transform(matrix) * self.pipeline_[-1].coef_[0]
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
        """The ``top`` features pushing each case's risk up, in words a retention lead reads.

        The lexicon flag and the tagger's probability of the same stated reason
        count as one reason, so "retiring" is not said twice; a stated reason
        the note hardly gives (below 0.3) is not named. Only pushes above
        :data:`MIN_CONTRIBUTION` count.
        """
        contributions = self.contributions(X)
        return explain_pushes(self._matrix(X)[0], contributions.to_numpy(),
                              list(contributions.columns), top)


def explain_pushes(vals: np.ndarray, push: np.ndarray, names: list[str],
                   top: int = 3) -> list[list[Reason]]:
    """The reasons of :meth:`DismissalRiskModel.explain`, from feature values and log-odds pushes.

    ``vals`` and ``push`` are rows × features; one body for the batch and the single-row paths.
    """
    keys, member = _concept_groups(tuple(names))
    # Per concept: summed push, the member feature pushing most (named), its strength.
    grouped = np.column_stack([push[:, member[k]].sum(axis=1) for k in keys])
    rows = np.arange(len(push))
    lead = np.column_stack([member[k][np.argmax(push[:, member[k]], axis=1)] for k in keys])
    strength = np.column_stack([vals[:, member[k]].max(axis=1) for k in keys])
    is_reason = np.array([k.startswith("reason:") for k in keys])
    eligible = (grouped > MIN_CONTRIBUTION) & (~is_reason | (np.nan_to_num(strength) >= 0.3))
    ranked = np.argsort(-np.where(eligible, grouped, -np.inf), axis=1, kind="stable")[:, :top + 2]
    out = []
    for i in rows:
        reasons: list[Reason] = []
        for j in ranked[i]:
            if not eligible[i, j] or len(reasons) == top:
                break
            column = lead[i, j]
            value = float(vals[i, column])
            text = describe_feature(names[column], value)
            if all(r.text != text for r in reasons):  # two glosa counts, one "no glosa"
                reasons.append(Reason(names[column], value, text, float(grouped[i, j])))
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



