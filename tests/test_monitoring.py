"""Decay month by month against the card's figures, and the paired champion/challenger comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd

from churnlab.evaluation.monitoring import (
    MIN_CASES_PER_MONTH,
    decay_by_month,
    metrics_with_intervals,
    paired_comparison,
)


def _decisions(months: int, per_month: int, broken_from: int | None, seed: int = 0) -> pd.DataFrame:
    """Closed cases whose true dismissal probability is the logged risk, until ``broken_from``:
    from then on the risk no longer tells who leaves (the network changed under the model)."""
    rng = np.random.default_rng(seed)
    frames = []
    for m in range(months):
        risk = rng.uniform(0.05, 0.95, per_month)
        truth = risk if broken_from is None or m < broken_from else rng.uniform(0.05, 0.95, per_month)
        frames.append(
            pd.DataFrame(
                {
                    "dismissal_risk": risk,
                    "retained": rng.uniform(size=per_month) >= truth,
                    "closed_on": pd.Timestamp(2025, m + 1, 15),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _reference(seed: int = 1) -> dict:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.05, 0.95, 300)
    return metrics_with_intervals((rng.uniform(size=300) < p).astype(int), p)


def test_a_model_that_still_fits_is_never_flagged() -> None:
    table = decay_by_month(_decisions(6, 80, broken_from=None), _reference())
    assert list(table["month"]) == [f"2025-{m:02d}" for m in range(1, 7)]
    assert not table["decayed"].any()
    assert (table["auc_low"] < table["auc"]).all() and (table["auc"] < table["auc_high"]).all()


def test_decay_is_flagged_from_the_month_the_network_changed() -> None:
    table = decay_by_month(_decisions(6, 150, broken_from=3), _reference())
    assert table["decayed"].tolist() == [False, False, False, True, True, True]


def test_a_month_with_few_cases_is_shown_but_not_judged() -> None:
    table = decay_by_month(_decisions(2, MIN_CASES_PER_MONTH - 1, broken_from=0), _reference())
    assert len(table) == 2 and not table["decayed"].any()


def test_open_cases_are_left_out() -> None:
    decisions = _decisions(1, 50, broken_from=None)
    decisions["retained"] = decisions["retained"].astype(object)
    decisions.loc[:9, ["retained", "closed_on"]] = None
    assert decay_by_month(decisions, _reference())["n"].tolist() == [40]


def test_the_paired_comparison_names_the_better_model_only_beyond_chance() -> None:
    rng = np.random.default_rng(2)
    truth = rng.uniform(0.05, 0.95, 600)
    y = (rng.uniform(size=600) < truth).astype(int)
    good, noisy = truth, np.clip(truth + rng.normal(0, 0.35, 600), 0.01, 0.99)
    table = paired_comparison(y, good, noisy)
    assert table.loc["auc", "better"] and table.loc["brier", "better"]
    same = paired_comparison(y, good, np.clip(good + rng.normal(0, 0.001, 600), 0.01, 0.99))
    assert not same["better"].any() and not same["worse"].any()
