"""Personal API tokens: shown once, stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from pipeline.extensions import db
from pipeline.models import ApiToken, User
from pipeline.models.base import utcnow

PREFIX = "xsg_"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_token(user: User, name: str) -> str:
    """A new random token for ``user``; returns the raw token (the only time it exists)."""
    from pipeline.services.audit import record

    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=(name or "API").strip()[:64], token_hash=_hash(raw))
    db.session.add(token)
    db.session.flush()
    record(user, "create", "api_token", token.id, None, None, {"name": token.name})
    return raw


def user_for_token(raw: str | None) -> User | None:
    """The active user owning a valid, unrevoked token, else None. Touches ``last_used_at``."""
    if not raw or len(raw) > 200:
        return None
    row = db.session.execute(
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == _hash(raw), ApiToken.revoked.is_(False))
    ).first()
    if row is None:
        return None
    token, user = row
    if not user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        token.last_used_at = now  # at most every 5 minutes, so reads stay reads (the request commits)
    return user


def revoke(user: User, token: ApiToken) -> bool:
    """Revoke one of ``user``'s tokens (admins may revoke anyone's). False if already revoked."""
    from pipeline import permissions
    from pipeline.services.audit import record

    if not permissions.can(user, "token.revoke", token) or token.revoked:
        return False
    token.revoked = True
    record(user, "revoke", "api_token", token.id, None, {"revoked": False}, {"revoked": True})
    db.session.flush()
    return True


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))
