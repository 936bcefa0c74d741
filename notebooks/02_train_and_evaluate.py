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
# # 02 · Train and evaluate against the truth
#
# Real history gives no truth to check a recommender against; synthetic data
# does. Here we generate a data folder, train both models exactly as
# `churnlab train` does, and compare them with what the generator knows:
# the Bayes-optimal risk and each case's true probability of staying under
# every action.

# %% nbmake={"mock": {"n_cases": 500}}
n_cases = 2000  # cases to generate (the test suite runs this notebook on 500, to stay quick)

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import churnlab as cl
import churnlab.evaluation as ev
from churnlab.synthetic import generate, write_dataset

workdir = Path(tempfile.mkdtemp())
data = generate(n_cases, seed=2024, open_share=0.25)
folder = write_dataset(data, workdir / "synthetic", seed=2024)
model = cl.train_model(folder, random_state=0)
print(model.card["data"])

# %% [markdown]
# ## What training measured (held-out quarter of the closed cases)

# %%
pd.DataFrame(model.card["risk_holdout_metrics"]).T

# %% [markdown]
# ## Dismissal risk on the open cases, against the Bayes limit
#
# The open cases' outcomes are simulated but never written on their forms;
# `truth.csv` keeps them, with the true risk.

# %%
loaded = cl.load_data_dir(folder)
cases = list(loaded.forms)
open_cases = [c for c in cases if c.status is None]
X = model.features(open_cases, loaded.glosas)
t = pd.read_csv(folder / "truth.csv").set_index("source").loc[X.index]
y = 1 - t["retained"].to_numpy()
scores = {
    "churnlab": model.risk.predict_proba(X)[:, 1],
    "Bayes limit": t["dismissal_risk"].to_numpy(),
}
ev.compare_scores(y, scores).round(3)

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
ev.roc_plot(y, scores, ax=axes[0])
ev.calibration_plot(y, scores, ax=axes[1])
fig.tight_layout()

# %% [markdown]
# ## Uplift: does the recommender find who each action helps?
#
# For each action, cases are sorted by predicted uplift over `none`; the curve
# adds up the *true* uplift of the cases treated so far.

# %%
effects = model.recommender.predict_effects(X)
true = ev.true_effects(t)
curves = {
    action: ev.uplift_curve(
        (effects[action] - effects["none"]).to_numpy(), (true[action] - true["none"]).to_numpy()
    )
    for action in cl.ACTIONS
}
ev.uplift_plot(curves)
# %% [markdown]
# ## Policy value: recommended vs historical vs oracle
#
# In R$ per case under the default economics (value of a retained dentist
# minus the action's cost), and in retention rate.

# %%
recommended = model.recommender.recommend(X)
money = ev.policy_values(t, {"churnlab": recommended}, X, model.economics)
retention = ev.policy_values(t, {"churnlab": effects.idxmax(axis=1).to_numpy()})
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
ev.policy_plot(money["value"], ax=axes[0], unit="R$ per case")
ev.policy_plot(retention["value"], ax=axes[1], unit="retention rate")
fig.tight_layout()
money.round(2)

# %% [markdown]
# ## Does personalising earn its keep?
#
# Training compares, on the same cross-validation folds, the personalised
# policy with the one-action rule (the action worth most on the training
# folds, offered to every case where its mean effect pays) and with each
# single action, in the units the recommendation maximises (here R$ per case:
# the default economics give actions a cost). churnlab personalises only when
# that beats the one-action rule by more than half a paired standard error;
# otherwise it offers that one action to all and says why. The card keeps the
# table; the bars are 95 % intervals.

# %%
card = model.card["recommender"]
print(f"objective: {card['objective']}; personalises: {card['personalises']}")
print(card["policy_reason"])
candidates = pd.DataFrame(card["policy_values"]).set_index("policy")
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.errorbar(candidates["value"], range(len(candidates)), xerr=1.96 * candidates["se"], fmt="o", capsize=3)
ax.set_yticks(range(len(candidates)), candidates.index)
ax.invert_yaxis()
ax.set_xlabel("cross-validated value (R$ per case)" if card["objective"] == "value" else "retention rate")
fig.tight_layout()
candidates.round(3)

# %% [markdown]
# ## Off-policy estimates, as one would do on real data
#
# On real data there is no truth: the value of a policy is estimated from the
# logged cases alone. Here, on the closed cases, IPW and doubly-robust
# estimates of each policy's retention rate with 95 % intervals, cross-fitted
# (every case is judged by a recommender that did not learn from it: on its
# own training cases an estimate would be optimistic).

# %%
closed = [c for c in cases if c.status in ("retained", "dismissed")]
Xc = model.features(closed, loaded.glosas)
table = cl.case_table(closed)
ope = ev.evaluate_policy(
    model.recommender,
    Xc,
    table["action"].to_numpy(),
    (table["dismissed"] == 0).astype(int).to_numpy(),
    units="retention",
    cv=3,
    random_state=0,
)
ope[["dr", "dr_low", "dr_high", "ipw", "ipw_low", "ipw_high"]].round(3)

# %% [markdown]
# ## Is the predicted uplift calibrated?
#
# Cases grouped by deciles of the predicted uplift (best action vs `none`,
# cross-fitted); in each group, the doubly-robust estimate of the same uplift
# from the logged outcomes, with its 95 % interval. Points near the diagonal:
# a lead can trust "a bigger predicted uplift is a bigger real one".

# %%
calibration = ev.uplift_calibration(
    model.recommender,
    Xc,
    table["action"].to_numpy(),
    (table["dismissed"] == 0).astype(int).to_numpy(),
    cv=3,
    random_state=0,
)
ev.uplift_calibration_plot(calibration)
calibration.round(3)
