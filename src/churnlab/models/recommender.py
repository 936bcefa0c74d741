"""Which retention action to try first, and is it worth it: multi-action uplift, checked off-policy.

:class:`ActionRecommender` estimates, for every case, ``P(retained | X, a)``
under ``none`` and each of the six actions, and recommends the action with the
largest expected value ``P(retained | a) × value of the dentist − cost of a``
(:class:`~churnlab.models.economics.Economics`), so ``none`` wins when nothing pays.

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
``"s_mix"``
    The mean of the probabilities of the logistic S-learner and of ``"s_hgb"``
    (the same S-learner of gradient-boosted trees, the action as a feature): it
    fits linear and region-shaped effects alike, and is never far from the
    better of the two where a small cross-validation cannot rank them.
``"t"`` (T-learner; ``"t_hgb"`` with gradient-boosted trees, chosen explicitly)
    One logistic regression per action on every feature, fitted on the cases
    where that action was tried.
``"dr"`` (DR-learner)
    Cross-fitted doubly-robust pseudo-outcomes (:func:`churnlab.models.policy_value.dr_scores`,
    with the S-learner as outcome model and clipped propensities), then a
    ridge regression per action on the effect modifiers; predictions are
    clipped to [0, 1].

The L2 strengths of the logistic models (outcome and propensity) are chosen
by cross-validated log loss (``C="auto"``): fit quality is the right test for
these nuisance models, and the strength then follows the amount of data.

``learner="auto"`` picks the meta-learner by cross-validated policy value (``cv_results_``), then
how far to personalise, down to one action for all (``policy_results_``, ``share_``, ``policy_``):
:mod:`churnlab.models.learner_choice`. The choice is refitted on all cases.

A case with several ticked action boxes counts under its primary action (the
first ticked box in form order, :func:`churnlab.features.labels.primary_action`).

:func:`evaluate_policy` gives users the IPW and DR values (with 95 %
intervals) of the recommended policy, the analysts' historical policy and
every fixed action, on held-out cases or cross-fitted, which is how the gain
can be judged on real data, where no truth exists.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline

from churnlab.io.records import ACTION_LABELS, NO_ACTION
from churnlab.models._sklearn_compat import HasMethods, Interval, StrOptions, check_is_fitted, fit_context
from churnlab.models.actions import (
    N_ACTIONS,
    action_codes,
    action_folds,
    action_frame,
    as_frame,
    best_action,
    check_actions,
    check_retained,
)
from churnlab.models.economics import Economics
from churnlab.models.learner_choice import (
    PERSONALISED,
    as_columns,
    best_one_action,
    cross_validate_learners,
    objective,
    policy_reason,
    shrink,
)
from churnlab.models.learners import (
    LEARNERS,
    cv_loss_propensity,
    cv_loss_s,
    cv_loss_t,
    fit_dr,
    fit_propensity,
    fit_s,
    fit_s_hgb,
    fit_s_with,
    fit_t,
    fit_t_hgb,
    fit_t_with,
    fit_x_hgb,
    modifier_mask,
    one_thread,
    predict_dr,
    predict_propensity,
    predict_s,
    predict_s_hgb,
    predict_t,
    predict_x_hgb,
    preprocessor,
    tune_C,
)
from churnlab.models.risk import model_columns
from churnlab.models.uncertainty import MIN_BOOTSTRAP, bootstrap_samples, model_error, uplift_interval

# --- the estimator -------------------------------------------------------------------------


class ActionRecommender(BaseEstimator):
    """Multi-action uplift model: P(retained | X, action) and the action worth trying first.

    Parameters
    ----------
    learner : {"auto", "s", "s_mix", "t", "dr", "s_hgb", "t_hgb", "x_hgb"}
        Meta-learner (see the module docstring); ``"auto"`` picks the one with
        the best cross-validated DR policy value, and falls back to one action
        for all when personalising does not pay (``policy_``); a named learner
        always personalises.
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
    outcome_learner : classifier or None
        Any scikit-learn classifier with ``predict_proba`` to use instead of the
        logistic regression in the ``"s"`` learner (one clone on the features and
        the action one-hot) and the ``"t"`` learner (one clone per action), also
        when ``"auto"`` compares them. ``C`` then applies to the DR-learner's
        nuisance model only. A model folder saves only types on churnlab's
        allow-list (``save_model`` names any other).
    effect_learner : regressor or None
        Any scikit-learn regressor to use instead of ridge regression for the
        ``"dr"`` learner's pseudo-outcome regressions (one clone per action).

    Attributes
    ----------
    learner_ : str
        The meta-learner used (the ``"auto"`` choice, or ``learner``).
    cv_results_ : dict of arrays or None
        With ``learner="auto"`` (``pd.DataFrame(cv_results_)`` reads it as a
        table): per candidate ``learner``, the cross-validated DR value
        of its policy (R$ per case), its standard error, its gain over
        ``none`` and fit time; ``None`` otherwise.
    objective_ : {"retention", "value"}
        What recommendations maximise and ``"auto"`` compares: the retention rate when
        every action is free, else R$ per case.
    policy_ : str
        ``"personalised"``, ``"half_personalised"`` (``share_`` 0.5), or the one action ``"auto"``
        offers to all (where its mean effect pays; ``none`` possible).
    share_ : float
        Share of each case's difference from the mean effects (``mean_uplift_``) kept: 1, 0.5 or 0.
    policy_results_ : dict of arrays or None
        With ``"auto"`` (else None): per ``policy`` (``personalised``, ``half_personalised``,
        ``one_action``, each action) the CV value in ``objective_`` units, SE, paired difference with
        ``one_action``, ``chosen``.
    mean_uplift_ : numpy.ndarray
        Mean predicted uplift per label on the training cases (each case's, without personalising).
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
        label, ``None`` for labels without an estimate; ``"s_mix"`` keeps a dict
        of its two S-learners. Plain scikit-learn objects, so skops can save them.

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

    _parameter_constraints: dict[str, list[Any]] = {
        "learner": [StrOptions({"auto", *LEARNERS})],
        "economics": [Economics, None],
        "clip": [Interval(Real, 0, 1, closed="neither")],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "random_state": ["random_state"],
        "effect_modifiers": [StrOptions({"reasons", "all"}), "array-like"],
        "C": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "propensity_C": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "alpha": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "min_action_cases": [Interval(Integral, 1, None, closed="left")],
        "n_bootstrap": [Interval(Integral, 0, None, closed="left")],
        "min_confidence": [Interval(Real, 0.5, 1, closed="neither"), None],
        "outcome_learner": [HasMethods(["fit", "predict_proba"]), None],
        "effect_learner": [HasMethods(["fit", "predict"]), None],
    }

    def __init__(
        self,
        learner: str = "auto",
        economics: Economics | None = None,
        clip: float = 0.02,
        cv: int = 3,
        random_state: int | None = None,
        effect_modifiers: str | Sequence[str] = "reasons",
        C: float | str = "auto",
        propensity_C: float | str = "auto",
        alpha: float | str = "auto",
        min_action_cases: int = 10,
        n_bootstrap: int = 0,
        min_confidence: float | None = None,
        outcome_learner: Any = None,
        effect_learner: Any = None,
    ) -> None:
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
        self.n_bootstrap = n_bootstrap
        self.min_confidence = min_confidence
        self.outcome_learner = outcome_learner
        self.effect_learner = effect_learner

    # -- fitting --

    def active_economics(self) -> Economics:
        """The economics decisions use: ``economics``, or ``Economics()`` when it is None."""
        return Economics() if self.economics is None else self.economics

    @fit_context(prefer_skip_nested_validation=True)  # checks the parameters first
    @one_thread
    def fit(self, X: pd.DataFrame, actions: ArrayLike, retained: ArrayLike) -> ActionRecommender:
        """Fit on closed cases: features ``X``, the action tried, and 1 if the dentist stayed.

        Every parameter is checked before any model is fitted, and the fitted
        attributes are set only when the whole fit succeeds: a failed ``fit``
        leaves the estimator unfitted (a refit first forgets the last fit).

        Parameters
        ----------
        X : pandas.DataFrame
            Feature frame (:func:`churnlab.models.reason_features.training_features`); only
            its numeric model columns are read.
        actions : array-like of str
            Label per case from :data:`~churnlab.io.records.ACTION_LABELS`
            (``"none"`` when no action was tried).
        retained : array-like of {0, 1}
            1 when the dentist stayed, 0 when dismissed.
        """
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("__")]:
            delattr(self, name)
        if self.min_confidence is not None and self.n_bootstrap < MIN_BOOTSTRAP:
            raise ValueError(f"min_confidence needs uplift intervals: set n_bootstrap >= {MIN_BOOTSTRAP}")
        # Fitted on a working copy, whose helpers read its attributes as they appear;
        # they are copied onto this estimator only at the end.
        work = copy.copy(self)
        work._fit(X, actions, retained)
        for name, value in vars(work).items():
            if name.endswith("_") and not name.startswith("__"):
                setattr(self, name, value)
        return self

    def _fit(self, X: pd.DataFrame, actions: ArrayLike, retained: ArrayLike) -> None:
        """The body of :meth:`fit`, run on a working copy (it sets attributes as it goes)."""
        X = as_frame(X)
        labels = check_actions(actions, len(X))
        y = check_retained(retained, len(X))
        if len(np.unique(y)) < 2:
            raise ValueError("retained holds only one outcome; need retained and lost cases")
        columns = model_columns(X)
        if not columns:
            raise ValueError(
                "X has no numeric feature columns; build it with "
                "churnlab.models.reason_features.training_features"
            )
        codes = action_codes(labels)
        counts = np.bincount(codes, minlength=N_ACTIONS)
        supported = counts >= max(self.min_action_cases, 1)
        if not supported[0]:
            raise ValueError(
                f"only {counts[0]} training cases with action 'none'; at least "
                f"{max(self.min_action_cases, 1)} are needed, since every gain is "
                "measured against doing nothing"
            )
        rare = [ACTION_LABELS[j] for j in range(N_ACTIONS) if not supported[j]]
        if rare:
            warnings.warn(
                f"actions {rare} were tried in fewer than {self.min_action_cases} "
                "training cases: they get no estimate (NaN effects) and are never "
                "recommended",
                UserWarning,
                stacklevel=2,
            )
        # Cases with an action that has no estimate cannot inform any effect.
        keep = supported[codes]
        frame = X.loc[keep, columns].astype(float)
        codes, y = codes[keep], y[keep]

        self.feature_names_in_ = np.asarray(columns, dtype=object)
        self.n_features_in_ = len(columns)
        self.actions_ = np.array(
            [a for a, s in zip(ACTION_LABELS, supported, strict=True) if s], dtype=object
        )
        self.supported_ = supported
        self.preprocess_ = preprocessor().fit(frame)
        Z = self.preprocess_.transform(frame)
        self.modifiers_ = modifier_mask(self.effect_modifiers, self.preprocess_.get_feature_names_out())
        folds = action_folds(codes, self.cv, self.random_state)
        self.propensity_C_ = (
            tune_C(cv_loss_propensity(Z, codes, folds), start=0.003)
            if self.propensity_C == "auto"
            else float(self.propensity_C)
        )
        self.C_ = {
            "s": (
                tune_C(cv_loss_s(Z, codes, y, self.modifiers_, folds)) if self.C == "auto" else float(self.C)
            ),
            "t": (
                tune_C(cv_loss_t(Z, codes, y, self.supported_, folds)) if self.C == "auto" else float(self.C)
            ),
        }
        self.propensity_ = Pipeline(
            [
                ("preprocess", self.preprocess_),
                ("model", fit_propensity(Z, codes, self.propensity_C_)),
            ]
        )
        self.objective_ = objective(self.active_economics())
        self.cv_results_: dict[str, np.ndarray] | None = None
        self.policy_results_: dict[str, np.ndarray] | None = None
        self.learner_, self.policy_, self.share_ = self.learner, PERSONALISED, 1.0
        if self.learner == "auto":
            choice = cross_validate_learners(
                self._fit_learner,
                self._predict_learner,
                Z,
                codes,
                y,
                X.loc[keep],
                economics=self.active_economics(),
                supported=self.supported_,
                propensity_C=self.propensity_C_,
                clip=self.clip,
                cv=self.cv,
                random_state=self.random_state,
            )
            self.learner_, self.policy_, self.share_ = choice.learner, choice.policy, choice.share
            self.cv_results_ = as_columns(choice.learners)
            self.policy_results_ = as_columns(choice.policies)
        self.models_ = self._fit_learner(self.learner_, Z, codes, y)
        p = self._predict_learner(self.learner_, self.models_, Z)
        self.mean_uplift_ = (p - p[:, :1]).mean(axis=0)  # NaN where no estimate
        if self.share_ == 0:
            self.policy_ = best_one_action(p[:, 0], self.mean_uplift_, X.loc[keep], self.active_economics())
        self.bootstrap_models_ = [
            self._fit_learner(self.learner_, Z[i], codes[i], y[i])
            for i in bootstrap_samples(codes, self.n_bootstrap, self.random_state)
        ]
        self.model_error_ = (
            model_error(
                self._fit_learner,
                self._predict_learner,
                self.learner_,
                Z,
                codes,
                y,
                reuse_s_parts=self.learner_ == "s_mix" and self.outcome_learner is None,
                C=self.C_["s"],
                modifiers=self.modifiers_,
                propensity_C=self.propensity_C_,
                supported=self.supported_,
                clip=self.clip,
                cv=self.cv,
                random_state=self.random_state,
            )
            if self.bootstrap_models_
            else None
        )

    def _fit_learner(self, learner: str, Z: np.ndarray, codes: np.ndarray, y: np.ndarray) -> Any:
        custom = self.outcome_learner
        if learner == "s":
            return (
                fit_s(Z, codes, y, self.C_["s"], self.modifiers_)
                if custom is None
                else fit_s_with(Z, codes, y, custom)
            )
        if learner == "t":
            return (
                fit_t(Z, codes, y, self.C_["t"], self.supported_)
                if custom is None
                else fit_t_with(Z, codes, y, self.supported_, custom)
            )
        if learner == "s_mix":
            return {part: self._fit_learner(part, Z, codes, y) for part in ("s", "s_hgb")}
        if learner == "s_hgb":
            return fit_s_hgb(Z, codes, y, self.random_state)
        if learner == "t_hgb":
            return fit_t_hgb(Z, codes, y, self.supported_, self.random_state)
        if learner == "x_hgb":
            return fit_x_hgb(Z, codes, y, self.supported_, self.propensity_C_, self.random_state)
        return fit_dr(
            Z,
            codes,
            y,
            self.C_["s"],
            self.propensity_C_,
            self.clip,
            self.cv,
            self.alpha,
            self.random_state,
            self.supported_,
            self.modifiers_,
            self.effect_learner,
        )

    def _predict_learner(self, learner: str, models: Any, Z: np.ndarray) -> NDArray[np.float64]:
        if learner == "s_mix":
            logistic = self._predict_learner("s", models["s"], Z)
            return (logistic + self._predict_learner("s_hgb", models["s_hgb"], Z)) / 2
        if learner in ("t", "t_hgb"):
            p = predict_t(models, Z)
        elif learner == "s" and self.outcome_learner is not None:
            p = predict_s_hgb(models, Z)  # the one-hot design of any S-learner but the logistic one
        else:
            predictors: dict[str, Callable[[Any, np.ndarray, np.ndarray], NDArray[np.float64]]] = {
                "s": predict_s,
                "dr": predict_dr,
                "s_hgb": predict_s_hgb,
                "x_hgb": predict_x_hgb,
            }
            predict = predictors[learner]
            p = predict(models, Z, self.modifiers_)
        p[:, ~self.supported_] = np.nan
        return p

    # -- prediction --

    def _z(self, X: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
        check_is_fitted(self, "models_")
        X = as_frame(X)
        missing = [c for c in self.feature_names_in_ if c not in X.columns]
        if missing:
            raise ValueError(f"X lacks the feature columns {missing[:10]} the recommender was fitted with")
        Z: np.ndarray = self.preprocess_.transform(X[self.feature_names_in_].astype(float))
        return Z, X

    @one_thread
    def predict_effects(self, X: pd.DataFrame) -> pd.DataFrame:
        """P(retained | X, action): one column per label of ``ACTION_LABELS``, in order.

        Actions without an estimate (see ``min_action_cases``) are NaN.
        """
        Z, X = self._z(X)
        p = self._predict_learner(self.learner_, self.models_, Z)
        if self.kept_share < 1:  # shrunk toward the mean effects; at 0 every case gets them
            p = shrink(p, self.mean_uplift_, self.kept_share)
        return action_frame(p, X.index)

    @property
    def kept_share(self) -> float:
        """``share_``; for models saved before it, 1 unless ``policy_`` offers one action to all."""
        check_is_fitted(self, "models_")
        policy = getattr(self, "policy_", PERSONALISED)  # models saved before policy_ personalise
        return float(getattr(self, "share_", 1.0 if policy == PERSONALISED else 0.0))

    @property
    def personalises(self) -> bool:
        """False when ``learner="auto"`` offers one action to all (``policy_``), else True."""
        return self.kept_share > 0

    @property
    def policy_reason(self) -> str:
        """Why the recommender personalises or offers one action to all (a sentence for cards and notes)."""
        check_is_fitted(self, "models_")
        fitted = {k: getattr(self, k, None) for k in ("policy_results_", "objective_", "policy_")}
        return policy_reason(fitted["policy_results_"], fitted["objective_"], self.learner, fitted["policy_"])

    @one_thread
    def predict_uplift_interval(
        self, X: pd.DataFrame, level: float | None = None
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Per case and label, the ``level`` interval (default ``min_confidence``, else 0.9) of the
        uplift over ``none``: percentiles over ``n_bootstrap`` refits on resampled cases.

        Raises
        ------
        ValueError
            When the recommender was fitted without bootstrap refits (``n_bootstrap=0``).
        """
        Z, X = self._z(X)
        if not getattr(self, "bootstrap_models_", None):
            raise ValueError(
                "no uplift intervals: fit with n_bootstrap >= "
                f"{MIN_BOOTSTRAP} (e.g. ActionRecommender(n_bootstrap=30))"
            )
        draws = np.stack([self._predict_learner(self.learner_, m, Z) for m in self.bootstrap_models_])
        low, high = uplift_interval(
            draws, level or self.min_confidence or 0.9, getattr(self, "model_error_", None)
        )
        return action_frame(low, X.index), action_frame(high, X.index)

    def confident_actions(self, X: pd.DataFrame) -> np.ndarray:
        """Rows × labels: may this label be recommended? With ``min_confidence``, an action
        only when the lower end of its uplift interval is above 0; when the recommender does
        not personalise, only the action offered to all (``none`` always)."""
        n = len(as_frame(X))
        ok: NDArray[np.bool_] = np.ones((n, N_ACTIONS), dtype=bool)
        if self.min_confidence is not None:
            low, _ = self.predict_uplift_interval(X, self.min_confidence)
            ok = np.nan_to_num(low.to_numpy(dtype=float), nan=-1.0) > 0
        if not self.personalises:  # one action for all (where it pays): that action or none
            ok &= np.isin(np.array(ACTION_LABELS), [NO_ACTION, self.policy_])
        ok[:, 0] = True
        return ok

    def uplift(self, X: pd.DataFrame) -> pd.DataFrame:
        """P(retained | X, action) − P(retained | X, none), one column per action."""
        effects = self.predict_effects(X)
        return effects.drop(columns=NO_ACTION).sub(effects[NO_ACTION], axis=0)

    def expected_values(self, X: pd.DataFrame) -> pd.DataFrame:
        """Expected value (R$) of each label: P(retained | a) × dentist value − cost of a.

        A label :meth:`confident_actions` rules out is worth ``-inf`` (never recommended).
        """
        effects = self.predict_effects(X)
        values = self.active_economics().expected_values(effects, as_frame(X).set_axis(effects.index))
        return values.where(self.confident_actions(X), -np.inf)

    def recommend(self, X: pd.DataFrame) -> np.ndarray:
        """The label with the largest expected value per row (:func:`~churnlab.models.actions.best_action`:
        ``none`` on ties, never an action without an estimate or ruled out by ``min_confidence``)."""
        return best_action(self.expected_values(X))

    def expected_gain(self, X: pd.DataFrame) -> np.ndarray:
        """Expected value (R$) of the recommended label minus that of ``none`` (>= 0)."""
        values = self.expected_values(X)
        chosen = action_codes(best_action(values))
        table: NDArray[np.float64] = values.to_numpy(dtype=float)
        gain: NDArray[np.float64] = table[np.arange(len(table)), chosen] - table[:, 0]
        return gain

    @one_thread
    def predict_propensities(self, X: pd.DataFrame) -> pd.DataFrame:
        """The historical policy: P(analysts chose a | X), one column per label."""
        Z, X = self._z(X)
        return action_frame(predict_propensity(self.propensity_.named_steps["model"], Z), X.index)
