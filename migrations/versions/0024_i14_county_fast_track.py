"""i14: a county's 知识产权保护中心 预审 fast track (admin-edited; the planner uses the fast-track
lead times only for firms of such a county)

Revision ID: i14_county_fast_track
Revises: i15_data_stamp
"""
from alembic import op
import sqlalchemy as sa

revision = "i14_county_fast_track"
down_revision = "i15_data_stamp"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("county") as b:
        b.add_column(sa.Column("ip_fast_track", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("county") as b:
        b.drop_column("ip_fast_track")
