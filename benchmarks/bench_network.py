"""Network model at scale (contract 4): reading, features, training, scoring, and quality vs the truth.

    python benchmarks/bench_network.py                      # 50,000 dentists x 36 months (~3 min)
    python benchmarks/bench_network.py --dentists 5000      # quicker

Times each stage on a generated network written as contract-4 files (the
forms are passed as parsed records: parsing them is the case pipeline's
benchmark, ``bench_parse.py``), reports peak memory, and backtests the model
(trained on what was known at month 26, judged on the 90 days after) against
the generator's true risk and the days-without-a-guide rules.

``--ceiling`` also fits the same model given the generator's latent
engagement (``SyntheticNetwork.engagement``, which no file holds) at every
snapshot: how much of the gap to the truth is information the files lack.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd
from sklearn.metrics import roc_auc_score

from churnlab.app.network_scoring import score_network
from churnlab.evaluation.network_backtest import backtest
from churnlab.features.network import FEATURES, as_known_on, network_features, network_snapshots
from churnlab.io.network import Network, dentist_keys, read_network
from churnlab.models.churn_model import ChurnModel
from churnlab.models.network_risk import NetworkRiskModel
from churnlab.models.persistence import load_model
from churnlab.synthetic.network import SyntheticNetwork, generate_network, write_network

TRUTH_MONTH = 26  # March 2024: the backtest's cutoff


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dentists", type=int, default=50_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--ceiling",
        action="store_true",
        help="also fit the model given the latent engagement (the files' information limit)",
    )
    args = parser.parse_args()

    start = time.perf_counter()
    net = generate_network(args.dentists, seed=args.seed, months=args.months, truth_months=(TRUTH_MONTH,))
    print(
        f"generated {len(net.roster):,} dentists, {len(net.production):,} production rows, "
        f"{len(net.glosas):,} glosas, {len(net.cases):,} cases in {time.perf_counter() - start:.1f} s"
    )
    with tempfile.TemporaryDirectory() as folder:
        cases, net.cases = net.cases, []
        write_network(net, folder)  # the CSV files only; forms are passed parsed below
        sizes = {p.name: p.stat().st_size / 1e6 for p in Path(folder).glob("*.csv")}
        print("files:", ", ".join(f"{name} {mb:.0f} MB" for name, mb in sorted(sizes.items())))

        start = time.perf_counter()
        network = read_network(folder, cases=cases)
        read_s = time.perf_counter() - start
    print(f"read roster + production + glosas: {read_s:.1f} s (peak memory so far {_peak_gb():.1f} GB)")

    start = time.perf_counter()
    X, y = network_snapshots(network, horizon_days=0)
    features_s = time.perf_counter() - start
    model = NetworkRiskModel(random_state=0).fit(X, y)
    train_s = time.perf_counter() - start
    print(
        f"features: {len(X):,} dentist-months in {features_s:.1f} s; features + fit: {train_s:.1f} s "
        "(target < 60 s)"
    )

    bundled = load_model()
    churn = ChurnModel(bundled.tagger, bundled.risk, bundled.recommender, bundled.card, network=model)
    start = time.perf_counter()
    scores = score_network(network, churn, as_of=network.end)
    score_s = time.perf_counter() - start
    print(
        f"score_network as of {network.end.date()}: {len(scores):,} dentists in {score_s:.1f} s "
        f"(target < 5 s); peak memory {_peak_gb():.1f} GB"
    )

    truth = net.truth.assign(key=dentist_keys(net.truth["cro"], net.truth["uf"]))

    def true_risk(keys: pd.Index, cutoff: pd.Timestamp) -> pd.Series:
        return truth.loc[truth["as_of"] == cutoff].set_index("key")["true_risk_90d"].reindex(keys)

    cutoff = pd.Timestamp("2022-01-01") + pd.offsets.MonthBegin(TRUTH_MONTH) + pd.offsets.MonthEnd(0)
    metrics, scores = backtest(network, cutoff=cutoff, truth=true_risk)
    print(
        f"backtest from {metrics.attrs['cutoff']}: {metrics.attrs['dentists']:,} dentists, "
        f"{metrics.attrs['events']:,} asked to leave or left within 90 days"
    )
    print(metrics.round(3).to_string())
    if args.ceiling:
        ceiling(network, net, cutoff, scores)


class _WithLatent(NetworkRiskModel):
    """The network model reading, besides its features, the generator's latent state."""

    def _names(self) -> list[str]:
        return [*FEATURES, "latent_engagement", "latent_fading"]


def _with_latent(X: pd.DataFrame, net: SyntheticNetwork) -> pd.DataFrame:
    latent = net.engagement.set_index(dentist_keys(net.engagement["cro"], net.engagement["uf"]))
    months = pd.Index([c for c in latent.columns if isinstance(c, pd.Timestamp)])
    rows = latent.index.get_indexer(X["key"])
    levels = latent[months].to_numpy(dtype=float)[rows, months.get_indexer(X["as_of"])]
    fading = latent["fading_from"].to_numpy()[rows] <= X["as_of"].to_numpy()
    return X.assign(latent_engagement=levels, latent_fading=fading.astype(float))


def ceiling(network: Network, net: SyntheticNetwork, cutoff: pd.Timestamp, scores: pd.DataFrame) -> None:
    """The backtest's AUCs of the model and the truth beside the same model given the latent state."""
    X_train, y_train = network_snapshots(as_known_on(network, cutoff), horizon_days=0)
    X = network_features(network, cutoff).loc[scores.index]
    X = X.assign(as_of=cutoff, key=X.index)
    model = _WithLatent(random_state=0).fit(_with_latent(X_train, net), y_train)
    scores = scores.assign(latent=model.predict_risk(_with_latent(X, net), [90]).iloc[:, 0].to_numpy())
    known = scores["truth (generator)"].notna()
    print("ceiling (AUC, same dentists and 90 days):")
    for column, name in (
        ("truth (generator)", "truth (generator)"),
        ("churnlab network model", "churnlab network model (the files)"),
        ("latent", "the same + latent engagement"),
    ):
        print(f"  {name}: {roc_auc_score(scores.loc[known, 'left_within'], scores.loc[known, column]):.4f}")


if __name__ == "__main__":
    main()
