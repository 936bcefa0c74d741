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
# # 01 · The two real case records
#
# Two real "Formulário - Processo de Retenção" are the ground truth churnlab is
# checked against. They hold personal data, so the repository ships only the
# copies pseudonymised by `churnlab anonymize` (names → `Pessoa XXXXXX`, CPF/CNPJ
# → other valid numbers, phones and protocol numbers → keyed look-alikes).
# Everything below is read from `data/case_records/` by the parser: nothing is
# typed in by hand.

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import churnlab as cl

RECORDS = Path("..") / "data" / "case_records"
cases = cl.read_forms(RECORDS)
print(cases, [c.source for c in cases])

# %% [markdown]
# ## Field by field, as the forms record them
#
# The plain-text export case record uses the plain-text layout (☐/☒ boxes), header cells left
# empty; the markdown export case record uses the markdown/HTML layout with its quirks: the CNPJ sits
# under the CPF label and the CPF under a stray "5º contato" cell (told apart by
# check digits), `3.843` lives, `0,35` fee unit, `R$ -` production value.

# %%
fields = pd.DataFrame({c.source[:3]: c.to_json_dict() for c in cases}).drop(
    index=["contacts", "glosas", "action_note", "general_note"]
)
fields

# %% [markdown]
# ## The contacts

# %%
for case in cases:
    print(
        f"=== {case.source}: status {case.status}, actions {case.actions}, "
        f"dismissal reasons {case.dismissal_reasons}"
    )
    for contact in case.contacts:
        print(f"  {contact.n}º contato {contact.date or '(no date)'}: {contact.note[:160]}…")

# %% [markdown]
# ## The plain-text export — slow guide release, support offered, a trial period: retained
#
# The dentist asked to leave over the time it takes to release guides. The
# analyst explained that guides are now released within 24–48 h and proposed a
# trial period; the dentist accepted and the publicity listing was re-activated.
# The form ticks **Ofertado suporte** (`support`) and **Retenção efetiva**.

# %%
plain_export = cases[0]
print("action note:", plain_export.action_note)
print("actions:", plain_export.actions, "| status:", plain_export.status)

# %% [markdown]
# ## The markdown export — three technical glosas on radiographs: dismissed
#
# The first contact lists the glosas since credentialing: three items with code
# 3040 (technical glosa, radiographs judged unreadable) in February, March and
# July 2023. The dentist disputed them, asked for better prices, and insisted on
# leaving. The general note says a price adjustment was offered, yet no action
# box was ticked: for the models this case counts as `none` (no action tried),
# which is how the form records it.

# %%
markdown_export = cases[1]
glosas = pd.DataFrame([g.model_dump() for g in markdown_export.glosas])
glosas["kind"] = glosas["code"].map(cl.glosa_kind)
glosas

# %%
print("general note:", markdown_export.general_note)
print(
    "actions ticked:",
    markdown_export.actions,
    "| status:",
    markdown_export.status,
    "| dismissal reasons:",
    markdown_export.dismissal_reasons,
)

# %% [markdown]
# ### Glosa timeline
#
# The glosas (by competence month) against the case's opening and closing.

# %%
months = pd.to_datetime(glosas["competence"] + "-01")
fig, ax = plt.subplots(figsize=(8, 2.6))
ax.scatter(months, [1] * len(months), s=120, color="tab:red", label="glosa 3040 (technical)")
for i, (month, guide) in enumerate(zip(months, glosas["guide"], strict=True)):
    ax.annotate(
        f"{month:%b/%y} guide {guide}",
        (month, 1),
        textcoords="offset points",
        xytext=(0, 12 if i % 2 == 0 else -22),
        ha="center",
    )
for date, label in ((markdown_export.started_on, "case opened"), (markdown_export.finished_on, "dismissed")):
    ax.axvline(pd.Timestamp(date), color="gray", linestyle="--")
    ax.annotate(label, (pd.Timestamp(date), 0.6), rotation=90, va="bottom", ha="right")
ax.set_yticks([])
ax.set_ylim(0.5, 1.5)
ax.set_title("The markdown export: glosas before the dismissal request")
ax.legend(loc="upper left")
fig.tight_layout()

# %% [markdown]
# ## What the bundled model says about each case when it opened
#
# Features use only what was known at the first contact (header, first note,
# glosas before opening). The plain-text export has no dates and an empty header, so the
# model has little to go on beyond the first note.

# %%
scores = cl.score(list(cases))
scores[["source", "dismissal_risk", "best_action", "expected_gain", "reasons"]]
