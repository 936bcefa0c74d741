"""The best action is one rule: every path that picks one (recommender, batch and single-case
scoring, off-policy calibration) gives the same label on ties, NaN and ruled-out actions."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest

import churnlab as cl
from churnlab.app.scoring import score_cases
from churnlab.evaluation.off_policy import uplift_calibration
from churnlab.features.labels import case_table
from churnlab.models.actions import action_codes, best_action, check_actions
from churnlab.models.economics import DEFAULT_ACTION_COSTS, Economics
from churnlab.models.fast_scoring import SingleCaseScorer
from churnlab.models.learners import FREE_ACTIONS
from churnlab.models.recommender import ActionRecommender
from conftest import REPO

NAN = float("nan")

# Columns: none, new_prices, support, publicity, training, refresher, other.
EFFECTS = np.array(
    [
        [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5],  # all tied: none
        [0.4, 0.6, 0.6, 0.1, 0.1, 0.1, 0.1],  # two actions tied: the first listed
        [0.4, NAN, 0.5, 0.1, 0.1, 0.1, 0.1],  # no estimate for new_prices: never chosen
        [0.4, NAN, NAN, NAN, NAN, NAN, NAN],  # only none has an estimate
        [0.4, 0.3, 0.2, 0.45, 0.45, NAN, 0.1],
        [0.7, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2],
    ]
)
BEST = ["none", "new_prices", "support", "none", "publicity", "none"]
BEST_ACTION_ONLY = ["new_prices", "new_prices", "support", "none", "publicity", "new_prices"]
"""The best label other than none (uplift calibration); ``none`` where no action has an estimate."""


def test_best_action_rules():
    assert best_action(EFFECTS).tolist() == BEST
    only_actions = np.ones(EFFECTS.shape, dtype=bool)
    only_actions[:, 0] = False
    assert best_action(EFFECTS, allowed=only_actions).tolist() == BEST_ACTION_ONLY
    ruled_out = np.ones(EFFECTS.shape, dtype=bool)
    ruled_out[:, 1] = False  # new_prices not confidently above none
    assert best_action(EFFECTS, allowed=ruled_out).tolist()[1] == "support"
    assert best_action(np.where(np.arange(7) == 2, -np.inf, EFFECTS[1])).tolist() == ["new_prices"]
    assert best_action(np.full((1, 7), NAN)).tolist() == ["none"]
    frame = pd.DataFrame(EFFECTS, columns=cl.ACTION_LABELS)
    assert best_action(frame[list(reversed(cl.ACTION_LABELS))]).tolist() == BEST  # read by name
    with pytest.raises(ValueError, match="one column per action label"):
        best_action(EFFECTS[:, :3])


def test_action_codes_are_positions_in_the_labels():
    labels = check_actions(list(cl.ACTION_LABELS))
    assert action_codes(labels).tolist() == list(range(len(cl.ACTION_LABELS)))


@pytest.fixture(scope="module")
def sample():
    model = cl.load_model()
    cases = list(cl.read_forms(REPO / "data" / "sample" / "forms"))
    return model, cases, model.features(cases)


def test_recommender_and_batch_scoring_agree_on_ties_and_nan(sample, monkeypatch):
    """The same effects through ActionRecommender.recommend and ChurnModel.score_features."""
    model, _, X = sample
    X = X.iloc[: len(EFFECTS)]
    recommender = copy.copy(model.recommender)
    recommender.economics = FREE_ACTIONS  # values proportional to the effects: their ties stay ties
    monkeypatch.setattr(
        recommender,
        "predict_effects",
        lambda X: pd.DataFrame(EFFECTS[: len(X)], index=X.index, columns=cl.ACTION_LABELS),
    )
    monkeypatch.setattr(recommender, "confident_actions", lambda X: np.ones((len(X), 7), dtype=bool))
    assert recommender.recommend(X).tolist() == BEST
    scored = dataclasses.replace(model, recommender=recommender).score_features(X)
    assert scored["best_action"].tolist() == BEST
    # uplift calibration: the best action other than none, one group per case.
    table = uplift_calibration(recommender, X, ["none"] * len(X), [1, 0] * 3, bins=len(X), cv=None)
    rows = np.arange(len(X))
    chosen = action_codes(BEST_ACTION_ONLY)
    predicted = np.nan_to_num(EFFECTS[rows, chosen] - EFFECTS[:, 0])
    np.testing.assert_allclose(np.sort(table["predicted"]), np.sort(predicted))


@pytest.fixture(scope="module", params=["nan_cost", "free_with_untried_actions"])
def odd_model(request, sample):
    """The bundled model with economics or a recommender that make NaN values and exact ties."""
    model, cases, _ = sample
    if request.param == "nan_cost":  # an action whose cost is unknown has no value: never chosen
        recommender = copy.copy(model.recommender)
        recommender.economics = Economics(action_costs={**DEFAULT_ACTION_COSTS, "support": NAN})
        return dataclasses.replace(model, recommender=recommender)
    # Free actions and a T-learner that leaves the rarer actions without an estimate: they are
    # shown at P(retained | none), so they tie with none at equal (zero) cost.
    table = case_table(cases)
    closed = table["closed"].to_numpy()
    X = model.features([case for case, keep in zip(cases, closed, strict=True) if keep])
    actions = table.loc[closed, "action"]
    recommender = ActionRecommender(
        learner="t",
        economics=FREE_ACTIONS,
        random_state=0,
        min_action_cases=int(actions.value_counts().iloc[2]),
    )
    with pytest.warns(UserWarning, match="get no estimate"):
        recommender.fit(X, actions, 1 - table.loc[closed, "dismissed"].astype(int))
    assert not recommender.supported_.all()
    return dataclasses.replace(model, recommender=recommender)


def test_single_case_and_batch_scoring_agree_on_ties_and_nan(odd_model, sample):
    _, cases, _ = sample
    batch = score_cases(cases, odd_model)
    fast = SingleCaseScorer(odd_model)
    assert fast.supported
    expected = best_action(odd_model.recommender.expected_values(odd_model.features(cases)))
    assert batch["best_action"].tolist() == expected.tolist()
    assert [fast.score(case)["best_action"] for case in cases] == expected.tolist()
    if np.isnan(odd_model.economics.action_costs["support"]):
        assert "support" not in set(expected)  # the old single-case path picked a NaN value
