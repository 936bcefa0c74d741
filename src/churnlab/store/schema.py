"""Tables of the case store (SQLAlchemy Core); migrations in ``migrations/versions`` create them.

A change here goes with a new migration (``alembic revision`` with
``script_location`` set to this package's ``migrations``); a test checks that
the migrated database and these tables agree.
"""

from __future__ import annotations

import sqlalchemy as sa

from churnlab.io.records import ACTION_LABELS

ACTIONS = ACTION_LABELS  # "none" first, then the six actions
EFFECT_COLUMNS = tuple(f"p_retained_{action}" for action in ACTIONS)
COST_COLUMNS = tuple(f"cost_{action}" for action in ACTIONS)

metadata = sa.MetaData()

runs = sa.Table(
    "scoring_runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
    sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("model_id", sa.String(64), nullable=False),
    sa.Column("model_version", sa.String(100), nullable=False),
    sa.Column("explore_share", sa.Float, nullable=False),
    sa.Column("n_cases", sa.Integer, nullable=False),
)  # fmt: skip
"""One row per scoring run; ``fingerprint`` makes re-recording the same scores a no-op."""

recommendations = sa.Table(
    "recommendations", metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("scoring_runs.id"), primary_key=True),
    sa.Column("case_key", sa.String(120), primary_key=True),
    sa.Column("opened_on", sa.Date),
    sa.Column("best_action", sa.String(20), nullable=False),
    sa.Column("offered_action", sa.String(20), nullable=False),
    sa.Column("offer_probability", sa.Float, nullable=False),
    sa.Column("explored", sa.Boolean, nullable=False),
    sa.Column("dismissal_risk", sa.Float),
    sa.Column("expected_gain", sa.Float),
    *(sa.Column(name, sa.Float) for name in EFFECT_COLUMNS),
    sa.Column("dentist_value", sa.Float),  # from migration 0002: what keeping the dentist is worth
    *(sa.Column(name, sa.Float) for name in COST_COLUMNS),
)  # fmt: skip
"""One row per open case and run: the model's effects, its best action, what was offered, and
(from migration 0002) the dentist's value and each action's cost in R$."""

outcomes = sa.Table(
    "outcomes", metadata,
    sa.Column("case_key", sa.String(120), primary_key=True),
    sa.Column("action_taken", sa.String(20), nullable=False),
    sa.Column("retained", sa.Boolean, nullable=False),
    sa.Column("closed_on", sa.Date),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("combined_training_box", sa.Boolean),  # from migration 0003
)  # fmt: skip
"""One row per closed case: the action actually taken and whether the dentist stayed; (from
migration 0003) whether the action was ticked on the older template's combined box "Ofertado
treinamento/ ou reciclagem" (recorded as ``training``; null when recorded before 0003)."""

run_drift = sa.Table(
    "run_drift", metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("scoring_runs.id"), primary_key=True),
    sa.Column("feature", sa.String(120), primary_key=True),
    sa.Column("input", sa.String(120), nullable=False),
    sa.Column("psi", sa.Float, nullable=False),
    sa.Column("threshold", sa.Float, nullable=False),
    sa.Column("drifted", sa.Boolean, nullable=False),
    sa.Column("missing_now", sa.Float, nullable=False),
    sa.Column("rows_now", sa.Integer, nullable=False),
)  # fmt: skip
"""From migration 0004: per scoring run and model feature, the input drift against the training profile
(:func:`churnlab.features.drift.drift_table`): aggregates only, never a case's value."""

sa.Index("recommendations_by_case", recommendations.c.case_key)
