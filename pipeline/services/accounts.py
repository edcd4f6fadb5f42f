"""Accounts: creating, disabling and authenticating users, with a lockout kept in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from pipeline import permissions, runtime
from pipeline.errors import Invalid
from pipeline.extensions import db
from pipeline.i18n import gettext
from pipeline.i18n import lazy_gettext as _l
from pipeline.models import Firm, LoginAttempt, User
from pipeline.models.base import utcnow
from pipeline.services.audit import record
from pipeline.services.integrity import conflict, flush_or_conflict
from pipeline.services.scope import county_by_ref
from pipeline.services.sessions import end_sessions
from pipeline.vocabulary import ROLES

# One message for every failure, so the login form never tells whether an account exists.
LOGIN_FAILED = _l("Wrong username or password, or the account is disabled or temporarily locked.")
# Checked against when the user does not exist, so both paths cost one scrypt. A constant (the hash of
# "not-a-real-password" with werkzeug's scrypt parameters, as hash_password makes them): computing it at
# import cost every process 0.1 s of start-up, the PDF render workers included (issue 15).
_DUMMY_HASH = (
    "scrypt:32768:8:1$xn5NERXai70gdx8u$5404be354fb2e1c63f194bb4c33b179347a037ad9fee1991e7b56fd26aa50966"
    "c99938cfc4088c5efd163f8e115cbefa8907957a890c2d01477913e0298182d3"
)


class AccountError(Invalid):
    """A message saying what is wrong with the account request, in the UI language (Chinese by default)."""


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def _common_passwords() -> frozenset[str]:
    global _COMMON
    if _COMMON is None:
        path = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"
        _COMMON = frozenset(
            line.strip().lower()
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        )
    return _COMMON


_COMMON: frozenset[str] | None = None


def check_password_strength(password: str, username: str | None = None) -> None:
    """Length, two kinds of character, not a common password, not built on the user name (AccountError)."""
    if len(password or "") < 8:
        raise AccountError(gettext("The password needs at least 8 characters"))
    kinds = sum(
        [
            any(c.isdigit() for c in password),
            any(c.isalpha() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    if kinds < 2:
        raise AccountError(gettext("The password needs at least two of: letters, digits, symbols"))
    lowered = password.lower()
    stem = lowered.rstrip("0123456789!@#$%^&*.?_-")
    common = _common_passwords()
    if lowered in common or (stem and stem in common and len(stem) >= 4):
        raise AccountError(
            gettext("This password is on the list of the most common passwords; choose another")
        )
    name = (username or "").strip().lower()
    if len(name) >= 3 and (name in lowered or (len(stem) >= 3 and stem in name)):
        raise AccountError(gettext("The password must not contain the user name; choose another"))


@dataclass
class LoginResult:
    user: User | None
    locked: bool = False


def _failures_since(since, **where) -> int:
    """Failed attempts in the window matching every ``column=value`` given (username_key, client)."""
    q = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.at > since)
    for column, value in where.items():
        q = q.where(getattr(LoginAttempt, column) == value)
    return db.session.scalar(q) or 0


def _over(cfg, key: str, client: str, since) -> tuple[bool, bool]:
    """``(over, just_locked)``: over a limit, and this attempt is the one that locked the account (for
    this client or account-wide), to be audited once. Issue 12: a stranger alone cannot lock an account — the lock is per
    account AND client first (LOGIN_MAX_FAILURES), account-wide only at the much higher
    LOGIN_MAX_FAILURES_ACCOUNT (many addresses at once; an admin unlocks); plus a limit per client."""
    pair = _failures_since(since, username_key=key, client=client)
    account = _failures_since(since, username_key=key)
    account_max = cfg.get("LOGIN_MAX_FAILURES_ACCOUNT", 100)
    per_client = _failures_since(since, client=client) > cfg.get("LOGIN_MAX_FAILURES_PER_CLIENT", 30)
    over = pair > cfg["LOGIN_MAX_FAILURES"] or account > account_max or per_client
    return over, pair == cfg["LOGIN_MAX_FAILURES"] + 1 or account == account_max + 1


def authenticate(username: str, password: str, client: str = "unknown") -> LoginResult:
    """Check the password with throttling per account name + client, per account and per client (flushes).

    Every attempt first inserts and commits a ``LoginAttempt`` row, then counts rows in the window in
    SQL, so parallel guesses each see the others (no read-increment-write). Unknown names count like
    known ones. Over a limit, the password is not even compared, but a hash is still computed: locked,
    wrong and unknown cost the same time and get the same message. A good password deletes the rows of
    its account name from its own client (a stranger's failures keep counting against the stranger).
    """
    cfg = runtime.settings()
    key = (username or "").strip().lower()[:64]
    client = (client or "unknown")[:64]
    now = utcnow()
    since = now - timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
    attempt = LoginAttempt(username_key=key, client=client, at=now)
    db.session.add(attempt)
    # Issue 13, allowed mid-way commit; the attempt counts even when this request rolls back (a failed
    # login may answer an error status), and parallel guesses must see each other's rows.
    db.session.commit()
    user = db.session.scalars(select(User).where(func.lower(User.username) == key)).first()
    over, just_locked = _over(cfg, key, client, since)
    locked_by_admin_cli = user is not None and user.locked_until is not None and user.locked_until > now
    if user is None or over or locked_by_admin_cli:
        check_password_hash(_DUMMY_HASH, password or "")  # the same work on every path
        if over and just_locked and user is not None:
            record(
                user,
                "lock",
                "user",
                user.id,
                after={"until": (now + timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])), "client": client},
            )
            db.session.commit()  # issue 13, allowed: the lock's audit row survives the refused login
        return LoginResult(None, locked=over or locked_by_admin_cli)
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return LoginResult(None)
    db.session.execute(
        delete(LoginAttempt).where(LoginAttempt.username_key == key, LoginAttempt.client == client)
    )
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return LoginResult(user)


def is_locked(user: User) -> bool:
    """For the admin list: locked account-wide, or for at least one client address."""
    cfg = runtime.settings()
    since = utcnow() - timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
    key = user.username.lower()
    worst = db.session.scalar(
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.username_key == key, LoginAttempt.at > since)
        .group_by(LoginAttempt.client)
        .order_by(func.count().desc())
        .limit(1)
    )
    return (
        (worst or 0) >= cfg["LOGIN_MAX_FAILURES"]
        or _failures_since(since, username_key=key) >= cfg.get("LOGIN_MAX_FAILURES_ACCOUNT", 100)
        or (user.locked_until is not None and user.locked_until > utcnow())
    )


ACCOUNTS_SHOWN = 500


@dataclass(frozen=True)
class AccountsPage:
    """The admin's account list: the accounts (by role, county, username) and which are locked."""

    users: list[User]
    locked: set[int]


def accounts_page(actor: User, limit: int = ACCOUNTS_SHOWN) -> AccountsPage:
    """The accounts the city admin's page lists, with the ids of those locked after failed logins."""
    permissions.require(actor, "user.admin")
    users = list(
        db.session.scalars(select(User).order_by(User.role, User.county_id, User.username).limit(limit))
    )
    return AccountsPage(users, {u.id for u in users if is_locked(u)})


def unlock(actor, user: User) -> None:
    """An admin lifts a lockout: the account's failed attempts are forgotten (audited)."""
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.username_key == user.username.lower()))
    user.failed_logins = 0
    user.locked_until = None
    record(actor, "unlock", "user", user.id)
    db.session.flush()


