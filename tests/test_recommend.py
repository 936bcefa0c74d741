"""The action recommender: scikit-learn conventions, effects recovered, costs respected, errors."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from churnlab.app.training import _recommender_summary
from churnlab.evaluation.off_policy import evaluate_policy
from churnlab.evaluation.truth import true_policy_value
from churnlab.io.records import ACTION_LABELS, ACTIONS
from churnlab.models._sklearn_compat import parametrize_with_checks
from churnlab.models.churn_model import ChurnModel
from churnlab.models.economics import Economics
from churnlab.models.learner_choice import _policy_table, as_columns, policy_reason, policy_share, shrink
from churnlab.models.learners import AUTO_LEARNERS, FREE_ACTIONS, LEARNERS
from churnlab.models.recommender import ActionRecommender
from churnlab.models.risk import DismissalRiskModel

# --- scikit-learn's own checks ---------------------------------------------------------------

# fit takes (X, actions, retained): every generic check that fits calls fit(X, y) and fails
# on the missing argument. They are listed, not skipped, so a check that starts passing (or a
# new one) shows up; the clone / get_params / set_params / repr checks run for real, and the
# fitting behaviours they would cover are tested below with the real signature.
_FITS_WITH_X_Y = (
    "check_fit_score_takes_y", "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters", "check_estimators_fit_returns_self",
    "check_readonly_memmap_input", "check_n_features_in_after_fitting",
    "check_positive_only_tag_during_fit", "check_estimators_dtypes", "check_complex_data",
    "check_dtype_object", "check_estimators_empty_data_messages", "check_pipeline_consistency",
    "check_estimators_nan_inf", "check_estimator_sparse_tag", "check_estimator_sparse_array",
    "check_estimator_sparse_matrix", "check_estimators_pickle",
    "check_f_contiguous_array_estimator", "check_methods_sample_order_invariance",
    "check_methods_subset_invariance", "check_fit2d_1sample", "check_fit2d_1feature",
    "check_dict_unchanged", "check_fit_idempotent", "check_fit_check_is_fitted",
    "check_n_features_in", "check_fit1d", "check_fit2d_predict1d",
)  # fmt: skip


def _expected_failed_checks(estimator) -> dict[str, str]:
    return dict.fromkeys(_FITS_WITH_X_Y, "fit takes (X, actions, retained), not (X, y)")


@parametrize_with_checks([ActionRecommender()], expected_failed_checks=_expected_failed_checks)
def test_sklearn_checks(estimator, check):
    check(estimator)


# --- a hand-made world with known effects -----------------------------------------------------


def _logistic(x):
    return 1 / (1 + np.exp(-x))


def _world(n: int, seed: int):
    """Fee complaints respond to new prices, system complaints to support; nothing else helps.

    Analysts mostly offered the matching action (confounded assignment), and
    tenure raises retention whatever is done. Returns X, actions, retained and
    the true P(retained | a) per label.
    """
    rng = np.random.default_rng(seed)
    reason = rng.choice(["fees", "system", "personal"], n, p=[0.4, 0.3, 0.3])
    X = pd.DataFrame(
        {
            "p_reason_fees": (reason == "fees").astype(float),
            "p_reason_system_difficulties": (reason == "system").astype(float),
            "tenure_years": rng.gamma(2.0, 2.0, n),
        }
    )
    base = -0.3 + 0.15 * (X["tenure_years"].to_numpy() - 4)
    effect = np.zeros((n, len(ACTION_LABELS)))
    effect[:, ACTION_LABELS.index("new_prices")] = 1.5 * (reason == "fees")
    effect[:, ACTION_LABELS.index("support")] = 1.5 * (reason == "system")
    p_true = pd.DataFrame(_logistic(base[:, None] + effect), columns=list(ACTION_LABELS))
    logits = np.zeros((n, len(ACTION_LABELS)))
    logits[:, 0] += 1.0
    logits[:, ACTION_LABELS.index("new_prices")] += 1.5 * (reason == "fees")
    logits[:, ACTION_LABELS.index("support")] += 1.5 * (reason == "system")
    pi = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    codes = (rng.random((n, 1)) > pi.cumsum(axis=1)).sum(axis=1)
    actions = np.array(ACTION_LABELS, dtype=object)[codes]
    retained = (rng.random(n) < p_true.to_numpy()[np.arange(n), codes]).astype(int)
    return X, actions, retained, p_true


@pytest.fixture(scope="module")
def world():
    return _world(4000, seed=1)


@pytest.fixture(scope="module")
def fresh():
    X, _, _, p_true = _world(1000, seed=2)
    return X, p_true


@pytest.mark.parametrize("learner", LEARNERS)
def test_known_effects_are_recovered(world, fresh, learner):
    X, actions, retained, _ = world
    Xn, p_true = fresh
    rec = ActionRecommender(learner=learner, economics=FREE_ACTIONS, random_state=0)
    uplift = rec.fit(X, actions, retained).uplift(Xn)
    true_uplift = p_true.drop(columns="none").sub(p_true["none"], axis=0)
    fees = Xn["p_reason_fees"].to_numpy() == 1
    system = Xn["p_reason_system_difficulties"].to_numpy() == 1
    for action, rows in (("new_prices", fees), ("support", system)):
        assert uplift.loc[rows, action].mean() == pytest.approx(true_uplift.loc[rows, action].mean(), abs=0.1)
        assert abs(uplift.loc[~rows, action].mean()) < 0.07
    # The policy gets nearly all the retention the oracle gets over doing nothing.
    policy = rec.recommend(Xn)
    v_rec, v_none = true_policy_value(policy, p_true), p_true["none"].mean()
    assert (v_rec - v_none) / (p_true.max(axis=1).mean() - v_none) > 0.85


def test_s_mix_is_the_mean_of_the_logistic_and_boosted_s_learners(world, fresh):
    X, actions, retained, _ = world
    Xn, _ = fresh
    effects = {
        learner: ActionRecommender(learner=learner, random_state=0)
        .fit(X, actions, retained)
        .predict_effects(Xn)
        for learner in ("s", "s_hgb", "s_mix")
    }
    mean = (effects["s"] + effects["s_hgb"]) / 2
    np.testing.assert_allclose(effects["s_mix"].to_numpy(), mean.to_numpy(), atol=1e-12)
    assert not np.allclose(effects["s"].to_numpy(), effects["s_hgb"].to_numpy(), atol=0.01)


def test_effects_frame_shape_and_propensities(world, fresh):
    X, actions, retained, _ = world
    Xn, _ = fresh
    rec = ActionRecommender(learner="s", random_state=0).fit(X, actions, retained)
    effects = rec.predict_effects(Xn)
    assert list(effects.columns) == list(ACTION_LABELS)
    assert effects.index.equals(Xn.index)
    assert ((effects >= 0) & (effects <= 1)).all().all()
    props = rec.predict_propensities(Xn)
    assert list(props.columns) == list(ACTION_LABELS)
    assert np.allclose(props.sum(axis=1), 1)
    # Analysts offered new prices to fee complaints far more often: the model sees it.
    fees = Xn["p_reason_fees"] == 1
    assert props.loc[fees, "new_prices"].mean() > 2 * props.loc[~fees, "new_prices"].mean()


def test_auto_picks_by_cross_validated_policy_value(world):
    X, actions, retained, _ = world
    rec = ActionRecommender(random_state=0).fit(X, actions, retained)
    table = pd.DataFrame(rec.cv_results_).set_index("learner")
    assert list(table.index) == list(AUTO_LEARNERS) and set(AUTO_LEARNERS) < set(LEARNERS)
    assert table["chosen"].sum() == 1
    assert rec.learner_ == table.index[table["chosen"]][0]
    assert {"dr_value", "dr_se", "gain_over_none", "behind_best"} <= set(table.columns)
    assert ActionRecommender(learner="t").fit(X, actions, retained).cv_results_ is None


# --- costs -------------------------------------------------------------------------------------


def test_none_is_recommended_when_no_action_pays(world, fresh):
    X, actions, retained, _ = world
    Xn, _ = fresh
    dear = Economics(action_costs={"none": 0.0, **dict.fromkeys(ACTIONS, 1e6)})
    rec = ActionRecommender(learner="s", economics=dear, random_state=0).fit(X, actions, retained)
    assert set(rec.recommend(Xn)) == {"none"}
    assert np.allclose(rec.expected_gain(Xn), 0.0)


def test_an_action_costing_more_than_it_can_gain_is_never_recommended(world, fresh):
    X, actions, retained, _ = world
    Xn, _ = fresh
    # The hand-made frame has no size columns: every dentist is worth the replacement cost.
    value = Economics().replacement_cost
    costs = {**dict.fromkeys(ACTION_LABELS, 0.0), "new_prices": value}
    rec = ActionRecommender(learner="s", economics=Economics(action_costs=costs), random_state=0).fit(
        X, actions, retained
    )
    chosen = rec.recommend(Xn)
    assert "new_prices" not in set(chosen)
    assert "support" in set(chosen)
    gain = rec.expected_gain(Xn)
    assert (gain >= 0).all() and (gain[chosen != "none"] > 0).all()


# --- errors and fallbacks ------------------------------------------------------------------


def test_unknown_action_labels_are_named(world):
    X, actions, retained, _ = world
    bad = actions.copy()
    bad[:2] = ["discount", "Support"]
    with pytest.raises(
        ValueError,
        match=r"unknown action labels \['Support', 'discount'\]; "
        r"allowed labels: none, new_prices, support",
    ):
        ActionRecommender().fit(X, bad, retained)


@pytest.mark.parametrize(
    ("retained", "match"),
    [
        (lambda r: r * 2, "retained must be 0"),
        (lambda r: r[:-1], "retained has 3999 entries"),
        (lambda r: np.zeros_like(r), "only one outcome"),
    ],
)
def test_bad_outcomes_are_refused(world, retained, match):
    X, actions, ret, _ = world
    with pytest.raises(ValueError, match=match):
        ActionRecommender().fit(X, actions, retained(ret))


def test_actions_never_tried_get_no_estimate(world, fresh):
    X, actions, retained, _ = world
    Xn, _ = fresh
    keep = actions != "other"
    with pytest.warns(UserWarning, match=r"actions \['other'\] were tried in fewer than 10"):
        rec = ActionRecommender(learner="s", random_state=0).fit(X[keep], actions[keep], retained[keep])
    assert rec.predict_effects(Xn)["other"].isna().all()
    assert rec.predict_propensities(Xn)["other"].eq(0).all()
    assert "other" not in set(rec.recommend(Xn))
    assert "other" not in rec.actions_


def test_none_must_have_been_observed(world):
    X, actions, retained, _ = world
    keep = actions != "none"
    with pytest.raises(ValueError, match="training cases with action 'none'"):
        ActionRecommender().fit(X[keep], actions[keep], retained[keep])


def test_bad_parameters_are_refused_at_fit(world):
    X, actions, retained, _ = world
    with pytest.raises(ValueError, match="'learner' parameter of ActionRecommender must be a str among"):
        ActionRecommender(learner="x").fit(X, actions, retained)
    with pytest.raises(ValueError, match="'C' parameter of ActionRecommender must be"):
        ActionRecommender(C=-1).fit(X, actions, retained)
    with pytest.raises(ValueError, match="'economics' parameter"):
        ActionRecommender(economics={"a": 1}).fit(X, actions, retained)
    with pytest.raises(ValueError, match="effect_modifiers"):
        ActionRecommender(effect_modifiers=["nope"]).fit(X, actions, retained)


def test_predicting_needs_a_fit_and_the_same_columns(world):
    X, actions, retained, _ = world
    with pytest.raises(NotFittedError):
        ActionRecommender().predict_effects(X)
    rec = ActionRecommender(learner="s").fit(X, actions, retained)
    with pytest.raises(ValueError, match=r"lacks the feature columns \['tenure_years'\]"):
        rec.recommend(X.drop(columns="tenure_years"))


def _fitted_attributes(estimator) -> list[str]:
    return [k for k in vars(estimator) if k.endswith("_") and not k.startswith("__")]


@pytest.mark.parametrize(
    "bad",
    [
        {"min_confidence": 0.9},  # needs n_bootstrap >= 20: a parameter clash, caught before fitting
        {"effect_modifiers": ["nope"]},  # caught after the preprocessing is fitted
    ],
    ids=["min_confidence", "effect_modifiers"],
)
def test_a_failed_fit_leaves_no_fitted_attributes(world, bad):
    """Fitted attributes appear only when fit succeeds: no half-fitted recommender that predicts."""
    X, actions, retained, _ = world
    rec = ActionRecommender(learner="s", **bad)
    with pytest.raises(ValueError):
        rec.fit(X, actions, retained)
    assert _fitted_attributes(rec) == []
    with pytest.raises(NotFittedError):
        rec.predict_effects(X)
    # A refit that fails forgets the earlier fit too, rather than keeping a model of other settings.
    rec.set_params(min_confidence=None, effect_modifiers="reasons").fit(X, actions, retained)
    assert "models_" in _fitted_attributes(rec)
    with pytest.raises(ValueError):
        rec.set_params(**bad).fit(X, actions, retained)
    assert _fitted_attributes(rec) == []


# --- the fitting behaviours the generic checks could not run -------------------------------


def test_fit_returns_self_keeps_params_is_idempotent_and_pickles(world, fresh):
    X, actions, retained, _ = world
    Xn, _ = fresh
    rec = ActionRecommender(random_state=3)
    params = rec.get_params()
    assert rec.fit(X, actions, retained) is rec
    assert rec.get_params() == params
    again = clone(rec).fit(X, actions, retained)
    pd.testing.assert_frame_equal(rec.predict_effects(Xn), again.predict_effects(Xn))
    restored = pickle.loads(pickle.dumps(rec))
    np.testing.assert_array_equal(restored.recommend(Xn), rec.recommend(Xn))
    assert rec.n_features_in_ == 3
    # Rows are scored independently: order and subsets do not change a row's numbers.
    order = np.random.default_rng(0).permutation(len(Xn))
    pd.testing.assert_frame_equal(rec.predict_effects(Xn.iloc[order]), rec.predict_effects(Xn).iloc[order])


# --- off-policy evaluation -----------------------------------------------------------------------


def test_evaluate_policy_on_held_out_cases(world):
    X, actions, retained, _ = world
    Xe, actions_e, retained_e, p_true = _world(3000, seed=5)
    rec = ActionRecommender(learner="s", economics=FREE_ACTIONS, random_state=0)
    rec.fit(X, actions, retained)
    table = evaluate_policy(rec, Xe, actions_e, retained_e, units="retention")
    assert list(table.index[:2]) == ["recommended", "historical"]
    assert {f"always_{a}" for a in ACTION_LABELS} <= set(table.index)
    assert table.loc["historical", "dr"] == pytest.approx(retained_e.mean())
    truth = true_policy_value(rec.recommend(Xe), p_true)
    for method in ("ipw", "dr"):
        row = table.loc["recommended"]
        assert row[f"{method}_low"] <= truth <= row[f"{method}_high"]
    gain = table.loc["recommended_minus_historical"]
    assert gain["dr_low"] > 0  # clearly better than what the analysts did


def test_evaluate_policy_cross_fitted_in_reais(world):
    X, actions, retained, _ = world
    table = evaluate_policy(ActionRecommender(learner="s"), X, actions, retained, cv=2, random_state=0)
    value = Economics().replacement_cost
    assert table.loc["recommended", "dr"] > table.loc["always_none", "dr"]
    assert table.loc["recommended", "dr"] <= value
    assert (table["n"] == len(X)).all()


# --- on the synthetic generator ------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated():
    from churnlab.features.labels import case_table
    from churnlab.models.reason_features import training_features
    from churnlab.synthetic.generator import generate

    data = generate(3000, seed=7, open_share=0.2)
    X, _ = training_features(data.cases, data.glosas)
    table = case_table(data.cases)
    truth = data.truth.set_index("source").loc[X.index]
    return X, table, truth


@pytest.mark.parametrize("economics", [FREE_ACTIONS, Economics()], ids=["retention", "reais"])
def test_generated_cases_policy_beats_history_and_every_fixed_action(generated, economics):
    X, table, truth = generated
    closed = table["closed"].to_numpy()
    is_open = truth["is_open"].to_numpy()
    rec = ActionRecommender(economics=economics, random_state=0)
    rec.fit(X[closed], table.loc[closed, "action"], 1 - table.loc[closed, "dismissed"])
    Xo, to = X[is_open], truth[is_open]
    p_true = to[[f"p_retained_{a}" for a in ACTION_LABELS]].set_axis(list(ACTION_LABELS), axis=1)
    values = economics.expected_values(p_true, Xo)

    def value(policy) -> float:
        return true_policy_value(policy, p_true, Xo, economics)

    v_rec = value(rec.recommend(Xo))
    pi = to[[f"propensity_{a}" for a in ACTION_LABELS]].to_numpy()
    v_hist = float((pi * values.to_numpy()).sum(axis=1).mean())
    v_fixed = {a: value([a] * len(Xo)) for a in ACTION_LABELS}
    assert v_rec > v_hist
    assert v_rec > max(v_fixed.values())
    v_oracle, v_none = values.max(axis=1).mean(), v_fixed["none"]
    assert (v_rec - v_none) / (v_oracle - v_none) > 0.75  # 0.93 and 0.89 measured here


def test_boosted_s_learner_draws_threshold_effects():
    """Effects with thresholds and interactions: the tree S-learner finds what logistic ones cannot."""
    from churnlab.models.learners import FREE_ACTIONS

    def world(n, seed):
        rng = np.random.default_rng(seed)
        X = pd.DataFrame(
            {"p_reason_fees": rng.random(n), "p_reason_glosas": rng.random(n), "tenure": rng.normal(size=n)}
        )
        p = np.full((n, len(ACTION_LABELS)), 0.35)
        p[:, 1] += 0.35 * ((X["p_reason_fees"] > 0.6) & (X["p_reason_glosas"] < 0.4))
        p[:, 2] += 0.25 * (np.abs(X["tenure"]) > 1)
        actions = rng.integers(0, len(ACTION_LABELS), n)
        retained = (rng.random(n) < p[np.arange(n), actions]).astype(int)
        return X, np.asarray(ACTION_LABELS)[actions], retained, p

    X, actions, retained, _ = world(3000, 1)
    Xt, _, _, p = world(3000, 2)
    oracle, none = p.max(axis=1).mean(), p[:, 0].mean()

    def share(learner):
        rec = ActionRecommender(learner=learner, economics=FREE_ACTIONS, random_state=0)
        chosen = [ACTION_LABELS.index(a) for a in rec.fit(X, actions, retained).recommend(Xt)]
        return (p[np.arange(len(Xt)), chosen].mean() - none) / (oracle - none)

    assert share("s_hgb") > share("s") + 0.05  # measured: 0.79 vs 0.71
    assert share("t_hgb") > share("t") + 0.1  # measured: 0.81 vs 0.63


# --- pluggable base learners ----------------------------------------------------------------


def _custom_learners():
    from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestClassifier
    from sklearn.neighbors import KNeighborsClassifier

    return {
        "t with k-nearest neighbours (no sample weights)": dict(
            learner="t", outcome_learner=KNeighborsClassifier(50)
        ),
        "s with a random forest": dict(
            learner="s", outcome_learner=RandomForestClassifier(100, min_samples_leaf=20, random_state=0)
        ),
        "dr with boosted effect regressions": dict(
            learner="dr", effect_learner=HistGradientBoostingRegressor(max_iter=50, random_state=0)
        ),
    }


@pytest.mark.parametrize("name", list(_custom_learners()))
def test_any_scikit_learn_base_learner_plugs_in(world, fresh, name):
    X, actions, retained, _ = world
    Xn, p_true = fresh
    params = _custom_learners()[name]
    rec = ActionRecommender(economics=FREE_ACTIONS, random_state=0, **params).fit(X, actions, retained)
    assert clone(rec).get_params()[next(k for k in params if k != "learner")] is not None
    v_rec, v_none = true_policy_value(rec.recommend(Xn), p_true), p_true["none"].mean()
    assert (v_rec - v_none) / (p_true.max(axis=1).mean() - v_none) > 0.85


def test_a_base_learner_must_predict_probabilities(world):
    from sklearn.linear_model import LinearRegression

    X, actions, retained, _ = world
    with pytest.raises(ValueError, match="outcome_learner"):
        ActionRecommender(learner="t", outcome_learner=LinearRegression()).fit(X, actions, retained)


def test_model_files_keep_to_the_allow_list_with_custom_learners(world, tmp_path):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.neighbors import KNeighborsClassifier

    from churnlab.errors import ModelFileError
    from churnlab.models.churn_model import ChurnModel
    from churnlab.models.persistence import load_model, save_model

    X, actions, retained, _ = world
    bundled = load_model()
    allowed = ActionRecommender(
        learner="t", outcome_learner=HistGradientBoostingClassifier(max_iter=20), random_state=0
    ).fit(X, actions, retained)
    save_model(ChurnModel(bundled.tagger, bundled.risk, allowed, bundled.card), tmp_path / "ok")
    assert load_model(tmp_path / "ok").recommender.outcome_learner.max_iter == 20
    foreign = ActionRecommender(learner="t", outcome_learner=KNeighborsClassifier(20))
    foreign.fit(X, actions, retained)
    with pytest.raises(ModelFileError, match="KNeighborsClassifier"):
        save_model(ChurnModel(bundled.tagger, bundled.risk, foreign, bundled.card), tmp_path / "no")


# --- personalise only where it pays ------------------------------------------------------------


def _flat_or_varied(varied: bool, n: int = 1200, seed: int = 3):
    """Randomised actions; every case has the same true effects (support best, training second),
    or (``varied``) new prices help only fee complaints and support only the others."""
    rng = np.random.default_rng(seed)
    fees = rng.integers(0, 2, n).astype(float)
    X = pd.DataFrame({"p_reason_fees": fees, "tenure_years": rng.gamma(2.0, 2.0, n)})
    actions = rng.choice(ACTION_LABELS, n)
    if varied:
        p = (
            0.3
            + 0.45 * ((actions == "new_prices") & (fees == 1))
            + 0.45 * ((actions == "support") & (fees == 0))
        )
    else:
        p = 0.4 + 0.15 * (actions == "support") + 0.05 * (actions == "training")
    return X, actions, (rng.random(n) < p).astype(int)


def test_same_effects_for_all_gives_the_truly_best_action_to_all_with_the_reason():
    X, actions, retained = _flat_or_varied(varied=False)
    rec = ActionRecommender(economics=FREE_ACTIONS, random_state=0).fit(X, actions, retained)
    assert rec.objective_ == "retention" and not rec.personalises and rec.policy_ == "support"
    assert set(rec.recommend(X)) == {"support"}
    uplift = rec.uplift(X)  # every case gets the mean effects: no invented differences
    assert np.allclose(uplift.std(), 0.0) and uplift["support"].iloc[0] > 0.05
    assert rec.policy_reason.startswith("one action for all ('support'")
    table = pd.DataFrame(rec.policy_results_).set_index("policy")
    shares = ["personalised", "half_personalised", "mean_effects", "one_action"]
    assert list(table.index) == [*shares, *ACTION_LABELS]
    assert table["chosen"].sum() == 1 and table.loc["one_action", "chosen"]
    assert table.loc["support", "value"] == table.drop(index="personalised")["value"].max()
    # The card says it, and every scored row carries the reason in its note.
    card = _recommender_summary(rec)
    assert card["objective"] == "retention" and card["personalises"] is False
    assert card["policy_reason"] == rec.policy_reason and len(card["policy_values"]) == len(table)
    model = ChurnModel(None, DismissalRiskModel().fit(X, 1 - retained), rec)
    scores = model.score_features(X.head(20))
    assert set(scores["best_action"]) == {"support"} and set(scores["best_action_note"]) == {
        rec.policy_reason
    }


def test_strong_heterogeneity_personalises_and_the_choice_uses_the_objective():
    X, actions, retained = _flat_or_varied(varied=True)
    rec = ActionRecommender(economics=FREE_ACTIONS, random_state=0).fit(X, actions, retained)
    assert rec.personalises and rec.policy_reason.startswith("personalised: +")
    fees = X["p_reason_fees"].to_numpy() == 1
    recommended = rec.recommend(X)
    assert (recommended[fees] == "new_prices").mean() > 0.9 and (recommended[~fees] == "support").mean() > 0.9
    # With costs, the values compared are R$ per case.
    priced = ActionRecommender(random_state=0).fit(X, actions, retained)
    assert priced.objective_ == "value" and priced.personalises
    values = pd.DataFrame(priced.policy_results_).set_index("policy")["value"]
    assert values.abs().max() > 100  # R$ (a retained dentist is worth R$ 1,500 here), not a rate


def test_short_of_the_margin_halfway_is_chosen_when_cross_validation_puts_it_ahead():
    rng = np.random.default_rng(0)
    base = rng.normal(0.5, 0.3, 300)
    names = (*AUTO_LEARNERS, "mean_effects", "one_action", "none", "support")
    terms = {name: base.copy() for name in names}
    # Personalising a little ahead of one action for all (less than half a paired SE): halfway
    # decides. Ahead of the learner's mean effects for all, it is chosen; behind, one action for all.
    noisy = base + rng.normal(0.0, 0.3, 300)
    for learner in AUTO_LEARNERS:
        terms[learner] = noisy - noisy.mean() + base.mean() + 0.002
    for half, chosen in ((0.01, "half_personalised"), (-0.01, "one_action")):
        terms["half_personalised"] = base + half
        table = _policy_table(terms, AUTO_LEARNERS, ["none", "support"])
        assert table.loc[chosen, "chosen"] and table["chosen"].sum() == 1, half
    assert policy_share("half_personalised") == 0.5 and policy_share("support") == 0.0
    reason = policy_reason(as_columns(table), "retention", "auto", "half_personalised")
    assert reason.startswith("partly personalised (each case's difference from the mean effects kept at 50%)")


def test_half_personalised_halves_each_cases_difference_from_the_mean_effects(world, fresh):
    X, actions, retained, _ = world
    rec = ActionRecommender(learner="s", random_state=0).fit(X, actions, retained)
    full = rec.uplift(fresh[0])
    rec.policy_, rec.share_ = "half_personalised", 0.5
    half = rec.uplift(fresh[0])
    mean = pd.Series(rec.mean_uplift_[1:], index=half.columns)
    assert np.allclose(half - mean, (full - mean) / 2, atol=1e-9)  # no clipping at these sizes
    assert rec.personalises and rec.policy_reason.startswith("personalised")  # named learner
    halved = shrink(np.array([[0.2, 0.6, 0.3]]), np.array([0.0, 0.2, 0.0]), 0.5)
    assert np.allclose(halved, [[0.2, 0.5, 0.25]])


def test_a_model_saved_before_the_policy_choice_still_personalises(world, fresh):
    X, actions, retained, _ = world
    rec = ActionRecommender(learner="s", random_state=0).fit(X, actions, retained)
    assert rec.personalises and rec.policy_results_ is None
    before = rec.recommend(fresh[0])
    for name in ("policy_", "policy_results_", "objective_", "mean_uplift_"):
        delattr(rec, name)
    assert rec.personalises and (rec.recommend(fresh[0]) == before).all()
    assert rec.policy_reason.startswith("personalised")
