"""Building blocks of the action recommender: meta-learners on the preprocessed matrix.

Every function works on ``Z`` (the preprocessed feature matrix), ``codes``
(integer action codes, :func:`churnlab.models.actions.action_codes`) and ``y``
(1 = retained), and returns plain scikit-learn models or rows × labels arrays,
so :class:`~churnlab.models.recommender.ActionRecommender` stays a thin
estimator over them and skops can save what they fit.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge, RidgeCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import has_fit_parameter
from threadpoolctl import threadpool_limits

from churnlab.io.records import ACTION_LABELS
from churnlab.models.actions import N_ACTIONS, action_folds, action_frame
from churnlab.models.economics import Economics
from churnlab.models.policy_value import dr_scores

LEARNERS: tuple[str, ...] = ("s", "s_mix", "t", "dr", "s_hgb", "t_hgb", "x_hgb")
"""Meta-learners :class:`ActionRecommender` implements; ``"auto"`` chooses among them.

Listed from the simplest: the one-standard-error rule gives ties to the first.
``s_hgb`` is an S-learner of gradient-boosted trees (the action as a feature),
``s_mix`` the mean of the logistic and boosted S-learners' probabilities,
``t_hgb`` a T-learner of them (one per action), ``x_hgb`` an X-learner of them
(effects imputed from the other arm's outcome model, regressed per arm and
blended by the propensities): for effects no logistic model can draw
(thresholds, interactions)."""

AUTO_LEARNERS: tuple[str, ...] = LEARNERS[:5]
"""The candidates of ``learner="auto"``. ``x_hgb`` is left out: on the outside suite
(``benchmarks/bench_uplift_suite.py``) it never changed ``auto``'s choice and made its fit
four times slower (47 s against 11 s on 10,000 cases); it is the best learner on the
Zhou–Athey–Wager design at 20,000 rows (0.955 of the oracle's gain against 0.934 for
``s_hgb``). ``t_hgb`` is left out: at a few thousand cases the
cross-validated policy values cannot tell it from the others (standard errors of ~5 % of
the value against differences of the same size) and it costs the most to fit; choose it
explicitly where effects are known to be non-linear and data is plentiful."""

FREE_ACTIONS = Economics(action_costs=dict.fromkeys(ACTION_LABELS, 0.0), price_rise=0.0)
"""Economics in which every action is free: :meth:`ActionRecommender.recommend` then
picks the action with the largest P(retained) (``none`` only when no action helps)."""

REASON_PREFIX = "p_reason_"
"""Columns holding the stated-reason probabilities: the default effect modifiers."""

Folds = list[tuple[np.ndarray, np.ndarray]]
"""Train and test rows per fold (:func:`~churnlab.models.actions.action_folds`)."""

P = ParamSpec("P")
R = TypeVar("R")


# --- building blocks on the preprocessed matrix Z and integer action codes ------------------


def preprocessor() -> Pipeline:
    """Median imputation with missing indicators, then scaling: the matrix every learner reads."""
    return Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)),
            ("scale", StandardScaler()),
        ]
    )


def modifier_mask(effect_modifiers: str | Sequence[str], names: np.ndarray) -> np.ndarray:
    """Which columns of ``Z`` (named ``names``) are effect modifiers (``ActionRecommender.effect_modifiers``).

    ``"all"``: every column; ``"reasons"``: the stated-reason probabilities, or every
    column when there are none; a list: those columns, each of which must exist.
    """
    names = np.asarray(names, dtype=str)
    if isinstance(effect_modifiers, str) and effect_modifiers == "all":
        return np.ones(len(names), dtype=bool)
    if isinstance(effect_modifiers, str) and effect_modifiers == "reasons":
        mask = np.char.startswith(names, REASON_PREFIX)
        return mask if mask.any() else np.ones(len(names), dtype=bool)
    if isinstance(effect_modifiers, str):
        raise ValueError(
            "effect_modifiers must be 'reasons', 'all' or a list of feature "
            f"columns; got {effect_modifiers!r}"
        )
    wanted = list(effect_modifiers)
    unknown = sorted(set(wanted) - set(names))
    if unknown or not wanted:
        raise ValueError(
            f"effect_modifiers {unknown or wanted} are not numeric feature "
            f"columns of X; choose among {list(names[:10])}..."
        )
    return np.isin(names, wanted)


def s_design(Z: np.ndarray, codes: np.ndarray, modifiers: np.ndarray) -> np.ndarray:
    """Features, action indicators (``none`` is the baseline), action × modifier interactions."""
    onehot = np.zeros((len(Z), N_ACTIONS - 1))
    hit = codes > 0
    onehot[np.flatnonzero(hit), codes[hit] - 1] = 1.0
    interactions = (onehot[:, :, None] * Z[:, None, modifiers]).reshape(len(Z), -1)
    return np.hstack([Z, onehot, interactions])


def fit_s(Z, codes, y, C: float, modifiers: np.ndarray):
    """The logistic S-learner: one logistic regression on :func:`s_design`."""
    return LogisticRegression(C=C, max_iter=2000).fit(s_design(Z, codes, modifiers), y)


def predict_s(model, Z, modifiers: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """P(retained | x, a) of the logistic S-learner, rows × labels."""
    # One predict_proba call per chunk of rows for all seven actions: a single case
    # costs one call, not seven (scikit-learn's per-call checks dominate small inputs).
    out = np.empty((len(Z), N_ACTIONS))
    for start in range(0, len(Z), chunk):
        part = Z[start : start + chunk]
        stacked = np.vstack([s_design(part, np.full(len(part), j), modifiers) for j in range(N_ACTIONS)])
        out[start : start + len(part)] = model.predict_proba(stacked)[:, 1].reshape(N_ACTIONS, len(part)).T
    return out


def _fit_per_action(
    Z: np.ndarray, codes: np.ndarray, y: np.ndarray, supported: np.ndarray, make: Callable[[], Any]
) -> list[Any]:
    """One ``make()`` classifier per action, fitted where it was tried (None without an estimate).

    Two half-weight pseudo-cases (one retained, one lost) at the group's mean keep
    both outcomes present in small groups; they are negligible in large ones.
    """
    models: list[Any] = []
    for j in range(N_ACTIONS):
        rows = codes == j
        if not supported[j]:
            models.append(None)
            continue
        centre = (Z[rows] if rows.any() else Z).mean(axis=0, keepdims=True)
        Zj = np.vstack([Z[rows], centre, centre])
        yj = np.concatenate([y[rows], [0, 1]])
        weight = np.concatenate([np.ones(rows.sum()), [0.5, 0.5]])
        model = make()
        if has_fit_parameter(model, "sample_weight"):
            models.append(model.fit(Zj, yj, sample_weight=weight))
        else:  # a base learner without weights takes the two pseudo-cases whole
            models.append(model.fit(Zj, yj))
    return models


def fit_t(Z, codes, y, C: float, supported: np.ndarray) -> list:
    """The logistic T-learner: one logistic regression per action."""
    return _fit_per_action(Z, codes, y, supported, lambda: LogisticRegression(C=C, max_iter=2000))


def _hgb_design(Z: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Features and the action one-hot: the trees find the action's interactions themselves."""
    onehot = np.zeros((len(Z), N_ACTIONS))
    onehot[np.arange(len(Z)), codes] = 1.0
    return np.hstack([Z, onehot])