def _name_taken(username: str) -> bool:
    """Whether an account has this name already, ignoring case."""
    return db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())) is not None


def create_user(
    actor,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    county_code: str | None = None,
    firm_code: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> User:
    """A new account; officers need a county, firm users a firm (by credit code); flushes.

    A user name already taken (ignoring case) is a ``Conflict`` on ``username``, whether the check
    here sees it or the database's unique constraint does (a concurrent create)."""
    username = (username or "").strip()
    if not username:
        raise AccountError(gettext("The user name is required"))
    if role not in ROLES:
        raise AccountError(gettext("The role must be one of %(roles)s", roles='/'.join(ROLES)))
    if _name_taken(username):
        raise conflict("user_account", ("username",))
    check_password_strength(password, username)
    email, phone = normalise_email(email), normalise_phone(phone)
    county_id = firm_id = None
    if role == "officer":
        county = county_by_ref(county_code)
        if county is None:
            raise AccountError(gettext("A county officer needs an existing county (code or name)"))
        county_id = county.id
    if role == "firm":
        firm = db.session.scalars(
            select(Firm).where(Firm.credit_code == (firm_code or "").strip().upper())
        ).first()
        if firm is None:
            raise AccountError(
                gettext("A firm user needs the unified social credit code of a firm in the pool")
            )
        firm_id, county_id = firm.id, firm.county_id
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        county_id=county_id,
        firm_id=firm_id,
        email=email,
        phone=phone,
        password_hash=hash_password(password),
        active=True,
    )
    with flush_or_conflict():  # a name created since the check: Conflict on "username", not a 500
        db.session.add(user)
    record(
        actor,
        "create",
        "user",
        user.id,
        after={"username": username, "role": role, "county_id": county_id, "firm_id": firm_id},
    )
    db.session.flush()
    return user


