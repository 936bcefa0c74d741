"""A year of the retention desk on the generator: offers, leads, outcomes, report — against the truth.

Each month a fresh batch of open cases (:func:`churnlab.synthetic.generator.generate`)
is scored and offered with exploration (:func:`churnlab.app.exploration.offers`)
and recorded in a case store; a lead follows the offer with probability
``follow`` and otherwise does what the analysts would have done (the
generator's own historical policy); the outcome is drawn from the generator's
true P(retained | case, action) and recorded when the case closes. The report
(:func:`churnlab.evaluation.loop_report.loop_report`) is then compared with the
true value of each policy, which the generator knows:

* offering churnlab's best action: ``follow · p(best) + (1 − follow) · Σ π_analysts(a) p(a)`` per case;
* what was done: the same with the offers actually drawn;
* the analysts' own choices alone (no list): ``Σ π_analysts(a) p(a)``, for context;
* the first three in R$ too, with p(a) · the dentist's value − the action's cost in place of p(a).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from churnlab.app.desk import model_identity, outcome_rows
from churnlab.app.exploration import offers
from churnlab.app.scoring import score_cases
from churnlab.evaluation.loop_report import LoopReport, loop_report
from churnlab.io.records import ACTION_LABELS
from churnlab.models.churn_model import ChurnModel
from churnlab.store import CaseStore
from churnlab.synthetic.generator import generate

_P = [f"p_retained_{a}" for a in ACTION_LABELS]
_PI = [f"propensity_{a}" for a in ACTION_LABELS]


@dataclass(frozen=True)
class LoopSimulation:
    """The report of a simulated loop and the true values it estimates."""

    report: LoopReport
    true_churnlab: float
    true_no_offer: float
    true_practice: float
    true_analysts: float
    true_churnlab_reais: float
    true_no_offer_reais: float
    true_practice_reais: float


def simulate_loop(
    model: ChurnModel,
    store: CaseStore,
    months: int = 12,
    cases_per_month: int = 100,
    explore: float = 0.1,
    follow: float = 0.8,
    seed: int = 0,
    start: dt.date = dt.date(2025, 1, 1),
    world_turns_at: int | None = None,
) -> LoopSimulation:
    """Run ``months`` of the desk into ``store`` and report, with the generator's true policy values.

    From month ``world_turns_at`` (0-based) on, the network changes under the
    model: every case's true P(retained | x, a) becomes 1 − what the generator
    says (what kept dentists now drives them away). A crude change, but one a
    monitor must catch and a model refitted on the new months can learn. Each
    run records its input drift against the model's training profile.
    """
    rng = np.random.default_rng(seed)
    model_id, version = model_identity(model)
    true_best, true_none, true_done, true_analysts = [], [], [], []
    reais: dict[str, list[np.ndarray]] = {"best": [], "none": [], "done": []}
    for month in range(months):
        data = generate(cases_per_month, seed=seed * 1000 + month, open_share=1.0)
        truth = data.truth
        if world_turns_at is not None and month >= world_turns_at:
            truth = truth.assign(**{c: 1 - truth[c] for c in _P})
        drift = model.drift_counter()
        scored = offers(score_cases(data.cases, model, data.glosas, drift), explore, salt=f"loop {seed}")
        year, month_index = divmod(start.month - 1 + month, 12)
        first_day = dt.date(start.year + year, month_index + 1, 1)
        run_at = dt.datetime.combine(first_day, dt.time(9), tzinfo=dt.UTC)
        store.record_run(
            scored, model_id, version, explore, run_at=run_at, drift=drift.table() if drift else None
        )
        p = truth[_P].to_numpy(dtype=float)
        analysts = (truth[_PI].to_numpy(dtype=float) * p).sum(axis=1)
        column = {a: j for j, a in enumerate(ACTION_LABELS)}
        rows = np.arange(len(truth))
        offered = scored["offered_action"].map(column).to_numpy()
        best = scored["best_action"].map(column).to_numpy()
        follows = rng.random(len(truth)) < follow
        taken = np.where(follows, offered, truth["action"].map(column).to_numpy())
        retained = rng.random(len(truth)) < p[rows, taken]
        true_best.append(follow * p[rows, best] + (1 - follow) * analysts)
        true_none.append(follow * p[:, column["none"]] + (1 - follow) * analysts)
        true_done.append(follow * p[rows, offered] + (1 - follow) * analysts)
        true_analysts.append(analysts)
        values = p * scored["dentist_value"].to_numpy(dtype=float)[:, None] - scored[
            [f"cost_{a}" for a in ACTION_LABELS]
        ].to_numpy(dtype=float)
        analysts_reais = (truth[_PI].to_numpy(dtype=float) * values).sum(axis=1)
        for name, chosen in (
            ("best", values[rows, best]),
            ("none", values[:, 0]),
            ("done", values[rows, offered]),
        ):
            reais[name].append(follow * chosen + (1 - follow) * analysts_reais)
        closed = [
            case.model_copy(
                update={
                    "status": "retained" if kept else "dismissed",
                    "actions": [] if a == "none" else [a],
                    "finished_on": run_at.date() + dt.timedelta(days=60),
                }
            )
            for case, kept, a in zip(data.cases, retained, np.asarray(ACTION_LABELS)[taken], strict=True)
        ]
        store.record_outcomes(outcome_rows(closed))
    report = loop_report(store.decisions())
    return LoopSimulation(
        report=report,
        true_churnlab=float(np.concatenate(true_best).mean()),
        true_no_offer=float(np.concatenate(true_none).mean()),
        true_practice=float(np.concatenate(true_done).mean()),
        true_analysts=float(np.concatenate(true_analysts).mean()),
        true_churnlab_reais=float(np.concatenate(reais["best"]).mean()),
        true_no_offer_reais=float(np.concatenate(reais["none"]).mean()),
        true_practice_reais=float(np.concatenate(reais["done"]).mean()),
    )


def coverage_table(simulations: list[LoopSimulation]) -> pd.DataFrame:
    """Per policy: how often the report's 95 % interval held the truth, mean error and width."""
    rows = []
    policies = (
        ("churnlab", "churnlab", "true_churnlab"),
        ("no offer", "no_offer", "true_no_offer"),
        ("what was done", "practice", "true_practice"),
        ("churnlab, R$", "churnlab_reais", "true_churnlab_reais"),
        ("no offer, R$", "no_offer_reais", "true_no_offer_reais"),
        ("what was done, R$", "practice_reais", "true_practice_reais"),
    )
    for name, estimate, truth in policies:
        values = [getattr(s.report, estimate) for s in simulations]
        truths = np.array([getattr(s, truth) for s in simulations])
        low, high = np.array([v.low for v in values]), np.array([v.high for v in values])
        rows.append(
            {
                "policy": name,
                "runs": len(simulations),
                "covered": float(np.mean((low <= truths) & (truths <= high))),
                "mean_error": float(np.mean([v.value for v in values] - truths)),
                "mean_width": float(np.mean(high - low)),
            }
        )
    return pd.DataFrame(rows)
