"""i14 (issue 17): reminders keep their message code + params; milestones their title's message

Revision ID: i14_message_codes
Revises: i11b_staff_decimals

``reminder.msg_code`` / ``reminder.msg_params``: the texts are rendered in the reader's language
(``pipeline.reminders.texts``); rows written before have none and keep showing their stored text.
``milestone.title_msg``: the engine's message of a planned milestone's title (English pages render it).
"""
import sqlalchemy as sa
from alembic import op

revision = "i14_message_codes"
down_revision = "i11b_staff_decimals"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("reminder") as batch:
        batch.add_column(sa.Column("msg_code", sa.String(60), nullable=True))
        batch.add_column(sa.Column("msg_params", sa.JSON(), nullable=True))
    with op.batch_alter_table("milestone") as batch:
        batch.add_column(sa.Column("title_msg", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("milestone") as batch:
        batch.drop_column("title_msg")
    with op.batch_alter_table("reminder") as batch:
        batch.drop_column("msg_params")
        batch.drop_column("msg_code")
