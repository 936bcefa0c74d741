"""Which retention action to try first, and is it worth it: multi-action uplift, checked off-policy.

:class:`ActionRecommender` estimates, for every case, ``P(retained | X, a)``
under ``none`` and each of the six actions, and recommends the action with the
largest expected value ``P(retained | a) × value of the dentist − cost of a``
(:class:`~churnlab.economics.Economics`), so ``none`` wins when nothing pays.

Historical actions were chosen by analysts, not at random, so the learners
below adjust for the features the analysts looked at, and a propensity model
of the analysts' choices (multinomial logistic regression) is kept for
off-policy evaluation. Three meta-learners are built on scikit-learn models,
all on the standardised numeric features (median imputation with missing
indicators, then scaling):

``"s"`` (S-learner)
    One logistic regression on the features, one indicator per action and
    action × effect-modifier interactions (by default the stated-reason
    probabilities ``p_reason_*``: which action helps depends on why the
    dentist wants to leave); effects come from switching the indicators.
``"t"`` (T-learner)
    One logistic regression per action on every feature, fitted on the cases
    where that action was tried.
``"dr"`` (DR-learner)
    Cross-fitted doubly-robust pseudo-outcomes (:func:`churnlab.policy.dr_scores`,
    with the S-learner as outcome model and clipped propensities), then a
    ridge regression per action on the effect modifiers; predictions are
    clipped to [0, 1].

The L2 strengths of the logistic models (outcome and propensity) are chosen
by cross-validated log loss (``C="auto"``): fit quality is the right test for
these nuisance models, and the strength then follows the amount of data.

``learner="auto"`` picks the meta-learner by **cross-validated policy value**,
not by fit quality: on each of ``cv`` folds every candidate is fitted on the
other folds and recommends on the held-out fold, and that policy's value is
estimated by DR on the held-out cases (R$ per case under ``economics``; one
common outcome model per fold keeps the comparison paired). A candidate less
than one paired standard error behind the best counts as a tie, and ties go
to the first of :data:`LEARNERS` (s, t, dr: pooled and least variable
first). The table is kept in ``cv_results_``; the choice is refitted on all
cases.

Measured on the synthetic generator (tuned on seeds 11–15, reported on fresh
seeds in the README): logistic models on the standardised features beat
gradient boosting, which overfits the noisy outcome; interactions with the
reason probabilities beat interactions with every feature; the S-learner is
the usual choice.

A case with several ticked action boxes counts under its primary action (the
first ticked box in form order, :func:`churnlab.dataset.primary_action`).

:func:`evaluate_policy` gives users the IPW and DR values (with 95 %
intervals) of the recommended policy, the analysts' historical policy and
every fixed action, on held-out cases or cross-fitted, which is how the gain
can be judged on real data, where no truth exists.
"""

from __future__ import annotations

import functools
import time
import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge, RidgeCV
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from churnlab.economics import Economics
from churnlab.policy import dr_scores, dr_value, ipw_value
from churnlab.records import ACTION_LABELS, NO_ACTION
from churnlab.risk import model_columns

__all__ = ["ActionRecommender", "FREE_ACTIONS", "LEARNERS", "check_actions", "evaluate_policy"]

LEARNERS: tuple[str, ...] = ("s", "t", "dr")
"""Meta-learners :class:`ActionRecommender` implements; ``"auto"`` chooses among them."""

_N_ACTIONS = len(ACTION_LABELS)

FREE_ACTIONS = Economics(action_costs=dict.fromkeys(ACTION_LABELS, 0.0), price_rise=0.0)
"""Economics in which every action is free: :meth:`ActionRecommender.recommend` then
picks the action with the largest P(retained) (``none`` only when no action helps)."""

REASON_PREFIX = "p_reason_"
"""Columns holding the stated-reason probabilities: the default effect modifiers."""


# --- building blocks on the preprocessed matrix Z and integer action codes ------------------


