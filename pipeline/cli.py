"""Flask commands. Each subsystem keeps its commands in its own module; this file only registers them."""

from __future__ import annotations

import importlib

from flask import Flask

# Modules that expose ``register(app)``; a module not written yet is skipped.
COMMAND_MODULES = (
    "pipeline.services.demo_cli",
    "pipeline.services.assess_cli",
    "pipeline.services.users_cli",
    "pipeline.services.roadmap_cli",
    "pipeline.reminders.cli",
    "pipeline.reports.cli",
    "pipeline.services.goal_cli",
    "pipeline.services.compliance_cli",  # issue 16
)


def register_commands(app: Flask) -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
                continue
            raise
        module.register(app)
