"""The dismissal-risk model, the reason tagger, economics, off-policy estimates and model files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from churnlab.features.labels import case_table
from churnlab.models._sklearn_compat import check_param_validation, parametrize_with_checks
from churnlab.models.economics import Economics
from churnlab.models.network_risk import NetworkRiskModel
from churnlab.models.policy_value import dr_value, ipw_value
from churnlab.models.reason_features import training_features
from churnlab.models.reasons import REASON_COLUMNS, ReasonTagger
from churnlab.models.recommender import ActionRecommender
from churnlab.models.risk import C_GRID, DismissalRiskModel
from churnlab.synthetic.generator import generate


@pytest.fixture(scope="module")
def world():
    data = generate(2500, seed=31, open_share=0.3)
    X, tagger = training_features([c for c in data.cases], data.glosas)
    table = case_table(data.cases)
    truth = data.truth.set_index("source").loc[X.index]
    return X, table, truth, tagger


def test_risk_model_is_a_scikit_learn_estimator():
    model = DismissalRiskModel(C=0.3)
    assert clone(model).get_params() == {"C": 0.3}
    with pytest.raises(Exception, match="not fitted"):
        model.predict_proba(pd.DataFrame({"a": [1.0]}))


def _risk_expected_failures(estimator) -> dict[str, str]:
    return {
        "check_dataframe_column_names_consistency": (
            "a feature frame is read by column name (it may hold more columns, in any order), "
            "so other names or orders are not an error when the fitted columns are there"
        )
    }


@parametrize_with_checks([DismissalRiskModel()], expected_failed_checks=_risk_expected_failures)
def test_risk_model_passes_scikit_learn_checks(estimator, check):
    check(estimator)


_NOTES_NOT_A_MATRIX = (
    "check_complex_data", "check_dict_unchanged", "check_dont_overwrite_parameters",
    "check_dtype_object", "check_estimators_dtypes", "check_estimators_empty_data_messages",
    "check_estimators_fit_returns_self", "check_estimators_nan_inf", "check_estimators_overwrite_params",
    "check_estimators_pickle", "check_f_contiguous_array_estimator", "check_fit1d",
    "check_fit2d_1feature", "check_fit2d_1sample", "check_fit2d_predict1d", "check_fit_check_is_fitted",
    "check_fit_idempotent", "check_fit_score_takes_y", "check_methods_sample_order_invariance",
    "check_methods_subset_invariance", "check_n_features_in", "check_n_features_in_after_fitting",
    "check_pipeline_consistency", "check_positive_only_tag_during_fit", "check_readonly_memmap_input",
    "check_transformer_data_not_an_array", "check_transformer_general", "check_transformer_preserve_dtypes",
    "check_estimator_sparse_array", "check_estimator_sparse_matrix", "check_estimator_sparse_tag",
)  # fmt: skip


def _tagger_expected_failures(estimator) -> dict[str, str]:
    # Every check that fits feeds a numeric matrix and integer or float labels; the tagger
    # reads a sequence of notes (text) and dismissal-reason keys, so those checks cannot
    # apply (fitting it on notes is tested below). The clone, get_params, set_params,
    # repr, unfitted and no-attributes-in-__init__ checks run for real.
    return dict.fromkeys(
        _NOTES_NOT_A_MATRIX,
        "X is a sequence of notes (text) and y dismissal-reason keys, not a numeric matrix and class labels",
    )


@parametrize_with_checks([ReasonTagger()], expected_failed_checks=_tagger_expected_failures)
def test_reason_tagger_passes_scikit_learn_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "estimator",
    [DismissalRiskModel(), ReasonTagger(), NetworkRiskModel(), ActionRecommender()],
    ids=lambda e: type(e).__name__,
)
def test_every_parameter_is_validated_before_fitting(estimator):
    """scikit-learn's own check: each invalid value of each parameter raises before fit reads data."""
    check_param_validation(type(estimator).__name__, estimator)


def test_the_tagger_refuses_bad_parameters_by_name():
    with pytest.raises(ValueError, match="'min_df' parameter of ReasonTagger must be"):
        ReasonTagger(min_df=0).fit(["a", "b"], ["glosas", "retired"])
    with pytest.raises(ValueError, match="'C' parameter of ReasonTagger must be"):
        ReasonTagger(C=-1).fit_transform_oof(["a", "b"], ["glosas", "retired"])