def _preprocessor() -> Pipeline:
    return Pipeline([
        ("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)),
        ("scale", StandardScaler()),
    ])


def _s_design(Z: np.ndarray, codes: np.ndarray, modifiers: np.ndarray) -> np.ndarray:
    """Features, action indicators (``none`` is the baseline), action × modifier interactions."""
    onehot = np.zeros((len(Z), _N_ACTIONS - 1))
    hit = codes > 0
    onehot[np.flatnonzero(hit), codes[hit] - 1] = 1.0
    interactions = (onehot[:, :, None] * Z[:, None, modifiers]).reshape(len(Z), -1)
    return np.hstack([Z, onehot, interactions])


def _fit_s(Z, codes, y, C: float, modifiers: np.ndarray):
    return LogisticRegression(C=C, max_iter=2000).fit(_s_design(Z, codes, modifiers), y)


def _predict_s(model, Z, modifiers: np.ndarray, chunk: int = 4096) -> np.ndarray:
    # One predict_proba call per chunk of rows for all seven actions: a single case
    # costs one call, not seven (scikit-learn's per-call checks dominate small inputs).
    out = np.empty((len(Z), _N_ACTIONS))
    for start in range(0, len(Z), chunk):
        part = Z[start:start + chunk]
        stacked = np.vstack([_s_design(part, np.full(len(part), j), modifiers) for j in range(_N_ACTIONS)])
        out[start:start + len(part)] = model.predict_proba(stacked)[:, 1].reshape(_N_ACTIONS, len(part)).T
    return out


def _fit_t(Z, codes, y, C: float, supported: np.ndarray) -> list:
    models = []
    for j in range(_N_ACTIONS):
        rows = codes == j
        if not supported[j]:
            models.append(None)
            continue
        # Two half-weight pseudo-cases (one retained, one lost) at the group's mean keep
        # both outcomes present in small groups; they are negligible in large ones.
        centre = (Z[rows] if rows.any() else Z).mean(axis=0, keepdims=True)
        Zj = np.vstack([Z[rows], centre, centre])
        yj = np.concatenate([y[rows], [0, 1]])
        weight = np.concatenate([np.ones(rows.sum()), [0.5, 0.5]])
        models.append(LogisticRegression(C=C, max_iter=2000).fit(Zj, yj, sample_weight=weight))
    return models


def _predict_t(models, Z) -> np.ndarray:
    out = np.full((len(Z), _N_ACTIONS), np.nan)
    for j, model in enumerate(models):
        if model is not None:
            out[:, j] = model.predict_proba(Z)[:, 1]
    return out


def _fit_propensity_z(Z, codes, C: float) -> LogisticRegression:
    return LogisticRegression(C=C, max_iter=2000).fit(Z, codes)


def _propensities_z(model: LogisticRegression, Z) -> np.ndarray:
    out = np.zeros((len(Z), _N_ACTIONS))
    out[:, model.classes_.astype(int)] = model.predict_proba(Z)
    return out


_ALPHA_GRID = 10.0 ** np.arange(-1.0, 5.01, 0.5)
"""Ridge penalties tried (efficient leave-one-out) when ``alpha="auto"``."""

_C_GRID = 10.0 ** np.arange(-4.0, 2.01, 0.5)
"""Inverse L2 strengths tried when ``C="auto"``: 1e-4 ... 100 in half decades."""


def _tune_C(cv_loss, start: float = 0.01) -> float:
    """Walk the grid from ``start`` towards lower cross-validated log loss; stop at a minimum."""
    losses: dict[int, float] = {}

    def loss(i: int) -> float:
        if i not in losses:
            losses[i] = cv_loss(float(_C_GRID[i]))
        return losses[i]

    i = int(np.argmin(np.abs(np.log(_C_GRID / start))))
    while True:
        best = min((j for j in (i - 1, i, i + 1) if 0 <= j < len(_C_GRID)), key=loss)
        if best == i:
            return float(_C_GRID[i])
        i = best


def _log_loss(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _cv_loss_s(Z, codes, y, modifiers, folds):
    def loss(C: float) -> float:
        total = 0.0
        for train, test in folds:
            model = _fit_s(Z[train], codes[train], y[train], C, modifiers)
            p = model.predict_proba(_s_design(Z[test], codes[test], modifiers))[:, 1]
            total += _log_loss(p, y[test]) * len(test)
        return total / len(y)
    return loss


def _cv_loss_t(Z, codes, y, supported, folds):
    def loss(C: float) -> float:
        total = 0.0
        for train, test in folds:
            p = _predict_t(_fit_t(Z[train], codes[train], y[train], C, supported), Z[test])
            total += _log_loss(p[np.arange(len(test)), codes[test]], y[test]) * len(test)
        return total / len(y)
    return loss


def _cv_loss_propensity(Z, codes, folds):
    def loss(C: float) -> float:
        total = 0.0
        for train, test in folds:
            pi = _propensities_z(_fit_propensity_z(Z[train], codes[train], C), Z[test])
            total -= np.log(np.clip(pi[np.arange(len(test)), codes[test]], 1e-12, 1)).sum()
        return total / len(codes)
    return loss


def _frame(values: np.ndarray, index) -> pd.DataFrame:
    return pd.DataFrame(values, index=index, columns=list(ACTION_LABELS))


def _dr_pseudo_outcomes(Z, codes, y, C: float, propensity_C: float, clip: float, cv: int,
                        random_state, modifiers: np.ndarray) -> np.ndarray:
    """Cross-fitted DR pseudo-outcomes Γ(x_i, a) (retention units), one column per label."""
    gamma = np.empty((len(Z), _N_ACTIONS))
    labels = np.array(ACTION_LABELS, dtype=object)
    for train, test in _folds(codes, cv, random_state):
        s_model = _fit_s(Z[train], codes[train], y[train], C, modifiers)
        q = _predict_s(s_model, Z[test], modifiers)
        pi = _propensities_z(_fit_propensity_z(Z[train], codes[train], propensity_C), Z[test])
        gamma[test] = dr_scores(labels[codes[test]], y[test], _frame(pi, None),
                                _frame(q, None), clip=clip).to_numpy()
    return gamma


def _fit_dr(Z, codes, y, C, propensity_C, clip, cv, alpha, random_state, supported,
            modifiers) -> list:
    gamma = _dr_pseudo_outcomes(Z, codes, y, C, propensity_C, clip, cv, random_state, modifiers)

    def ridge():
        return RidgeCV(alphas=_ALPHA_GRID) if alpha == "auto" else Ridge(alpha=alpha)
    return [ridge().fit(Z[:, modifiers], gamma[:, j]) if supported[j] else None
            for j in range(_N_ACTIONS)]


def _predict_dr(models, Z, modifiers) -> np.ndarray:
    out = np.full((len(Z), _N_ACTIONS), np.nan)
    for j, model in enumerate(models):
        if model is not None:
            out[:, j] = np.clip(model.predict(Z[:, modifiers]), 0.0, 1.0)
    return out


def _folds(codes: np.ndarray, cv: int, random_state):
    """Folds stratified by action when every action present has ``cv`` cases, else plain."""
    counts = np.bincount(codes, minlength=_N_ACTIONS)
    if counts[counts > 0].min() >= cv:
        splitter = StratifiedKFold(cv, shuffle=True, random_state=random_state)
    else:
        splitter = KFold(cv, shuffle=True, random_state=random_state)
    return list(splitter.split(np.zeros(len(codes)), codes))


def _one_blas_thread(method: Callable) -> Callable:
    """Run ``method`` with single-threaded BLAS.

    The matrices here are small (thousands of rows, hundreds of columns): a
    multi-threaded BLAS gains nothing on them and, on a busy machine, its
    threads wait on each other, making a fit ten times slower or worse.
    """

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with threadpool_limits(limits=1, user_api="blas"):
            return method(*args, **kwargs)

    return wrapper


# --- input checks ------------------------------------------------------------------------


def _as_frame(X) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    array = np.asarray(X)
    if array.ndim != 2:
        raise ValueError(f"X must be 2-dimensional (one row per case); got shape {array.shape}")
    return pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])


