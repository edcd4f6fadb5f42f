"""issue 15: composite indexes matching the pool list's and the kanban's filters and sorts

Revision ID: i15_list_indexes
Revises: i14_calendar_year
"""
from alembic import op

revision = "i15_list_indexes"
down_revision = "i14_calendar_year"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_firm_county_name", "firm", ["county_id", "name", "id"])
    op.create_index("ix_firm_county_stage_moved", "firm", ["county_id", "stage", "stage_changed_at"])
    op.create_index("ix_firm_stage_moved", "firm", ["stage", "stage_changed_at"])


def downgrade():
    op.drop_index("ix_firm_stage_moved", table_name="firm")
    op.drop_index("ix_firm_county_stage_moved", table_name="firm")
    op.drop_index("ix_firm_county_name", table_name="firm")
