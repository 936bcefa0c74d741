"""One case scored in plain NumPy: the HTTP service's path for a single record.

:meth:`ChurnModel.score_features` scores thousands of rows at a time through
pandas and scikit-learn, whose per-call checks cost ~20 ms for one row.
:class:`SingleCaseScorer` reads the fitted models' arrays once (imputation
medians, scaling, coefficients, the tagger's vocabulary) and scores one case
with a few small NumPy operations. It computes exactly what the batch path
computes — ``tests/test_fast_scoring.py`` checks it on every case of
``data/sample`` — and declines (``None``) what it does not know (a learner
other than the logistic S- and T-learners and ``s_mix``, a glosa export), leaving those to
the batch path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit, softmax

from churnlab.features.cases import case_row, glosa_features
from churnlab.features.drift import DriftCounter
from churnlab.io.records import ACTION_LABELS, RetentionCase
from churnlab.models._sklearn_compat import hgb_trees
from churnlab.models.actions import N_ACTIONS, best_action
from churnlab.models.churn_model import ChurnModel
from churnlab.models.learners import s_design
from churnlab.models.reasons import REASON_COLUMNS, tagger_text
from churnlab.models.risk import explain_pushes


def _impute_scale(imputer, scaler):
    """A one-row ``SimpleImputer(add_indicator) → StandardScaler`` as a function of a float vector."""
    fill = np.nan_to_num(imputer.statistics_, nan=0.0)  # keep_empty_features fills with 0
    flagged = imputer.indicator_.features_ if imputer.indicator_ is not None else np.empty(0, dtype=int)
    mean, scale = scaler.mean_, scaler.scale_

    def transform(x: np.ndarray) -> np.ndarray:
        missing = np.isnan(x)
        full = np.concatenate([np.where(missing, fill, x), missing[flagged].astype(float)])
        return (full - mean) / scale

    return transform


@dataclass(frozen=True)
class _Trees:
    """A binary HistGradientBoostingClassifier's trees as flat arrays, walked for a few rows at once.

    scikit-learn calls one compiled routine per tree: ~2 ms for 200 trees however few the rows.
    Here every tree moves one level per step, in a handful of NumPy operations. A leaf is its own
    left and right child, so walking on from it stays there. A value equal to a split threshold
    goes left, so the features must be the batch path's to the bit (a hand-made TF-IDF, 1e-16
    off, sent one sample case down another branch: the tagger stays scikit-learn's)."""

    feature: np.ndarray
    threshold: np.ndarray
    missing_left: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    roots: np.ndarray
    depth: int
    baseline: float

    @classmethod
    def of(cls, model) -> _Trees:
        predictors, baseline = hgb_trees(model)
        nodes = [per_class[0].nodes for per_class in predictors]
        if len(predictors[0]) != 1 or any(n["is_categorical"].any() for n in nodes):
            raise ValueError("only binary classifiers without categorical splits are read here")
        sizes = np.array([len(n) for n in nodes])
        roots = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        flat, offset = np.concatenate(nodes), np.repeat(roots, sizes)
        leaf, here = flat["is_leaf"].astype(bool), np.arange(len(flat))
        return cls(
            feature=np.where(leaf, 0, flat["feature_idx"]).astype(np.intp),
            threshold=flat["num_threshold"],
            missing_left=flat["missing_go_to_left"].astype(bool),
            left=np.where(leaf, here, flat["left"].astype(np.intp) + offset),
            right=np.where(leaf, here, flat["right"].astype(np.intp) + offset),
            value=flat["value"],
            roots=roots,
            depth=int(flat["depth"].max()),
            baseline=baseline,
        )

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """P(class 1) per row of ``X``, as ``model.predict_proba(X)[:, 1]`` gives it."""
        node = np.repeat(self.roots[:, None], len(X), axis=1)  # trees × rows
        rows = np.arange(len(X))[None, :]
        missing = np.isnan(X).any()
        for _ in range(self.depth):
            x = X[rows, self.feature[node]]
            go_left = x <= self.threshold[node]
            if missing:
                go_left |= np.isnan(x) & self.missing_left[node]
            node = np.where(go_left, self.left[node], self.right[node])
        # scikit-learn adds the trees one by one onto the baseline; a cumulative sum keeps that order.
        raw = np.cumsum(np.vstack([np.full(len(X), self.baseline), self.value[node]]), axis=0)[-1]
        return expit(raw)


