"""Login, logout and the home redirect; the role decorators the other blueprints use."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from pipeline import permissions
from pipeline.forms import LoginForm
from pipeline.i18n import tl
from pipeline.services import accounts, sessions

bp = Blueprint("auth", __name__)
bp.add_app_template_filter(tl, "tl")


@bp.app_template_global("can")
def can(action: str, obj=None) -> bool:
    """``{% if can('firm.edit') %}`` in a template: may the current user do this (to ``obj``)?"""
    return permissions.can(current_user, action, obj)


def requires(action: str):
    """A view for users who may do ``action`` (``pipeline.permissions``); others get 404 like any
    other out-of-scope address, and the login page when not logged in."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            permissions.require(current_user, action)
            return view(*args, **kwargs)

        wrapped.action = action
        # the scope matrix test reads these: firm users / non-admins get 404 even for their own firm
        wrapped.staff_only = action in permissions.STAFF_ACTIONS
        wrapped.admin_only = action in permissions.ADMIN_ACTIONS
        return wrapped

    return decorate


def staff_required(view):
    """Officers and admins only; a firm user gets 404 like any other out-of-scope address."""
    return requires("staff.pages")(view)


def admin_required(view):
    return requires("admin.pages")(view)


def safe_next(target: str | None) -> str | None:
    """A local path to go back to after login, or None (no other host, no scheme, no '//' or '\\')."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def home_for(user) -> str:
    if permissions.can(user, "portal.use"):
        return (
            url_for("portal.index") if "portal.index" in current_app.view_functions else url_for("auth.login")
        )
    return url_for("pool.index")


def client_address() -> str:
    """The client's address as the app sees it (behind a proxy, configure ProxyFix so this is the real one)."""
    return (request.remote_addr or "unknown")[:64]


def start_session(user, remember: bool = False) -> None:
    """Log ``user`` in: the session carries the user's session version; remember-me gets a fresh token."""
    from flask import g

    login_user(user)  # never Flask-Login's own remember cookie (a permanent id+HMAC)
    session[sessions.SESSION_KEY] = user.session_version
    if remember:
        g.remember_cookie = sessions.issue_remember_token(user)


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(home_for(current_user))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm(next=request.args.get("next", ""))
    error = None
    if form.validate_on_submit():
        result = accounts.authenticate(form.username.data, form.password.data, client_address())
        if result.user is not None:
            start_session(result.user, remember=bool(form.remember.data))
            accounts.adopt_session_language(result.user, session.get("lang"))
            return redirect(safe_next(form.next.data) or home_for(result.user))
        error = accounts.LOGIN_FAILED
    return render_template("auth/login.html", form=form, error=error), (401 if error else 200)


@bp.post("/logout")
@login_required
def logout():
    from flask import g

    sessions.revoke_remember_token(request.cookies.get(sessions.COOKIE))
    sessions.end_sessions(current_user)  # a copied session cookie of this user stops working too
    logout_user()
    g.remember_cookie = ""
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


def _without_lang(target: str | None) -> str | None:
    """The page to go back to, without a ``lang`` query argument (it would override the new choice)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    target = safe_next(target)
    if not target:
        return None
    parts = urlsplit(target)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "lang"])
    return urlunsplit(("", "", parts.path, query, parts.fragment))


@bp.post("/language")
def set_language():
    """The switcher: the choice goes in the session (before login too) and on the user's account."""
    code = request.form.get("lang")
    if code not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = code
    if current_user.is_authenticated:
        accounts.set_locale(current_user, code)
    return redirect(_without_lang(request.form.get("next")) or url_for("auth.home"))
