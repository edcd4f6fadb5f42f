"""i17: the county robot's choice becomes the four choices of a user's channel

``county.webhook_digest`` now holds a key of ``vocabulary.ALERT_MODES``: "instant" (every reminder of
the county at once), "daily" / "weekly" (urgent ones at once, the county digest that often) or "none"
(the robot gets nothing). The old "off" (urgent at once, no digest; no page could set it) becomes
"instant", its nearest choice: nothing is held back for a digest.

Revision ID: i17_robot_modes
Revises: i14_message_codes
"""

from alembic import op

revision = "i17_robot_modes"
down_revision = "i14_message_codes"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE county SET webhook_digest = 'instant' WHERE webhook_digest = 'off'")


def downgrade():
    op.execute("UPDATE county SET webhook_digest = 'off' WHERE webhook_digest IN ('instant', 'none')")
