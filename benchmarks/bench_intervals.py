"""Do the uplift intervals cover the truth? Coverage on the generator, per learner.

    python benchmarks/bench_intervals.py [--n-cases 4000] [--seed 31] [--bootstrap 30]

Fits the recommender with ``n_bootstrap`` refits on the generator's closed
cases, takes each open case's recommended action (by P(retained), every action
free) and reports the share of cases whose *true* uplift of that action over
``none`` lies in its 90 % interval, the share at or above its lower end (the
bound ``min_confidence`` acts on; nominal 95 %), and the intervals' mean width: for the
percentile bootstrap alone and widened by the cross-fitted model error
(``ActionRecommender.model_error_``, what the recommender uses).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from churnlab.features.labels import case_table
from churnlab.io.records import ACTION_LABELS
from churnlab.models.learners import FREE_ACTIONS
from churnlab.models.reason_features import add_reason_probabilities, training_features
from churnlab.models.recommender import ActionRecommender
from churnlab.synthetic.generator import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-cases", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--bootstrap", type=int, default=30)
    args = parser.parse_args()

    data = generate(args.n_cases, seed=args.seed, open_share=0.25)
    table = case_table(data.cases)
    closed = table["closed"].to_numpy()
    train = [c for c, keep in zip(data.cases, closed, strict=True) if keep]
    X_train, tagger = training_features(train, data.glosas, random_state=0)
    is_open = data.truth["is_open"].to_numpy()
    open_cases = [c for c, keep in zip(data.cases, is_open, strict=True) if keep]
    from churnlab.features.cases import build_features

    X_open = add_reason_probabilities(build_features(open_cases, data.glosas), open_cases, tagger)
    truth = data.truth.loc[is_open]
    p_true = truth[[f"p_retained_{a}" for a in ACTION_LABELS]].to_numpy()
    rows = []
    for learner in ("s", "s_mix", "t", "dr"):
        start = time.perf_counter()
        rec = ActionRecommender(
            learner=learner, economics=FREE_ACTIONS, n_bootstrap=args.bootstrap, random_state=0
        )
        rec.fit(X_train, table.loc[closed, "action"], 1 - table.loc[closed, "dismissed"])
        seconds = time.perf_counter() - start
        best = [ACTION_LABELS.index(a) for a in rec.recommend(X_open)]
        i = np.arange(len(best))
        true_uplift = p_true[i, best] - p_true[:, 0]
        acted = np.asarray(best) != 0
        row = {"learner": learner, "open cases": len(best), "with an action": int(acted.sum())}
        model_error = rec.model_error_
        for name, error in (("bootstrap only", None), ("with model error", model_error)):
            rec.model_error_ = error
            low, high = rec.predict_uplift_interval(X_open, level=0.9)
            lo, hi = low.to_numpy()[i, best], high.to_numpy()[i, best]
            covered = (lo <= true_uplift) & (true_uplift <= hi)
            row[f"coverage, {name}"] = covered[acted].mean()
            row[f"truth >= low, {name}"] = (lo <= true_uplift)[acted].mean()
            row[f"width, {name}"] = (hi - lo)[acted].mean()
        rows.append({**row, "seconds": seconds})
    print(pd.DataFrame(rows).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
