"""Risks a lead can trust: the case risk model's extremes and calibration, and what reasons cost.

    python benchmarks/bench_risk_trust.py bounds --n 1000 --seeds 11,12,13 [--sample]
    python benchmarks/bench_risk_trust.py drop --n 1500 --seeds 31,32,33,34,35

Each seed generates ``n`` cases; the closed ones are split 70/30 (stratified). The
tagger and the risk model learn from the 70 % exactly as ``churnlab train`` does
(:func:`~churnlab.models.reason_features.training_features`); the 30 % are
scored as new cases are (features, then the fitted tagger's probabilities).

``bounds`` compares, on the held-out 30 %, the risk model as it was (``C=0.5``,
no bounds) with today's (``C`` by cross-validated log-loss, features within
their training range, risks within ``[1/(n+2), (n+1)/(n+2)]``): AUC, Brier,
calibration error (10 bins), the extremes, and how many risks were exactly 0
or 1. ``--sample`` adds the bundled sample (data/sample) split the same way.

``drop`` refits today's model without the features that are no reason to a
lead (:data:`churnlab.features.cases.RETIRED_FEATURES`) and reports the
held-out AUC each costs.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from churnlab.evaluation.metrics import score_metrics
from churnlab.features.cases import RETIRED_FEATURES, build_features
from churnlab.features.labels import case_table
from churnlab.io.folder import load_data_dir
from churnlab.io.records import RetentionCase
from churnlab.models.reason_features import add_reason_probabilities, training_features
from churnlab.models.risk import DismissalRiskModel, risk_columns
from churnlab.synthetic import generate


def _split(
    cases: list[RetentionCase], glosas: pd.DataFrame | None, seed: int
) -> tuple[pd.DataFrame, np.ndarray, pd.DataFrame, np.ndarray]:
    """Training features (as ``churnlab train`` makes them) and held-out features (as scoring does)."""
    table = case_table(cases)
    closed = table["closed"].to_numpy()
    cases = [c for c, keep in zip(cases, closed, strict=True) if keep]
    y = table.loc[closed, "dismissed"].astype(int).to_numpy()
    train, test = train_test_split(np.arange(len(y)), test_size=0.3, stratify=y, random_state=seed)
    X_train, tagger = training_features([cases[i] for i in train], glosas)
    held_out = [cases[i] for i in test]
    X_test = add_reason_probabilities(build_features(held_out, glosas), held_out, tagger)
    return X_train, y[train], X_test, y[test]


def _row(y: np.ndarray, risk: np.ndarray) -> dict[str, float]:
    metrics = score_metrics(y, risk)
    return {
        "auc": metrics["auc"],
        "brier": metrics["brier"],
        "ece": metrics["ece"],
        "min": risk.min(),
        "max": risk.max(),
        "exactly 0 or 1": int(((risk == 0) | (risk == 1)).sum()),
    }


def bounds(
    X_train: pd.DataFrame, y_train: np.ndarray, X_test: pd.DataFrame, y_test: np.ndarray
) -> list[dict]:
    """Held-out metrics of the model as it was and as it is."""
    was = DismissalRiskModel(C=0.5).fit(X_train, y_train)
    matrix, _ = was._matrix(X_test)
    before = was.pipeline_.predict_proba(matrix)[:, 1]  # no range, no bounds: the model before issue 27
    now = DismissalRiskModel().fit(X_train, y_train)
    return [
        {"version": "C=0.5, unbounded", "C": 0.5, **_row(y_test, before)},
        {"version": 'C="cv", bounded', "C": now.C_, **_row(y_test, now.predict_proba(X_test)[:, 1])},
    ]


def drop(X_train: pd.DataFrame, y_train: np.ndarray, X_test: pd.DataFrame, y_test: np.ndarray) -> list[dict]:
    """Held-out AUC with each retired feature given back to the model, and with both."""
    variants = {f"+{name}": [name] for name in RETIRED_FEATURES} | {"+both": list(RETIRED_FEATURES)}
    rows = [{"variant": "today (without them)", **_row(y_test, _fit_with(X_train, y_train, X_test, []))}]
    for name, extra in variants.items():
        rows.append({"variant": name, **_row(y_test, _fit_with(X_train, y_train, X_test, extra))})
    return rows


def _fit_with(
    X_train: pd.DataFrame, y_train: np.ndarray, X_test: pd.DataFrame, extra: list[str]
) -> np.ndarray:
    columns = risk_columns(X_train) + extra
    model = DismissalRiskModel().fit(X_train[columns].to_numpy(float), y_train)
    return model.predict_proba(X_test[columns].to_numpy(float))[:, 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("bounds", "drop"))
    parser.add_argument("--n", type=int, default=1000, help="cases generated per seed")
    parser.add_argument("--seeds", default="11,12,13")
    parser.add_argument("--sample", action="store_true", help="also the bundled sample (bounds)")
    args = parser.parse_args()
    measure = bounds if args.what == "bounds" else drop
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        data = generate(args.n, seed=seed)
        rows += [{"data": f"seed {seed}", **r} for r in measure(*_split(data.cases, data.glosas, seed))]
    if args.sample:
        folder = load_data_dir("data/sample")
        rows += [{"data": "sample", **r} for r in measure(*_split(list(folder.forms), folder.glosas, 0))]
    table = pd.DataFrame(rows)
    key = "version" if args.what == "bounds" else "variant"
    print(table.round(4).to_string(index=False))
    print(table.groupby(key, sort=False)[["auc", "brier", "ece"]].agg(["mean", "std"]).round(4).to_string())


if __name__ == "__main__":
    main()
