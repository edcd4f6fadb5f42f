"""Blueprints: thin views that parse, call one service and render.

Every blueprint is named in ``BLUEPRINTS`` and registered from it; a missing one fails at start-up
(:class:`pipeline.wiring.WiringError`), never silently.
"""

from __future__ import annotations

from flask import Flask

from pipeline.wiring import resolve

BLUEPRINTS = (
    "pipeline.web.auth:bp",
    "pipeline.web.pool:bp",
    "pipeline.web.firm:bp",
    "pipeline.web.roadmap:bp",
    "pipeline.web.portal:bp",
    "pipeline.web.imports:bp",
    "pipeline.web.admin:bp",
    "pipeline.web.planning:bp",
    "pipeline.web.notifications:bp",
    "pipeline.web.inbox:bp",
    "pipeline.web.account:bp",
    "pipeline.web.reminders:bp",
    "pipeline.web.reports:bp",
    "pipeline.web.dashboard:bp",
    "pipeline.web.api:bp",
    "pipeline.web.compliance:bp",  # issue 16
    "pipeline.web.briefings:bp",  # issue 16
    "pipeline.web.robots:bp",  # issue 17
)


def register_blueprints(app: Flask) -> None:
    from pipeline.web import loader, transaction

    transaction.register(app)  # issue 13: each request commits or rolls back once, there
    for ref in BLUEPRINTS:
        app.register_blueprint(resolve(ref))
    loader.install(app)  # every id in a URL becomes its scoped row before the view runs
