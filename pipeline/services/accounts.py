"""Accounts: creating, disabling and authenticating users, with a lockout kept in the database."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from pipeline.extensions import db
from pipeline.models import County, Firm, User
from pipeline.models.base import utcnow
from pipeline.vocabulary import ROLES
from pipeline.services.audit import record

# One message for every failure, so the login form never tells whether an account exists.
LOGIN_FAILED = _l("Wrong username or password, or the account is disabled or temporarily locked.")
# Checked against when the user does not exist, so both paths cost one scrypt.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


class AccountError(ValueError):
    """A message saying what is wrong with the account request, in the UI language (Chinese by default)."""


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def check_password_strength(password: str) -> None:
    if len(password or "") < 8:
        raise AccountError(gettext("The password needs at least 8 characters"))
    kinds = sum([any(c.isdigit() for c in password), any(c.isalpha() for c in password),
                 any(not c.isalnum() for c in password)])
    if kinds < 2:
        raise AccountError(gettext("The password needs at least two of: letters, digits, symbols"))


@dataclass
class LoginResult:
    user: User | None
    locked: bool = False


def authenticate(username: str, password: str) -> LoginResult:
    """Check the password; count failures and lock the account for a while after too many (commits)."""
    cfg = current_app.config
    user = db.session.scalars(select(User).where(func.lower(User.username) == (username or "").strip().lower())).first()
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return LoginResult(None)
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        return LoginResult(None, locked=True)
    if not check_password_hash(user.password_hash, password or ""):
        user.failed_logins = (user.failed_logins or 0) + 1
        locked = False
        if user.failed_logins >= cfg["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
            user.failed_logins = 0
            locked = True
            record(user, "lock", "user", user.id, after={"locked_until": user.locked_until})
        db.session.commit()
        return LoginResult(None, locked=locked)
    if not user.active:
        return LoginResult(None)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.commit()
    return LoginResult(user)


def create_user(actor, username: str, password: str, role: str, display_name: str | None = None,
                county_code: str | None = None, firm_code: str | None = None, email: str | None = None,
                phone: str | None = None) -> User:
    """A new account; officers need a county, firm users a firm (by credit code). Commits."""
    username = (username or "").strip()
    if not username:
        raise AccountError(gettext("The user name is required"))
    if role not in ROLES:
        raise AccountError(gettext("The role must be one of %(roles)s", roles='/'.join(ROLES)))
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise AccountError(gettext("The user name “%(name)s” is taken", name=username))
    check_password_strength(password)
    email, phone = normalise_email(email), normalise_phone(phone)
    county_id = firm_id = None
    if role == "officer":
        county = db.session.scalars(select(County).where((County.code == county_code) | (County.name == county_code))).first()
        if county is None:
            raise AccountError(gettext("A county officer needs an existing county (code or name)"))
        county_id = county.id
    if role == "firm":
        firm = db.session.scalars(select(Firm).where(Firm.credit_code == (firm_code or "").strip().upper())).first()
        if firm is None:
            raise AccountError(gettext("A firm user needs the unified social credit code of a firm in the pool"))
        firm_id, county_id = firm.id, firm.county_id
    user = User(username=username, display_name=display_name or username, role=role, county_id=county_id,
                firm_id=firm_id, email=email, phone=phone, password_hash=hash_password(password), active=True)
    db.session.add(user)
    db.session.flush()
    record(actor, "create", "user", user.id,
           after={"username": username, "role": role, "county_id": county_id, "firm_id": firm_id})
    db.session.commit()
    return user


def _get(username: str) -> User:
    user = db.session.scalars(select(User).where(func.lower(User.username) == (username or "").strip().lower())).first()
    if user is None:
        raise AccountError(gettext("There is no user “%(name)s”", name=username))
    return user


def set_active(actor, username: str, active: bool) -> User:
    user = _get(username)
    before = user.active
    user.active = active
    record(actor, "update", "user", user.id, before={"active": before}, after={"active": active})
    db.session.commit()
    return user


def reset_password(actor, username: str, password: str) -> User:
    user = _get(username)
    check_password_strength(password)
    user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    record(actor, "reset_password", "user", user.id)
    db.session.commit()
    return user


def set_locale(user: User, code: str) -> None:
    """The user's UI language, kept across pages and logins (commits; audited)."""
    if user.locale == code:
        return
    before = user.locale
    user.locale = code
    record(user, "update", "user", user.id, before={"locale": before}, after={"locale": code})
    db.session.commit()


def adopt_session_language(user: User, code: str | None) -> None:
    """At login: a language chosen on the login page (in the session) becomes the user's choice."""
    if code and code in current_app.config["LANGUAGES"]:
        set_locale(user, code)


def normalise_email(email: str | None) -> str | None:
    """A valid e-mail address (normalised) or None for blank; else AccountError naming the field."""
    email = (email or "").strip()
    if not email:
        return None
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        raise AccountError(gettext("“%(value)s” is not a valid e-mail address (field: e-mail)", value=email)) from None


def normalise_phone(phone: str | None) -> str | None:
    phone = (phone or "").strip()
    if not phone:
        return None
    import re

    if not re.fullmatch(r"[0-9+\-() ]{5,30}", phone):
        raise AccountError(gettext("“%(value)s” is not a phone number (field: phone; digits, +, - and spaces)", value=phone))
    return phone


def update_user(actor, user: User, display_name: str, email: str | None, phone: str | None) -> bool:
    """An admin edits an account's name, e-mail and phone; only what changed is written (commits)."""
    display_name = (display_name or "").strip()
    if not display_name:
        raise AccountError(gettext("The name is required"))
    values = {"display_name": display_name[:64], "email": normalise_email(email), "phone": normalise_phone(phone)}
    before = {k: getattr(user, k) for k in values}
    changed = {k: v for k, v in values.items() if before[k] != v}
    if not changed:
        return False
    for k, v in changed.items():
        setattr(user, k, v)
    record(actor, "update", "user", user.id, before={k: before[k] for k in changed}, after=changed)
    db.session.commit()
    return True


def change_password(user: User, current: str, new: str) -> None:
    """The user changes their own password: the current one must match (commits; audited, no hashes logged)."""
    if not check_password_hash(user.password_hash, current or ""):
        raise AccountError(gettext("The current password is wrong"))
    if new == current:
        raise AccountError(gettext("The new password must differ from the current one"))
    check_password_strength(new)
    user.password_hash = hash_password(new)
    record(user, "change_password", "user", user.id)
    db.session.commit()
