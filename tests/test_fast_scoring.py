"""The single-case NumPy path gives what the batch path gives, on every case of the sample."""

from __future__ import annotations

import dataclasses
import math

import pytest

import churnlab as cl
from churnlab.app.scoring import score_cases
from churnlab.features.labels import case_table
from churnlab.models.fast_scoring import SingleCaseScorer
from churnlab.models.recommender import ActionRecommender
from conftest import REPO

NUMBERS = [
    "dismissal_risk",
    "uplift",
    "expected_gain",
    "dentist_value",
    *(f"p_retained_{label}" for label in cl.ACTION_LABELS),
]


def _same_reasons(got, expected) -> bool:
    def close(a, b):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)

    return len(got) == len(expected) and all(
        g.feature == e.feature
        and g.text == e.text
        and close(g.value, e.value)
        and close(g.contribution, e.contribution)
        for g, e in zip(got, expected, strict=True)
    )


@pytest.fixture(scope="module")
def model():
    return cl.load_model()


@pytest.fixture(scope="module")
def sample_cases():
    return list(cl.read_forms(REPO / "data" / "sample" / "forms"))


@pytest.fixture(scope="module", params=["s", "t", "s_mix"])
def each_learner(request, model, sample_cases):
    """The bundled model with its recommender refitted as each learner the fast path reads."""
    table = case_table(sample_cases)
    closed = table["closed"].to_numpy()
    X = model.features([case for case, keep in zip(sample_cases, closed, strict=True) if keep])
    recommender = ActionRecommender(learner=request.param, economics=model.economics, random_state=0)
    recommender.fit(X, table.loc[closed, "action"], 1 - table.loc[closed, "dismissed"].astype(int))
    return dataclasses.replace(model, recommender=recommender)


def test_single_case_path_equals_the_batch_path(each_learner, sample_cases):
    model, cases = each_learner, sample_cases
    batch = score_cases(cases, model).to_dict("records")
    fast = SingleCaseScorer(model)
    assert fast.supported, model.recommender.learner_
    for case, expected in zip(cases, batch, strict=True):
        got = fast.score(case)
        for name in NUMBERS:
            assert math.isclose(got[name], expected[name], rel_tol=1e-9, abs_tol=1e-9), (case.source, name)
        assert got["best_action"] == expected["best_action"], case.source
        assert _same_reasons(got["reasons"], expected["reasons"]), case.source
        for name in ("source", "status", "city", "uf", "dentist"):  # pandas turns None into NaN
            assert got[name] == (expected[name] if isinstance(expected[name], str) else None), name
        assert str(got["opened_on"])[:10] == str(expected["opened_on"])[:10]


def test_a_case_with_nothing_on_it(model):
    case = cl.RetentionCase(source="empty")
    (expected,) = score_cases([case], model).to_dict("records")
    got = SingleCaseScorer(model).score(case)
    assert math.isclose(got["dismissal_risk"], expected["dismissal_risk"], rel_tol=1e-9)
    assert _same_reasons(got["reasons"], expected["reasons"])


def test_the_boosted_trees_walked_in_numpy_give_scikit_learns_probabilities():
    """s_mix's boosted half on the single-case path: the same numbers as predict_proba, missing
    values (learned to go left or right) included."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    from churnlab.models.fast_scoring import _Trees

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 5))
    y = (X[:, 0] + np.where(np.isnan(X[:, 1]), 2.0, X[:, 1]) + rng.normal(size=2000) > 0).astype(int)
    X[rng.random(2000) < 0.2, 1] = np.nan
    model = HistGradientBoostingClassifier(max_iter=50, random_state=0).fit(X, y)
    trees = _Trees.of(model)
    assert np.array_equal(trees.predict_proba(X), model.predict_proba(X)[:, 1])
    assert np.array_equal(trees.predict_proba(X[:1]), model.predict_proba(X[:1])[:, 1])


def test_a_half_personalised_recommender_is_scored_by_the_batch_path(model, sample_cases):
    """The single-case path reads the learner's own uplift; shrunk toward the mean effects it
    would not, so a half-personalised model leaves it to the batch path."""
    recommender = dataclasses.replace(model).recommender
    half = ActionRecommender(**recommender.get_params())
    half.__dict__.update(vars(recommender))
    half.policy_, half.share_ = "half_personalised", 0.5
    shrunk = dataclasses.replace(model, recommender=half)
    assert SingleCaseScorer(model).supported and not SingleCaseScorer(shrunk).supported
    assert SingleCaseScorer(shrunk).score(sample_cases[0]) is None  # the caller scores it in batch
    assert score_cases(sample_cases[:3], shrunk)["best_action"].notna().all()
