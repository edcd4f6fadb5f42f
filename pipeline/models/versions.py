"""The one place a row version goes up (issue 11): before every flush, for every versioned row with
a real change, whatever code changed it (a form, the import, a stage move, a roadmap regeneration);
and every audit row of a versioned row is stamped with the version that write left it at.

Registered on SQLAlchemy's ``Session`` class, so every session of the app (requests, CLI, jobs) has it.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from pipeline.models.audit import AuditLog
from pipeline.models.base import Versioned


@cache
def _versioned_by_table() -> dict[str, type]:
    from pipeline.extensions import db

    return {
        m.class_.__tablename__: m.class_
        for m in db.Model.registry.mappers
        if issubclass(m.class_, Versioned) and hasattr(m.class_, "__tablename__")
    }


@event.listens_for(Session, "before_flush")
def bump_versions(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty):
        if not isinstance(obj, Versioned) or not session.is_modified(obj, include_collections=False):
            continue
        if inspect(obj).attrs.version.history.has_changes():
            continue  # set by hand (a test, a data repair): left as it is
        obj.version = (obj.version or 1) + 1
    audits = [o for o in session.new if isinstance(o, AuditLog) and o.entity_version is None and o.entity_id]
    if not audits:
        return
    by_table = _versioned_by_table()
    for row in audits:
        cls = by_table.get(row.entity)
        if cls is None:
            continue
        target = session.identity_map.get(identity_key(cls, row.entity_id))
        if target is not None:
            row.entity_version = target.version
        else:  # the row object is gone from the (weak) identity map: its flushed version is in the table
            table = cls.__table__
            row.entity_version = session.connection().scalar(
                select(table.c.version).where(table.c.id == row.entity_id)
            )
