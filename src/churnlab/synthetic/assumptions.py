"""The generator's assumptions: truth columns, reason base rates, action effects and the analysts' policy."""

from __future__ import annotations

import datetime as dt

from churnlab.io.records import (
    ACTION_LABELS,
    DISMISSAL_REASONS,
    NO_ACTION,
)

TRUTH_COLUMNS: tuple[str, ...] = (
    "source", "is_open", "reason", "action", "retained", "status",
    *(f"p_retained_{a}" for a in ACTION_LABELS),
    *(f"propensity_{a}" for a in ACTION_LABELS),
    "dismissal_risk", "cro", "uf",
)  # fmt: skip
"""Columns of ``truth.csv``, in order."""


PROPENSITY_FLOOR = 0.03
"""Every action has at least this probability under the historical policy."""

NOISE_SD = 1.1
"""Standard deviation of the unobserved resolve ``u`` on the logit scale."""

CLOSED_WINDOW = (dt.date(2022, 1, 3), dt.date(2024, 9, 30))
OPEN_WINDOW = (dt.date(2024, 10, 1), dt.date(2024, 12, 20))
_UNKEEPABLE = ("retired", "moved_area", "death", "closed_business")

# --- reason model --------------------------------------------------------------------

# reason: (share, alpha = baseline retention logit under no action)
REASONS: dict[str, tuple[float, float]] = {
    "loss_of_contact": (3.0, -1.0), "health_problems": (3.0, -1.2),
    "rude_beneficiary": (1.5, 0.2), "fees": (14.0, -0.3), "franchise": (1.0, -0.5),
    "technical_lead_change": (1.5, 0.2), "provider_removed": (1.0, -1.6),
    "no_service_location": (1.0, -1.5), "glosas": (14.0, -0.4),
    "system_difficulties": (5.0, 0.1), "guide_release_time": (6.0, -0.1),
    "closed_business": (3.0, -3.2), "technical_rules": (5.0, -0.3),
    "aesthetic_only": (1.5, -1.0), "retired": (4.0, -3.6), "low_demand": (10.0, -0.6),
    "central_contact_difficulty": (2.0, 0.2), "operator_support_lacking": (5.0, -0.2),
    "undue_charges": (1.5, -0.2), "operator_bureaucracy": (3.0, -0.3),
    "care_denied": (1.0, -0.5), "lawsuit_threat": (0.8, -1.6), "outsourced_care": (0.8, -0.9),
    "migration": (1.5, -1.1), "private_patients": (3.0, -1.1), "studies": (1.2, -0.9),
    "public_servant": (1.0, -1.3), "moved_area": (4.0, -3.2), "death": (0.4, -5.0),
    "personal_reasons": (5.0, -0.8),
}  # fmt: skip
assert tuple(REASONS) == DISMISSAL_REASONS

# Effects on the retention logit, by action and reason (missing = 0: no help).
EFFECTS: dict[str, dict[str, float]] = {
    "new_prices": {"fees": 1.6, "glosas": 0.6, "undue_charges": 0.8, "franchise": 0.4,
                   "low_demand": 0.4, "private_patients": 0.6, "migration": 0.5},
    "support": {"guide_release_time": 1.6, "system_difficulties": 1.3,
                "operator_support_lacking": 1.5, "central_contact_difficulty": 1.3,
                "operator_bureaucracy": 0.9, "care_denied": 0.7, "glosas": 0.3,
                "technical_lead_change": 0.4, "undue_charges": 0.4},
    "publicity": {"low_demand": 1.5, "aesthetic_only": 0.3, "private_patients": 0.3,
                  "rude_beneficiary": -0.3},
    "training": {"glosas": 1.1, "technical_rules": 1.3, "system_difficulties": 0.6,
                 "technical_lead_change": 0.4},
    "refresher": {"glosas": 0.9, "technical_rules": 1.0, "technical_lead_change": 1.0},
    "other": {"personal_reasons": 0.4, "health_problems": 0.3, "studies": 0.4,
              "loss_of_contact": 0.3, "lawsuit_threat": 0.6, "rude_beneficiary": 0.4},
}  # fmt: skip

# Historical policy: base logit per action plus a bonus when the reason is one the
# analysts associated with that action.
POLICY: dict[str, tuple[float, dict[str, float]]] = {
    NO_ACTION: (0.4, {**dict.fromkeys(_UNKEEPABLE, 2.2), "loss_of_contact": 1.5,
                      "health_problems": 0.8, "personal_reasons": 0.6,
                      "provider_removed": 1.0}),
    "new_prices": (-0.3, {"fees": 1.8, "undue_charges": 1.4, "franchise": 0.8,
                          "glosas": 0.9, "low_demand": 0.7, "private_patients": 0.8,
                          "migration": 0.8}),
    "support": (-0.4, {"guide_release_time": 1.8, "system_difficulties": 1.6,
                       "operator_support_lacking": 1.8, "central_contact_difficulty": 1.6,
                       "operator_bureaucracy": 1.2, "care_denied": 1.0}),
    "publicity": (-0.8, {"low_demand": 1.8, "aesthetic_only": 0.6, "private_patients": 0.5}),
    "training": (-0.8, {"glosas": 1.5, "technical_rules": 1.6, "system_difficulties": 0.6}),
    "refresher": (-1.2, {"glosas": 1.0, "technical_rules": 1.2, "technical_lead_change": 1.4}),
    "other": (-1.3, {"personal_reasons": 0.9, "health_problems": 0.8, "studies": 0.9,
                     "lawsuit_threat": 1.0, "rude_beneficiary": 0.8}),
}  # fmt: skip
