"""Blueprints: thin views that parse, call one service and render.

Each module listed exposes ``bp`` (and optionally ``bps``, a list); modules not written yet are
skipped, so features land independently.
"""

from __future__ import annotations

import importlib

from flask import Flask

BLUEPRINT_MODULES = (
    "pipeline.web.auth",
    "pipeline.web.pool",
    "pipeline.web.firm",
    "pipeline.web.roadmap",
    "pipeline.web.portal",
    "pipeline.web.imports",
    "pipeline.web.admin",
    "pipeline.web.planning",
    "pipeline.web.notifications",
    "pipeline.web.inbox",
    "pipeline.web.account",
    "pipeline.web.reminders",
    "pipeline.web.reports",
    "pipeline.web.dashboard",
    "pipeline.web.api",
    "pipeline.web.compliance",  # issue 16
    "pipeline.web.briefings",  # issue 16
)


def register_blueprints(app: Flask) -> None:
    for name in BLUEPRINT_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        for bp in getattr(module, "bps", None) or [module.bp]:
            app.register_blueprint(bp)