def fit_s_hgb(Z, codes, y, random_state) -> HistGradientBoostingClassifier:
    """One gradient-boosted classifier with the action as a feature (settings fixed, regularised)."""
    model = HistGradientBoostingClassifier(
        learning_rate=0.05,
        max_iter=200,
        max_leaf_nodes=15,
        min_samples_leaf=20,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=random_state,
    )
    return model.fit(_hgb_design(Z, codes), y)


def fit_t_hgb(Z, codes, y, supported: np.ndarray, random_state) -> list:
    """The boosted T-learner: one regularised gradient-boosted classifier per action."""
    return _fit_per_action(
        Z,
        codes,
        y,
        supported,
        lambda: HistGradientBoostingClassifier(
            learning_rate=0.05,
            max_iter=100,
            max_leaf_nodes=7,
            min_samples_leaf=50,
            l2_regularization=5.0,
            early_stopping=False,
            random_state=random_state,
        ),
    )


def fit_x_hgb(Z, codes, y, supported: np.ndarray, propensity_C: float, random_state) -> dict:
    """The boosted X-learner (Künzel et al. 2019), each action against ``none``.

    Outcome models per action (:func:`fit_t_hgb`); then, for action a, the
    imputed effects y − μ_none(x) of the cases that got a and μ_a(x) − y of
    those that got ``none``, each regressed on the features; the two effect
    models are blended by g(x) = π_a / (π_a + π_none), the propensity of a
    among the two, so each case leans on the model fitted on the other arm's
    (larger) data where that arm is rare.
    """
    outcomes = fit_t_hgb(Z, codes, y, supported, random_state)
    mu = predict_t(outcomes, Z)

    def regression() -> HistGradientBoostingRegressor:
        return HistGradientBoostingRegressor(
            learning_rate=0.05,
            max_iter=100,
            max_leaf_nodes=7,
            min_samples_leaf=50,
            l2_regularization=5.0,
            early_stopping=False,
            random_state=random_state,
        )

    control = codes == 0
    effects: list[list[Any] | None] = []
    for j in range(N_ACTIONS):
        if j == 0 or not supported[j]:
            effects.append(None)
            continue
        treated = codes == j
        effects.append(
            [
                regression().fit(Z[control], mu[control, j] - y[control]),
                regression().fit(Z[treated], y[treated] - mu[treated, 0]),
            ]
        )
    return {"none": outcomes[0], "effects": effects, "propensity": fit_propensity(Z, codes, propensity_C)}


