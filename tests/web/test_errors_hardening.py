"""Issue 12, item 7: WAL + busy timeout, a database-free error page, bounded integers in URLs, NUL refused."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import login
from tests.web.conftest import fresh


def test_sqlite_runs_in_wal_with_a_busy_timeout(app, db):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        pytest.skip("SQLite file databases only")
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000


@pytest.mark.parametrize(
    "url",
    [
        "/firms/9223372036854775808",
        "/firms/2147483648",
        "/firms/99999999999999999999999",
        "/firms/1/years/9223372036854775808/edit",
    ],
)
def test_huge_ids_in_urls_are_404_not_500(app, world, url):
    c = app.test_client()
    login(c, world.officer)
    assert fresh(app, c, "get", url).status_code == 404


def test_nul_bytes_are_refused(app, world):
    c = app.test_client()
    login(c, world.officer)
    assert fresh(app, c, "get", "/pool/?q=%00").status_code == 400
    resp = fresh(app, c, "post", f"/firms/{world.own.id}/edit", data={"name": "甲\x00乙"})
    assert resp.status_code == 400


def test_a_database_failure_gets_a_friendly_chinese_page_without_the_database(app, world, monkeypatch):
    """The error page renders although every query fails (it used to query the database itself)."""
    from sqlalchemy.exc import OperationalError

    c = app.test_client()
    login(c, world.officer)
    from pipeline.extensions import db as ext_db

    def boom(*a, **kw):
        raise OperationalError("SELECT 1", {}, Exception("database is locked"))

    monkeypatch.setattr(ext_db.session, "execute", boom)
    monkeypatch.setattr(ext_db.session, "get", boom)
    monkeypatch.setattr(ext_db.session, "scalar", boom)
    monkeypatch.setattr(ext_db.session, "scalars", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        resp = fresh(app, c, "get", "/pool/")
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    html = resp.get_data(as_text=True)
    assert resp.status_code == 503 and "系统正忙" in html and "Internal Server Error" not in html
