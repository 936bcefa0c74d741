"""Uplift calibration: predicted uplift against the doubly-robust estimate, by group."""

from __future__ import annotations

import numpy as np
import pandas as pd

from churnlab.evaluation.off_policy import uplift_calibration
from churnlab.io.records import ACTION_LABELS
from churnlab.models.recommender import ActionRecommender


def test_groups_follow_a_known_effect():
    rng = np.random.default_rng(7)
    n = 4000
    X = pd.DataFrame({"p_reason_fees": rng.integers(0, 2, n).astype(float)})
    actions = rng.choice(ACTION_LABELS, n)
    effect = 0.4 * ((actions == "new_prices") & (X["p_reason_fees"] == 1))
    retained = (rng.random(n) < 0.3 + effect).astype(int)
    table = uplift_calibration(
        ActionRecommender(learner="s"), X, actions, retained, bins=4, cv=2, random_state=0
    )
    assert table["n"].sum() == n and list(table.columns) == ["n", "predicted", "dr", "dr_low", "dr_high"]
    low, high = table.iloc[0], table.iloc[-1]
    assert high["predicted"] > 0.3 and high["dr_low"] > 0.25  # the fees cases: uplift ~0.4
    assert abs(low["dr"]) < 0.1  # the others: none
    covered = (table["dr_low"] <= table["predicted"]) & (table["predicted"] <= table["dr_high"])
    assert covered.mean() >= 0.75