def predict_x_hgb(models: dict, Z, modifiers: np.ndarray | None = None) -> np.ndarray:
    """P(retained | x, a) of the boosted X-learner: P(.. | none) plus the blended effects."""
    p_none = models["none"].predict_proba(Z)[:, 1]
    pi = predict_propensity(models["propensity"], Z)
    out = np.full((len(Z), N_ACTIONS), np.nan)
    out[:, 0] = p_none
    for j, pair in enumerate(models["effects"]):
        if pair is not None:
            g = pi[:, j] / np.maximum(pi[:, j] + pi[:, 0], 1e-12)
            tau = g * pair[0].predict(Z) + (1 - g) * pair[1].predict(Z)
            out[:, j] = np.clip(p_none + tau, 0.0, 1.0)
    return out


def fit_s_with(Z, codes, y, estimator) -> object:
    """An S-learner of any classifier: a clone fitted on the features and the action one-hot."""
    return clone(estimator).fit(_hgb_design(Z, codes), y)


def fit_t_with(Z, codes, y, supported: np.ndarray, estimator) -> list:
    """A T-learner of any classifier: a clone per action."""
    return _fit_per_action(Z, codes, y, supported, lambda: clone(estimator))


def predict_s_hgb(model, Z, modifiers: np.ndarray | None = None) -> np.ndarray:
    """P(retained | x, a) of an S-learner on the features and the action one-hot."""
    stacked = np.vstack([_hgb_design(Z, np.full(len(Z), j)) for j in range(N_ACTIONS)])
    return model.predict_proba(stacked)[:, 1].reshape(N_ACTIONS, len(Z)).T


def predict_t(models, Z) -> np.ndarray:
    """P(retained | x, a) of a T-learner (one model per label; NaN where None)."""
    out = np.full((len(Z), N_ACTIONS), np.nan)
    for j, model in enumerate(models):
        if model is not None:
            out[:, j] = model.predict_proba(Z)[:, 1]
    return out


def fit_propensity(Z, codes, C: float) -> LogisticRegression:
    """The historical policy: multinomial logistic regression of the action code."""
    return LogisticRegression(C=C, max_iter=2000).fit(Z, codes)


def predict_propensity(model: LogisticRegression, Z) -> np.ndarray:
    """P(analysts chose a | x), rows × labels (0 for labels never seen in training)."""
    out = np.zeros((len(Z), N_ACTIONS))
    out[:, model.classes_.astype(int)] = model.predict_proba(Z)
    return out


_ALPHA_GRID = 10.0 ** np.arange(-1.0, 5.01, 0.5)
"""Ridge penalties tried (efficient leave-one-out) when ``alpha="auto"``."""

_C_GRID = 10.0 ** np.arange(-4.0, 2.01, 0.5)
"""Inverse L2 strengths tried when ``C="auto"``: 1e-4 ... 100 in half decades."""


def tune_C(cv_loss, start: float = 0.01) -> float:
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


