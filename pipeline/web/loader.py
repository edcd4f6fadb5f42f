"""The scoped loader: every row id in a URL becomes the row the current user may see, before the view runs.

One app-level ``url_value_preprocessor`` replaces ``firm_id`` by ``firm`` (fetched through
``services.scope``: out of scope is NotFound, 404, as before), each child id by its row *of that firm*
(``milestone_id`` → ``milestone``, ``submission_id`` → ``submission``, ``year`` → ``fiscal_year``,
``kind`` + ``child_id`` → ``child``), and the other ids by their rows when the permissions module lets
the user see them (``user_id`` → ``user``, ``county_id`` → ``county``, ``job_id`` → ``job`` …).
A view therefore takes ``firm``, ``milestone`` …, never an id, and cannot forget the scope: a new
route with ``<int:firm_id>`` gets the scoped firm or never runs.

Not logged in (or a disabled account): the login page, or 401 for the API, before any row is read.

Every argument of every rule must be known here (``LOADERS``, ``FIRM_CHILDREN`` or ``PLAIN``);
:func:`check_url_map` raises :class:`pipeline.wiring.WiringError` at start-up for one that is not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, abort, current_app, request
from flask_login import current_user
from sqlalchemy import select

from pipeline import permissions
from pipeline.errors import NotFound
from pipeline.extensions import db
from pipeline.wiring import WiringError


@dataclass(frozen=True)
class Loader:
    name: str  # the view's parameter
    load: Callable  # (user, value, loaded values) -> row; raises NotFound


def _row(model, value):
    row = db.session.get(model, value)
    if row is None:
        raise NotFound()
    return row


def _allowed(action: str, model):
    """A row anyone may reach who may do ``action`` to it."""

    def load(user, value, _loaded):
        row = _row(model, value)
        permissions.require(user, action, row)
        return row

    return load


def _firm(user, value, _loaded):
    from pipeline.services.scope import get_firm_or_404

    return get_firm_or_404(user, value)


def _county(user, value, _loaded):
    from pipeline.models import County

    county = _row(County, value)
    permissions.require(user, "county.view", county)
    return county


def _job(user, value, _loaded):
    from pipeline.reports.jobs import get_job_or_404

    return get_job_or_404(user, value)


def _account(user, value, _loaded):
    from pipeline.models import User

    return _allowed("user.admin", User)(user, value, _loaded)


def _token(user, value, _loaded):
    from pipeline.models import ApiToken

    return _allowed("token.own", ApiToken)(user, value, _loaded)


def _briefing_row(model_name: str):
    def load(user, value, _loaded):
        from pipeline import models

        permissions.require(user, "briefings.admin")
        return _row(getattr(models, model_name), value)

    return load


def _notification(user, value, _loaded):
    """One of the user's own in-app notifications (admins too: only their own)."""
    from pipeline.reminders.inbox import find

    row = find(user, value)
    if row is None:
        raise NotFound()
    return row


def _delivery(user, value, _loaded):
    from pipeline.models import Delivery

    permissions.require(user, "reminders.admin")
    return _row(Delivery, value)


def _batch(user, value, _loaded):
    from pipeline.models import ApplicationBatch

    permissions.require(user, "planning.edit")
    return _row(ApplicationBatch, value)


# Rule argument → the view's parameter and how to load it. ``firm_id`` first: children load under it.
LOADERS: dict[str, Loader] = {
    "firm_id": Loader("firm", _firm),
    "county_id": Loader("county", _county),
    "job_id": Loader("job", _job),
    "user_id": Loader("user", _account),
    "token_id": Loader("token", _token),
    "notification_id": Loader("notification", _notification),
    "delivery_id": Loader("delivery", _delivery),
    "briefing_delivery_id": Loader("delivery", _briefing_row("BriefingDelivery")),
    "schedule_id": Loader("schedule", _briefing_row("BriefingSchedule")),
    "batch_id": Loader("batch", _batch),
}


def _child(model_name: str, key: str = "id"):
    def load(firm, value, _values):
        from pipeline import models

        model = getattr(models, model_name)
        row = db.session.scalars(
            select(model).where(getattr(model, key) == value, model.firm_id == firm.id)
        ).first()
        if row is None:
            raise NotFound()
        return row

    return load


# The rows a firm's URL may name (``/firms/<firm_id>/<kind>/<child_id>/delete``): kind → model.
CHILD_KINDS = {
    "years": "FiscalYear",
    "ip": "IPAsset",
    "conversions": "Conversion",
    "incidents": "Incident",
}


def _kind_child(firm, value, values):
    model_name = CHILD_KINDS.get(values.get("kind"))
    if model_name is None:
        raise NotFound()
    return _child(model_name)(firm, value, values)


# Rule argument of a firm's URL → the view's parameter and its row, found only within that firm.
FIRM_CHILDREN: dict[str, Loader] = {
    "milestone_id": Loader("milestone", _child("Milestone")),
    "submission_id": Loader("submission", _child("FigureSubmission")),
    "year": Loader("fiscal_year", _child("FiscalYear", "year")),
    "child_id": Loader("child", _kind_child),
}

# Arguments that name no row (passed to the view as they are). ``year`` outside a firm's URL is a
# calendar year; ``kind`` names a child table or an IP kind; ``stage`` a pool stage.
PLAIN = frozenset({"kind", "stage", "year", "name", "filename"})


def check_url_map(app: Flask) -> None:
    """Every rule argument is loaded or declared plain; a child id appears only under ``firm_id``."""
    for rule in app.url_map.iter_rules():
        for arg in rule.arguments:
            if arg in LOADERS or (arg in FIRM_CHILDREN and "firm_id" in rule.arguments) or arg in PLAIN:
                continue
            raise WiringError(
                f"route {rule.rule} ({rule.endpoint}): the scoped loader does not know the argument "
                f"{arg!r}; add it to pipeline/web/loader.py (LOADERS, FIRM_CHILDREN or PLAIN)"
            )


def _actor():
    """The user the request acts for; not logged in: the login page (401 for the API), raised."""
    if request.blueprint == "api":
        from pipeline.web.api import authenticate

        user, error = authenticate()
        if error is not None:
            abort(error)
        return user
    if not getattr(current_user, "is_authenticated", False):
        abort(current_app.login_manager.unauthorized())
    return current_user._get_current_object()


def load_values(endpoint: str | None, values: dict | None) -> None:
    """Replace each id in ``values`` by its scoped row (in place), or raise NotFound / the login page."""
    if not values or not any(k in LOADERS or k in FIRM_CHILDREN for k in values):
        return
    user = _actor()
    for arg, loader in LOADERS.items():
        if arg in values:
            values[loader.name] = loader.load(user, values.pop(arg), values)
    firm = values.get("firm")
    if firm is None:
        return
    for arg, loader in FIRM_CHILDREN.items():
        if arg in values:
            values[loader.name] = loader.load(firm, values.pop(arg), values)


def install(app: Flask) -> None:
    check_url_map(app)
    app.url_value_preprocessor(load_values)
