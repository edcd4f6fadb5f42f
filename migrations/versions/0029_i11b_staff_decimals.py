"""i11b: staff and tech staff as monthly-average decimals (e.g. 96.5), Integer → Numeric(10, 2)

Revision ID: i11b_staff_decimals
Revises: i12_recovery
"""
import sqlalchemy as sa
from alembic import op

revision = "i11b_staff_decimals"
down_revision = "i12_recovery"
branch_labels = None
depends_on = None

COLUMNS = ("staff", "tech_staff", "tech_staff_tsme")


def upgrade():
    with op.batch_alter_table("fiscal_year") as batch:
        for name in COLUMNS:
            batch.alter_column(
                name, existing_type=sa.Integer(), type_=sa.Numeric(10, 2), existing_nullable=True
            )


def downgrade():
    # Rounds half up to whole people: the old column cannot hold 96.5.
    op.execute(
        "UPDATE fiscal_year SET "
        + ", ".join(f"{n} = ROUND({n}, 0)" for n in COLUMNS)
    )
    with op.batch_alter_table("fiscal_year") as batch:
        for name in COLUMNS:
            batch.alter_column(
                name,
                existing_type=sa.Numeric(10, 2),
                type_=sa.Integer(),
                existing_nullable=True,
                postgresql_using=f"{name}::integer",
            )
