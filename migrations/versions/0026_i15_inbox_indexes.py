"""issue 15: indexes for the inbox lists and counts (open milestones by due date, pending progress, certificates)

Revision ID: i15_inbox_indexes
Revises: i11b_milestone_identity
"""

from alembic import op

revision = "i15_inbox_indexes"
down_revision = "i11b_milestone_identity"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_milestone_pending_status_due", "milestone", ["progress_pending", "status", "due", "firm_id"]
    )
    op.create_index("ix_milestone_pending_updated", "milestone", ["progress_pending", "updated_at"])
    op.create_index("ix_firm_county_cert_expiry", "firm", ["county_id", "hnte_cert_expiry"])


def downgrade():
    op.drop_index("ix_firm_county_cert_expiry", table_name="firm")
    op.drop_index("ix_milestone_pending_updated", table_name="milestone")
    op.drop_index("ix_milestone_pending_status_due", table_name="milestone")
