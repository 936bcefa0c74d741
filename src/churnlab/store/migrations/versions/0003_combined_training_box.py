"""Each outcome remembers whether its action was ticked on the older template's combined box.

The plain-text template's "Ofertado treinamento/ ou reciclagem" is one box for a
training or a refresher; it is recorded as ``training``, and this flag lets the
report count a refresher offer recorded on it as followed. Rows recorded before
it are null: not known to come from the combined box.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:  # SQLite rebuilds the table; others ALTER
        batch.add_column(sa.Column("combined_training_box", sa.Boolean))


def downgrade() -> None:
    with op.batch_alter_table("outcomes") as batch:
        batch.drop_column("combined_training_box")
