"""What ``ActionRecommender(learner="auto")`` chooses by cross-validation: learner, whether to personalise.

:class:`~churnlab.models.recommender.ActionRecommender` with ``learner="auto"``
picks the meta-learner by **cross-validated policy value**, not by fit quality:
on each of ``cv`` folds every candidate is fitted on the other folds and
recommends on the held-out fold, and that policy's value is estimated by DR on
the held-out cases (one common outcome model per fold keeps the comparison
paired). A candidate less than one paired standard error behind the best counts
as a tie, and ties go to the first of
:data:`~churnlab.models.learners.AUTO_LEARNERS` (s, s_mix, t, dr: pooled and
least variable first).

The same folds and pseudo-outcomes then value the **one-action policies**: for
each action with an estimate (``none`` included), that action offered to every
case where its mean effect (the outcome model's, on the training folds) pays;
and the one-action rule as a procedure (``one_action``: the action worth most
on the training folds, so its value carries no winner's curse). The chosen
learner's personalised policy is kept only when it beats ``one_action`` by more
than :data:`MARGIN_SE` paired standard errors. Personalising noise gives worse
advice than a good rule of thumb; but at a few hundred cases that margin cannot
tell noise from real differences, so, short of it, the points between the two
(:data:`HALF`: each case's difference from the action's mean effect halved,
:func:`shrink`) is kept when its cross-validated value is above that of the same
learner's mean effects for all (:data:`MEAN_EFFECTS`); else that rule's action
(chosen on all cases) goes to all (``policy_`` of the recommender).

Values are in the units the recommendation maximises (:func:`objective`): the
retention rate when every action is free, R$ per case otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from churnlab.io.records import ACTION_LABELS, NO_ACTION
from churnlab.models.actions import action_codes, action_folds, action_frame, best_action
from churnlab.models.economics import Economics
from churnlab.models.learners import AUTO_LEARNERS, fit_propensity, predict_propensity
from churnlab.models.policy_value import dr_scores

PERSONALISED = "personalised"
"""The name of the personalised policy among the candidate policies."""

HALF = "half_personalised"
"""The point halfway between personalising and one action for all: the chosen learner's policy
with each case's difference from the action's mean uplift halved (:func:`shrink`)."""

MEAN_EFFECTS = "mean_effects"
"""The other end of that line: the chosen learner's mean effects for every case, which is how the
recommender offers one action to all (it differs from ``one_action`` in whose mean it reads)."""

ONE_ACTION = "one_action"
"""The one-action rule as a procedure: the action whose mean effect is worth most, chosen on the
training folds and offered on the held-out fold (the other rows of the table fix the action)."""

MARGIN_SE = 0.5
"""Personalise when the personalised policy is ahead of the one-action rule by more than this many
paired standard errors (docs/concepts/recommender.md gives the measurements behind it)."""

FitLearner = Callable[[str, NDArray[np.float64], NDArray[np.intp], NDArray[np.int_]], Any]
"""``fit(learner, Z, codes, y)``: the fitted models of one meta-learner."""

PredictLearner = Callable[[str, Any, NDArray[np.float64]], NDArray[np.float64]]
"""``predict(learner, models, Z)``: P(retained | Z, a), one column per label."""


def objective(economics: Economics) -> str:
    """What the recommendation maximises: ``"retention"`` when every action is free, else ``"value"`` (R$).

    With free actions the best action of a case is the one with the largest
    P(retained) whatever the dentist is worth, so policies are compared by the
    retention rate; with costs, by R$ per case (retained × value − cost).
    """
    free = all(cost == 0 for cost in economics.action_costs.values()) and economics.price_rise == 0
    return "retention" if free else "value"


@dataclass(frozen=True)
class AutoChoice:
    """What ``learner="auto"`` chose, with the cross-validated tables behind it."""

    learners: pd.DataFrame
    """One row per candidate learner: DR value, standard error, gain over none, fit time, ``chosen``."""
    policies: pd.DataFrame
    """One row per candidate policy (``personalised``, then one per action): value, standard error,
    paired difference with the best one-action policy and its standard error, ``chosen``."""

    @property
    def learner(self) -> str:
        """The meta-learner chosen."""
        return str(self.learners.index[self.learners["chosen"]][0])

    @property
    def policy(self) -> str:
        """``"personalised"``, ``"half_personalised"``, or ``"one_action"`` (the action is chosen
        on every case)."""
        return str(self.policies.index[self.policies["chosen"]][0])

    @property
    def share(self) -> float:
        """How much of each case's difference from the mean effects the chosen policy keeps:
        1 personalised, 0 one action for all."""
        return policy_share(self.policy)


def policy_share(policy: str) -> float:
    """The share of each case's difference from the mean effects that ``policy`` keeps."""
    return {PERSONALISED: 1.0, HALF: 0.5}.get(policy, 0.0)  # MEAN_EFFECTS, one action: 0


