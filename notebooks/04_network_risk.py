# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · Network risk: every dentist, before they ask to leave
#
# The bundled sample also describes its network: `roster.csv`,
# `production.csv`, the glosa export and the forms, whose first contact is the
# day a dentist asked to leave (the files are described in 'Network files',
# docs/concepts/contracts/network-files.md). Here: read it, score every active dentist with
# the bundled model's network model, look at who is at risk and why, and
# backtest the model against the loyalty tool's days-without-a-guide rules.

# %%
from pathlib import Path

import matplotlib.pyplot as plt

import churnlab as cl
from churnlab.evaluation import backtest, capture_plot, survival_plot

DATA = Path("..") / "data" / "sample"
network = cl.read_network(DATA)
print(
    f"{len(network.roster)} dentists in the roster, {len(network.production)} dentist-months of "
    f"production, data to {network.end.date()}"
)
print(*network.problems(), sep="\n")

# %% [markdown]
# ## Who is at risk, and why
#
# Every dentist active at the end of the data, ordered by expected loss (90-day
# risk × what the dentist is worth under the documented economics).

# %%
model = cl.load_model()
scores = cl.score_network(network, model)
scores["reasons"] = ["; ".join(r.text for r in reasons) for reasons in scores["reasons"]]
scores[
    ["priority", "cro", "uf", "risk_90d", "expected_loss", "months_since_last_guide", "glosas_3m", "reasons"]
].head(10)

# %% [markdown]
# ## Survival curves
#
# P(still in the network without a request) over the next 180 days for the
# three dentists at the top of the list and three at the bottom.

# %%
X = cl.network_features(network, network.end)
keys = (scores["cro"].str.lstrip("0") + "/" + scores["uf"]).tolist()
chosen = keys[:3] + keys[-3:]
risks = model.network.predict_risk(X.loc[chosen])
survival_plot(risks, [f"#{keys.index(k) + 1} {k}" for k in chosen])
# %% [markdown]
# ## Backtest
#
# Fit on what was known 90 days before the end of the data, score every
# dentist active then, and compare with who asked to leave or left in those
# 90 days. The days-without-a-guide ranking is the loyalty tool's rule; the
# 30/60/90-day flags are its thresholds; the Cox model is fitted on one
# snapshot (lifelines). On the generator, `network_truth.csv` holds the
# true risk only at the end of the data, so the truth is not a rival here
# (`benchmarks/bench_network.py` compares with it).

# %%
metrics, outcomes = backtest(network)
print(
    f"cutoff {metrics.attrs['cutoff']}: {metrics.attrs['dentists']} dentists, "
    f"{metrics.attrs['events']} asked to leave or left within 90 days"
)
metrics.round(3)

# %%
rivals = ["churnlab network model", "days without a guide", "Cox model (lifelines, one snapshot)"]
fig, ax = plt.subplots(figsize=(6, 4))
capture_plot(outcomes[rivals], outcomes["left_within"], ax=ax)
