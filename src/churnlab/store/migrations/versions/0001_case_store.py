"""The case store: scoring runs, recommendations, outcomes.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_EFFECTS = ("none", "new_prices", "support", "publicity", "training", "refresher", "other")


def upgrade() -> None:
    op.create_table(
        "scoring_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("model_id", sa.String(64), nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("explore_share", sa.Float, nullable=False),
        sa.Column("n_cases", sa.Integer, nullable=False),
    )
    op.create_table(
        "recommendations",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("scoring_runs.id"), primary_key=True),
        sa.Column("case_key", sa.String(120), primary_key=True),
        sa.Column("opened_on", sa.Date),
        sa.Column("best_action", sa.String(20), nullable=False),
        sa.Column("offered_action", sa.String(20), nullable=False),
        sa.Column("offer_probability", sa.Float, nullable=False),
        sa.Column("explored", sa.Boolean, nullable=False),
        sa.Column("dismissal_risk", sa.Float),
        sa.Column("expected_gain", sa.Float),
        *(sa.Column(f"p_retained_{action}", sa.Float) for action in _EFFECTS),
    )
    op.create_index("recommendations_by_case", "recommendations", ["case_key"])
    op.create_table(
        "outcomes",
        sa.Column("case_key", sa.String(120), primary_key=True),
        sa.Column("action_taken", sa.String(20), nullable=False),
        sa.Column("retained", sa.Boolean, nullable=False),
        sa.Column("closed_on", sa.Date),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("outcomes")
    op.drop_index("recommendations_by_case", "recommendations")
    op.drop_table("recommendations")
    op.drop_table("scoring_runs")
