"""issue 12: session version per user, server-side remember-me tokens, login attempts for throttling

Revision ID: i12_auth
Revises: i15_milestone_index
"""
import sqlalchemy as sa
from alembic import op

revision = "i12_auth"
down_revision = "i15_milestone_index"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "remember_token",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id", ondelete="CASCADE",
                                                         name="fk_remember_token_user_id_user_account"),
                  nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("token_hash", name="uq_remember_token_token_hash"),
    )
    op.create_index("ix_remember_token_user_id", "remember_token", ["user_id"])
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username_key", sa.String(64), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_login_attempt_username_key", "login_attempt", ["username_key"])
    op.create_index("ix_login_attempt_client", "login_attempt", ["client"])
    op.create_index("ix_login_attempt_at", "login_attempt", ["at"])


def downgrade():
    op.drop_table("login_attempt")
    op.drop_table("remember_token")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("session_version")
