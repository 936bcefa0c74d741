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
# # 05 · A year at the retention desk
#
# Does following churnlab keep more dentists? Only a record of what was
# offered and what happened can say. Here a year of the desk is simulated on
# the generator — every month fresh open cases are scored, offered with 10 %
# exploration and recorded in a case store; a lead follows the offer 80 % of
# the time; outcomes come from the generator's true P(retained) — and the
# report `churnlab report` writes is checked against the truth the
# generator knows.

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

import churnlab as cl

store = cl.open_store(Path(tempfile.mkdtemp()) / "desk.db")  # a SQLite file; a PostgreSQL URL works alike
year = cl.simulate_loop(
    cl.load_model(), store, months=12, cases_per_month=100, explore=0.1, follow=0.8, seed=7
)
report = year.report
print(f"{report.recommended} cases offered, {report.closed} closed; {len(store.runs())} runs recorded")

# %% [markdown]
# ## What the report says, and the truth
#
# The doubly-robust value weights each closed case by the probability with
# which its offer was drawn — recorded when it was made — so it is unbiased
# whatever the model's own estimates are worth. In retention and in R$ per
# case (the dentist's value when kept minus the cost of the action taken).

# %%
for estimate, truth in (
    (report.churnlab, year.true_churnlab),
    (report.no_offer, year.true_no_offer),
    (report.practice, year.true_practice),
    (report.churnlab_reais, year.true_churnlab_reais),
    (report.practice_reais, year.true_practice_reais),
):
    print(f"{estimate}   truth {truth:.4f}")
print(f"followed: {report.followed}\nnot followed: {report.not_followed}")

# %%
report.by_action.round(3)

# %% [markdown]
# ## Month by month
#
# Each month's estimate of churnlab's policy, with its 95 % interval, beside
# the retention observed that month.

# %%
months = report.by_month
fig, ax = plt.subplots(figsize=(8, 3.5))
ax.plot(months["month"], months["retention"], "o-", label="observed retention")
ax.errorbar(
    months["month"],
    months["churnlab_value"],
    yerr=[
        months["churnlab_value"] - months["churnlab_low"],
        months["churnlab_high"] - months["churnlab_value"],
    ],
    fmt="s",
    capsize=3,
    label="churnlab's policy (DR, 95 %)",
)
ax.axhline(year.true_churnlab, color="gray", ls=":", label="true value of churnlab's policy")
ax.set_ylabel("retention")
ax.tick_params(axis="x", rotation=45)
ax.legend(fontsize="small")
plt.tight_layout()

# %% [markdown]
# The same numbers as the page a lead opens (`churnlab report --store desk.db --out report.html`):

# %%
page = Path(tempfile.mkdtemp()) / "report.html"
page.write_text(cl.render_report(report, store.decisions(), lang="pt"), encoding="utf-8")
print(f"wrote {page} ({page.stat().st_size // 1024} kB)")
