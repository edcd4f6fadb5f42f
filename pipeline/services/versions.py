"""Stale-form refusal (issue 11): a form filled from an older version of a row is refused, with what
changed since and by whom, read from the audit log; nothing is written.

The version itself goes up in one place, ``pipeline.models.versions`` (before every flush that changes
a versioned row), and every UPDATE of a versioned row is guarded by SQLAlchemy's ``version_id_col``.
A form carries the version it was filled from in a hidden ``version`` field; the service calls
``check(row, posted, entity)`` before it writes. A form without the field (an old client) is not
checked; every page of the app sends it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from pipeline.extensions import db
from pipeline.i18n import gettext
from pipeline.models import AuditLog, User

MAX_CHANGES_SHOWN = 5
MAX_VALUE_CHARS = 40


class StaleRecord(ValueError):
    """The form was filled from an older version; ``current`` is the row's version now."""

    def __init__(self, message: str, current: int, changes: list[Change]):
        super().__init__(message)
        self.current = current
        self.changes = changes


@dataclass
class Change:
    """One audited write since the form's version: who, when, and field → (before, after)."""

    entity: str
    user: str
    at: object  # naive UTC datetime
    fields: dict[str, tuple]


def posted_version(raw) -> int | None:
    """The hidden ``version`` field as posted: an int, or None when absent or not a number."""
    if raw is None or isinstance(raw, bool):
        return None
    try:
        value = int(str(raw).strip())
    except ValueError:
        return None
    return value if 0 <= value < 2**31 else None


def version_of(row) -> int:
    """The version a form carries for ``row``; 0 for a row that does not exist yet (a new target)."""
    return 0 if row is None else int(row.version or 1)


def changes_since(entity: str, entity_id: int | None, since: int) -> list[Change]:
    """The audited writes that took ``entity`` ``entity_id`` past version ``since``, oldest first."""
    if entity_id is None:
        return []
    rows = db.session.execute(
        select(AuditLog, User.display_name, User.username)
        .outerjoin(User, User.id == AuditLog.user_id)
        .where(
            AuditLog.entity == entity,
            AuditLog.entity_id == entity_id,
            AuditLog.entity_version > since,
        )
        .order_by(AuditLog.id)
    ).all()
    out = []
    for audit, display_name, username in rows:
        before, after = audit.before or {}, audit.after or {}
        fields = {
            k: (before.get(k), v)
            for k, v in after.items()
            if k not in ("reason",) and before.get(k) != v and not k.startswith("_")
        }
        out.append(Change(entity, display_name or username or gettext("the system"), audit.at, fields))
    return out


def check(row, posted: int | None, entity: str, labels: dict | None = None) -> None:
    """Refuse (``StaleRecord``) when the form's version is not the row's version now."""
    if posted is None:
        return
    current = version_of(row)
    if posted == current:
        return
    changes = changes_since(entity, getattr(row, "id", None), posted)
    raise StaleRecord(stale_message(changes, labels or {}, row is None), current, changes)


def field_label(entity: str, key: str, labels: dict | None = None) -> str:
    """The field's name as the form labels it, else as the history names it (i17's one table)."""
    from pipeline.web.filters import audit_label

    if labels and key in labels:
        return str(labels[key])
    return audit_label(entity, key)


def display_value(entity: str, key: str, value) -> str:
    """A value as the history shows it (i17's ``audit_value``), with names for ids, shortened."""
    from pipeline.web.filters import audit_value

    names = None
    if key in ("county_id", "town_id", "officer_id") and isinstance(value, int):
        from pipeline.models import County, DeptNode

        model = {"county_id": County, "town_id": DeptNode, "officer_id": User}[key]
        row = db.session.get(model, value)
        name = getattr(row, "display_name", None) or getattr(row, "name", None)
        if key == "county_id":
            return name or str(value)
        names = {(key, value): name} if name else None
    text = audit_value(entity, key, value, names)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


def describe(change: Change, labels: dict) -> str:
    from pipeline.web.filters import local_dt

    fields = gettext(", ").join(
        gettext(
            "%(field)s: %(before)s → %(after)s",
            field=field_label(change.entity, k, labels),
            before=display_value(change.entity, k, b),
            after=display_value(change.entity, k, a),
        )
        for k, (b, a) in change.fields.items()
    )
    return gettext(
        "%(user)s changed %(fields)s at %(time)s",
        user=change.user,
        fields=fields or gettext("the record"),
        time=local_dt(change.at),
    )


def stale_message(changes: list[Change], labels: dict, gone: bool = False) -> str:
    if gone:
        return gettext("Not saved: this record was deleted after you opened the form.")
    if not changes:
        what = gettext("another user changed this record")
    else:
        what = gettext("; ").join(describe(c, labels) for c in changes[-MAX_CHANGES_SHOWN:])
        if len(changes) > MAX_CHANGES_SHOWN:
            what = gettext("%(n)s earlier changes; ", n=len(changes) - MAX_CHANGES_SHOWN) + what
    return gettext(
        "Not saved: after you opened this form, %(changes)s. Nothing was overwritten; your entries "
        "are kept below. Check them against the current values; saving again replaces the current "
        "values with yours.",
        changes=what,
    )


def form_labels(form) -> dict:
    """``field name → label`` of a WTForms form, for the message."""
    return {f.name: f.label.text for f in form if getattr(f, "label", None) is not None}
