"""issue 15: an index for the navigation's inbox counts (open milestones per firm by due date)

Revision ID: i15_milestone_index
Revises: i16_compliance
"""
from alembic import op

revision = "i15_milestone_index"
down_revision = "i16_compliance"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_milestone_firm_status_due", "milestone", ["firm_id", "status", "due", "progress_pending"])


def downgrade():
    op.drop_index("ix_milestone_firm_status_due", table_name="milestone")