def check_actions(actions, n: int | None = None) -> np.ndarray:
    """Action labels as an object array; unknown labels raise a ``ValueError`` naming them.

    Examples
    --------
    >>> check_actions(["none", "support"]).tolist()
    ['none', 'support']
    >>> check_actions(["discount"])
    Traceback (most recent call last):
    ...
    ValueError: unknown action labels ['discount']; allowed labels: none, new_prices, support, publicity, training, refresher, other
    """  # noqa: E501
    values = np.asarray(actions, dtype=object).ravel()
    if n is not None and len(values) != n:
        raise ValueError(f"actions has {len(values)} entries but X has {n} rows")
    unknown = sorted({str(v) for v in values} - set(ACTION_LABELS))
    if unknown:
        raise ValueError(f"unknown action labels {unknown}; allowed labels: "
                         f"{', '.join(ACTION_LABELS)}")
    return values.astype(str).astype(object)


def _check_retained(retained, n: int) -> np.ndarray:
    values = np.asarray(retained).ravel()
    if len(values) != n:
        raise ValueError(f"retained has {len(values)} entries but X has {n} rows")
    try:
        numeric = values.astype(float)
    except (TypeError, ValueError):
        raise ValueError("retained must be 0 (lost) / 1 (retained)") from None
    if np.isnan(numeric).any() or not set(np.unique(numeric)) <= {0.0, 1.0}:
        raise ValueError("retained must be 0 (lost) / 1 (retained), without missing values")
    return numeric.astype(int)


# --- the estimator -------------------------------------------------------------------------


