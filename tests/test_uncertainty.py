"""Uplift intervals (bootstrap refits) and min_confidence: how sure the recommender is."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

from churnlab.io.records import ACTION_LABELS
from churnlab.models.persistence import ALLOWED_TYPES, skops_types
from churnlab.models.recommender import ActionRecommender


def _world(n: int, effect: float, seed: int):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"p_reason_fees": rng.integers(0, 2, n).astype(float)})
    actions = rng.choice(ACTION_LABELS, n)
    true_uplift = effect * X["p_reason_fees"].to_numpy()  # new prices, for fee complaints only
    retained = (rng.random(n) < 0.3 + true_uplift * (actions == "new_prices")).astype(int)
    return X, actions, retained, true_uplift


@pytest.mark.parametrize("learner", ["t", "dr"])
def test_intervals_cover_the_true_uplift_and_are_saved_safely(learner):
    X, actions, retained, true_uplift = _world(3000, 0.3, 1)
    rec = ActionRecommender(learner=learner, n_bootstrap=20, random_state=0).fit(X, actions, retained)
    low, high = rec.predict_uplift_interval(X, level=0.9)
    assert list(low.columns) == list(ACTION_LABELS) and (low["none"] == 0).all()
    covered = (low["new_prices"] <= true_uplift) & (true_uplift <= high["new_prices"])
    assert covered.mean() > 0.8
    assert (high["new_prices"] - low["new_prices"]).max() < 0.3
    assert skops_types(sio.dumps(rec)) <= ALLOWED_TYPES


def test_the_model_error_widens_intervals_over_the_s_learners_shrinkage():
    """The bootstrap alone measures variance: the penalised S-learner's shrinkage (0.3 → ~0.21) lies
    outside it. The cross-fitted model error (what resampling cannot see) brings the truth inside."""
    X, actions, retained, true_uplift = _world(3000, 0.3, 1)
    rec = ActionRecommender(learner="s", n_bootstrap=20, random_state=0).fit(X, actions, retained)
    fees = X["p_reason_fees"].to_numpy() == 1
    low, high = rec.predict_uplift_interval(X, level=0.9)
    assert ((low["new_prices"] <= 0.3) & (0.3 <= high["new_prices"]))[fees].mean() > 0.9
    assert ((low["new_prices"] <= 0) & (0 <= high["new_prices"]))[~fees].mean() > 0.9
    assert rec.model_error_[0] == 0 and (rec.model_error_[1:] >= 0).all()
    rec.model_error_ = None  # the percentile bootstrap alone
    _, high = rec.predict_uplift_interval(X, level=0.9)
    assert high["new_prices"][fees].mean() < 0.3


def test_min_confidence_recommends_only_what_the_evidence_supports():
    X, actions, retained, _ = _world(700, 0.0, 2)  # no action helps anyone
    plain = ActionRecommender(learner="s", random_state=0).fit(X, actions, retained)
    sure = ActionRecommender(learner="s", n_bootstrap=20, min_confidence=0.9, random_state=0).fit(
        X, actions, retained
    )
    assert (sure.recommend(X) == "none").mean() >= (plain.recommend(X) == "none").mean()
    assert (sure.recommend(X) == "none").mean() > 0.95
    X2, actions2, retained2, _ = _world(3000, 0.4, 3)  # a strong effect survives the check
    strong = ActionRecommender(learner="s", n_bootstrap=20, min_confidence=0.9, random_state=0).fit(
        X2, actions2, retained2
    )
    fees = X2["p_reason_fees"].to_numpy() == 1
    assert (strong.recommend(X2[fees]) == "new_prices").mean() > 0.9


def test_min_confidence_needs_bootstrap_refits():
    X, actions, retained, _ = _world(400, 0.3, 4)
    with pytest.raises(ValueError, match="set n_bootstrap >= 20"):
        ActionRecommender(learner="s", min_confidence=0.9).fit(X, actions, retained)
    with pytest.raises(ValueError, match="no uplift intervals"):
        ActionRecommender(learner="s").fit(X, actions, retained).predict_uplift_interval(X)


def test_train_score_and_serve_with_intervals(tmp_path):
    import json

    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from churnlab.app.cli import app
    from churnlab.app.service.api import create_app
    from churnlab.models.persistence import load_model

    runner = CliRunner()
    data, model = tmp_path / "d", tmp_path / "m"
    assert runner.invoke(app, ["synth", str(data), "--n-cases", "300", "--seed", "8"]).exit_code == 0
    result = runner.invoke(
        app, ["train", str(data), "--out", str(model), "--uncertainty", "20", "--min-confidence", "0.8"]
    )
    assert result.exit_code == 0, result.stderr
    card = json.loads((model / "card.json").read_text(encoding="utf-8"))
    assert card["recommender"]["n_bootstrap"] == 20 and card["recommender"]["min_confidence"] == 0.8
    assert (
        runner.invoke(
            app, ["score", str(data), "--model", str(model), "--out", str(tmp_path / "s.csv")]
        ).exit_code
        == 0
    )
    scores = pd.read_csv(tmp_path / "s.csv")
    acted = scores["best_action"] != "none"
    assert (scores.loc[acted, "uplift_low"] > 0).all()  # min_confidence: the interval is above 0
    assert (scores["uplift_low"] <= scores["uplift"] + 1e-9).all()
    assert (scores["uplift"] <= scores["uplift_high"] + 1e-9).all()
    body = (
        TestClient(create_app(load_model(model)))
        .post("/score", json={"text": next((data / "forms").glob("*.md")).read_text(encoding="utf-8")})
        .json()
    )
    assert body["uplift_low"] is not None and body["uplift_high"] is not None
    assert (
        runner.invoke(
            app, ["train", str(data), "--out", str(tmp_path / "m2"), "--min-confidence", "0.8"]
        ).exit_code
        == 2
    )


def test_s_mix_intervals_carry_the_outcome_models_own_error():
    """The model error is measured against the DR pseudo-outcome, whose outcome model *is* s_mix:
    without its own error (a quarter of the two S-learners' squared disagreement) s_mix would get
    none. They disagree on the one real effect, so that action's interval is the one widened."""
    X, actions, retained, _ = _world(3000, 0.3, 1)
    rec = ActionRecommender(learner="s_mix", n_bootstrap=20, random_state=0).fit(X, actions, retained)
    error = pd.Series(rec.model_error_, index=list(ACTION_LABELS))
    assert error["new_prices"] > 0.03  # measured: 0.050
    assert error["new_prices"] > 2 * error.drop(["none", "new_prices"]).median()  # others ~0.016


def test_the_lower_end_min_confidence_reads_holds_on_the_generator():
    """The S-learner's 90 % intervals miss the truth above (its action effects are shrunk), so
    the lower end, which decides min_confidence, must still hold for ~95 % of recommended cases."""
    from churnlab.features.cases import build_features
    from churnlab.features.labels import case_table
    from churnlab.models.learners import FREE_ACTIONS
    from churnlab.models.reason_features import add_reason_probabilities, training_features
    from churnlab.synthetic.generator import generate

    data = generate(3000, seed=32, open_share=0.25)
    table = case_table(data.cases)
    closed = table["closed"].to_numpy()
    is_open = data.truth["is_open"].to_numpy()
    train = [c for c, keep in zip(data.cases, closed, strict=True) if keep]
    X_train, tagger = training_features(train, data.glosas, random_state=0)
    open_cases = [c for c, keep in zip(data.cases, is_open, strict=True) if keep]
    X_open = add_reason_probabilities(build_features(open_cases, data.glosas), open_cases, tagger)
    rec = ActionRecommender(learner="s", economics=FREE_ACTIONS, n_bootstrap=20, random_state=0)
    rec.fit(X_train, table.loc[closed, "action"], 1 - table.loc[closed, "dismissed"])
    best = np.array([ACTION_LABELS.index(a) for a in rec.recommend(X_open)])
    rows, acted = np.arange(len(best)), best != 0
    p_true = data.truth.loc[is_open, [f"p_retained_{a}" for a in ACTION_LABELS]].to_numpy()
    true_uplift = p_true[rows, best] - p_true[:, 0]
    low, high = (bound.to_numpy()[rows, best] for bound in rec.predict_uplift_interval(X_open, 0.9))
    assert acted.sum() > 500
    assert (low <= true_uplift)[acted].mean() >= 0.9
    assert (true_uplift > high)[acted].mean() > (true_uplift < low)[acted].mean()  # misses are above
