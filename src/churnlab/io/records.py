"""Typed records: the parsed retention case and its parts.

The record's keys are stated in 'Parsed record' (docs/concepts/contracts/parsed-record.md);
the vocabularies map the form's box labels to those stable keys.
Labels are matched folded (no accents, lower case) and by prefix-tolerant
patterns, because real forms misspell them ("Grossoeiro", "Régras").
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

ActionLabel = Literal["none", "new_prices", "support", "publicity", "training", "refresher", "other"]
"""The type of an action label (the values of :data:`ACTION_LABELS`)."""

ACTION_LABELS: tuple[str, ...] = get_args(ActionLabel)
"""Labels the action recommender knows: ``none`` plus the six actions."""

NO_ACTION = ACTION_LABELS[0]

ACTIONS: tuple[str, ...] = ACTION_LABELS[1:]
"""Retention actions of a parsed record, in the form's order."""

STATUSES: tuple[str, ...] = ("retained", "dismissed", "not_retention")

DISMISSAL_REASONS: tuple[str, ...] = (
    "loss_of_contact", "health_problems", "rude_beneficiary", "fees", "franchise",
    "technical_lead_change", "provider_removed", "no_service_location", "glosas",
    "system_difficulties", "guide_release_time", "closed_business", "technical_rules",
    "aesthetic_only", "retired", "low_demand", "central_contact_difficulty",
    "operator_support_lacking", "undue_charges", "operator_bureaucracy", "care_denied",
    "lawsuit_threat", "outsourced_care", "migration", "private_patients", "studies",
    "public_servant", "moved_area", "death", "personal_reasons",
)  # fmt: skip

SECTORS: tuple[str, ...] = ("it", "technical_analysis", "commercial", "call_center")

Status = Literal["retained", "dismissed", "not_retention"]

STATUS_UNREADABLE = "status unreadable"
"""Prefix of the warning a record carries when its status boxes could not be read.

Such a case is neither closed (its outcome is unknown) nor open (it may well
be closed): it is neither trained on nor listed on the worklist.
"""
ACTIONS_UNREADABLE = "action boxes unreadable"
"""Prefix of the warning a record carries when an action box could not be read."""

PLAUSIBLE_RANGES: dict[str, tuple[float, float]] = {
    "cro_count": (0, 50),
    "lives": (0, 5_000_000),
    "listed_cros": (0, 200_000),
    "us_value": (0.01, 10.0),
    "last_production_value": (0.0, 100_000.0),  # R$ a month: the largest clinics
    "days_to_finish": (0, 3 * 365),
}
"""What a real form holds, field by field (the hard limits of the record are far wider).

A value outside its range is kept and the record carries a warning; the
economics caps such values so that one typo cannot top the worklist.
"""
PLAUSIBLE_YEARS: tuple[int, int] = (1900, 2100)
"""Dates on a form (inclusion, protocol, contacts, start and end) fall within these years."""

_DATE_FIELDS = ("included_on", "protocol_opened_on", "started_on", "finished_on")


class Contact(BaseModel):
    """One of the (up to five) contacts an analyst records."""

    model_config = ConfigDict(extra="forbid")

    n: int = Field(ge=1, le=9)
    date: dt.date | None = None
    note: str | None = None


class GlosaEvent(BaseModel):
    """A refused claim (glosa) item, from a note or from the operator's export."""

    model_config = ConfigDict(extra="forbid")

    competence: str | None = Field(None, pattern=r"^\d{4}-\d{2}$")
    guide: str | None = None
    code: str | None = None
    description: str | None = None
    detail: str | None = None


class RetentionCase(BaseModel):
    """A parsed "Formulário - Processo de Retenção".

    Field names are the JSON keys of 'Parsed record' (docs/concepts/contracts/parsed-record.md);
    ``signatories`` (names signed at the foot of the form) is an addition the anonymiser relies on.
    """

    model_config = ConfigDict(extra="forbid")

    source: str
    collaborator: str | None = None
    cro_count: int | None = Field(None, ge=0, le=1_000, strict=True)
    operator: str | None = None
    cro: str | None = None
    cro_uf: str | None = None
    dentist_name: str | None = None
    cnpj: str | None = None
    cpf: str | None = None
    included_on: dt.date | None = None
    person_type: str | None = None
    requested_by: str | None = None
    protocol_number: str | None = None
    protocol_opened_on: dt.date | None = None
    city: str | None = None
    uf: str | None = None
    lives: int | None = Field(None, ge=0, le=10**9, strict=True)
    listed_cros: int | None = Field(None, ge=0, le=10**7, strict=True)
    other_plans: bool | None = Field(None, strict=True)
    other_plans_names: str | None = None
    us_value: float | None = Field(None, ge=0, le=10**6, allow_inf_nan=False, strict=True)
    last_production: str | None = None
    last_production_value: float | None = Field(
        None, ge=-(10**12), le=10**12, allow_inf_nan=False, strict=True
    )
    started_on: dt.date | None = None
    finished_on: dt.date | None = None
    days_to_finish: int | None = Field(None, ge=0, le=100_000, strict=True)
    status: Status | None = None
    contacts: list[Contact] = Field(default_factory=list)
    actions: list[str] = Field(default_factory=list)
    action_note: str | None = None
    dismissal_reasons: list[str] = Field(default_factory=list)
    protocol_needed: bool | None = Field(None, strict=True)
    general_note: str | None = None
    responsible_sectors: list[str] = Field(default_factory=list)
    glosas: list[GlosaEvent] = Field(default_factory=list)
    signatories: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _warn_implausible(self) -> RetentionCase:
        """Add a warning for each value outside :data:`PLAUSIBLE_RANGES` (the value is kept)."""
        found = []
        for name, (low, high) in PLAUSIBLE_RANGES.items():
            value = getattr(self, name)
            if value is not None and not low <= value <= high:
                found.append(f"field {name!r}: {value:g} is outside the plausible range {low:g} to {high:g}")
        dates = [(name, getattr(self, name)) for name in _DATE_FIELDS]
        dates += [(f"contacts[{c.n}].date", c.date) for c in self.contacts]
        first, last = PLAUSIBLE_YEARS
        for name, value in dates:
            if value is not None and not first <= value.year <= last:
                found.append(f"field {name!r}: year {value.year} is outside {first} to {last}")
        self.warnings.extend(w for w in found if w not in self.warnings)
        return self

    @property
    def status_unreadable(self) -> bool:
        """Whether the form's status boxes could not be read (the case is neither open nor closed)."""
        return any(w.startswith(STATUS_UNREADABLE) for w in self.warnings)

    @property
    def is_open(self) -> bool:
        """An open case: no status ticked, and the status boxes were readable."""
        return self.status is None and not self.status_unreadable

    def to_json_dict(self) -> dict[str, Any]:
        """The record as JSON values (ISO dates, sorted sets, ``null``)."""
        return self.model_dump(mode="json")
