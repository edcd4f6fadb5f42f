"""issue 12: heartbeats of running jobs and scans, so one whose process died is requeued in minutes

Revision ID: i12_recovery
Revises: i11_row_versions
"""
import sqlalchemy as sa
from alembic import op

revision = "i12_recovery"
down_revision = "i11_row_versions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("scan_run") as batch:
        batch.add_column(sa.Column("owner", sa.String(100), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table("scan_run") as batch:
        batch.drop_column("heartbeat_at")
        batch.drop_column("owner")
    with op.batch_alter_table("job") as batch:
        batch.drop_column("heartbeat_at")