class ActionRecommender(BaseEstimator):
    """Multi-action uplift model: P(retained | X, action) and the action worth trying first.

    Parameters
    ----------
    learner : {"auto", "s", "t", "dr"}
        Meta-learner (see the module docstring); ``"auto"`` picks the one with
        the best cross-validated DR policy value.
    economics : Economics or None
        Dentist value and action costs used by :meth:`recommend` and by the
        ``"auto"`` choice; ``None`` means ``Economics()`` (its stated defaults).
    clip : float
        Lower bound on propensities in the DR pseudo-outcomes and evaluations.
    cv : int
        Folds for cross-fitting (DR-learner) and for the ``"auto"`` choice.
    random_state : int or None
        Seed of the fold splits.
    effect_modifiers : "reasons", "all" or list of str
        Features whose interactions with the actions the S-learner models and
        the DR-learner's final regressions read. ``"reasons"`` (default): the
        stated-reason probabilities ``p_reason_*`` (which action helps depends
        on why the dentist wants to leave), or every feature when X has none.
        The T-learner always uses every feature.
    C : float or "auto"
        Inverse L2 strength of the outcome logistic regressions. ``"auto"``
        picks it by cross-validated log loss (fit quality is the right
        criterion for a nuisance model), separately for the S- and T-learner.
    propensity_C : float or "auto"
        Inverse L2 strength of the propensity (historical policy) model;
        ``"auto"``: by cross-validated log loss.
    alpha : float or "auto"
        Ridge penalty of the DR-learner's pseudo-outcome regressions;
        ``"auto"``: by efficient leave-one-out error.
    min_action_cases : int
        An action tried in fewer training cases has no estimate: its column of
        :meth:`predict_effects` is NaN, :meth:`recommend` never picks it, and
        ``fit`` warns. ``none`` must reach it (gains are measured against it).

    Attributes
    ----------
    learner_ : str
        The meta-learner used (the ``"auto"`` choice, or ``learner``).
    cv_results_ : dict of arrays or None
        With ``learner="auto"`` (``pd.DataFrame(cv_results_)`` reads it as a
        table): per candidate ``learner``, the cross-validated DR value
        of its policy (R$ per case), its standard error, its gain over
        ``none`` and fit time; ``None`` otherwise.
    propensity_ : sklearn.pipeline.Pipeline
        Multinomial logistic model of the historical action choice.
    C_ : dict
        Inverse L2 strength used by the ``"s"`` and ``"t"`` learners.
    propensity_C_ : float
        Inverse L2 strength of the propensity model.
    actions_ : numpy.ndarray
        Labels with an estimate (tried in at least ``min_action_cases`` cases).
    feature_names_in_ : numpy.ndarray
        Feature columns the models read.
    preprocess_ : sklearn.pipeline.Pipeline
        Median imputation (with missing indicators) and scaling of those columns.
    models_ : object
        The fitted learner: a ``LogisticRegression`` (``"s"``), or a list with
        one ``LogisticRegression`` (``"t"``) or ridge regression (``"dr"``) per
        label, ``None`` for labels without an estimate. Plain scikit-learn
        objects, so skops can save them.

    Examples
    --------
    New prices keep dentists who complain about fees; nothing else helps:

    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"p_reason_fees": rng.integers(0, 2, 2000).astype(float)})
    >>> actions = rng.choice(ACTION_LABELS, 2000)
    >>> p = 0.3 + 0.5 * ((actions == "new_prices") & (X["p_reason_fees"] == 1))
    >>> retained = (rng.random(2000) < p).astype(int)
    >>> rec = ActionRecommender(learner="s", random_state=0).fit(X, actions, retained)
    >>> new = pd.DataFrame({"p_reason_fees": [0.0, 1.0]})
    >>> rec.recommend(new).tolist()
    ['none', 'new_prices']
    >>> rec.uplift(new)["new_prices"].gt(0.2).tolist()  # P(retained | new prices) - P(.. | none)
    [False, True]
    """

    def __init__(self, learner: str = "auto", economics: Economics | None = None,
                 clip: float = 0.02, cv: int = 3, random_state: int | None = None,
                 effect_modifiers: str | Sequence[str] = "reasons",
                 C: float | str = "auto", propensity_C: float | str = "auto",
                 alpha: float | str = "auto", min_action_cases: int = 10) -> None:
        self.learner = learner
        self.economics = economics
        self.clip = clip
        self.cv = cv
        self.random_state = random_state
        self.effect_modifiers = effect_modifiers
        self.C = C
        self.propensity_C = propensity_C
        self.alpha = alpha
        self.min_action_cases = min_action_cases

    # -- fitting --

    def active_economics(self) -> Economics:
        """The economics decisions use: ``economics``, or ``Economics()`` when it is None."""
        return Economics() if self.economics is None else self.economics

    def _check_params(self) -> None:
        if self.learner not in ("auto", *LEARNERS):
            raise ValueError(f"learner must be 'auto' or one of {LEARNERS}; got {self.learner!r}")
        if self.economics is not None and not isinstance(self.economics, Economics):
            raise TypeError("economics must be a churnlab.economics.Economics or None")
        if not 0 < self.clip < 1:
            raise ValueError(f"clip must be in (0, 1); got {self.clip}")
        if int(self.cv) != self.cv or self.cv < 2:
            raise ValueError(f"cv must be an integer >= 2; got {self.cv}")
        for name in ("C", "propensity_C", "alpha"):
            value = getattr(self, name)
            if not (value == "auto" if isinstance(value, str) else value > 0):
                raise ValueError(f"{name} must be a positive number or 'auto'; got {value!r}")

    def _modifier_mask(self, names: np.ndarray) -> np.ndarray:
        names = np.asarray(names, dtype=str)
        if isinstance(self.effect_modifiers, str) and self.effect_modifiers == "all":
            return np.ones(len(names), dtype=bool)
        if isinstance(self.effect_modifiers, str) and self.effect_modifiers == "reasons":
            mask = np.char.startswith(names, REASON_PREFIX)
            return mask if mask.any() else np.ones(len(names), dtype=bool)
        if isinstance(self.effect_modifiers, str):
            raise ValueError("effect_modifiers must be 'reasons', 'all' or a list of feature "
                             f"columns; got {self.effect_modifiers!r}")
        wanted = list(self.effect_modifiers)
        unknown = sorted(set(wanted) - set(names))
        if unknown or not wanted:
            raise ValueError(f"effect_modifiers {unknown or wanted} are not numeric feature "
                             f"columns of X; choose among {list(names[:10])}...")
        return np.isin(names, wanted)

    @_one_blas_thread
    def fit(self, X, actions, retained) -> ActionRecommender:
        """Fit on closed cases: features ``X``, the action tried, and 1 if the dentist stayed.

        Parameters
        ----------
        X : pandas.DataFrame
            Feature frame (:func:`churnlab.modeling.training_features`); only
            its numeric model columns are read.
        actions : array-like of str
            Label per case from :data:`~churnlab.records.ACTION_LABELS`
            (``"none"`` when no action was tried).
        retained : array-like of {0, 1}
            1 when the dentist stayed, 0 when dismissed.
        """
        self._check_params()
        X = _as_frame(X)
        labels = check_actions(actions, len(X))
        y = _check_retained(retained, len(X))
        if len(np.unique(y)) < 2:
            raise ValueError("retained holds only one outcome; need retained and lost cases")
        columns = model_columns(X)
        if not columns:
            raise ValueError("X has no numeric feature columns; build it with "
                             "churnlab.modeling.training_features")
        codes = np.array([ACTION_LABELS.index(a) for a in labels])
        counts = np.bincount(codes, minlength=_N_ACTIONS)
        supported = counts >= max(self.min_action_cases, 1)
        if not supported[0]:
            raise ValueError(f"only {counts[0]} training cases with action 'none'; at least "
                             f"{max(self.min_action_cases, 1)} are needed, since every gain is "
                             "measured against doing nothing")
        rare = [ACTION_LABELS[j] for j in range(_N_ACTIONS) if not supported[j]]
        if rare:
            warnings.warn(f"actions {rare} were tried in fewer than {self.min_action_cases} "
                          "training cases: they get no estimate (NaN effects) and are never "
                          "recommended", UserWarning, stacklevel=2)
        # Cases with an action that has no estimate cannot inform any effect.
        keep = supported[codes]
        frame = X.loc[keep, columns].astype(float)
        codes, y = codes[keep], y[keep]

        self.feature_names_in_ = np.asarray(columns, dtype=object)
        self.n_features_in_ = len(columns)
        self.actions_ = np.array([a for a, s in zip(ACTION_LABELS, supported, strict=True) if s],
                                 dtype=object)
        self.supported_ = supported
        self.preprocess_ = _preprocessor().fit(frame)
        Z = self.preprocess_.transform(frame)
        self.modifiers_ = self._modifier_mask(self.preprocess_.get_feature_names_out())
        folds = _folds(codes, self.cv, self.random_state)
        self.propensity_C_ = (_tune_C(_cv_loss_propensity(Z, codes, folds), start=0.003)
                              if self.propensity_C == "auto" else float(self.propensity_C))
        self.C_ = {
            "s": (_tune_C(_cv_loss_s(Z, codes, y, self.modifiers_, folds))
                  if self.C == "auto" else float(self.C)),
            "t": (_tune_C(_cv_loss_t(Z, codes, y, self.supported_, folds))
                  if self.C == "auto" else float(self.C)),
        }
        self.propensity_ = Pipeline([
            ("preprocess", self.preprocess_),
            ("model", _fit_propensity_z(Z, codes, self.propensity_C_)),
        ])
        rewards_frame = X.loc[keep]
        if self.learner == "auto":
            table = self._cross_validate(Z, codes, y, rewards_frame)
            self.learner_ = str(table.index[table["chosen"]][0])
            # A dict of arrays, as GridSearchCV keeps it: skops saves it, pandas reads it.
            self.cv_results_ = {"learner": table.index.to_numpy(dtype=str),
                                **{c: table[c].to_numpy() for c in table.columns}}
        else:
            self.cv_results_ = None
            self.learner_ = self.learner
        self.models_ = self._fit_learner(self.learner_, Z, codes, y)
        return self

    def _fit_learner(self, learner: str, Z, codes, y):
        if learner == "s":
            return _fit_s(Z, codes, y, self.C_["s"], self.modifiers_)
        if learner == "t":
            return _fit_t(Z, codes, y, self.C_["t"], self.supported_)
        return _fit_dr(Z, codes, y, self.C_["s"], self.propensity_C_, self.clip, self.cv,
                       self.alpha, self.random_state, self.supported_, self.modifiers_)

    def _predict_learner(self, learner: str, models, Z) -> np.ndarray:
        if learner == "t":
            p = _predict_t(models, Z)
        else:
            p = {"s": _predict_s, "dr": _predict_dr}[learner](models, Z, self.modifiers_)
        p[:, ~self.supported_] = np.nan
        return p

    def _cross_validate(self, Z, codes, y, X: pd.DataFrame) -> pd.DataFrame:
        """DR value (R$ per case) of each candidate's policy on held-out folds."""
        economics = self.active_economics()
        labels = np.array(ACTION_LABELS, dtype=object)
        value = economics.dentist_value(X)
        costs = economics.action_costs_for(X)[list(ACTION_LABELS)].to_numpy()
        rewards = y * value - costs[np.arange(len(y)), codes]
        terms = {name: np.empty(len(y)) for name in (*LEARNERS, NO_ACTION)}
        seconds = dict.fromkeys(LEARNERS, 0.0)
        for train, test in _folds(codes, self.cv, self.random_state):
            Xt = X.iloc[test]
            pi = _propensities_z(_fit_propensity_z(Z[train], codes[train], self.propensity_C_),
                                 Z[test])
            fitted = {}
            for name in LEARNERS:
                start = time.perf_counter()
                fitted[name] = self._fit_learner(name, Z[train], codes[train], y[train])
                seconds[name] += time.perf_counter() - start
            # A common outcome model (the S-learner of this fold) for every candidate's DR
            # estimate keeps the comparison paired; DR stays unbiased whatever model it is.
            q_eval = economics.expected_values(
                _frame(self._predict_learner("s", fitted["s"], Z[test]), Xt.index), Xt)
            gamma = dr_scores(labels[codes[test]], rewards[test], _frame(pi, Xt.index),
                              q_eval.fillna(0.0), clip=self.clip).to_numpy()
            rows = np.arange(len(test))
            for name in LEARNERS:
                effects = _frame(self._predict_learner(name, fitted[name], Z[test]), Xt.index)
                choice = _best(economics.expected_values(effects, Xt))
                terms[name][test] = gamma[rows, choice]
            terms[NO_ACTION][test] = gamma[:, 0]
        n = len(y)
        best = max(LEARNERS, key=lambda m: terms[m].mean())
        diff = {m: terms[best] - terms[m] for m in LEARNERS}
        # One-standard-error rule on the paired differences: a candidate not clearly worse
        # than the best is a tie, and ties go to the learner listed first (lowest variance).
        chosen = next(m for m in LEARNERS
                      if diff[m].mean() <= diff[m].std(ddof=1) / np.sqrt(n) or m == best)
        table = pd.DataFrame({
            "dr_value": [terms[m].mean() for m in LEARNERS],
            "dr_se": [terms[m].std(ddof=1) / np.sqrt(n) for m in LEARNERS],
            "gain_over_none": [(terms[m] - terms[NO_ACTION]).mean() for m in LEARNERS],
            "gain_se": [(terms[m] - terms[NO_ACTION]).std(ddof=1) / np.sqrt(n) for m in LEARNERS],
            "behind_best": [diff[m].mean() for m in LEARNERS],
            "behind_best_se": [diff[m].std(ddof=1) / np.sqrt(n) for m in LEARNERS],
            "fit_seconds": [seconds[m] / self.cv for m in LEARNERS],
            "chosen": [m == chosen for m in LEARNERS],
        }, index=pd.Index(LEARNERS, name="learner"))
        return table

    # -- prediction --

    def _z(self, X) -> tuple[np.ndarray, pd.DataFrame]:
        check_is_fitted(self, "models_")
        X = _as_frame(X)
        missing = [c for c in self.feature_names_in_ if c not in X.columns]
        if missing:
            raise ValueError(f"X lacks the feature columns {missing[:10]} the recommender was "
                             "fitted with")
        return self.preprocess_.transform(X[self.feature_names_in_].astype(float)), X

    @_one_blas_thread
    def predict_effects(self, X) -> pd.DataFrame:
        """P(retained | X, action): one column per label of ``ACTION_LABELS``, in order.

        Actions without an estimate (see ``min_action_cases``) are NaN.
        """
        Z, X = self._z(X)
        return _frame(self._predict_learner(self.learner_, self.models_, Z), X.index)

    def uplift(self, X) -> pd.DataFrame:
        """P(retained | X, action) − P(retained | X, none), one column per action."""
        effects = self.predict_effects(X)
        return effects.drop(columns=NO_ACTION).sub(effects[NO_ACTION], axis=0)

    def expected_values(self, X) -> pd.DataFrame:
        """Expected value (R$) of each label: P(retained | a) × dentist value − cost of a."""
        effects = self.predict_effects(X)
        return self.active_economics().expected_values(effects, _as_frame(X).set_axis(effects.index))

    def recommend(self, X) -> np.ndarray:
        """The label with the largest expected value per row (``none`` on ties)."""
        return np.array(ACTION_LABELS, dtype=object)[_best(self.expected_values(X))]

    def expected_gain(self, X) -> np.ndarray:
        """Expected value (R$) of the recommended label minus that of ``none`` (>= 0)."""
        values = self.expected_values(X).to_numpy()
        best = values[np.arange(len(values)), _best(values)]
        return best - values[:, 0]

    @_one_blas_thread
    def predict_propensities(self, X) -> pd.DataFrame:
        """The historical policy: P(analysts chose a | X), one column per label."""
        Z, X = self._z(X)
        return _frame(_propensities_z(self.propensity_.named_steps["model"], Z), X.index)


