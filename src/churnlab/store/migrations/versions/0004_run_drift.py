"""Each scoring run keeps its input drift against the model's training profile, for `churnlab monitor`.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "run_drift",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("scoring_runs.id"), primary_key=True),
        sa.Column("feature", sa.String(120), primary_key=True),
        sa.Column("input", sa.String(120), nullable=False),
        sa.Column("psi", sa.Float, nullable=False),
        sa.Column("threshold", sa.Float, nullable=False),
        sa.Column("drifted", sa.Boolean, nullable=False),
        sa.Column("missing_now", sa.Float, nullable=False),
        sa.Column("rows_now", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("run_drift")
