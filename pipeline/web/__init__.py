"""Blueprints: thin views that parse, call one service and render."""
from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from pipeline.web import pool

    app.register_blueprint(pool.bp)
