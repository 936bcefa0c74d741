"""The plain boosted reference the network model must meet: raw windows, no ideas about fading.

    python benchmarks/bench_reference.py --dentists 8000

What a data scientist would write in half an hour on the network files: per
dentist and month end, the guides and value of each of the last 12 months,
glosa counts (3 and 12 months), the roster fields, and the last 3 months
against the dentist's own mean before them; one HistGradientBoosting
classifier of the 90-day event, three settings tried on a time-based
validation (the last three month ends whose 90 days are known), refitted on
everything. No horizons, no monotone constraint, no incomplete-tail handling.
``bench_network.py`` runs it beside the churnlab model on both generators;
alone, this script prints its backtest AUC on each.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from churnlab.features.network import _Grid, _month_index, network_snapshots
from churnlab.io.network import Network

SETTINGS = (
    {"learning_rate": 0.05, "max_leaf_nodes": 15, "max_iter": 200},
    {"learning_rate": 0.1, "max_leaf_nodes": 31, "max_iter": 100},
    {"learning_rate": 0.05, "max_leaf_nodes": 7, "max_iter": 300},
)
HORIZON = 90


def raw_windows(network: Network, rows: pd.DataFrame) -> pd.DataFrame:
    """The reference's columns for each (``key``, ``as_of``) row."""
    grid = _Grid.of(network)
    who = grid.keys.get_indexer(rows["key"])
    m = _month_index(pd.Series(pd.to_datetime(rows["as_of"].to_numpy())), grid.first)
    columns: dict[str, np.ndarray] = {}
    for k in range(12):
        month = m - k
        ok = month >= 0
        columns[f"g{k}"] = np.where(ok, grid.guides[who, np.maximum(month, 0)], np.nan)
        columns[f"v{k}"] = np.where(ok, grid.value[who, np.maximum(month, 0)], np.nan)
    cum_g = np.concatenate([np.zeros((len(grid.keys), 1)), grid.guides.cumsum(axis=1)], axis=1)
    cum_q = np.concatenate([np.zeros((len(grid.keys), 1)), grid.glosas.cumsum(axis=1)], axis=1)

    def total(cum: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return cum[who, np.clip(hi + 1, 0, None)] - cum[who, np.clip(lo, 0, None)]

    columns["glosas_3m"] = total(cum_q, m - 2, m)
    columns["glosas_12m"] = total(cum_q, m - 11, m)
    since = np.maximum(np.minimum(m - 2, m - 2 - grid.included_month[who]), 1)
    before = total(cum_g, m - 2 - since, m - 3) / since
    columns["recent_vs_own"] = np.log1p(total(cum_g, m - 2, m) / 3) - np.log1p(before)
    roster = network.roster.iloc[who]
    as_of = pd.to_datetime(rows["as_of"].to_numpy())
    columns["tenure_days"] = (as_of - pd.DatetimeIndex(roster["included_on"])).days.to_numpy(float)
    columns["us_value"] = roster["us_value"].to_numpy(float)
    columns["is_clinic"] = (roster["person_type"] == "J").to_numpy(float)
    for name in ("lives", "listed_cros", "other_plans"):
        columns[name] = roster[name].to_numpy(float) if name in roster else np.full(len(rows), np.nan)
    return pd.DataFrame(columns, index=rows.index)


class PlainReference:
    """Fit on the network as known at a date; :meth:`predict` the 90-day risk of snapshot rows."""

    def fit(self, past: Network, random_state: int = 0) -> PlainReference:
        X, y = network_snapshots(past, horizon_days=0)
        label = np.where(y["event"].eq(1) & (y["duration"] <= HORIZON), 1.0, 0.0)
        label[(X["as_of"] + pd.Timedelta(days=HORIZON) > past.end).to_numpy()] = np.nan  # 90 days not seen
        rows = X.loc[~np.isnan(label), ["key", "as_of"]]
        target = label[~np.isnan(label)]
        rng = np.random.default_rng(random_state)
        if len(rows) > 300_000:
            keep = np.sort(rng.choice(len(rows), 300_000, replace=False))
            rows, target = rows.iloc[keep], target[keep]
        features = raw_windows(past, rows)
        ends = np.sort(rows["as_of"].unique())
        validation = rows["as_of"].isin(ends[-3:]).to_numpy()
        train = (rows["as_of"] + pd.Timedelta(days=HORIZON) <= ends[-3]).to_numpy()
        best, self.validation_ = SETTINGS[0], {}
        for setting in SETTINGS:
            model = HistGradientBoostingClassifier(**setting, random_state=random_state)
            model.fit(features[train], target[train])
            auc = roc_auc_score(target[validation], model.predict_proba(features[validation])[:, 1])
            self.validation_[str(setting)] = round(float(auc), 4)
            if auc >= max(self.validation_.values()):
                best = setting
        self.setting_ = best
        self.model_ = HistGradientBoostingClassifier(**best, random_state=random_state).fit(features, target)
        self.network_ = past
        return self

    def predict(self, network: Network, keys: pd.Index, as_of: pd.Timestamp) -> np.ndarray:
        rows = pd.DataFrame({"key": keys, "as_of": as_of})
        risk: np.ndarray = self.model_.predict_proba(raw_windows(network, rows))[:, 1]
        return risk


def main() -> None:
    from bench_network import TRUTH_MONTH, both_generators, judge  # the same networks and metrics

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dentists", type=int, default=8_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    for name, network, truth in both_generators(args.dentists, args.seed):
        print(name)
        print(judge(network, truth, TRUTH_MONTH, rivals=("plain reference",)).round(4).to_string())


if __name__ == "__main__":
    main()
