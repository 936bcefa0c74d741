"""Champion/challenger: does a model refitted on the newest cases beat the one in use?

``churnlab train DATA --out NEW --challenge OLD`` fits NEW as usual on every
closed case, then :func:`challenge` judges the refit against OLD on the most
recent closed cases neither saw in fitting: the challenger is refitted on the
cases opened before them (the same pipeline: tagger, features, risk model),
and both models' dismissal risks on them are compared with paired bootstrap
intervals (:func:`churnlab.evaluation.monitoring.paired_comparison`). NEW's
card records the verdict; promoting NEW is a copy the user makes, never
automatic.

Only the risk model is compared: the recommender's value needs the offers'
probabilities, which forms do not record (``churnlab monitor`` shows the
loop's doubly-robust value from the case store instead).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from churnlab.evaluation.monitoring import paired_comparison
from churnlab.features.cases import build_features, opening_date
from churnlab.features.labels import case_table
from churnlab.io.folder import DataFolder
from churnlab.io.records import RetentionCase
from churnlab.models.churn_model import ChurnModel
from churnlab.models.reason_features import add_reason_probabilities, training_features
from churnlab.models.risk import DismissalRiskModel

RECENT_SHARE = 0.25
"""Share of the dated closed cases, the most recently opened, held out to judge both models."""
MIN_HOLDOUT = 40
"""Fewest held-out cases (with at least :data:`MIN_PER_OUTCOME` of each outcome) to judge at all."""
MIN_PER_OUTCOME = 5


def opened_through(cases: Sequence[RetentionCase]) -> str | None:
    """The latest opening date among ``cases`` (ISO), for the card: what a model cannot have seen after."""
    dates = [d for d in (opening_date(c) for c in cases) if d is not None]
    return max(dates).isoformat() if dates else None


def _split(closed: list[RetentionCase], share: float) -> tuple[list[int], list[int], dt.date | None]:
    """Positions of the cases to refit on and of the held-out most recent ones, and the cut date."""
    opened = [opening_date(c) for c in closed]
    dated = sorted((d, i) for i, d in enumerate(opened) if d is not None)
    if not dated:
        return [], [], None
    cut = dated[min(int(len(dated) * (1 - share)), len(dated) - 1)][0]
    before = [i for d, i in dated if d < cut]
    after = [i for d, i in dated if d >= cut]
    return before, after, cut


def challenge(
    folder: DataFolder,
    champion: ChurnModel,
    *,
    recent_share: float = RECENT_SHARE,
    random_state: int | None = 0,
) -> dict[str, Any]:
    """The verdict of a refit against ``champion`` on ``folder``'s most recent closed cases (JSON-safe).

    Keys: ``holdout`` (first and last opening date, cases, dismissal rate),
    ``champion`` (when it was trained, the latest case it can have seen, and
    ``saw_holdout``: whether its training could reach into the held-out
    months, which would favour it), ``metrics`` (per metric: new, old, the
    difference and its 90 % paired interval), ``challenger_wins`` (better
    beyond chance on AUC or Brier and worse on neither) and ``verdict`` in
    words; or ``not_measured`` with the reason.
    """
    cases = list(folder.forms)
    table = case_table(cases)
    closed = [c for c, keep in zip(cases, table["closed"], strict=True) if keep]
    y_all = table.loc[table["closed"], "dismissed"].to_numpy(dtype=float)
    before, after, cut = _split(closed, recent_share)
    y_train, y_test = y_all[before], y_all[after]
    for name, y, least in (("held-out", y_test, MIN_HOLDOUT), ("earlier", y_train, MIN_HOLDOUT)):
        dismissed = int(y.sum())
        if len(y) < least or min(dismissed, len(y) - dismissed) < MIN_PER_OUTCOME:
            return {
                "not_measured": f"{len(y)} {name} closed case(s) with an opening date ({dismissed} "
                f"dismissed); the comparison needs at least {least}, with {MIN_PER_OUTCOME} of each outcome"
            }
    train_cases, test_cases = [closed[i] for i in before], [closed[i] for i in after]
    X_train, tagger = training_features(train_cases, folder.glosas, random_state=random_state)
    refit = DismissalRiskModel().fit(X_train, y_train)
    X_test = add_reason_probabilities(build_features(test_cases, folder.glosas), test_cases, tagger)
    new = refit.predict_proba(X_test)[:, 1]
    old = champion.risk.predict_proba(champion.features(test_cases, folder.glosas))[:, 1]
    metrics = paired_comparison(y_test, new, old, random_state=random_state)
    wins = bool(
        metrics.loc[["auc", "brier"], "better"].any() and not metrics.loc[["auc", "brier"], "worse"].any()
    )
    seen = champion.card.get("data", {}).get("cases_opened_through")
    saw = None if seen is None else bool(cut is not None and seen >= cut.isoformat())
    verdict = (
        "the refit beats the model in use beyond chance: copy NEW over the model folder in use to promote it"
        if wins
        else "the refit does not beat the model in use beyond chance: keep the model in use"
    )
    if saw:
        verdict += " (the model in use was trained on some of the held-out months, which favours it)"
    return {
        "holdout": {
            "opened_from": None if cut is None else cut.isoformat(),
            "opened_through": opened_through(test_cases),
            "cases": len(y_test),
            "dismissal_rate": round(float(y_test.mean()), 4),
        },
        "refit_on_cases": len(y_train),
        "champion": {
            "trained_at": champion.card.get("trained_at"),
            "cases_opened_through": seen,
            "saw_holdout": saw,
        },
        "metrics": _json(metrics),
        "challenger_wins": wins,
        "verdict": verdict,
    }


def _json(metrics: pd.DataFrame) -> dict[str, dict[str, Any]]:
    return {
        str(name): {
            str(k): (
                bool(v) if isinstance(v, (bool, np.bool_)) else None if np.isnan(v) else round(float(v), 4)
            )
            for k, v in row.items()
        }
        for name, row in metrics.to_dict(orient="index").items()
    }
