"""Flask commands: one module per command group under ``pipeline/cli/``; this file registers them.

Every module named in ``COMMAND_MODULES`` exposes ``register(app)``. A missing one fails at start-up
(:class:`pipeline.wiring.WiringError`), never silently.
"""

from __future__ import annotations

from flask import Flask

from pipeline.wiring import resolve

COMMAND_MODULES = (
    "pipeline.cli.demo",  # seed-demo
    "pipeline.cli.assess",  # assess-all
    "pipeline.cli.users",  # users …
    "pipeline.cli.roadmaps",  # roadmaps …
    "pipeline.cli.reminders",  # reminders …
    "pipeline.cli.export",  # export …
    "pipeline.cli.goals",  # goals …
    "pipeline.cli.compliance",  # compliance … (issue 16)
)


def register_commands(app: Flask) -> None:
    for name in COMMAND_MODULES:
        resolve(f"{name}:register")(app)