def test_risk_model_takes_arrays_and_frames_alike(world):
    X, table, *_ = world
    closed = table["closed"].to_numpy()
    y = table.loc[closed, "dismissed"].astype(int)
    frame = DismissalRiskModel().fit(X[closed], y)
    columns = list(frame.feature_names_in_)
    array = DismissalRiskModel().fit(X[closed][columns].to_numpy(), y.to_numpy())
    np.testing.assert_allclose(frame.predict_proba(X), array.predict_proba(X[columns].to_numpy()))


def test_risk_model_near_the_bayes_limit_and_calibrated(world):
    X, table, truth, _ = world
    closed = table["closed"].to_numpy()
    is_open = truth["is_open"].to_numpy()
    model = DismissalRiskModel().fit(X[closed], table.loc[closed, "dismissed"].astype(int))
    risk = model.predict_proba(X[is_open])[:, 1]
    y = 1 - truth.loc[is_open, "retained"].to_numpy()
    bayes = roc_auc_score(y, truth.loc[is_open, "dismissal_risk"])
    assert roc_auc_score(y, risk) > bayes - 0.04
    assert abs(risk.mean() - y.mean()) < 0.05


def test_risk_model_errors_say_why(world):
    X, *_ = world
    with pytest.raises(ValueError, match="needs both outcomes"):
        DismissalRiskModel().fit(X.head(10), np.zeros(10))
    with pytest.raises(ValueError, match="'C' parameter of DismissalRiskModel must be a float"):
        DismissalRiskModel(C=-1).fit(X.head(10), np.arange(10) % 2)
    model = DismissalRiskModel().fit(X.head(200), np.arange(200) % 2)
    with pytest.raises(ValueError, match="lacks the feature columns"):
        model.predict_proba(X[["tenure_years"]])


def test_reasons_are_words_with_their_direction(world):
    X, table, *_ = world
    closed = table["closed"].to_numpy()
    model = DismissalRiskModel().fit(X[closed], table.loc[closed, "dismissed"].astype(int))
    retiring = X[X["p_reason_retired"] > 0.8].head(5)
    for reasons in model.explain(retiring):
        assert reasons and all(r.direction == ("up" if r.contribution > 0 else "down") for r in reasons)
        stated = next(r for r in reasons if r.words() == "first note gives the reason “retiring”")
        assert stated.direction == "up" and stated.text.startswith("↑ raises the risk: ")
        assert not any("_" in r.text for r in reasons)
    pushes = [abs(r.contribution) for reasons in model.explain(X.head(300)) for r in reasons]
    assert pushes and min(pushes) > 0.05
    directions = {r.direction for reasons in model.explain(X.head(300)) for r in reasons}
    assert directions == {"up", "down"}  # a low risk is explained too: what lowers it


def test_no_risk_is_exactly_0_or_1_even_for_extreme_inputs(world):
    """Issue 27: a risk of 100 % or 0 % is read as a fact; n cases back no more than 1/(n+2)."""
    X, table, *_ = world
    closed = np.flatnonzero(table["closed"].to_numpy())[:300]  # a few hundred cases, as the sample
    y = table["dismissed"].to_numpy()[closed].astype(int)
    model = DismissalRiskModel().fit(X.iloc[closed], y)
    low, high = model.risk_bounds
    assert (low, high) == (1 / 302, 301 / 302) and model.C_ in C_GRID
    columns = list(model.feature_names_in_)
    extreme = X.head(3).copy()
    extreme[columns] = np.array([[1e300] * len(columns), [-1e300] * len(columns), [np.nan] * len(columns)])
    for frame in (X, extreme, extreme.assign(p_reason_provider_removed=1.0)):
        risk = model.predict_proba(frame)[:, 1]
        assert ((risk >= low) & (risk <= high)).all() and ((risk > 0) & (risk < 1)).all()
    assert np.isfinite(model.decision_function(extreme)).all()
    assert all(np.isfinite(r.contribution) for reasons in model.explain(extreme) for r in reasons)


def test_a_fixed_C_is_kept_and_C_cv_shrinks_a_small_sample(world):
    X, table, *_ = world
    closed = np.flatnonzero(table["closed"].to_numpy())
    y = table["dismissed"].to_numpy()[closed].astype(int)
    assert DismissalRiskModel(C=0.5).fit(X.iloc[closed[:200]], y[:200]).C_ == 0.5
    assert DismissalRiskModel().fit(X.iloc[closed[:200]], y[:200]).C_ <= 0.1  # 0.5 was overconfident here
    # The data's choice: stronger regularisation where there are fewer cases.
    small = DismissalRiskModel().fit(X.iloc[closed[:200]], y[:200]).C_
    assert DismissalRiskModel().fit(X.iloc[closed], y).C_ >= small


