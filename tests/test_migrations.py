"""The migrations alone make the schema: upgrade from empty, match the models, downgrade, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

ROOT = Path(__file__).resolve().parent.parent


def _targets(tmp_path):
    urls = [("sqlite", f"sqlite:///{tmp_path}/migrations.db")]
    pg = os.environ.get("TEST_DATABASE_URL")
    if pg and pg.startswith("postgresql"):
        urls.append(("postgresql", pg))
    return urls


def _run(url, fn):
    from flask_migrate import downgrade, upgrade  # noqa: F401

    from pipeline import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from pipeline.extensions import db

        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        try:
            return fn(app, db)
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    from pipeline.config import normalise_db_url
    from tests.conftest import _private_pg_database

    urls = dict(_targets(tmp_path))
    if request.param not in urls:
        pytest.skip("TEST_DATABASE_URL does not point at PostgreSQL")
    if request.param == "sqlite":
        yield urls["sqlite"]
        return
    url, drop = _private_pg_database(normalise_db_url(urls["postgresql"]), suffix="migrations")
    yield url
    drop()


def test_upgrade_from_empty_matches_models_and_downgrade_removes_everything(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_migrate import downgrade, upgrade

    def check(app, db):
        directory = str(ROOT / "migrations")
        upgrade(directory=directory)
        tables = set(inspect(db.engine).get_table_names())
        assert {
            "firm",
            "fiscal_year",
            "ip_asset",
            "county",
            "target",
            "user_account",
            "assessment",
            "roadmap",
            "milestone",
            "reminder",
            "delivery",
            "audit_log",
            "job",
        } <= tables
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata
            )
        assert diff == [], f"models and migrations disagree: {diff}"
        downgrade(directory=directory, revision="base")
        left = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert left == set()
        upgrade(directory=directory)  # and it comes back up cleanly
        assert "firm" in set(inspect(db.engine).get_table_names())

    _run(database_url, check)


def test_single_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    assert len(ScriptDirectory.from_config(cfg).get_heads()) == 1
