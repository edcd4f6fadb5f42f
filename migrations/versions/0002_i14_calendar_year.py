"""i14: the year's planning dates (科小 window, renewal date, 年报 deadline) as admin-edited data

Revision ID: i14_calendar_year
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "i14_calendar_year"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_year",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("tsme_opens", sa.Date(), nullable=True),
        sa.Column("tsme_closes", sa.Date(), nullable=True),
        sa.Column("tsme_renewal_by", sa.Date(), nullable=True),
        sa.Column("annual_report_due", sa.Date(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_year")),
        sa.UniqueConstraint("year", name=op.f("uq_calendar_year_year")),
    )


def downgrade():
    op.drop_table("calendar_year")