def test_reason_tagger_reads_the_stated_reason(world):
    X, table, truth, tagger = world
    opened = truth["is_open"].to_numpy()
    predicted = X.loc[opened, REASON_COLUMNS].idxmax(axis=1).str.removeprefix("p_reason_")
    assert (predicted.to_numpy() == truth.loc[opened, "reason"].to_numpy()).mean() > 0.85
    with pytest.raises(ValueError, match="unknown dismissal reasons"):
        ReasonTagger().fit(["a", "b"], ["glosas", "boredom"])


def test_economics_rejects_unknown_actions():
    with pytest.raises(ValueError, match="unknown actions"):
        Economics(action_costs={"none": 0, "bribe": 1})


def test_off_policy_estimates_recover_a_known_value():
    rng = np.random.default_rng(0)
    n = 20000
    x = rng.random(n)
    p_support = np.where(x > 0.5, 0.8, 0.2)  # confounded logging policy
    logged = np.where(rng.random(n) < p_support, "support", "none")
    p_retained = np.where(logged == "support", 0.3 + 0.5 * x, 0.3)
    retained = (rng.random(n) < p_retained).astype(int)
    props = pd.DataFrame({"none": 1 - p_support, "support": p_support})
    target = np.full(n, "support")
    truth = float((0.3 + 0.5 * x).mean())
    naive = retained[logged == "support"].mean()
    assert abs(naive - truth) > 0.05  # the naive rate is biased by the logging policy
    ipw = ipw_value(logged, retained, target, props)
    outcomes = pd.DataFrame({"none": np.full(n, 0.3), "support": 0.3 + 0.5 * x})
    dr = dr_value(logged, retained, target, props, outcomes)
    for estimate in (ipw, dr):
        assert estimate.low <= truth <= estimate.high
    assert dr.high - dr.low < ipw.high - ipw.low


def test_tagger_vocabulary_keeps_no_digits_or_first_names():
    notes = [
        "Dra Fernanda liga do (71) 98765-4321 por causa das glosas",
        "Fernanda reclama das glosas 11144477735",
        "vai se aposentar, diz Fernanda",
        "aposentadoria, Fernanda 98765-4321",
    ] * 3
    tagger = ReasonTagger(min_df=1).fit(notes, ["glosas", "glosas", "retired", "retired"] * 3)
    vocabulary = tagger.pipeline_.named_steps["words"].vocabulary_
    assert "glosas" in vocabulary
    assert not [term for term in vocabulary if any(ch.isdigit() for ch in term) or "fernanda" in term]


def test_tagger_vocabulary_keeps_no_surnames():
    """Surnames are in no bundled list: the anonymiser's name detection (after a title, after a
    first name) must keep them out of the vocabulary that the model file saves."""
    notes = [
        "Dra Fernanda Quintanilha liga por causa das glosas",
        "o Dr. Bezerra reclama das glosas",
        "vai se aposentar, disse a Sra. Albuquerque",
        "aposentadoria: Marcos Vasconcelos Tavares",
    ] * 3
    tagger = ReasonTagger(min_df=1).fit(notes, ["glosas", "glosas", "retired", "retired"] * 3)
    vocabulary = tagger.pipeline_.named_steps["words"].vocabulary_
    assert "glosas" in vocabulary and "aposentar" in vocabulary
    surnames = ("quintanilha", "bezerra", "albuquerque", "vasconcelos", "tavares")
    assert not [term for term in vocabulary if any(name in term for name in surnames)]


def test_implausible_production_is_capped_in_the_economics():
    econ = Economics()
    production = [2000.0, econ.production_cap, 999_999_999_999.99]
    X = pd.DataFrame({"lives": [3843.0] * 3, "listed_cros": [244.0] * 3, "last_production_value": production})
    value = econ.dentist_value(X)
    assert value[2] == pytest.approx(value[1]) and value[1] < 200_000
    costs = econ.action_costs_for(X)["new_prices"].to_numpy()
    assert costs[2] == pytest.approx(costs[1])