def policy_reason(
    results: dict[str, np.ndarray] | None, units: str | None, learner: str, policy: str | None
) -> str:
    """One sentence on why the recommender personalises or offers ``policy`` to all.

    ``results`` is the recommender's ``policy_results_`` (None when ``learner`` was named,
    or for a model saved before the policy choice).
    """
    if results is None or policy is None:
        return f"personalised: learner '{learner}' chosen by the user"
    unit = "retention rate" if units == "retention" else "R$ per case"

    def versus(name: str) -> str:
        row = list(results["policy"]).index(name)
        ahead, se = float(results["minus_one_action"][row]), float(results["minus_one_action_se"][row])
        return f"{ahead:+.3f} ± {se:.3f} {unit}"

    against = "against the best single action (cross-validated)"
    if policy == PERSONALISED:
        return f"personalised: {versus(PERSONALISED)} {against}"
    share = policy_share(policy)
    if share > 0:
        values = dict(zip(results["policy"], results["value"], strict=True))
        return (
            f"partly personalised (each case's difference from the mean effects kept at {share:.0%}): "
            f"{versus(policy)} {against}, {values[policy] - values[MEAN_EFFECTS]:+.3f} against the "
            f"mean effects for all; fully personalised, {versus(PERSONALISED)}"
        )
    personalising = f"personalising was {versus(PERSONALISED)} {against}"
    return f"one action for all ('{policy}', where it pays): {personalising}"


def best_one_action(
    p_none: NDArray[np.float64], uplift: NDArray[np.float64], X: pd.DataFrame, economics: Economics
) -> str:
    """The action worth most when offered to every case where its mean effect pays.

    Every case of ``X`` gets its P(retained | none) (``p_none``) plus each label's mean
    ``uplift`` (NaN: no estimate), so only the economics vary by case. Worth in
    :func:`objective` units; ties go to ``none``.
    """
    flat = action_frame(p_none[:, None] + uplift[None, :], X.index)
    worth = economics.expected_values(flat, X) if objective(economics) == "value" else flat
    table = worth.to_numpy()
    rule = np.maximum(table[:, :1], table).mean(axis=0)  # the action where it pays, else none
    return str(best_action(rule[None, :])[0])


