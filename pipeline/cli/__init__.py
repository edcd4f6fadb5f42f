"""Flask commands: one module per command group under ``pipeline/cli/``; this file registers them.

Every module named in ``COMMAND_MODULES`` exposes ``register(app)``. A missing one fails at start-up
(:class:`pipeline.wiring.WiringError`), never silently.

Issue 13: each command is one transaction. ``register_commands`` wraps every command the modules
register (``transactional``): it commits once when the command returns and rolls back when it fails
(an exception, ``click`` errors and a non-zero exit included), so a command that fails half-way writes
nothing. Services only flush.
"""

from __future__ import annotations

import functools

import click
from flask import Flask
from flask.cli import with_appcontext

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
    before = set(app.cli.commands)
    for name in COMMAND_MODULES:
        resolve(f"{name}:register")(app)
    for name in set(app.cli.commands) - before:
        _wrap(app.cli.commands[name])


def _wrap(command: click.Command) -> None:
    """Make every leaf command under ``command`` one transaction (groups only dispatch)."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _wrap(sub)
    elif command.callback is not None and not getattr(command.callback, "transactional", False):
        command.callback = transactional(command.callback)


def transactional(fn):
    """The CLI's transaction boundary: ``fn`` commits once on success, rolls back on any failure."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        from pipeline.extensions import db

        try:
            result = fn(*args, **kwargs)
        except click.exceptions.Exit as exit_:
            if exit_.exit_code == 0:  # ``ctx.exit(0)``: a success
                db.session.commit()
            else:
                db.session.rollback()
            raise
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return result

    run.transactional = True
    return with_appcontext(run)
