"""The retention lead's loop: record what was offered, record what happened.

``churnlab worklist --store S`` and ``churnlab score --store S`` call
:func:`record_desk`: the open cases' offers go into the case store as one
scoring run, the closed cases of the same folder as outcomes. ``churnlab report`` reads them back
(:mod:`churnlab.app.report`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from churnlab.features.labels import primary_action
from churnlab.io.boxes import COMBINED_TRAINING_BOX
from churnlab.io.keys import case_key
from churnlab.io.records import RetentionCase
from churnlab.models.churn_model import ChurnModel

if TYPE_CHECKING:  # the store (SQLAlchemy) is imported only by those who record
    from churnlab.store import CaseStore


def model_identity(model: ChurnModel) -> tuple[str, str]:
    """``(model id, version)``: a hash of the model's files, and churnlab's version with the training date."""
    files = json.dumps(model.card.get("files", {}), sort_keys=True)
    model_id = hashlib.sha256(files.encode()).hexdigest()[:16]
    card = model.card
    version = f"churnlab {card.get('churnlab_version', '?')}, trained {card.get('trained_at', '?')}"
    return model_id, version


def outcome_rows(cases: Sequence[RetentionCase]) -> pd.DataFrame:
    """Closed cases (retained or dismissed) as the store records them: key, action taken, outcome, date.

    ``combined_training_box`` tells that the action was ticked on the older
    template's combined box (see :data:`churnlab.io.boxes.COMBINED_TRAINING_BOX`).
    """
    closed = [c for c in cases if c.status in ("retained", "dismissed")]
    return pd.DataFrame(
        {
            "case_key": [case_key(c) for c in closed],
            "action_taken": [primary_action(c) for c in closed],
            "retained": [c.status == "retained" for c in closed],
            "closed_on": [c.finished_on for c in closed],
            "combined_training_box": [
                any(w.startswith(COMBINED_TRAINING_BOX) for w in c.warnings) for c in closed
            ],
        },
        columns=["case_key", "action_taken", "retained", "closed_on", "combined_training_box"],
    )


@dataclass(frozen=True)
class DeskRecord:
    """What one worklist run wrote to the case store."""

    run_id: int
    new_run: bool
    offers: int
    without_key: int
    outcomes: int

    def __str__(self) -> str:
        run = (
            f"run {self.run_id}: {self.offers} offers recorded"
            if self.new_run
            else f"these scores were recorded before (run {self.run_id}): nothing new"
        )
        missing = (
            f"; {self.without_key} open case(s) without protocol or CRO/UF/date not recorded"
            if self.without_key
            else ""
        )
        return f"{run}{missing}; {self.outcomes} closed case(s) new or changed"


def record_desk(
    store: CaseStore,
    offers: pd.DataFrame,
    closed: pd.DataFrame,
    model: ChurnModel,
    explore_share: float,
    drift: pd.DataFrame | None = None,
) -> DeskRecord:
    """Record a run's offers (its open cases), its input drift and the closed cases
    (:func:`outcome_rows`) in ``store``."""
    model_id, version = model_identity(model)
    offers = offers[offers["status"] == "open"] if "status" in offers else offers
    run = store.record_run(offers, model_id, version, explore_share, drift=drift)
    changed = store.record_outcomes(closed)
    return DeskRecord(
        run_id=run.run_id,
        new_run=run.new,
        offers=run.cases,
        without_key=int(offers["case_key"].isna().sum()),
        outcomes=changed,
    )
