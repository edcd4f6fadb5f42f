"""i11: which fields of a figure submission the officer accepted (field-by-field review)

Revision ID: i11_submission_fields
Revises: i12_auth
"""
import sqlalchemy as sa
from alembic import op

revision = "i11_submission_fields"
down_revision = "i12_auth"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("figure_submission") as batch:
        batch.add_column(sa.Column("accepted_fields", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("figure_submission") as batch:
        batch.drop_column("accepted_fields")