def cross_validate_learners(
    fit: FitLearner,
    predict: PredictLearner,
    Z: NDArray[np.float64],
    codes: NDArray[np.intp],
    y: NDArray[np.int_],
    X: pd.DataFrame,
    *,
    economics: Economics,
    supported: NDArray[np.bool_],
    propensity_C: float,
    clip: float,
    cv: int,
    random_state: int | None,
) -> AutoChoice:
    """Cross-validated value of each candidate learner's policy and of each one-action policy.

    ``Z`` are the preprocessed features of the cases of ``X`` (whose raw
    columns the economics read), ``codes`` their action codes, ``y`` 1 when
    the dentist stayed and ``supported`` the labels with an estimate.
    """
    labels = np.array(ACTION_LABELS, dtype=object)
    units = objective(economics)
    if units == "value":
        value = economics.dentist_value(X)
        costs = economics.action_costs_for(X)[list(ACTION_LABELS)].to_numpy()
        rewards = y * value - costs[np.arange(len(y)), codes]
    else:
        rewards = y.astype(float)

    def worth(effects: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
        """Each label's worth per case in the objective's units (what the recommendation maximises)."""
        return economics.expected_values(effects, rows) if units == "value" else effects

    learners = AUTO_LEARNERS
    one_action = [ACTION_LABELS[j] for j in range(len(ACTION_LABELS)) if supported[j]]
    terms = {name: np.empty(len(y)) for name in (*learners, ONE_ACTION, *one_action)}
    held_out = {name: np.empty((len(y), len(labels))) for name in learners}  # each learner's P, cross-fitted
    pseudo = np.empty((len(y), len(labels)))
    folds = []
    fitted_alone = [m for m in dict.fromkeys(("s", "s_hgb", *learners)) if m != "s_mix"]
    seconds = dict.fromkeys((*fitted_alone, "s_mix"), 0.0)
    for train, test in action_folds(codes, cv, random_state):
        Xt = X.iloc[test]
        pi = predict_propensity(fit_propensity(Z[train], codes[train], propensity_C), Z[test])
        fitted: dict[str, Any] = {}
        for name in fitted_alone:  # s and s_hgb first: s_mix is their mean, and the DR model below
            start = time.perf_counter()
            fitted[name] = fit(name, Z[train], codes[train], y[train])
            seconds[name] += time.perf_counter() - start
        fitted["s_mix"] = {"s": fitted["s"], "s_hgb": fitted["s_hgb"]}  # its parts, fitted once
        # A common outcome model for every candidate's DR estimate keeps the comparison
        # paired; DR stays unbiased whatever model it is, and the better it fits the
        # narrower the comparison. The mean of this fold's logistic and boosted S-learners
        # fits linear and region-shaped effects alike (the logistic one alone left a boosted
        # candidate that was truly far ahead within one standard error on small data).
        q = action_frame(predict("s_mix", fitted["s_mix"], Z[test]), Xt.index)
        gamma = dr_scores(
            labels[codes[test]],
            rewards[test],
            action_frame(pi, Xt.index),
            worth(q, Xt).fillna(0.0),
            clip=clip,
        ).to_numpy()
        rows = np.arange(len(test))
        pseudo[test] = gamma
        folds.append((train, test, fitted))
        for name in learners:
            held_out[name][test] = predict(name, fitted[name], Z[test])
            effects = action_frame(held_out[name][test], Xt.index)
            terms[name][test] = gamma[rows, action_codes(best_action(worth(effects, Xt)))]
        # One action for all, where its mean effect (the outcome model's, on the training
        # folds) pays. A model's mean uplift is shrunk with its coefficients, but it ranks the
        # actions better than the noisier doubly-robust means (docs/concepts/recommender.md).
        q_train = predict("s_mix", fitted["s_mix"], Z[train])
        uplift = (q_train - q_train[:, :1]).mean(axis=0)
        flat = action_frame(q.to_numpy()[:, :1] + uplift, Xt.index)
        for label in one_action:
            only = np.isin(labels, [NO_ACTION, label])[None, :].repeat(len(test), axis=0)
            terms[label][test] = gamma[rows, action_codes(best_action(worth(flat, Xt), allowed=only))]
        pick = best_one_action(q_train[:, 0], uplift, X.iloc[train], economics)
        terms[ONE_ACTION][test] = terms[pick][test]
    seconds["s_mix"] = seconds["s"] + seconds["s_hgb"]
    learner_table = _learner_table(terms, learners, seconds, cv)
    chosen = str(learner_table.index[learner_table["chosen"]][0])
    train_mean = np.empty((len(y), len(labels)))  # the chosen learner's mean uplift on the training folds
    for train, test, fitted in folds:
        p_train = predict(chosen, fitted[chosen], Z[train])
        train_mean[test] = (p_train - p_train[:, :1]).mean(axis=0)
    for name in (HALF, MEAN_EFFECTS):
        shrunk = action_frame(shrink(held_out[chosen], train_mean, policy_share(name)), X.index)
        terms[name] = pseudo[np.arange(len(y)), action_codes(best_action(worth(shrunk, X)))]
    return AutoChoice(learner_table, _policy_table(terms, learners, one_action))


def shrink(p: NDArray[np.float64], mean_uplift: NDArray[np.float64], share: float) -> NDArray[np.float64]:
    """P(retained | x, a) with each case's uplift shrunk toward the action's mean: ``share`` 1 keeps the
    learner's, 0 gives every case the mean effects (one action for all)."""
    base = p[:, :1]
    out: NDArray[np.float64] = np.clip(base + mean_uplift + share * (p - base - mean_uplift), 0.0, 1.0)
    return out


def _se(values: NDArray[np.float64]) -> float:
    return float(values.std(ddof=1) / np.sqrt(len(values)))


def _learner_table(
    terms: dict[str, NDArray[np.float64]], learners: Sequence[str], seconds: dict[str, float], cv: int
) -> pd.DataFrame:
    """The learners' values, paired differences with the best, and the one-standard-error choice."""
    best = max(learners, key=lambda m: terms[m].mean())
    diff = {m: terms[best] - terms[m] for m in learners}
    gain = {m: terms[m] - terms[NO_ACTION] for m in learners}
    # One-standard-error rule on the paired differences: a candidate not clearly worse
    # than the best is a tie, and ties go to the learner listed first (lowest variance).
    chosen = next(m for m in learners if diff[m].mean() <= _se(diff[m]) or m == best)
    return pd.DataFrame(
        {
            "dr_value": [terms[m].mean() for m in learners],
            "dr_se": [_se(terms[m]) for m in learners],
            "gain_over_none": [gain[m].mean() for m in learners],
            "gain_se": [_se(gain[m]) for m in learners],
            "behind_best": [diff[m].mean() for m in learners],
            "behind_best_se": [_se(diff[m]) for m in learners],
            "fit_seconds": [seconds.get(m, 0.0) / cv for m in learners],
            "chosen": [m == chosen for m in learners],
        },
        index=pd.Index(list(learners), name="learner"),
    )


def _policy_table(
    terms: dict[str, NDArray[np.float64]], learners: Sequence[str], one_action: Sequence[str]
) -> pd.DataFrame:
    """Personalised, halfway and the mean effects against the one-action rule and each single action:
    values, paired differences, and the choice."""
    table = _learner_table(terms, learners, {}, 1)
    candidates = {PERSONALISED: terms[str(table.index[table["chosen"]][0])]}
    candidates.update({name: terms[name] for name in (HALF, MEAN_EFFECTS, ONE_ACTION, *one_action)})
    ahead = {name: values - terms[ONE_ACTION] for name, values in candidates.items()}
    # Both candidates are procedures fitted on the training folds and judged on the held-out
    # one, so the best single action's value carries no winner's curse of a maximum over actions.
    personalise = ahead[PERSONALISED].mean() > MARGIN_SE * _se(ahead[PERSONALISED])
    # Short of that margin, halfway when it is worth more than the same learner's mean effects for
    # all, what the recommender offers otherwise (docs/concepts/recommender.md: the measurements).
    halfway = terms[HALF].mean() > terms[MEAN_EFFECTS].mean()
    chosen = PERSONALISED if personalise else HALF if halfway else ONE_ACTION
    return pd.DataFrame(
        {
            "value": [v.mean() for v in candidates.values()],
            "se": [_se(v) for v in candidates.values()],
            "minus_one_action": [d.mean() for d in ahead.values()],
            "minus_one_action_se": [_se(d) for d in ahead.values()],
            "chosen": [name == chosen for name in candidates],
        },
        index=pd.Index(list(candidates), name="policy"),
    )


def as_columns(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """A table as a dict of arrays (its index first), as ``GridSearchCV.cv_results_`` keeps one:
    skops saves it, ``pandas.DataFrame`` reads it back."""
    return {
        str(table.index.name): table.index.to_numpy(dtype=str),
        **{c: table[c].to_numpy() for c in table.columns},
    }
