"""Each recommendation keeps the dentist's value and every action's cost, so the loop is judged in R$.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ACTIONS = ("none", "new_prices", "support", "publicity", "training", "refresher", "other")


def upgrade() -> None:
    with op.batch_alter_table("recommendations") as batch:  # SQLite rebuilds the table; others ALTER
        batch.add_column(sa.Column("dentist_value", sa.Float))
        for action in _ACTIONS:
            batch.add_column(sa.Column(f"cost_{action}", sa.Float))


def downgrade() -> None:
    with op.batch_alter_table("recommendations") as batch:
        for action in _ACTIONS:
            batch.drop_column(f"cost_{action}")
        batch.drop_column("dentist_value")
