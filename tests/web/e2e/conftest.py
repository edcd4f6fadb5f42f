"""A live server on 127.0.0.1:<free port> over a temp SQLite database, and a headless Debian chromium."""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(os.environ.get("E2E_SHOTS", "/tmp/shots"))
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def live():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    pytest.importorskip("playwright.sync_api")
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from pipeline import create_app
    from pipeline.extensions import db
    from tests.web.conftest import build_world

    tmp = tempfile.mkdtemp(prefix="pipeline-e2e-")
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/e2e.db",
            "WTF_CSRF_ENABLED": True,
            "EXPORT_DIR": f"{tmp}/exports",
        }
    )
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        world = build_world(db)
        ids = {"own": world.own.id, "other": world.other.id, "same": world.same.id}
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "ids": ids, "app": app}
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    ctx = browser.new_context(viewport={"width": 1360, "height": 900}, locale="zh-CN")
    pg = ctx.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.console_errors = errors
    yield pg
    ctx.close()
