"""i11: row versions (stale-write protection) on firm, fiscal year, milestone, target, target split;
the version each audit row left its row at

Every existing row starts at version 1; existing audit rows have no version (NULL), so a form filled
before this migration compares against version 1 and reads no history. Target splits already had
i18's ``row_version``: it becomes this ``version`` (value kept), one mechanism for every versioned row.

Revision ID: i11_row_versions
Revises: i15_inbox_indexes
"""
import sqlalchemy as sa
from alembic import op

revision = "i11_row_versions"
down_revision = "i15_inbox_indexes"
branch_labels = None
depends_on = None

VERSIONED = ("firm", "fiscal_year", "milestone", "target")


def upgrade():
    for table in VERSIONED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("target_split") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    op.execute("UPDATE target_split SET version = row_version")
    with op.batch_alter_table("target_split") as batch:
        batch.drop_column("row_version")
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("entity_version", sa.Integer(), nullable=True))
        batch.create_index("ix_audit_log_entity", ["entity", "entity_id", "entity_version"])


def downgrade():
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index("ix_audit_log_entity")
        batch.drop_column("entity_version")
    with op.batch_alter_table("target_split") as batch:
        batch.add_column(sa.Column("row_version", sa.Integer(), nullable=False, server_default="1"))
    op.execute("UPDATE target_split SET row_version = version")
    with op.batch_alter_table("target_split") as batch:
        batch.drop_column("version")
    for table in reversed(VERSIONED):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
