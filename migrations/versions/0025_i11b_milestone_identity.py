"""i11b: milestone identity on regeneration (superseded milestones) and the plan's input fingerprint

A milestone whose subject changed at a regeneration is closed as ``superseded`` and points at the
milestone that replaced it; the roadmap keeps a fingerprint of the plan's inputs and the inputs that
changed since the previous regeneration (the "why" of the change list).

Revision ID: i11b_milestone_identity
Revises: i14_county_fast_track
"""
import sqlalchemy as sa
from alembic import op

revision = "i11b_milestone_identity"
down_revision = "i14_county_fast_track"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("milestone") as batch:
        batch.add_column(sa.Column("superseded_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("superseded_on", sa.Date(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_milestone_superseded_by_id_milestone"),
            "milestone",
            ["superseded_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("roadmap") as batch:
        batch.add_column(sa.Column("inputs", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("changed_inputs", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("roadmap") as batch:
        batch.drop_column("changed_inputs")
        batch.drop_column("inputs")
    with op.batch_alter_table("milestone") as batch:
        batch.drop_constraint(op.f("fk_milestone_superseded_by_id_milestone"), type_="foreignkey")
        batch.drop_column("superseded_on")
        batch.drop_column("superseded_by_id")
