"""docs/operations.md is right: back up, restore into a fresh database, and compare (issue 12, item 8)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess

import pytest
from sqlalchemy import create_engine, inspect, text


def _dump(url: str) -> dict:
    eng = create_engine(url)
    out = {}
    with eng.connect() as conn:
        for table in inspect(conn).get_table_names():
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
            out[table] = sorted(map(repr, rows))
    eng.dispose()
    return out


def _seed(db):
    from datetime import date

    from pipeline.services.demo import seed_demo

    seed_demo(date(2026, 11, 27), firms=15, seed=5)
    db.session.commit()


def test_sqlite_backup_and_restore(app, db, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite:///") or not shutil.which("sqlite3"):
        pytest.skip("SQLite file database and the sqlite3 tool needed")
    _seed(db)
    path = url.removeprefix("sqlite:///")
    backup = tmp_path / "backup.db"
    subprocess.run(["sqlite3", path, f".backup '{backup}'"], check=True)
    restored = tmp_path / "restored.db"
    shutil.copy(backup, restored)
    assert sqlite3.connect(restored).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    before, after = _dump(url), _dump(f"sqlite:///{restored}")
    assert before == after and len(before["firm"]) >= 15


def test_postgresql_backup_and_restore(app, db, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql") or not shutil.which("pg_dump"):
        pytest.skip("PostgreSQL (TEST_DATABASE_URL) and pg_dump needed")
    _seed(db)
    libpq = url.replace("+psycopg", "")
    dump = tmp_path / "backup.dump"
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", libpq], check=True)
    base, _, name = url.rpartition("/")
    target = f"{name}_restored"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target}"'))
        conn.execute(text(f'CREATE DATABASE "{target}"'))
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={base.replace('+psycopg', '')}/{target}", str(dump)],
            check=True,
        )
        before, after = _dump(url), _dump(f"{base}/{target}")
        assert before == after and len(before["firm"]) >= 15
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
        admin.dispose()
