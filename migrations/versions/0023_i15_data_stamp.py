"""issue 15: the data stamp, one number every committed write bumps (caches keyed by it are never stale)

Revision ID: i15_data_stamp
Revises: i17_alert_prefs
"""

import sqlalchemy as sa
from alembic import op

revision = "i15_data_stamp"
down_revision = "i17_alert_prefs"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "data_stamp",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_stamp")),
    )
    op.execute("INSERT INTO data_stamp (id, n) VALUES (1, 1)")


def downgrade():
    op.drop_table("data_stamp")
