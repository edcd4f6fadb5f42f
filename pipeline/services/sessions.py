"""Sessions and "remember me" (issue 12).

- A session carries ``_sv``, the user's ``session_version`` when it started. The user loader refuses a
  session whose version is not the user's current one. ``end_sessions`` bumps the version and deletes
  every remember token: called on logout, password change or reset, and disabling the account, so a
  copied session cookie or remember cookie stops working.
- A remember token is 32 random bytes; only its SHA-256 is stored, with an expiry
  (``REMEMBER_DAYS``, default 30). Using it logs the user in once and replaces it with a new one
  (rotation): a stolen copy that was already used is worthless, and using a stolen copy first makes
  the owner's next visit fail (and end in the login page).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update

from pipeline import runtime
from pipeline.extensions import db
from pipeline.models import RememberToken, User
from pipeline.models.base import utcnow

COOKIE = "xsg_remember"  # not Flask-Login's "remember_token": its id+HMAC cookie is never honoured
SESSION_KEY = "_sv"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def issue_remember_token(user: User) -> str:
    """A new raw token for ``user`` (flushed; the request commits)."""
    raw = secrets.token_urlsafe(32)
    days = runtime.settings().get("REMEMBER_DAYS", 30)
    db.session.add(
        RememberToken(user_id=user.id, token_hash=_hash(raw), expires_at=utcnow() + timedelta(days=days))
    )
    db.session.flush()
    return raw


def use_remember_token(raw: str | None) -> tuple[User | None, str | None]:
    """The active user of a valid token and its replacement (the used one is deleted), else (None, None)."""
    if not raw or len(raw) > 100:
        return None, None
    token = db.session.scalar(select(RememberToken).where(RememberToken.token_hash == _hash(raw)))
    if token is None:
        return None, None
    user = db.session.get(User, token.user_id)
    db.session.delete(token)
    # Issue 13, allowed mid-way commits: the token is spent and its replacement set as a cookie on this
    # response, whatever the request's outcome; a rollback would leave the browser a token that is not stored.
    if user is None or not user.active or token.expires_at <= utcnow():
        db.session.commit()
        return None, None
    new = issue_remember_token(user)
    db.session.commit()  # issue 13, allowed (see above)
    return user, new


def revoke_remember_token(raw: str | None) -> None:
    if raw and len(raw) <= 100:
        db.session.execute(delete(RememberToken).where(RememberToken.token_hash == _hash(raw)))


def end_sessions(user: User) -> None:
    """Every session and remember token of ``user`` ends (flushed; the caller commits)."""
    db.session.execute(
        update(User).where(User.id == user.id).values(session_version=User.session_version + 1)
    )
    db.session.execute(delete(RememberToken).where(RememberToken.user_id == user.id))
    db.session.flush()
    db.session.refresh(user, ["session_version"])


def session_is_current(user: User, version) -> bool:
    return version is not None and int(version) == int(user.session_version or 0)
