"""Model quality against the generator's truth, and training/scoring speed.

The "done when" checks of the risk model and the recommender: a data set made
with a seed never used during development (default 20261124 + 1), about 6,000
closed cases to train and 1,500 open cases to score, written to disk as forms
and read back through the parser like real data.

Run: ``python benchmarks/bench_models.py [--seed S] [--n-cases 7500] [--speed]``.
Prints the risk model against the Bayes limit, the recommended policy against
the oracle, historical practice and every fixed action (retention units and
R$), the off-policy DR estimate against the truth, and timings.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from churnlab.app.training import train_model
from churnlab.evaluation.metrics import compare_scores
from churnlab.evaluation.off_policy import evaluate_policy
from churnlab.evaluation.truth import policy_values, true_effects
from churnlab.features.labels import case_table
from churnlab.io.folder import load_data_dir
from churnlab.models.policy_value import dr_value
from churnlab.synthetic.generator import generate
from churnlab.synthetic.writer import write_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--n-cases", type=int, default=7500)
    parser.add_argument("--open-share", type=float, default=0.2)
    parser.add_argument(
        "--speed",
        action="store_true",
        help="also time training on 10,000 cases and scoring 100,000 feature rows",
    )
    args = parser.parse_args()
    pd.set_option("display.width", 140)

    with tempfile.TemporaryDirectory() as tmp:
        data = generate(args.n_cases, seed=args.seed, open_share=args.open_share)
        folder = write_dataset(data, Path(tmp) / "data", seed=args.seed)
        truth = pd.read_csv(folder / "truth.csv").set_index("source")
        start = time.perf_counter()
        model = train_model(folder, random_state=0)
        train_seconds = time.perf_counter() - start
        loaded = load_data_dir(folder)
        cases = list(loaded.forms)
        table = case_table(cases)
    print(
        f"seed {args.seed}: {len(cases)} forms read, {len(loaded.forms.failures)} failed; "
        f"{int(table['closed'].sum())} closed used for training ({train_seconds:.1f} s)"
    )

    open_cases = [c for c in cases if c.status is None]
    X = model.features(open_cases, loaded.glosas)
    t = truth.loc[X.index]
    y = 1 - t["retained"].to_numpy()
    risk = model.risk.predict_proba(X)[:, 1]
    print(f"\nDismissal risk on {len(open_cases)} open cases (outcome simulated, hidden from the forms):")
    print(
        compare_scores(
            y,
            {
                "churnlab": risk,
                "Bayes limit (truth)": t["dismissal_risk"].to_numpy(),
                "base rate": np.full(len(y), model.card["data"]["dismissal_rate"]),
            },
        ).round(4)
    )

    rec = model.recommender
    recommended = rec.recommend(X)
    by_p = rec.predict_effects(X).idxmax(axis=1).to_numpy()
    retention = policy_values(t, {"churnlab (max P)": by_p})
    money = policy_values(t, {"churnlab (max expected value)": recommended}, X, model.economics)
    print("\nPolicy value on open cases, retention rate (truth):")
    print(retention.round(4))
    print("\nPolicy value on open cases, R$ per case (truth, default economics):")
    print(money.round(2))

    # Held-out logged data: the open cases' simulated action and outcome (kept in truth only).
    logged = t["action"].to_numpy()
    retained = t["retained"].to_numpy()
    target = rec.predict_effects(X).idxmax(axis=1).to_numpy()
    dr = dr_value(logged, retained, target, rec.predict_propensities(X), rec.predict_effects(X))
    effects = true_effects(t).to_numpy()
    column = {a: i for i, a in enumerate(true_effects(t).columns)}
    truth_value = float(effects[np.arange(len(target)), [column[a] for a in target]].mean())
    print(
        f"\nOff-policy DR estimate of the recommended (max P) policy's retention from the open "
        f"cases' logged actions: {dr}; truth {truth_value:.4f}; "
        f"{'inside' if dr.low <= truth_value <= dr.high else 'OUTSIDE'} the interval"
    )
    print(evaluate_policy(rec, X, logged, retained).round(1).to_string())

    if args.speed:
        _speed(model, X)


def _speed(model, X: pd.DataFrame) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = generate(10_000, seed=7, open_share=0.0)
        folder = write_dataset(data, Path(tmp) / "d10k", seed=7, layouts=("plain", "markdown"))
        start = time.perf_counter()
        train_model(folder)
        print(
            f"\ntraining on 10,000 cases (parse, features, tagger, risk, recommender): "
            f"{time.perf_counter() - start:.1f} s"
        )
    big = pd.concat([X] * int(np.ceil(100_000 / len(X))), ignore_index=True).iloc[:100_000]
    start = time.perf_counter()
    model.risk.predict_proba(big)
    model.recommender.predict_effects(big)
    middle = time.perf_counter()
    model.score_features(big)
    end = time.perf_counter()
    print(
        f"scoring 100,000 feature rows: risk + effects {middle - start:.2f} s; "
        f"with expected value and reasons {end - middle:.2f} s"
    )


if __name__ == "__main__":
    main()
