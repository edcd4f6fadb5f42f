"""Explicit wiring: blueprints, CLI groups and scheduler jobs are named in one list each and resolved here.

A name that does not resolve (module renamed, function gone) raises :class:`WiringError` while the
app or the scheduler starts, so a missing piece is never silently skipped.
"""

from __future__ import annotations

import importlib


class WiringError(RuntimeError):
    """A blueprint, command module or job named in a wiring list does not exist."""


def resolve(ref: str):
    """``"pkg.module"`` (the module) or ``"pkg.module:attr"`` (an attribute of it), or WiringError."""
    module_name, _, attr = ref.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name == exc.name or module_name.startswith(exc.name + ".")):
            raise WiringError(f"wired module {module_name!r} does not exist") from exc
        raise
    if not attr:
        return module
    try:
        return getattr(module, attr)
    except AttributeError as exc:
        raise WiringError(f"{module_name!r} has no {attr!r} (wired as {ref!r})") from exc
