"""Network model at scale (contract 4): reading, features, training, scoring, and quality vs the truth.

    python benchmarks/bench_network.py                      # 50,000 dentists x 36 months (~3 min)
    python benchmarks/bench_network.py --dentists 5000      # quicker
    python benchmarks/bench_network.py --quality 8000       # only the quality table, both generators
    python benchmarks/bench_network.py --timing-only        # only the times and memory

Times each stage on a generated network written as contract-4 files (the
forms are passed as parsed records: parsing them is the case pipeline's
benchmark, ``bench_parse.py``), reports peak memory, and backtests the model
(trained on what was known at month 26, judged on the 90 days after) against
the generator's true risk and the days-without-a-guide rules.

The quality table is on *both* generators (``synthetic/network.py`` and the
hidden-Markov ``synthetic/network_hazard.py``): the truth, the churnlab model,
the plain boosted reference (``bench_reference.py``) and the months since
the last guide, by AUC on the realised events, AUC expected under the true
probabilities (each dentist a positive with weight p and a negative with
weight 1 − p: far less noisy), calibration error and mean risk − mean truth.

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

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from churnlab.app.network_scoring import score_network
from churnlab.evaluation.network_backtest import backtest, calibration_error, top_decile_capture
from churnlab.features.network import FEATURES, as_known_on, network_features, network_snapshots, next_event
from churnlab.features.network_tail import incomplete_tail
from churnlab.io.keys import dentist_keys
from churnlab.io.network import Network, read_network
from churnlab.models.churn_model import ChurnModel
from churnlab.models.network_risk import NetworkRiskModel
from churnlab.models.persistence import load_model
from churnlab.synthetic.network import SyntheticNetwork, generate_network, write_network
from churnlab.synthetic.network_hazard import generate_hazard_network

TRUTH_MONTH = 26  # March 2024: the backtest's cutoff
GENERATORS = {"network.py": generate_network, "network_hazard.py": generate_hazard_network}


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
    parser.add_argument(
        "--quality", type=int, metavar="DENTISTS", help="only the quality table on both generators"
    )
    parser.add_argument("--timing-only", action="store_true", help="times and memory only, no quality table")
    args = parser.parse_args()
    if args.quality:
        for name, network, truth in both_generators(args.quality, args.seed):
            table = judge(network, truth, TRUTH_MONTH)
            print(f"{name}: {table.attrs['dentists']:,} dentists, {table.attrs['events']} events")
            print(table.round(4).to_string())
        return

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
    tail = incomplete_tail(network)  # as `train` does
    X, y = network_snapshots(network, horizon_days=0, lag=tail.lag)
    features_s = time.perf_counter() - start
    model = NetworkRiskModel(random_state=0).fit(X, y)
    train_s = time.perf_counter() - start
    print(
        f"{tail.message()}; features: {len(X):,} dentist-months in {features_s:.1f} s; "
        f"features + fit: {train_s:.1f} s (target < 60 s)"
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
    if args.timing_only:
        return
    other = generate_hazard_network(args.dentists, seed=args.seed, truth_months=(TRUTH_MONTH,))
    for name, data, known in (("network.py", network, truth), ("network_hazard.py", *_read(other))):
        table = judge(data, known, TRUTH_MONTH)
        print(
            f"{name}, from month {TRUTH_MONTH}: {table.attrs['dentists']:,} dentists, "
            f"{table.attrs['events']} events"
        )
        print(table.round(4).to_string())
    if args.ceiling:
        ceiling(network, net, truth)


def _read(net: SyntheticNetwork) -> tuple[Network, pd.DataFrame]:
    """The network as churnlab reads it from its files, and the generator's truth by dentist key."""
    with tempfile.TemporaryDirectory() as folder:
        cases, net.cases = net.cases, []
        write_network(net, folder)
        network = read_network(folder, cases=cases)
    return network, net.truth.assign(key=dentist_keys(net.truth["cro"], net.truth["uf"]))


def both_generators(dentists: int, seed: int) -> list[tuple[str, Network, pd.DataFrame]]:
    """Each generator's network of ``dentists`` (read from its files) with its truth."""
    out = []
    for name, generate in GENERATORS.items():
        network, truth = _read(generate(dentists, seed=seed, truth_months=(TRUTH_MONTH,)))
        out.append((name, network, truth))
    return out


def expected_auc(score: np.ndarray, p: np.ndarray) -> float:
    """AUC expected when each dentist's event is drawn with his true probability ``p``."""
    both = np.concatenate([score, score])
    labels = np.concatenate([np.ones(len(p)), np.zeros(len(p))])
    return float(roc_auc_score(labels, both, sample_weight=np.concatenate([p, 1 - p])))


def judge(
    network: Network,
    truth: pd.DataFrame,
    month: int,
    model: NetworkRiskModel | None = None,
    rivals: tuple[str, ...] = ("churnlab", "plain reference"),
) -> pd.DataFrame:
    """Fit on what was known at the end of ``month``, judge every rival on the 90 days after."""
    from bench_reference import PlainReference

    cutoff = pd.Timestamp("2022-01-01") + pd.offsets.MonthBegin(month) + pd.offsets.MonthEnd(0)
    past = as_known_on(network, cutoff)
    X = network_features(network, cutoff)
    known = truth.loc[truth["as_of"] == cutoff].set_index("key")["true_risk_90d"].reindex(X.index)
    X = X.loc[known.notna()]
    p = known.loc[X.index].to_numpy()
    outcome = next_event(network, X.index, cutoff)
    y = ((outcome["event"] == 1) & (outcome["duration"] <= 90)).to_numpy(int)
    scores = {"truth (generator)": p}
    if "churnlab" in rivals:
        X_train, y_train = network_snapshots(past, horizon_days=0)
        fitted = (model or NetworkRiskModel(random_state=0)).fit(X_train, y_train)
        scores["churnlab network model"] = fitted.predict_risk(X, [90]).iloc[:, 0].to_numpy()
    if "plain reference" in rivals:
        reference = PlainReference().fit(past)
        scores["plain boosted reference"] = reference.predict(network, X.index, cutoff)
    scores["months since the last guide"] = X["months_since_last_guide"].to_numpy(float)
    rows = {}
    for name, score in scores.items():
        probability = name != "months since the last guide"
        rows[name] = {
            "AUC (events)": roc_auc_score(y, score),
            "AUC (expected)": expected_auc(score, p),
            "top-decile capture": top_decile_capture(score, y),
            "ECE (vs truth)": calibration_error(score, p) if probability else np.nan,
            "mean risk - mean truth": float(score.mean() - p.mean()) if probability else np.nan,
        }
    table = pd.DataFrame(rows).T
    table.attrs.update(dentists=len(X), events=int(y.sum()))
    return table


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


def ceiling(network: Network, net: SyntheticNetwork, truth: pd.DataFrame) -> None:
    """The backtest's AUCs of the model and the truth beside the same model given the latent state."""

    def true_risk(keys: pd.Index, cutoff: pd.Timestamp) -> pd.Series:
        return truth.loc[truth["as_of"] == cutoff].set_index("key")["true_risk_90d"].reindex(keys)

    cutoff = pd.Timestamp("2022-01-01") + pd.offsets.MonthBegin(TRUTH_MONTH) + pd.offsets.MonthEnd(0)
    _, scores = backtest(network, cutoff=cutoff, truth=true_risk)
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
