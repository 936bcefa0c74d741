"""Network model at scale (contract 4): reading, features, training, scoring, and quality vs the truth.

    python benchmarks/bench_network.py                      # 50,000 dentists x 36 months (~3 min)
    python benchmarks/bench_network.py --dentists 5000      # quicker

Times each stage on a generated network written as contract-4 files (the
forms are passed as parsed records: parsing them is the case pipeline's
benchmark, ``bench_parse.py``), reports peak memory, and backtests the model
(trained on what was known at month 26, judged on the 90 days after) against
the generator's true risk and the days-without-a-guide rules.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

from churnlab.app.network_scoring import score_network
from churnlab.evaluation.network_backtest import backtest
from churnlab.features.network import network_snapshots
from churnlab.io.network import dentist_keys, read_network
from churnlab.models.churn_model import ChurnModel
from churnlab.models.network_risk import NetworkRiskModel
from churnlab.models.persistence import load_model
from churnlab.synthetic.network import generate_network, write_network

TRUTH_MONTH = 26  # March 2024: the backtest's cutoff


def _peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dentists", type=int, default=50_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    start = time.perf_counter()
    net = generate_network(args.dentists, seed=args.seed, months=args.months, truth_months=(TRUTH_MONTH,))
    print(f"generated {len(net.roster):,} dentists, {len(net.production):,} production rows, "
          f"{len(net.glosas):,} glosas, {len(net.cases):,} cases in {time.perf_counter() - start:.1f} s")
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
    print(f"features: {len(X):,} dentist-months in {features_s:.1f} s; features + fit: {train_s:.1f} s "
          "(target < 60 s)")

    bundled = load_model()
    churn = ChurnModel(bundled.tagger, bundled.risk, bundled.recommender, bundled.card, network=model)
    start = time.perf_counter()
    scores = score_network(network, churn, as_of=network.end)
    score_s = time.perf_counter() - start
    print(f"score_network as of {network.end.date()}: {len(scores):,} dentists in {score_s:.1f} s "
          f"(target < 5 s); peak memory {_peak_gb():.1f} GB")

    truth = net.truth.assign(key=dentist_keys(net.truth["cro"], net.truth["uf"]))

    def true_risk(keys: pd.Index, cutoff: pd.Timestamp) -> pd.Series:
        return truth.loc[truth["as_of"] == cutoff].set_index("key")["true_risk_90d"].reindex(keys)

    cutoff = pd.Timestamp("2022-01-01") + pd.offsets.MonthBegin(TRUTH_MONTH) + pd.offsets.MonthEnd(0)
    metrics, _ = backtest(network, cutoff=cutoff, truth=true_risk)
    print(f"backtest from {metrics.attrs['cutoff']}: {metrics.attrs['dentists']:,} dentists, "
          f"{metrics.attrs['events']:,} asked to leave or left within 90 days")
    print(metrics.round(3).to_string())


if __name__ == "__main__":
    main()
