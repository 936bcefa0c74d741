"""Multi-action uplift: churnlab's ActionRecommender against causalml's learners.

Usage::

    python benchmarks/bench_uplift.py [--seed 101] [--n-cases 7500] [--uplift-samples 3000]
                                      [--skip-forest]

Two data sets, the same for every method:

``churnlab``
    ``churnlab.synthetic.generator.generate(n_cases, seed, open_share=0.2)``: fit on the
    closed cases (actions chosen by analysts, confounded), score the open
    ones and value each policy with the generator's true P(retained | x, a):
    in retention units (every action free, so each method picks the action
    with the largest P) and in R$ with the default ``Economics`` (value of the
    dentist × P − cost; an action is tried only when its gain pays its cost).
    ``ratio`` is (V − V_none) / (V_oracle − V_none).
``causalml``
    ``causalml.dataset.make_uplift_classification`` (control + 3 treatments,
    randomised, no costs): half to fit, half to value each policy by IPW with
    the known assignment probability 1/4 (unbiased; 95 % interval).

causalml is not a dependency of churnlab: install it (``pip install causalml``)
in the environment that runs this script. Its meta-learners get the same
imputed, standardised features and, separately, logistic-regression or
LightGBM base models; a causalml policy plays, per case, the treatment with
the largest estimated gain when it is positive and the control otherwise.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from churnlab.evaluation.off_policy import evaluate_policy
from churnlab.evaluation.truth import true_policy_value
from churnlab.io.records import ACTION_LABELS, NO_ACTION
from churnlab.models.economics import Economics
from churnlab.models.learners import FREE_ACTIONS
from churnlab.models.policy_value import ipw_value
from churnlab.models.recommender import ActionRecommender
from churnlab.models.risk import model_columns

try:
    import causalml.inference.meta as meta
    from causalml.dataset import make_uplift_classification
    from causalml.inference.tree import UpliftRandomForestClassifier
    from lightgbm import LGBMClassifier, LGBMRegressor
except ImportError:  # pragma: no cover - reported at run time
    meta = None


def _logistic() -> LogisticRegression:
    return LogisticRegression(max_iter=2000)


def _causalml_learners(forest: bool) -> dict[str, Callable[[], object]]:
    learners: dict[str, Callable[[], object]] = {
        "causalml S (logistic)": lambda: meta.BaseSClassifier(_logistic(), control_name=NO_ACTION),
        "causalml T (logistic)": lambda: meta.BaseTClassifier(_logistic(), control_name=NO_ACTION),
        "causalml X (logistic + ridge)": lambda: meta.BaseXClassifier(
            outcome_learner=_logistic(), effect_learner=RidgeCV(), control_name=NO_ACTION
        ),
        "causalml DR (logistic + ridge)": lambda: meta.BaseDRClassifier(
            learner=_logistic(), treatment_effect_learner=RidgeCV(), control_name=NO_ACTION
        ),
        "causalml S (LightGBM)": lambda: meta.BaseSClassifier(
            LGBMClassifier(verbose=-1, random_state=0), control_name=NO_ACTION
        ),
        "causalml T (LightGBM)": lambda: meta.BaseTClassifier(
            LGBMClassifier(verbose=-1, random_state=0), control_name=NO_ACTION
        ),
        "causalml X (LightGBM)": lambda: meta.BaseXClassifier(
            outcome_learner=LGBMClassifier(verbose=-1, random_state=0),
            effect_learner=LGBMRegressor(verbose=-1, random_state=0),
            control_name=NO_ACTION,
        ),
    }
    if forest:
        learners["causalml uplift random forest"] = lambda: UpliftRandomForestClassifier(
            control_name=NO_ACTION,
            n_estimators=50,
            max_depth=6,
            min_samples_leaf=100,
            random_state=0,
            n_jobs=2,
        )
    return learners


def _causalml_gains(model, Z: np.ndarray, n_treated: int) -> pd.DataFrame:
    """Estimated P(y | t) − P(y | control) per treatment label, one column each."""
    if isinstance(model, UpliftRandomForestClassifier):
        cate = np.asarray(model.predict(Z))
        groups = list(model.classes_[1:])
    else:
        cate = np.asarray(model.predict(Z, verbose=False)).reshape(len(Z), -1)
        groups = list(model.t_groups)
    assert cate.shape[1] == len(groups) == n_treated
    return pd.DataFrame(cate, columns=groups)


def _policy_from_gains(gains: pd.DataFrame, value: np.ndarray, costs: pd.DataFrame) -> np.ndarray:
    """The treatment with the largest positive expected gain (R$ or rate); else the control."""
    net = gains.mul(value, axis=0) - costs[gains.columns].to_numpy()
    best = net.to_numpy().argmax(axis=1)
    pick = np.asarray(gains.columns, dtype=object)[best]
    return np.where(net.to_numpy().max(axis=1) > 0, pick, NO_ACTION)


def _fit_timed(make: Callable[[], object], *args) -> tuple[object, float]:
    model = make()
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(*args)
    return model, time.perf_counter() - start


# --- data set 1: churnlab's generator -------------------------------------------------------


def bench_churnlab(seed: int, n_cases: int, forest: bool, causalml: bool) -> pd.DataFrame:
    from churnlab.features.labels import case_table
    from churnlab.models.reason_features import training_features
    from churnlab.synthetic.generator import generate

    data = generate(n_cases, seed=seed, open_share=0.2)
    X, _ = training_features(data.cases, data.glosas)
    table = case_table(data.cases)
    truth = data.truth.set_index("source").loc[X.index]
    closed, is_open = table["closed"].to_numpy(), truth["is_open"].to_numpy()
    Xc, Xo = X[closed], X[is_open]
    actions = table.loc[closed, "action"].to_numpy()
    retained = (1 - table.loc[closed, "dismissed"]).astype(int).to_numpy()
    p_true = truth.loc[is_open, [f"p_retained_{a}" for a in ACTION_LABELS]]
    p_true = p_true.set_axis(list(ACTION_LABELS), axis=1)
    pi = truth.loc[is_open, [f"propensity_{a}" for a in ACTION_LABELS]].to_numpy()
    print(f"churnlab data: seed {seed}, {closed.sum():,} closed cases to fit, "
          f"{is_open.sum():,} open to score")  # fmt: skip

    units = {"retention": FREE_ACTIONS, "R$": Economics()}
    rows: dict[str, dict[str, float]] = {}

    def record(name: str, unit: str, policy, seconds: float) -> None:
        econ = units[unit]
        ev = econ.expected_values(p_true, Xo).to_numpy()
        if unit == "retention":
            v = true_policy_value(policy, p_true)
            v_or, v_none = p_true.max(axis=1).mean(), p_true["none"].mean()
        else:
            v = true_policy_value(policy, p_true, Xo, econ)
            v_or, v_none = ev.max(axis=1).mean(), ev[:, 0].mean()
        row = rows.setdefault(name, {})
        row[f"V {unit}"] = v
        row[f"ratio {unit}"] = (v - v_none) / (v_or - v_none)
        row[f"fit s ({unit})"] = seconds

    for unit, econ in units.items():
        rec, seconds = _fit_timed(
            lambda econ=econ: ActionRecommender(economics=econ, random_state=0), Xc, actions, retained
        )
        record("churnlab ActionRecommender (auto)", unit, rec.recommend(Xo), seconds)
        # Off-policy check: the generator also simulated the open cases' action and outcome.
        logged = truth.loc[is_open]
        dr = evaluate_policy(
            rec,
            Xo,
            logged["action"],
            logged["retained"],
            units="retention" if unit == "retention" else "value",
        )
        dr = dr.loc["recommended"]
        v = rows["churnlab ActionRecommender (auto)"][f"V {unit}"]
        inside = "inside" if dr["dr_low"] <= v <= dr["dr_high"] else "OUTSIDE"
        print(f"  {unit}: auto chose the {rec.learner_}-learner; fit {seconds:.1f} s; {rec.policy_reason}")
        print(
            f"  DR estimate of the recommended policy ({unit}): {dr['dr']:.4f} "
            f"[{dr['dr_low']:.4f}, {dr['dr_high']:.4f}]; truth {v:.4f} ({inside}); "
            f"IPW {dr['ipw']:.4f} [{dr['ipw_low']:.4f}, {dr['ipw_high']:.4f}]"
        )
        for name in ("s", "t", "dr"):
            model, seconds = _fit_timed(
                lambda econ=econ, name=name: ActionRecommender(learner=name, economics=econ, random_state=0),
                Xc,
                actions,
                retained,
            )
            record(f"churnlab {name}-learner", unit, model.recommend(Xo), seconds)

    if meta is not None and causalml:
        prep = Pipeline(
            [
                ("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)),
                ("scale", StandardScaler()),
            ]
        )
        cols = model_columns(X)
        Zc = prep.fit_transform(Xc[cols].astype(float))
        Zo = prep.transform(Xo[cols].astype(float))
        for name, make in _causalml_learners(forest).items():
            model, seconds = _fit_timed(make, Zc, actions, retained)
            gains = _causalml_gains(model, Zo, len(ACTION_LABELS) - 1)
            for unit, econ in units.items():
                policy = _policy_from_gains(
                    gains.set_axis(Xo.index), econ.dentist_value(Xo), econ.action_costs_for(Xo)
                )
                record(name, unit, policy, seconds)

    for unit, econ in units.items():
        ev = econ.expected_values(p_true, Xo).to_numpy()
        hist = float((pi * (p_true.to_numpy() if unit == "retention" else ev)).sum(1).mean())
        best_fixed = max(
            ACTION_LABELS,
            key=lambda a, u=unit: (
                true_policy_value([a] * len(Xo), p_true)
                if u == "retention"
                else true_policy_value([a] * len(Xo), p_true, Xo, econ)
            ),
        )
        record(f"best fixed action ({best_fixed}, {unit})", unit, [best_fixed] * len(Xo), 0.0)
        v_none = p_true["none"].mean() if unit == "retention" else ev[:, 0].mean()
        v_or = p_true.max(axis=1).mean() if unit == "retention" else ev.max(axis=1).mean()
        rows.setdefault("historical (analysts)", {})[f"V {unit}"] = hist
        rows["historical (analysts)"][f"ratio {unit}"] = (hist - v_none) / (v_or - v_none)
        rows.setdefault("oracle (true probabilities)", {})[f"V {unit}"] = v_or
        rows["oracle (true probabilities)"][f"ratio {unit}"] = 1.0
    return pd.DataFrame(rows).T


# --- data set 2: causalml's make_uplift_classification ----------------------------------------


def bench_causalml(samples: int, forest: bool) -> pd.DataFrame:
    df, x_names = make_uplift_classification(n_samples=samples, random_seed=20190101)
    names = {
        "control": NO_ACTION,
        "treatment1": "new_prices",
        "treatment2": "support",
        "treatment3": "publicity",
    }
    labels = df["treatment_group_key"].map(names).to_numpy()
    y = df["conversion"].to_numpy()
    X = df[x_names]
    train, test = train_test_split(np.arange(len(df)), test_size=0.5, random_state=0, stratify=labels)
    print(f"causalml data: {len(df):,} cases ({samples:,} per group, 4 groups, randomised), "
          f"{len(train):,} to fit, {len(test):,} to value by IPW")  # fmt: skip
    seen = sorted(set(labels))
    props = pd.DataFrame({a: np.full(len(test), 1 / len(seen) if a in seen else 0.0) for a in ACTION_LABELS})
    rows: dict[str, dict[str, float]] = {}
    terms: dict[str, np.ndarray] = {}

    def record(name: str, policy, seconds: float) -> None:
        policy = np.asarray(policy, dtype=object)
        v = ipw_value(labels[test], y[test], policy, props, clip=1e-9)
        # Per-case IPW terms, for a paired difference with churnlab's policy.
        terms[name] = (labels[test] == policy) * len(seen) * y[test]
        ours = next(iter(terms.values()))
        diff = terms[name] - ours
        se = diff.std(ddof=1) / np.sqrt(len(diff))
        rows[name] = {
            "IPW value": v.value,
            "low": v.low,
            "high": v.high,
            "minus churnlab": diff.mean(),
            "± 95 %": 1.96 * se,
            "fit s": seconds,
        }

    rec, seconds = _fit_timed(
        lambda: ActionRecommender(economics=FREE_ACTIONS, random_state=0),
        X.iloc[train],
        labels[train],
        y[train],
    )
    record(f"churnlab ActionRecommender (auto: {rec.learner_})", rec.recommend(X.iloc[test]), seconds)
    scaler = make_pipeline(StandardScaler())
    Ztr = scaler.fit_transform(X.iloc[train])
    Zte = scaler.transform(X.iloc[test])
    zero = pd.DataFrame(0.0, index=range(len(test)), columns=list(ACTION_LABELS))
    for name, make in _causalml_learners(forest).items():
        model, seconds = _fit_timed(make, Ztr, labels[train], y[train])
        gains = _causalml_gains(model, Zte, len(seen) - 1)
        record(name, _policy_from_gains(gains, np.ones(len(test)), zero), seconds)
    for a in seen:
        record(f"always {a}", [a] * len(test), 0.0)
    return pd.DataFrame(rows).T


def main() -> None:
    """Run both comparisons and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=101)
    parser.add_argument("--n-cases", type=int, default=7500)
    parser.add_argument(
        "--uplift-samples", type=int, default=3000, help="cases per group in make_uplift_classification"
    )
    parser.add_argument(
        "--skip-forest", action="store_true", help="leave out causalml's (slow) uplift random forest"
    )
    parser.add_argument(
        "--churnlab-only",
        action="store_true",
        help="only churnlab's learners on the generated data (no causalml)",
    )
    args = parser.parse_args()
    if meta is None:
        print(
            "causalml (and lightgbm) are not installed here: only churnlab's learners run.\n"
            "Install them with `pip install causalml` to compare."
        )
    pd.set_option("display.width", 160)
    # Single-threaded BLAS for every method (ActionRecommender does it itself): on a busy
    # two-core machine a multi-threaded BLAS makes these small fits many times slower.
    with threadpool_limits(limits=1, user_api="blas"):
        print(
            bench_churnlab(args.seed, args.n_cases, not args.skip_forest, not args.churnlab_only)
            .round(4)
            .to_string()
        )
        print()
        if meta is not None and not args.churnlab_only:
            print(bench_causalml(args.uplift_samples, not args.skip_forest).round(4).to_string())


if __name__ == "__main__":
    main()
