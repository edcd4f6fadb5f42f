"""Accounts: city admins, county officers (one county) and firm users (one firm)."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.extensions import db
from pipeline.models.base import utcnow
from pipeline.vocabulary import ROLE_ADMIN, ROLE_FIRM, ROLE_OFFICER, ROLES  # noqa: F401


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    email: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(30))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(10), index=True)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("county.id"), index=True)
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firm.id", use_alter=True), index=True)
    # issue 18: the officer's node in the department tree (NULL: the county of ``county_id``, as before)
    node_id: Mapped[int | None] = mapped_column(ForeignKey("dept_node.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    notify_inapp: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_email: Mapped[bool] = mapped_column(Boolean, default=True)
    # issue 17: per channel, "off" = every alert at once; "daily"/"weekly" = only critical ones at once,
    # the rest in that digest (``pipeline/reminders/prefs.py``)
    inapp_digest: Mapped[str] = mapped_column(String(10), default="off", server_default="off")
    email_digest: Mapped[str] = mapped_column(String(10), default="off", server_default="off")
    locale: Mapped[str | None] = mapped_column(String(10))
    # Every session carries the version it was started under; a password change or reset, a logout and
    # disabling the account bump it, so every older session (and copied session cookie) ends (issue 12).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    county = relationship("County")
    firm = relationship("Firm", foreign_keys=[firm_id])
    node = relationship("DeptNode")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return bool(self.active)

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    @property
    def is_officer(self) -> bool:
        return self.role == ROLE_OFFICER

    @property
    def is_firm_user(self) -> bool:
        return self.role == ROLE_FIRM

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)

    user = relationship("User")


class RememberToken(db.Model):
    """A "remember me" credential: random, stored only as its SHA-256, single use (rotated), with an expiry."""

    __tablename__ = "remember_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)


class LoginAttempt(db.Model):
    """One login attempt not (yet) known good; counted in SQL per account name and per client address.

    A row is inserted and committed BEFORE the password is checked, so parallel guesses each see the
    others: throttling is atomic without a read-increment-write. A successful login deletes the
    account's rows; an admin unlock too.
    """

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    username_key: Mapped[str] = mapped_column(String(64), index=True)  # lower-cased, also for unknown names
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
