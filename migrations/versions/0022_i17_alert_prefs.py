"""i17: per-channel alert preferences (instant vs. a daily/weekly digest) and the county robot's digest

``user_account.inapp_digest`` / ``email_digest``: "off" (every alert at once, as before), "daily" or
"weekly" (only critical alerts at once, the rest in that digest). ``county.webhook_digest``: how often
the county's group robot gets the county digest ("weekly" as before, "daily" or "off"; urgent
reminders go to the robot at once either way).

Revision ID: i17_alert_prefs
Revises: i18_split_version
"""

import sqlalchemy as sa
from alembic import op

revision = "i17_alert_prefs"
down_revision = "i18_split_version"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("inapp_digest", sa.String(10), nullable=False, server_default="off"))
        batch.add_column(sa.Column("email_digest", sa.String(10), nullable=False, server_default="off"))
    with op.batch_alter_table("county") as batch:
        batch.add_column(sa.Column("webhook_digest", sa.String(10), nullable=False, server_default="weekly"))


def downgrade():
    with op.batch_alter_table("county") as batch:
        batch.drop_column("webhook_digest")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("email_digest")
        batch.drop_column("inapp_digest")