def cv_loss_s(
    Z: np.ndarray, codes: np.ndarray, y: np.ndarray, modifiers: np.ndarray, folds: Folds
) -> Callable[[float], float]:
    """C -> cross-validated log loss of the logistic S-learner (for :func:`tune_C`)."""

    def loss(C: float) -> float:
        total = 0.0
        for train, test in folds:
            model = fit_s(Z[train], codes[train], y[train], C, modifiers)
            p = model.predict_proba(s_design(Z[test], codes[test], modifiers))[:, 1]
            total += _log_loss(p, y[test]) * len(test)
        return total / len(y)

    return loss


def cv_loss_t(
    Z: np.ndarray, codes: np.ndarray, y: np.ndarray, supported: np.ndarray, folds: Folds
) -> Callable[[float], float]:
    """C -> cross-validated log loss of the logistic T-learner (for :func:`tune_C`)."""

    def loss(C: float) -> float:
        total = 0.0
        for train, test in folds:
            p = predict_t(fit_t(Z[train], codes[train], y[train], C, supported), Z[test])
            total += _log_loss(p[np.arange(len(test)), codes[test]], y[test]) * len(test)
        return total / len(y)

    return loss


def cv_loss_propensity(Z: np.ndarray, codes: np.ndarray, folds: Folds) -> Callable[[float], float]:
    """C -> cross-validated log loss of the propensity model (for :func:`tune_C`)."""

    def loss(C: float) -> float:
        total = 0.0
        for train, test in folds:
            pi = predict_propensity(fit_propensity(Z[train], codes[train], C), Z[test])
            total -= np.log(np.clip(pi[np.arange(len(test)), codes[test]], 1e-12, 1)).sum()
        return total / len(codes)

    return loss


def _dr_pseudo_outcomes(
    Z, codes, y, C: float, propensity_C: float, clip: float, cv: int, random_state, modifiers: np.ndarray
) -> np.ndarray:
    """Cross-fitted DR pseudo-outcomes Γ(x_i, a) (retention units), one column per label."""
    gamma = np.empty((len(Z), N_ACTIONS))
    labels = np.array(ACTION_LABELS, dtype=object)
    for train, test in action_folds(codes, cv, random_state):
        s_model = fit_s(Z[train], codes[train], y[train], C, modifiers)
        q = predict_s(s_model, Z[test], modifiers)
        pi = predict_propensity(fit_propensity(Z[train], codes[train], propensity_C), Z[test])
        gamma[test] = dr_scores(
            labels[codes[test]], y[test], action_frame(pi, None), action_frame(q, None), clip=clip
        ).to_numpy()
    return gamma


def fit_dr(
    Z, codes, y, C, propensity_C, clip, cv, alpha, random_state, supported, modifiers, effect_learner=None
) -> list:
    """The DR-learner: one regression of the pseudo-outcomes per action (ridge, or ``effect_learner``)."""
    gamma = _dr_pseudo_outcomes(Z, codes, y, C, propensity_C, clip, cv, random_state, modifiers)

    def regression():
        if effect_learner is not None:
            return clone(effect_learner)
        return RidgeCV(alphas=_ALPHA_GRID) if alpha == "auto" else Ridge(alpha=alpha)

    return [
        regression().fit(Z[:, modifiers], gamma[:, j]) if supported[j] else None for j in range(N_ACTIONS)
    ]


def predict_dr(models, Z, modifiers) -> np.ndarray:
    """P(retained | x, a) of the DR-learner: its regressions on the modifiers, clipped to [0, 1]."""
    out = np.full((len(Z), N_ACTIONS), np.nan)
    for j, model in enumerate(models):
        if model is not None:
            out[:, j] = np.clip(model.predict(Z[:, modifiers]), 0.0, 1.0)
    return out


def one_thread(method: Callable[P, R]) -> Callable[P, R]:
    """Run ``method`` with single-threaded BLAS and OpenMP.

    The matrices here are small (thousands of rows, hundreds of columns): a
    multi-threaded BLAS gains nothing on them and, on a busy machine, its
    threads wait on each other, making a fit ten times slower or worse. The
    boosted learners' OpenMP threads do the same: measured on 2 cores, an
    S-learner of boosted trees on 10,000 cases took 0.9 s with two threads and
    1.2 s with one on an idle machine, but 2.3 s against 1.2 s beside one busy
    process (30 bootstrap refits with ``s_mix`` went from 18 s to 507 s).
    """

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with threadpool_limits(limits=1):
            return method(*args, **kwargs)

    return wrapper