def _best(values) -> np.ndarray:
    """Column index of the row maximum; NaN columns never win; ties go to the first (none)."""
    values = np.asarray(values, dtype=float)
    return np.where(np.isnan(values), -np.inf, values).argmax(axis=1)


# --- off-policy evaluation --------------------------------------------------------------------


def evaluate_policy(recommender: ActionRecommender, X, actions, retained, *,
                    units: str = "value", economics: Economics | None = None,
                    cv: int | None = None, random_state: int | None = None) -> pd.DataFrame:
    """IPW and DR values of the recommended policy, the historical one and each fixed action.

    Parameters
    ----------
    recommender : ActionRecommender
        Fitted, when ``cv`` is ``None``: then ``X`` must be cases it did not
        learn from (estimates on its own training cases are optimistic).
        With ``cv`` it is cloned and cross-fitted on ``X`` (fitted or not):
        every case is scored by a model that did not see it.
    X, actions, retained
        Logged cases: features, the action tried, and 1 if the dentist stayed.
    units : {"value", "retention"}
        ``"value"``: reward = retained × dentist value − cost of the action
        tried (R$ per case); ``"retention"``: reward = retained (a rate).
    economics : Economics or None
        For ``units="value"``; defaults to the recommender's.
    cv : int or None
        Cross-fit with this many folds instead of using the fitted recommender.

    Returns
    -------
    pandas.DataFrame
        One row per policy (``recommended``, ``historical``, ``always_<label>``)
        plus ``recommended_minus_historical`` and ``recommended_minus_none``
        (paired differences); columns ``ipw``, ``ipw_low``, ``ipw_high``,
        ``dr``, ``dr_low``, ``dr_high`` (95 % normal intervals) and ``n``. The
        historical row is the observed mean reward (on-policy, both columns).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> X = pd.DataFrame({"p_reason_fees": rng.integers(0, 2, 3000).astype(float)})
    >>> actions = rng.choice(ACTION_LABELS, 3000)
    >>> p = 0.3 + 0.5 * ((actions == "new_prices") & (X["p_reason_fees"] == 1))
    >>> retained = (rng.random(3000) < p).astype(int)
    >>> table = evaluate_policy(ActionRecommender(learner="s"), X, actions, retained,
    ...                         units="retention", cv=2, random_state=0)
    >>> table.loc[["recommended", "historical", "always_none"], "dr"].round(2).tolist()
    [0.54, 0.33, 0.28]
    >>> bool(table.loc["recommended_minus_historical", "dr_low"] > 0)
    True
    """
    if units not in ("value", "retention"):
        raise ValueError(f"units must be 'value' or 'retention'; got {units!r}")
    X = _as_frame(X)
    logged = check_actions(actions, len(X))
    y = _check_retained(retained, len(X))
    if cv is None:
        check_is_fitted(recommender, "models_")
        target = recommender.recommend(X)
        props = recommender.predict_propensities(X)
        effects = recommender.predict_effects(X)
        econ = economics or recommender.active_economics()
        clip = recommender.clip
    else:
        econ = economics or (recommender.economics or Economics())
        clip = recommender.clip
        target = np.empty(len(X), dtype=object)
        props = _frame(np.zeros((len(X), _N_ACTIONS)), X.index)
        effects = props.copy()
        codes = np.array([ACTION_LABELS.index(a) for a in logged])
        for train, test in _folds(codes, cv, random_state):
            model = clone(recommender).fit(X.iloc[train], logged[train], y[train])
            target[test] = model.recommend(X.iloc[test])
            props.iloc[test] = model.predict_propensities(X.iloc[test]).to_numpy()
            effects.iloc[test] = model.predict_effects(X.iloc[test]).to_numpy()
    if units == "value":
        value = econ.dentist_value(X)
        costs = econ.action_costs_for(X)[list(ACTION_LABELS)]
        rewards = y * value - costs.to_numpy()[np.arange(len(y)), [ACTION_LABELS.index(a)
                                                                   for a in logged]]
        outcomes = econ.expected_values(effects, X)
    else:
        rewards = y.astype(float)
        outcomes = effects
    outcomes = outcomes.fillna(0.0)  # actions without an estimate are never targets
    policies = {"recommended": np.asarray(target, dtype=object)}
    policies.update({f"always_{a}": np.full(len(X), a, dtype=object) for a in ACTION_LABELS})
    rows = {}
    for name, policy in policies.items():
        ipw = ipw_value(logged, rewards, policy, props, clip=clip)
        dr = dr_value(logged, rewards, policy, props, outcomes, clip=clip)
        rows[name] = _row(ipw.value, ipw.low, ipw.high, dr.value, dr.low, dr.high, len(X))
    observed = _interval(rewards)
    rows["historical"] = _row(*observed, *observed, len(X))
    # Paired differences: per-case terms, so the interval accounts for their correlation.
    gamma = dr_scores(logged, rewards, props, outcomes, clip=clip).to_numpy()
    p_logged = np.maximum(props.to_numpy()[np.arange(len(y)), [ACTION_LABELS.index(a)
                                                             for a in logged]], clip)
    n = np.arange(len(y))
    chosen = [ACTION_LABELS.index(a) for a in policies["recommended"]]
    dr_rec = gamma[n, chosen]
    ipw_rec = (logged == policies["recommended"]) / p_logged * rewards
    ipw_none = (logged == NO_ACTION) / p_logged * rewards
    rows["recommended_minus_historical"] = _row(*_interval(ipw_rec - rewards),
                                                *_interval(dr_rec - rewards), len(X))
    rows["recommended_minus_none"] = _row(*_interval(ipw_rec - ipw_none),
                                          *_interval(dr_rec - gamma[:, 0]), len(X))
    order = ["recommended", "historical", *(f"always_{a}" for a in ACTION_LABELS),
             "recommended_minus_historical", "recommended_minus_none"]
    return pd.DataFrame(rows).T.loc[order].astype({"n": int})


def _interval(terms: np.ndarray) -> tuple[float, float, float]:
    mean = float(np.mean(terms))
    se = float(np.std(terms, ddof=1) / np.sqrt(len(terms))) if len(terms) > 1 else float("nan")
    return mean, mean - 1.96 * se, mean + 1.96 * se


def _row(ipw, ipw_low, ipw_high, dr, dr_low, dr_high, n) -> dict:
    return {"ipw": ipw, "ipw_low": ipw_low, "ipw_high": ipw_high,
            "dr": dr, "dr_low": dr_low, "dr_high": dr_high, "n": n}