def _get(username: str) -> User:
    user = db.session.scalars(
        select(User).where(func.lower(User.username) == (username or "").strip().lower())
    ).first()
    if user is None:
        raise AccountError(gettext("There is no user “%(name)s”", name=username))
    return user


def set_active(actor, username: str, active: bool) -> User:
    user = _get(username)
    before = user.active
    user.active = active
    if not active:
        end_sessions(user)
    record(actor, "update", "user", user.id, before={"active": before}, after={"active": active})
    db.session.flush()
    return user


def reset_password(actor, username: str, password: str) -> User:
    user = _get(username)
    check_password_strength(password, user.username)
    user.password_hash = hash_password(password)
    end_sessions(user)  # every session and remember-me token of the account ends
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.username_key == user.username.lower()))
    user.failed_logins = 0
    user.locked_until = None
    record(actor, "reset_password", "user", user.id)
    db.session.flush()
    return user


def set_locale(user: User, code: str) -> None:
    """The user's UI language, kept across pages and logins (audited)."""
    if user.locale == code:
        return
    before = user.locale
    user.locale = code
    record(user, "update", "user", user.id, before={"locale": before}, after={"locale": code})
    db.session.flush()


def adopt_session_language(user: User, code: str | None) -> None:
    """At login: a language chosen on the login page (in the session) becomes the user's choice."""
    if code and code in runtime.settings()["LANGUAGES"]:
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
        raise AccountError(
            gettext("“%(value)s” is not a valid e-mail address (field: e-mail)", value=email)
        ) from None


def normalise_phone(phone: str | None) -> str | None:
    phone = (phone or "").strip()
    if not phone:
        return None
    import re

    if not re.fullmatch(r"[0-9+\-() ]{5,30}", phone):
        raise AccountError(
            gettext("“%(value)s” is not a phone number (field: phone; digits, +, - and spaces)", value=phone)
        )
    return phone


def update_user(actor, user: User, display_name: str, email: str | None, phone: str | None) -> bool:
    """An admin edits an account's name, e-mail and phone; only what changed is written (flushes)."""
    display_name = (display_name or "").strip()
    if not display_name:
        raise AccountError(gettext("The name is required"))
    values = {
        "display_name": display_name[:64],
        "email": normalise_email(email),
        "phone": normalise_phone(phone),
    }
    before = {k: getattr(user, k) for k in values}
    changed = {k: v for k, v in values.items() if before[k] != v}
    if not changed:
        return False
    for k, v in changed.items():
        setattr(user, k, v)
    record(actor, "update", "user", user.id, before={k: before[k] for k in changed}, after=changed)
    db.session.flush()
    return True


def change_password(user: User, current: str, new: str) -> None:
    """The user changes their own password: the current one must match (audited, no hashes logged)."""
    if not check_password_hash(user.password_hash, current or ""):
        raise AccountError(gettext("The current password is wrong"))
    if new == current:
        raise AccountError(gettext("The new password must differ from the current one"))
    check_password_strength(new, user.username)
    user.password_hash = hash_password(new)
    end_sessions(user)  # issue 12: every other session and remember-me token ends (the caller keeps its own)
    record(user, "change_password", "user", user.id)
    db.session.flush()
