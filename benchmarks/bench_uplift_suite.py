"""Uplift suite: churnlab's ActionRecommender against causalml and EconML on data churnlab did not write.

Usage::

    python benchmarks/bench_uplift_suite.py [--quick] [--seed 101]

Every data set has a training half, where the arm was chosen in a confounded
way and only its outcome is seen, and a held-out half with the true
P(outcome = 1 | x, arm) of every arm. A policy (one arm per held-out row) is
worth V = mean of the true P of the arm it plays; the table shows its share of
the oracle's gain, (V − V_control) / (V_oracle − V_control), where the oracle
plays per row the arm with the largest true P, and the fit time in seconds.
Sizes are rows before the 50/50 split: 800 and 20,000 (``--quick``: 800 only).
Arm k is fitted under churnlab's k-th action label (arm 0, the control, is
``none``); "best single arm" is the best arm played for everyone.

Data sets:

``causalml uplift``
    ``causalml.dataset.make_uplift_classification`` (control + 3 treatments,
    19 features). An arm's outcome there is the base label of one
    ``sklearn.datasets.make_classification`` call, or-ed with the label of that
    treatment's own call. The calls are wrapped: each is replayed from the
    same random state (the replay must reproduce the call exactly), which
    gives its Gaussian class clusters and hence the exact P(label = 1 | x);
    then P(y | x, t) = 1 − (1 − P(base | x))(1 − P(label_t | x)). causalml's
    random assignment is replaced by a draw from a softmax of fixed random
    linear scores (weights N(0, 0.3²)) of the 11 standardised features the
    outcomes depend on: the base label's 5 informative columns (the replay
    finds them; make_classification shuffles columns, so they are not
    causalml's ``x1``–``x5_informative``) and the 6 uplift features.
``Nie-Wager D``
    ``causalml.dataset.simulate_unrelated_treatment_control`` (setup D of Nie
    & Wager, 2021; p = 6, its own confounded propensity 1 / (1 + e^−x1 + e^−x2)).
    Its expected outcomes, max(0, x4 + x5) under control and max(0, x1 + x2 + x3)
    treated, become P(y | x, arm) = logistic(expected outcome − 1); y is a
    Bernoulli draw.
``ZAW multi-action``
    Section 6.4.1 of Zhou, Athey & Wager (2023), as policytree's
    ``gen_data_mapl`` implements it (p = 10, 3 arms, mean rewards by region of
    (x5, x7), region-dependent assignment probabilities), written here in
    Python. P(y | x, arm) = logistic(mean reward − 1); y is a Bernoulli draw.
``churnlab generator``
    ``churnlab.synthetic.generator.generate(rows, seed, open_share=0.5)`` for
    reference: fit on the closed cases (analysts chose the actions), value on
    the open ones with the generator's P(retained | x, a) (7 arms).

Methods (one thread each):

* churnlab ``ActionRecommender`` with ``learner="auto"`` and every action free,
  on the raw feature frame;
* causalml's ``BaseTClassifier``, ``BaseXClassifier`` and ``BaseDRClassifier``
  with LightGBM outcome (and effect) models and causalml's default elastic-net
  propensity model: play the arm with the largest estimated gain when it is
  positive, else the control;
* EconML's ``DRPolicyForest`` (LightGBM outcome model, multinomial logistic
  propensity): plays the arm it recommends.

The causalml and EconML methods get the features median-imputed and
standardised (fitted on the training half). causalml and EconML are not
churnlab dependencies: ``pip install causalml econml`` in the environment
that runs this script. A method that fails is shown as failed, with its error
under the table.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from unittest import mock

import numpy as np
import pandas as pd
from scipy.special import expit, softmax
from scipy.stats import multivariate_normal
from sklearn.datasets import make_classification
from sklearn.datasets._samples_generator import _generate_hypercube
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import shuffle
from threadpoolctl import threadpool_limits

from churnlab.io.records import ACTION_LABELS, NO_ACTION
from churnlab.models.learners import FREE_ACTIONS
from churnlab.models.recommender import ActionRecommender
from churnlab.models.risk import model_columns

try:
    import causalml.dataset.classification as causalml_classification
    import causalml.inference.meta as meta
    from causalml.dataset import simulate_unrelated_treatment_control
    from lightgbm import LGBMClassifier, LGBMRegressor
except ImportError:  # pragma: no cover - reported at run time
    meta = None
try:
    from econml.policy import DRPolicyForest
    from lightgbm import LGBMRegressor
except ImportError:  # pragma: no cover - reported at run time
    DRPolicyForest = None

SMALL, LARGE = 800, 20_000
"""Rows per data set (before the 50/50 split)."""

Policy = Callable[[pd.DataFrame], np.ndarray]
"""A fitted method: held-out feature frame -> one arm label per row."""

Method = Callable[["Dataset"], tuple[Policy, str]]
"""Fits on a data set's training half; returns its policy and a note for the table."""


