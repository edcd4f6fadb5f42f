"""i18: a row version on target splits (a stale split form is refused, not saved over a newer value)

Revision ID: i18_split_version
Revises: i18_dept_tree
"""
from alembic import op
import sqlalchemy as sa


revision = "i18_split_version"
down_revision = "i18_dept_tree"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("target_split", schema=None) as batch_op:
        batch_op.add_column(sa.Column("row_version", sa.Integer(), nullable=False, server_default="1"))


def downgrade():
    with op.batch_alter_table("target_split", schema=None) as batch_op:
        batch_op.drop_column("row_version")
