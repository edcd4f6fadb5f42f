"""The application factory, as a list of named steps."""

from __future__ import annotations

import logging
import os

from flask import Flask, has_request_context, render_template, request
from flask_babel import lazy_gettext

from pipeline.config import ROOT, load_config

DOWNLOAD_TYPES = frozenset(
    {
        "application/pdf",
        "application/zip",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel",
        "text/csv",
    }
)


def create_app(config=None) -> Flask:
    """Build the app: config, extensions, blueprints, error pages, CLI, Jinja.

    ``config`` is None (environment), a mapping of overrides (tests pass ``{"TESTING": True, ...}``)
    or a settings object.
    """
    app = Flask(
        "pipeline",
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    register_config(app, config)
    register_url_converters(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_pages(app)
    register_commands(app)
    register_jinja(app)
    register_security_headers(app)
    configure_logging(app)
    return app


def register_config(app: Flask, config) -> None:
    app.config.from_object(load_config(config))
    pinned = app.config.get("PIPELINE_TODAY") or os.environ.get("PIPELINE_TODAY")
    if pinned:  # a demo or test running "as of" a day: every clock.today() sees it
        from datetime import date

        from pipeline import clock

        clock.set_today(pinned if isinstance(pinned, date) else date.fromisoformat(str(pinned)))


def register_url_converters(app: Flask) -> None:
    """Issue 12: ``<int:...>`` in any route matches only what an INTEGER column holds (1 .. 2^31-1), so
    /firms/99999999999999999999 is a 404 on every database instead of an overflow (500)."""
    from werkzeug.routing import IntegerConverter

    class ColumnInt(IntegerConverter):
        def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
            super().__init__(
                map,
                fixed_digits=fixed_digits,
                min=1 if min is None else min,
                max=2**31 - 1 if max is None else max,
                signed=signed,
            )

    app.url_map.converters["int"] = ColumnInt


def register_sqlite_pragmas(app: Flask) -> None:
    """Issue 12: SQLite in WAL mode (readers never wait for the writer) with a busy timeout; issue 13:
    a SAVEPOINT always inside a transaction (so releasing it never commits)."""
    from sqlalchemy import event

    from pipeline.extensions import db

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    busy_ms = int(app.config.get("SQLITE_BUSY_TIMEOUT_MS", 5000))
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {busy_ms}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.close()

    @event.listens_for(engine, "savepoint")
    def _begin_before_savepoint(conn, _name):
        # pysqlite opens a transaction only before an INSERT/UPDATE/DELETE: a SAVEPOINT issued first
        # would open the outermost transaction itself, and its RELEASE would COMMIT everything written
        # inside it (a rollback of the request afterwards would keep it). Open the transaction first.
        dbapi_conn = conn.connection.dbapi_connection
        if not dbapi_conn.in_transaction:
            dbapi_conn.execute("BEGIN")


_USER_QUERY: list = []


def _user_query():
    """The per-request user load, built once per process: a statement object that is reused keeps
    its SQL cache key, so a request does not rebuild it (issue 15)."""
    if not _USER_QUERY:
        from sqlalchemy import bindparam, select

        from pipeline.models import User
        from pipeline.services import stamp

        # the request's data stamp comes with its user: one round trip, not two
        _USER_QUERY.append(select(User, stamp.column()).where(User.id == bindparam("id")))
    return _USER_QUERY[0]


def _request_environ() -> dict | None:
    from flask import has_request_context, request

    return request.environ if has_request_context() else None


def register_extensions(app: Flask) -> None:
    """The extensions, in the order they depend on each other: the database first, then the
    login (it loads users), then the language (it reads the logged-in user's choice)."""
    for step in (register_database, register_login, register_remember_cookie, register_locale):
        step(app)


def register_database(app: Flask) -> None:
    from pipeline import models  # noqa: F401  (every model must be known before migrations run)
    from pipeline.extensions import csrf, db, migrate
    from pipeline.services import stamp

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    register_sqlite_pragmas(app)
    stamp.install(app)  # issue 15: every committed write bumps the data stamp that caches are keyed by
    stamp.request_store = _request_environ  # …and a request reads it once (until it commits)


def register_login(app: Flask) -> None:
    from pipeline.extensions import login_manager

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please log in first.")
    login_manager.localize_callback = (
        str  # the lazy message in the request's language, a plain str in the session
    )
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_user)
    login_manager.request_loader(load_user_from_remember_token)


def load_user(user_id: str):
    from flask import session

    from pipeline.extensions import db
    from pipeline.services import stamp
    from pipeline.services.sessions import SESSION_KEY, session_is_current

    seen = stamp.commits()
    try:
        row = db.session.execute(_user_query(), {"id": int(user_id)}).first()
    except (TypeError, ValueError, OverflowError):
        return None
    if row is None:
        return None
    user = row.User
    stamp.remember(seen, row.stamp)
    if not user.active or not session_is_current(user, session.get(SESSION_KEY)):
        return None  # a session from before a logout, password change/reset or disabling: ended
    return user


def load_user_from_remember_token(req):
    """No (current) session: a valid remember-me token logs in once and is rotated."""
    from flask import g, session
    from flask_login import login_user

    from pipeline.services.sessions import COOKIE, SESSION_KEY, use_remember_token

    raw = req.cookies.get(COOKIE)
    if not raw:
        return None
    user, new = use_remember_token(raw)
    g.remember_cookie = new or ""  # "" deletes the spent or invalid cookie
    if user is None:
        return None
    login_user(user)
    session[SESSION_KEY] = user.session_version
    return user


def register_remember_cookie(app: Flask) -> None:
    """The token rotated by :func:`load_user_from_remember_token` goes out with the response."""

    @app.after_request
    def set_remember_cookie(resp):
        from flask import g

        from pipeline.services.sessions import COOKIE

        value = g.pop("remember_cookie", None)
        if value is None:
            return resp
        if value:
            resp.set_cookie(
                COOKIE,
                value,
                max_age=app.config.get("REMEMBER_DAYS", 30) * 86400,
                httponly=True,
                samesite="Lax",
                secure=app.config.get("REMEMBER_COOKIE_SECURE", False),
            )
        else:
            resp.delete_cookie(COOKIE)
        return resp


def register_locale(app: Flask) -> None:
    from pipeline.extensions import babel
    from pipeline.i18n import install_jinja_gettext

    babel.init_app(app, locale_selector=_locale_selector(app))
    install_jinja_gettext(app)  # issue 15: the catalogue once per request, not per call


def _locale_selector(app: Flask):
    def select_locale():
        """Chinese unless the user chose otherwise (or asks with ?lang=en): a browser's English
        Accept-Language must not switch a county officer's screen to a partial translation.
        Order: this request's ?lang= (one page, e.g. a link asking for English), the user's saved
        choice, the choice made in this session before logging in (the switcher), then Chinese."""
        from flask import session
        from flask_login import current_user

        languages, default = app.config["LANGUAGES"], app.config["BABEL_DEFAULT_LOCALE"]
        if not has_request_context():  # CLI, workers: the default language
            return default
        wanted = request.args.get("lang")
        if wanted in languages:
            return wanted
        if getattr(current_user, "is_authenticated", False) and current_user.locale in languages:
            return current_user.locale
        if session.get("lang") in languages:
            return session["lang"]
        return default

    return select_locale


def register_blueprints(app: Flask) -> None:
    from pipeline.web import register_blueprints as register

    register(app)


def register_error_pages(app: Flask) -> None:
    """Every error status gets a page (or the API's error body) and keeps nothing of the request:
    HTTP errors, domain errors raised by services, then server and database failures."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm.exc import StaleDataError

    from pipeline.web.errors import register as register_domain_errors

    for code in HTTP_ERROR_CODES:
        app.register_error_handler(code, render_error)
    register_domain_errors(app)  # NotFound, Forbidden, Invalid, Conflict raised by services
    app.register_error_handler(500, server_error)
    app.register_error_handler(OperationalError, database_busy)
    app.register_error_handler(StaleDataError, stale_row)
    app.before_request(refuse_nul_bytes)
    app.before_request(refuse_out_of_range_ids)


HTTP_ERROR_CODES = (400, 403, 404, 405, 413, 429)


def render_error(error):
    from pipeline.web.transaction import abandon

    abandon()  # issue 13: an error status keeps nothing (the page below reads the user)
    code = getattr(error, "code", 500) or 500
    if request.path.startswith("/api/"):
        from pipeline.web.errors import api_error_body

        return api_error_body(code), code
    return render_template("errors/error.html", code=code), code


def render_plain(code: int, message: str | None = None):
    """Issue 12: server and database failures get a page that touches no database (no base.html)."""
    from flask import current_app

    from pipeline.web.errors import ENGLISH, MESSAGES, api_error_body
    from pipeline.web.transaction import abandon

    abandon()  # nothing of the failed request is kept (the boundary rolls back too)
    if has_request_context() and request.path.startswith("/api/"):
        return api_error_body(code, message), code
    # Rendered straight from the Jinja environment: no context processors (they load the current user).
    body = current_app.jinja_env.get_template("errors/plain.html").render(
        code=code, message=message or MESSAGES[code], english=ENGLISH.get(code, "")
    )
    return body, code, {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}


def server_error(error):
    """Issue 13: a failed commit at the request's boundary arrives here (as an unhandled error):
    the database being unavailable is still 503, a lost version race still 409."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm.exc import StaleDataError

    original = getattr(error, "original_exception", None)
    if isinstance(original, OperationalError):
        return database_busy(original)
    if isinstance(original, StaleDataError):
        return stale_row(original)
    return render_plain(500)


def database_busy(error):
    from flask import current_app

    current_app.logger.warning("database unavailable: %s", error)
    return render_plain(503)


def stale_row(error):
    """Issue 11: two saves of the same row version raced and this one lost (the row's
    ``version_id_col`` guard); nothing of it was written."""
    from flask_babel import gettext

    return render_plain(
        409,
        gettext(
            "Not saved: someone else saved this record at the same moment. Nothing was "
            "overwritten; go back, reload the page and enter your change again."
        ),
    )


FORM_MIMETYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuse_nul_bytes():
    """NUL cannot be stored (PostgreSQL refuses it in text) and is never typed: 400 with a message."""
    from flask import abort

    if request.blueprint == "api":  # the API validates its own parameters: 422 naming the parameter
        return None
    values = [request.path, *(v for vs in request.args.listvalues() for v in vs)]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in FORM_MIMETYPES:
        values += [v for vs in request.form.listvalues() for v in vs]
    if any("\x00" in v for v in values):
        abort(400)
    return None


# Query parameters that name a row or a number the database compares with an integer column.
INT_QUERY_PARAMS = frozenset(
    {
        "id",
        "page",
        "per_page",
        "year",
        "county",
        "county_id",
        "town",
        "town_id",
        "chain",
        "chain_id",
        "officer",
        "officer_id",
        "leader",
        "leader_id",
        "firm",
        "firm_id",
        "user",
        "user_id",
        "job",
        "batch",
    }
)
INT_MAX = 2**31 - 1


def refuse_out_of_range_ids():
    """An id, page or year in the query string beyond the columns' range (2^31 − 1) matches
    nothing: 404, as for an id in the path, never an overflow in the database driver (500)."""
    from flask import abort

    if request.blueprint == "api":  # the API validates its own parameters: 422 naming the parameter
        return None
    for name in INT_QUERY_PARAMS.intersection(request.args):
        for v in request.args.getlist(name):
            digits = v.strip().lstrip("+-")
            if digits.isdigit() and len(digits) > 9 and int(digits) > INT_MAX:
                abort(404)
    return None


def register_commands(app: Flask) -> None:
    from pipeline.cli import register_commands as register

    register(app)


def register_jinja(app: Flask) -> None:
    from pipeline import vocabulary
    from pipeline.web.filters import register_filters

    register_filters(app)
    from pipeline.web.fragments import topbar

    app.jinja_env.globals["topbar"] = topbar  # issue 15: the cached logged-in top bar of base.html
    app.jinja_env.globals["vocab"] = vocabulary  # templates read labels from the one vocabulary


def register_security_headers(app: Flask) -> None:
    csp = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
        "form-action 'self'"
    )

    @app.after_request
    def set_headers(response):
        # issue 12: a download (PDF, zip, Excel, CSV, any attachment) carries firm data: never stored
        if response.mimetype in DOWNLOAD_TYPES or "attachment" in response.headers.get(
            "Content-Disposition", ""
        ):
            response.headers["Cache-Control"] = "private, no-store"
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
