"""Audit writing: every write records who, when and what changed (before/after)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pipeline import runtime
from pipeline.extensions import db
from pipeline.models import AuditLog


def jsonable(value):
    """Dates, Decimals and nested values as JSON-friendly scalars (Decimal as a string: exact)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    return value


def snapshot(obj, fields) -> dict:
    """The named attributes of a model object, JSON-friendly, for ``before``/``after``."""
    return {f: jsonable(getattr(obj, f)) for f in fields}


def diff(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    """Only the keys that changed, so the history shows what an officer actually edited."""
    if before is None or after is None:
        return before, after
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    user,
    action: str,
    entity: str,
    entity_id: int | None = None,
    firm_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    only_changes: bool = True,
) -> AuditLog | None:
    """Add an audit row to the current transaction (the caller commits). Returns None if nothing changed."""
    if only_changes and action == "update":
        before, after = diff(before, after)
        if not after:
            return None
    row = AuditLog(
        user_id=getattr(user, "id", None),
        action=action,
        entity=entity,
        entity_id=entity_id,
        firm_id=firm_id,
        before=jsonable(before),
        after=jsonable(after),
        ip=runtime.client_ip(),
    )
    db.session.add(row)
    return row