@dataclass(frozen=True)
class Dataset:
    """A training half (confounded arms, observed outcomes) and a held-out half with the truth."""

    name: str
    X_train: pd.DataFrame
    arms_train: np.ndarray
    y_train: np.ndarray
    X_test: pd.DataFrame
    p_test: pd.DataFrame  # true P(y = 1 | x, arm); one column per arm label, the control first


def _split(name: str, X: pd.DataFrame, arms: np.ndarray, y: np.ndarray, p: np.ndarray, seed: int) -> Dataset:
    """Random 50/50 split of rows with arm codes, outcomes and true P per arm.

    Arm k gets churnlab's k-th action label, so arm 0, the control, is ``none``.
    """
    labels = np.array(ACTION_LABELS[: p.shape[1]], dtype=object)
    order = np.random.default_rng(seed).permutation(len(X))
    train, test = order[: len(X) // 2], order[len(X) // 2 :]
    X = X.reset_index(drop=True)
    return Dataset(
        name,
        X.iloc[train].reset_index(drop=True),
        labels[arms[train]],
        y[train],
        X.iloc[test].reset_index(drop=True),
        pd.DataFrame(p[test], columns=list(labels)),
    )


def _draw(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category per row from its probability row."""
    return (rng.random((len(probs), 1)) > probs.cumsum(axis=1)).sum(axis=1).clip(max=probs.shape[1] - 1)


# --- data set 1: causalml's make_uplift_classification, with every arm's truth -------------------


@dataclass(frozen=True)
class _Call:
    """One make_classification call: its labels, exact P(label = 1 | x) and informative columns."""

    y: np.ndarray
    p: np.ndarray
    informative: np.ndarray


def _replay_make_classification(
    state: tuple,
    n_samples: int,
    n_features: int,
    n_informative: int,
    weights: list[float],
    flip_y: float = 0.01,
    **_: object,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray], np.ndarray, np.ndarray]:
    """scikit-learn's make_classification draws (two classes, one cluster each, no shift or scale),
    redone from ``state``: X, y, the column order, the cluster covariance maps A_k, centroids, priors."""
    rs = np.random.RandomState()
    rs.set_state(state)
    sizes = [int(n_samples * w) for w in weights]
    for i in range(n_samples - sum(sizes)):
        sizes[i % 2] += 1
    centroids = _generate_hypercube(2, n_informative, rs).astype(float) * 2 - 1
    X = np.zeros((n_samples, n_features))
    y = np.zeros(n_samples, dtype=int)
    X[:, :n_informative] = rs.standard_normal(size=(n_samples, n_informative))
    maps, stop = [], 0
    for k in range(2):
        start, stop = stop, stop + sizes[k]
        y[start:stop] = k
        maps.append(2 * rs.uniform(size=(n_informative, n_informative)) - 1)
        X[start:stop, :n_informative] = X[start:stop, :n_informative] @ maps[k] + centroids[k]
    if n_features > n_informative:
        X[:, n_informative:] = rs.standard_normal(size=(n_samples, n_features - n_informative))
    flip = rs.uniform(size=n_samples) < flip_y
    y[flip] = rs.randint(2, size=flip.sum())
    X, y = shuffle(X, y, random_state=rs)
    columns = np.arange(n_features)
    rs.shuffle(columns)
    return X[:, columns], y, columns, maps, centroids, np.array(sizes) / n_samples


def _recording_make_classification(calls: list[_Call]) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    """A make_classification that also records each call's exact P(label = 1 | x) in ``calls``."""

    def wrapped(**kwargs: object) -> tuple[np.ndarray, np.ndarray]:
        state = np.random.get_state()
        X, y = make_classification(**kwargs)
        Xr, yr, columns, maps, centroids, prior = _replay_make_classification(state, **kwargs)
        if not (np.array_equal(X, Xr) and np.array_equal(y, yr)):
            raise RuntimeError(
                "the replay of make_classification differs from scikit-learn's: "
                "its algorithm changed, update _replay_make_classification"
            )
        informative = np.argsort(columns)[: kwargs["n_informative"]]
        density = [
            prior[k] * multivariate_normal(centroids[k], maps[k].T @ maps[k]).pdf(X[:, informative])
            for k in range(2)
        ]
        posterior = density[1] / (density[0] + density[1])
        flip = float(kwargs.get("flip_y", 0.01))
        calls.append(_Call(y, (1 - flip) * posterior + flip / 2, informative))
        return X, y

    return wrapped


def causalml_uplift(rows: int, seed: int) -> Dataset:
    """make_uplift_classification with confounded arms and every arm's exact P(y | x)."""
    calls: list[_Call] = []
    with mock.patch.object(
        causalml_classification, "make_classification", _recording_make_classification(calls)
    ):
        df, x_names = causalml_classification.make_uplift_classification(
            n_samples=rows // 4, random_seed=seed
        )
    base, *uplift = calls  # the base label, then one call per treatment (default arguments)
    p = np.column_stack([base.p] + [1 - (1 - base.p) * (1 - c.p) for c in uplift])
    y_all = np.column_stack([base.y] + [np.maximum(base.y, c.y) for c in uplift])
    causalml_arm = (
        df["treatment_group_key"]
        .map({"control": 0, "treatment1": 1, "treatment2": 2, "treatment3": 3})
        .to_numpy()
    )
    if not np.array_equal(y_all[np.arange(len(df)), causalml_arm], df["conversion"]):
        raise RuntimeError("make_uplift_classification no longer or-s the base and uplift labels")
    # The arm follows the features the outcomes depend on: the base label's informative
    # columns (wherever make_classification shuffled them) and the treatments' uplift features.
    drivers = [*base.informative, *(i for i, n in enumerate(x_names) if n.endswith("_uplift_increase"))]
    rng = np.random.default_rng(seed)
    Z = StandardScaler().fit_transform(df[x_names].to_numpy()[:, drivers])
    weights = rng.normal(0.0, 0.3, size=(Z.shape[1], 4))
    arms = _draw(rng, softmax(Z @ weights, axis=1))
    y = y_all[np.arange(len(df)), arms]
    return _split("causalml uplift", df[x_names], arms, y, p, seed)


# --- data sets 2 and 3: a binary and a three-arm design from the literature ---------------------


def nie_wager_d(rows: int, seed: int) -> Dataset:
    """causalml's setup D of Nie & Wager, outcome turned binary by a logistic of its mean."""
    np.random.seed(seed)
    _, X, w, tau, b, _ = simulate_unrelated_treatment_control(n=rows, p=6)
    p = expit(np.column_stack([b - tau / 2, b + tau / 2]) - 1.0)
    y = (np.random.default_rng(seed).random(rows) < p[np.arange(rows), w]).astype(int)
    frame = pd.DataFrame(X, columns=[f"x{i + 1}" for i in range(X.shape[1])])
    return _split("Nie-Wager D", frame, w.astype(int), y, p, seed)


def zaw_multi_action(rows: int, seed: int, n_features: int = 10) -> Dataset:
    """Zhou, Athey & Wager (2023), section 6.4.1 (policytree's gen_data_mapl), binary outcome."""
    rng = np.random.default_rng(seed)
    X = rng.random((rows, n_features))
    x5, x7 = X[:, 4], X[:, 6]
    region0 = (x5 < 0.6) & (x7 > 0.35)
    region2 = (x5**2 / 0.6**2 + x7**2 / 0.35**2 < 1) | ((x5 - 1) ** 2 / 0.4**2 + (x7 - 1) ** 2 / 0.35**2 < 1)
    region = np.where(region0, 0, np.where(region2, 2, 1))
    actions = np.arange(3)
    mean_reward = np.stack([3.0 - actions, 2 - np.abs(actions - 1) / 2, 1.5 * (actions - 1)])
    assign = np.array([[0.2, 0.6, 0.2], [0.2, 0.6, 0.2], [0.4, 0.2, 0.4]])
    arms = _draw(rng, assign[region])
    p = expit(mean_reward[region] - 1.0)
    y = (rng.random(rows) < p[np.arange(rows), arms]).astype(int)
    frame = pd.DataFrame(X, columns=[f"x{i + 1}" for i in range(n_features)])
    return _split("ZAW multi-action", frame, arms, y, p, seed)


# --- data set 4: churnlab's own generator, for reference ------------------------------------------


def churnlab_generator(rows: int, seed: int) -> Dataset:
    """Closed cases to fit, open cases valued with the generator's P(retained | x, a)."""
    from churnlab.features.labels import case_table
    from churnlab.models.reason_features import training_features
    from churnlab.synthetic.generator import generate

    data = generate(rows, seed=seed, open_share=0.5)
    X, _ = training_features(data.cases, data.glosas)
    table = case_table(data.cases)
    truth = data.truth.set_index("source").loc[X.index]
    closed, is_open = table["closed"].to_numpy(), truth["is_open"].to_numpy()
    p = truth.loc[is_open, [f"p_retained_{a}" for a in ACTION_LABELS]].set_axis(list(ACTION_LABELS), axis=1)
    return Dataset(
        "churnlab generator",
        X[closed].reset_index(drop=True),
        table.loc[closed, "action"].to_numpy(dtype=object),
        (1 - table.loc[closed, "dismissed"]).astype(int).to_numpy(),
        X[is_open].reset_index(drop=True),
        p.reset_index(drop=True),
    )


GENERATORS: dict[str, Callable[[int, int], Dataset]] = {
    "causalml uplift": causalml_uplift,
    "Nie-Wager D": nie_wager_d,
    "ZAW multi-action": zaw_multi_action,
    "churnlab generator": churnlab_generator,
}


# --- methods ----------------------------------------------------------------------------------


def _lgbm_classifier() -> LGBMClassifier:
    return LGBMClassifier(n_jobs=1, verbose=-1, random_state=0)


def _lgbm_regressor() -> LGBMRegressor:
    return LGBMRegressor(n_jobs=1, verbose=-1, random_state=0)


def _matrix_preprocessor(X: pd.DataFrame) -> Callable[[pd.DataFrame], np.ndarray]:
    """Median imputation (with missing indicators) and scaling, fitted on ``X``."""
    columns = model_columns(X)
    prep = Pipeline(
        [
            ("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)),
            ("scale", StandardScaler()),
        ]
    ).fit(X[columns].astype(float))
    return lambda frame: prep.transform(frame[columns].astype(float))


def fit_churnlab(data: Dataset) -> tuple[Policy, str]:
    """ActionRecommender (auto learner, every action free) on the raw feature frame."""
    rec = ActionRecommender(economics=FREE_ACTIONS, random_state=0).fit(
        data.X_train, data.arms_train, data.y_train
    )
    policy = "" if rec.policy_ == "personalised" else f"; {'one action: ' * (rec.share_ == 0)}{rec.policy_}"
    return rec.recommend, f"{rec.learner_}{policy}"


def _causalml(make: Callable[[], object], **fit_kwargs: object) -> Method:
    """A causalml meta-learner: the treatment with the largest positive estimated gain, else control."""

    def fit(data: Dataset) -> tuple[Policy, str]:
        to_matrix = _matrix_preprocessor(data.X_train)
        model = make()
        model.fit(to_matrix(data.X_train), data.arms_train, data.y_train, **fit_kwargs)

        def policy(X: pd.DataFrame) -> np.ndarray:
            gains = np.asarray(model.predict(to_matrix(X), verbose=False)).reshape(len(X), -1)
            groups = np.asarray(model.t_groups, dtype=object)
            return np.where(gains.max(axis=1) > 0, groups[gains.argmax(axis=1)], NO_ACTION)

        return policy, ""

    return fit


def fit_drpolicyforest(data: Dataset) -> tuple[Policy, str]:
    """EconML's DRPolicyForest (LightGBM outcome model, logistic propensity), the control first."""
    to_matrix = _matrix_preprocessor(data.X_train)
    arms = [a for a in ACTION_LABELS if a in set(data.arms_train)]
    forest = DRPolicyForest(
        model_regression=_lgbm_regressor(),
        model_propensity=LogisticRegression(max_iter=2000),
        categories=arms,
        n_jobs=1,
        random_state=0,
    )
    forest.fit(data.y_train, data.arms_train, X=to_matrix(data.X_train))
    return lambda X: np.asarray(arms, dtype=object)[forest.predict(to_matrix(X))], ""


def methods() -> dict[str, Method | None]:
    """Every method by column name; None when its package is not installed."""
    out: dict[str, Method | None] = {"churnlab (auto)": fit_churnlab}
    if meta is None:
        out.update(dict.fromkeys(("causalml T", "causalml X", "causalml DR")))
    else:
        out["causalml T"] = _causalml(
            lambda: meta.BaseTClassifier(_lgbm_classifier(), control_name=NO_ACTION)
        )
        out["causalml X"] = _causalml(
            lambda: meta.BaseXClassifier(
                outcome_learner=_lgbm_classifier(), effect_learner=_lgbm_regressor(), control_name=NO_ACTION
            )
        )
        out["causalml DR"] = _causalml(
            lambda: meta.BaseDRClassifier(
                learner=_lgbm_classifier(), treatment_effect_learner=_lgbm_regressor(), control_name=NO_ACTION
            ),
            seed=0,
        )
    out["EconML DRPolicyForest"] = fit_drpolicyforest if DRPolicyForest is not None else None
    return out


# --- evaluation -------------------------------------------------------------------------------


def policy_value(policy: np.ndarray, p: pd.DataFrame) -> float:
    """Mean true P(y = 1) of the arm the policy plays in each held-out row."""
    index = pd.Index(p.columns).get_indexer(np.asarray(policy, dtype=object))
    if (index < 0).any():
        raise ValueError(f"policy plays arms outside {list(p.columns)}")
    return float(p.to_numpy()[np.arange(len(p)), index].mean())


def run(data: Dataset, size: str, errors: list[str]) -> dict[str, str]:
    """One table row: reference columns, then share of the oracle's gain and fit time per method."""
    p = data.p_test
    v_control, v_oracle = p.iloc[:, 0].mean(), p.max(axis=1).mean()

    def share(v: float) -> float:
        return (v - v_control) / (v_oracle - v_control)

    best = int(p.mean().to_numpy().argmax())
    row = {
        "data set": data.name,
        "size": size,
        "rows fit / test": f"{len(data.X_train):,} / {len(p):,}",
        "arms": str(p.shape[1]),
        "V_oracle − V_control": f"{v_oracle - v_control:.3f}",
        "best single arm": f"{share(p.iloc[:, best].mean()):.3f} (arm {best})",
    }
    for name, fit in methods().items():
        if fit is None:
            row[name] = "not installed"
            continue
        try:
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                policy, note = fit(data)
                seconds = time.perf_counter() - start
                value = policy_value(policy(data.X_test), p)
        except Exception as error:  # reported under the table
            row[name] = "failed"
            errors.append(f"{name} on {data.name} ({size}): {type(error).__name__}: {error}")
            continue
        row[name] = f"{share(value):.3f}{f' ({note})' if note else ''} · {seconds:.1f} s"
        print(f"  {data.name} {size}: {name} {row[name]}", flush=True)
    return row


def markdown(rows: list[dict[str, str]]) -> str:
    """The rows as a markdown table."""
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r[c] for c in header) + " |" for r in rows]
    return "\n".join(lines)


def main() -> None:
    """Run every data set at each size and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=101, help="seed of every generator and split")
    parser.add_argument("--quick", action="store_true", help=f"only the small size ({SMALL} rows)")
    args = parser.parse_args()
    if meta is None:
        print("causalml (or lightgbm) is not installed: its data sets and learners are skipped.")
    if DRPolicyForest is None:
        print("econml (or lightgbm) is not installed: DRPolicyForest is skipped.")
    generators = {
        k: g for k, g in GENERATORS.items() if meta is not None or g in (zaw_multi_action, churnlab_generator)
    }
    sizes = {"small": SMALL} if args.quick else {"small": SMALL, "large": LARGE}
    rows: list[dict[str, str]] = []
    errors: list[str] = []
    start = time.perf_counter()
    # One BLAS thread for every method (ActionRecommender does it itself; the others do not).
    with threadpool_limits(limits=1, user_api="blas"):
        for generate in generators.values():
            for size, n in sizes.items():
                rows.append(run(generate(n, args.seed), size, errors))
    print(
        f"\nseed {args.seed}; cells: share of the oracle's gain · fit seconds "
        f"(churnlab: the learner auto chose); OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}\n"
    )
    print(markdown(rows))
    for error in errors:
        print(f"\n* {error}")
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
