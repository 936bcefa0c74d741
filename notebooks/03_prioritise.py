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
# # 03 · A retention lead's morning
#
# Score the open cases of the bundled sample with the bundled model, decide
# whom to call first and what to offer, and see what a day's calls buy.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

import churnlab as cl

DATA = Path("..") / "data" / "sample"
scores = cl.score(DATA / "forms", glosas=DATA / "glosas.csv")
open_cases = cl.rank(scores[scores["status"] == "open"])  # this morning's calls, numbered from 1
print(f"{len(scores)} forms scored, {len(open_cases)} open")

# %% [markdown]
# ## Who to call first
#
# Ranked by the expected gain of trying the best action (what the call is
# worth in R$), not by raw risk: a dentist who will surely leave whatever we
# do is not worth the first call.

# %%
open_cases[
    ["priority", "dentist", "city", "uf", "dismissal_risk", "best_action", "expected_gain", "reasons"]
].head(10)

# %% [markdown]
# ## What the first N calls buy
#
# Cumulative expected gain when calling in order of expected gain, against
# calling the riskiest dentists first.

# %%
fig, ax = plt.subplots(figsize=(7, 4))
for order in ("expected_gain", "dismissal_risk"):
    curve = cl.budget_curve(open_cases, order_by=order)
    ax.plot(curve.index, curve.to_numpy(), label=f"ranked by {order}")
ax.set(xlabel="calls made", ylabel="expected gain (R$)", title="Budget curve")
ax.legend()
# %% [markdown]
# ## What to offer

# %%
open_cases["best_action"].value_counts()

# %% [markdown]
# ## The worklist page
#
# The same ranking as a self-contained HTML page (no network resources), with
# filters by state and action, as `churnlab worklist` writes it.

# %%
page = cl.write_worklist(open_cases, Path(tempfile.mkdtemp()) / "worklist.html")
print(page, page.stat().st_size, "bytes")