class SingleCaseScorer:
    """Scores one parsed case like ``score_cases([case], model).iloc[0]``, in NumPy."""

    def __init__(self, model: ChurnModel, top_reasons: int = 3) -> None:
        self.model = model
        self.top_reasons = top_reasons
        risk = model.risk
        self.risk_names = list(risk.feature_names_)
        steps = risk.pipeline_.named_steps
        self.risk_z = _impute_scale(steps["impute"], steps["scale"])
        self.risk_coef, self.risk_intercept = steps["model"].coef_[0], steps["model"].intercept_[0]
        self.risk_owner = risk.term_owners()
        rec = model.recommender
        # The logistic S- and T-learners' point estimates, and s_mix's (the logistic S-learner in
        # NumPy, its boosted half by walking the trees in NumPy); uplift intervals
        # (n_bootstrap) and the other learners take the batch path.
        self.learner = rec.learner_
        self.supported = (
            self.learner in ("s", "t", "s_mix")
            and not getattr(rec, "bootstrap_models_", None)
            and getattr(rec, "outcome_learner", None) is None
            and rec.kept_share == 1  # shrunk or one action for all: the batch path applies it
        )
        if self.supported:
            self.rec_names = list(rec.feature_names_in_)
            self.rec_z = _impute_scale(*(rec.preprocess_.named_steps[k] for k in ("impute", "scale")))
            if self.learner in ("s", "s_mix"):
                logistic = rec.models_["s"] if self.learner == "s_mix" else rec.models_
                self.rec_coef, self.rec_intercept = logistic.coef_[0], logistic.intercept_[0]
                self.modifiers = rec.modifiers_
                self.boosted = _Trees.of(rec.models_["s_hgb"]) if self.learner == "s_mix" else None
            else:  # one logistic regression per action (None where too rare to fit)
                self.t_models = [
                    (m.coef_[0], m.intercept_[0]) if m is not None else None for m in rec.models_
                ]
            self.unsupported = ~np.asarray(rec.supported_, dtype=bool)
        tagger = model.tagger
        if tagger is not None:
            self.words = tagger.pipeline_.named_steps["words"]
            lr = tagger.pipeline_.named_steps["model"]
            self.tag_coef, self.tag_intercept = lr.coef_, lr.intercept_
            self.tag_columns = [REASON_COLUMNS.index(f"p_reason_{c}") for c in tagger.classes_]

    @classmethod
    def compile(cls, model: ChurnModel) -> SingleCaseScorer | None:
        """The scorer of ``model``, or None when its parts are not the kinds read here."""
        try:
            return cls(model)
        except (AttributeError, KeyError, TypeError, ValueError):
            return None

    def _reason_probabilities(self, note: str) -> np.ndarray:
        out = np.zeros(len(REASON_COLUMNS))
        if self.model.tagger is None:
            return out
        counts = self.words.transform(tagger_text([note]))
        scores = np.asarray(counts @ self.tag_coef.T).ravel() + self.tag_intercept
        proba = np.array([1 - expit(scores[0]), expit(scores[0])]) if len(scores) == 1 else softmax(scores)
        out[self.tag_columns] = proba
        return out

    def score(self, case: RetentionCase, drift: DriftCounter | None = None) -> dict | None:
        """The score row of ``case`` (as ``score_cases`` gives it), or None to use the batch path.

        ``drift`` counts an open case's features, as ``score_cases`` does.
        """
        if not self.supported:
            return None
        row: dict[str, Any] = case_row(case)
        glosa_row = glosa_features([case], [row["opened_on"]], None).iloc[0]
        row.update((str(name), value) for name, value in glosa_row.items())
        row.update(zip(REASON_COLUMNS, self._reason_probabilities(row["first_note"]), strict=True))

        x = np.array([row[name] for name in self.risk_names], dtype=float)
        z = self.risk_z(self.model.risk.within_training_range(x[None, :])[0])
        terms = z * self.risk_coef
        risk = float(self.model.risk.bounded_risk(expit(terms.sum() + self.risk_intercept)))
        push = np.bincount(self.risk_owner, weights=terms, minlength=len(x))
        reasons = explain_pushes(x[None, :], push[None, :], self.risk_names, self.top_reasons)[0]

        zr = self.rec_z(np.array([row[name] for name in self.rec_names], dtype=float))[None, :]
        if self.learner in ("s", "s_mix"):
            design = np.vstack([s_design(zr, np.full(1, j), self.modifiers) for j in range(N_ACTIONS)])
            effects = expit(design @ self.rec_coef + self.rec_intercept)
            if self.boosted is not None:  # s_mix: the mean with the boosted S-learner
                every_action = np.hstack([np.repeat(zr, N_ACTIONS, axis=0), np.eye(N_ACTIONS)])
                effects = (effects + self.boosted.predict_proba(every_action)) / 2
        else:
            effects = np.array(
                [expit(float(zr[0] @ m[0] + m[1])) if m is not None else np.nan for m in self.t_models]
            )
        effects[self.unsupported | np.isnan(effects)] = effects[0]  # no estimate: shown at P(retained | none)

        economics = self.model.economics
        value = float(
            economics.value_of([row["lives"]], [row["listed_cros"]], [row["last_production_value"]])[0]
        )
        values = effects * value - economics.costs_of(np.array([row["last_production_value"]]))[0]
        label = best_action(values)[0]
        best = ACTION_LABELS.index(label)
        if drift is not None and case.is_open:  # counted once scored: a failure falls back uncounted
            drift.add_row(row)
        return {
            "source": case.source,
            "dismissal_risk": risk,
            "best_action": label,
            **{f"p_retained_{label}": float(p) for label, p in zip(ACTION_LABELS, effects, strict=True)},
            "uplift": float(effects[best] - effects[0]),
            "expected_gain": float(values[best] - values[0]),
            "dentist_value": value,
            "reasons": reasons,
            "status": case.status or ("open" if case.is_open else "unknown"),
            "dentist": case.dentist_name,
            "city": case.city,
            "uf": case.uf or case.cro_uf,
            "opened_on": row["opened_on"],
        }
