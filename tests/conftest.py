"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.

The schema is made by the migrations (never ``create_all``), once per session; each test that uses
the database starts from empty tables.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _pin_the_run_date():
    """One date for the whole run: the day in Asia/Shanghai when it started, pinned before any test
    module computes its ``TODAY`` from the clock. A run that crosses midnight in Beijing (16:00 UTC)
    must not see one day in its fixtures and the next on its pages."""
    from pipeline import clock

    clock.set_today(None)
    day = clock.today()
    clock.set_today(day)
    return day


RUN_TODAY = _pin_the_run_date()


@pytest.fixture(autouse=True)
def _one_date_per_run():
    """Every test starts on the run's date (a test that pins another date or unpins restores it)."""
    from pipeline import clock

    clock.set_today(RUN_TODAY)
    yield
    clock.set_now_utc(None)
    clock.set_today(RUN_TODAY)


def _database_url(tmp_dir: str) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir}/test.db"


def _private_pg_database(url: str, suffix: str = "suite"):
    """A database of this test process's own on the TEST_DATABASE_URL server.

    Several suites (and developers) may share one server; each run gets a fresh database and
    drops it at the end, so runs never see each other's rows or schema changes.
    """
    from sqlalchemy import create_engine, text

    base, _, name = url.rpartition("/")
    private = f"{name}_{suffix}_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{private}"'))
        conn.execute(text(f'CREATE DATABASE "{private}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{private}" WITH (FORCE)'))
        admin.dispose()

    return f"{base}/{private}", drop


@pytest.fixture(scope="session")
def app():
    from flask_migrate import upgrade

    from pipeline import create_app
    from pipeline.config import normalise_db_url

    tmp = tempfile.mkdtemp(prefix="pipeline-test-")
    url = normalise_db_url(_database_url(tmp))
    drop = None
    if url.startswith("postgresql"):
        url, drop = _private_pg_database(url)
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "EXPORT_DIR": f"{tmp}/exports", "SERVER_NAME": None}
    )

    def _load_user_per_request(_sender, **_extra):
        # Tests hold one app context open (the ``db`` fixture), so requests share ``g``; without
        # this, Flask-Login would keep the first request's user for every later client. On
        # ``request_started``, before the scoped loader (a URL value preprocessor) reads the user.
        from flask import g

        g.pop("_login_user", None)

    from flask import request_started

    request_started.connect(_load_user_per_request, app, weak=False)

    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
    yield app
    with app.app_context():
        from pipeline.extensions import db

        db.session.remove()
        db.engine.dispose()
    if drop is not None:
        drop()


@pytest.fixture
def db(app):
    """The database with empty tables, inside an app context."""
    from pipeline.extensions import db as _db

    with app.app_context():
        _truncate(_db)
        yield _db
        _db.session.rollback()
        _db.session.remove()


def _truncate(db) -> None:
    from sqlalchemy import text

    db.session.rollback()  # an open transaction would hold locks that TRUNCATE waits for
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(
                text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE")
            )
        else:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))
            conn.execute(text("PRAGMA foreign_keys=ON"))


@pytest.fixture
def client(app, db):
    return app.test_client()


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


def client_for(app, user):
    """A test client with ``user`` logged in."""
    c = app.test_client()
    login(c, user)
    return c


def login(client, user) -> None:
    """Log ``user`` in on the test client without going through the login form."""
    from flask_login.utils import _create_identifier

    # Flask-Login's "strong" session protection compares this identifier with the request's.
    with client.application.test_request_context(environ_base=client.environ_base):
        ident = _create_identifier()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)
        sess["_sv"] = user.session_version or 0  # the session version (issue 12): an older one is refused
        sess["_fresh"] = True
        sess["_id"] = ident
