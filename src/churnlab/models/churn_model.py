"""The trained models as one object: reason tagger, risk model, action recommender, network model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from churnlab.features.cases import GlosaHistory, build_features
from churnlab.features.drift import DriftCounter
from churnlab.io.records import ACTION_LABELS, RetentionCase
from churnlab.models.actions import action_codes, best_action
from churnlab.models.economics import Economics
from churnlab.models.network_risk import NetworkRiskModel
from churnlab.models.reason_features import add_reason_probabilities
from churnlab.models.reasons import ReasonTagger
from churnlab.models.recommender import ActionRecommender
from churnlab.models.risk import DismissalRiskModel


@dataclass
class ChurnModel:
    """Reason tagger, dismissal-risk model and action recommender, with the model card.

    :func:`churnlab.models.persistence.save_model` writes one to a model folder and
    :func:`~churnlab.models.persistence.load_model` reads it back.
    """

    tagger: ReasonTagger | None
    risk: DismissalRiskModel
    recommender: ActionRecommender
    card: dict[str, Any] = field(default_factory=dict)
    network: NetworkRiskModel | None = None
    """The network model, when the training folder had the network files ('Network files' in the docs)."""

    @property
    def economics(self) -> Economics:
        """The values and costs the recommender decides with (one source for both)."""
        return self.recommender.active_economics()

    def drift_counter(self, network: bool = False) -> DriftCounter | None:
        """A counter of scored inputs against what training saw (docs: concepts/monitoring.md).

        None when the card has no profile (a model trained before churnlab 0.4).
        """
        section = self.card.get("network", {}) if network else self.card
        profile = section.get("input_profile") if isinstance(section, dict) else None
        return DriftCounter(profile) if profile else None

    def features(
        self, cases: Sequence[RetentionCase], glosas: pd.DataFrame | GlosaHistory | None = None
    ) -> pd.DataFrame:
        """Features of cases as of their opening, with the stated-reason probabilities."""
        return add_reason_probabilities(build_features(cases, glosas), cases, self.tagger)

    def score_features(self, X: pd.DataFrame, top_reasons: int = 3) -> pd.DataFrame:
        """Score columns ('Batch CLI' in the docs) for a feature frame (same index), unordered.

        ``reasons`` holds, per row, a list of :class:`~churnlab.models.risk.Reason`
        (feature, value, words, log-odds push); files for people show their words.
        """
        risk = self.risk.predict_proba(X)[:, 1]
        # An action too rare in training to estimate is shown at P(retained | none):
        # no evidence, no assumed effect; with its cost it is never the best action.
        effects = self.recommender.predict_effects(X)[list(ACTION_LABELS)]
        effects = effects.apply(lambda column: column.fillna(effects["none"]))
        point = self.economics.expected_values(effects, X)
        values = point.where(self.recommender.confident_actions(X), -np.inf)  # min_confidence
        best = best_action(values)
        columns = action_codes(best)
        gain = values.to_numpy()[np.arange(len(X)), columns] - values["none"].to_numpy()
        out = pd.DataFrame({"dismissal_risk": risk, "best_action": best}, index=X.index)
        for label in ACTION_LABELS:
            out[f"p_retained_{label}"] = effects[label].to_numpy()
        out["uplift"] = effects.to_numpy()[np.arange(len(X)), columns] - effects["none"].to_numpy()
        out["expected_gain"] = gain
        if getattr(self.recommender, "bootstrap_models_", None):
            low, high = self.recommender.predict_uplift_interval(X)
            out["uplift_low"] = low.to_numpy()[np.arange(len(X)), columns]
            out["uplift_high"] = high.to_numpy()[np.arange(len(X)), columns]
            unsure = best_action(point)
            out["best_action_note"] = np.where(unsure != best, "not enough evidence for " + unsure, "")
        if not self.recommender.personalises:  # the reason the same action is offered to all
            out["best_action_note"] = self.recommender.policy_reason
        out["dentist_value"] = self.economics.dentist_value(X)
        # lists of Reason, not text
        out["reasons"] = pd.Series(self.risk.explain(X, top=top_reasons), index=out.index, dtype=object)
        return out
