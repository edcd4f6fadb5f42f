"""A unique or foreign-key violation at flush becomes a domain ``Conflict`` on the right field.

The violated constraint is found by what the database names, never by its message text (which
differs between SQLite, PostgreSQL and languages): PostgreSQL gives the constraint's name
(``diag.constraint_name``), looked up in the models' metadata; SQLite gives ``table.column, …``
(``UNIQUE constraint failed: target.county_id, target.year``). Both end as (table, columns), the
key of ``CONFLICTS``: the one table of what a clash means to a user.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

from sqlalchemy.exc import IntegrityError

from pipeline.errors import Conflict
from pipeline.extensions import db
from pipeline.i18n import lazy_gettext


class Clash(NamedTuple):
    field: str  # the form field / API parameter the message belongs to
    message: Callable[[], str]  # lazy: rendered in the request's language


# (table, columns of the constraint) → where and what to tell the user.
CONFLICTS: dict[tuple[str, tuple[str, ...]], Clash] = {
    ("application_batch", ("code",)): Clash("code", lazy_gettext("This batch code already exists")),
    ("user_account", ("username",)): Clash("username", lazy_gettext("This user name is already taken")),
    ("firm", ("credit_code",)): Clash(
        "credit_code", lazy_gettext("A firm with this unified social credit code already exists")
    ),
    ("target", ("county_id", "year")): Clash(
        "year", lazy_gettext("This county already has a target for this year")
    ),
    ("dept_node", ("parent_id", "name")): Clash(
        "name", lazy_gettext("A department with this name already exists here")
    ),
}
GENERIC = Clash("", lazy_gettext("Not saved: this record clashes with one that already exists"))

_SQLITE = re.compile(r"(?:UNIQUE|FOREIGN KEY) constraint failed(?::\s*(.+))?", re.I)


def constraint_of(error: IntegrityError) -> tuple[str, tuple[str, ...]] | None:
    """(table, columns) of the violated constraint, or None when the database does not say."""
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return _by_name(name)
    m = _SQLITE.search(str(error.orig))
    if m and m.group(1):
        parts = [p.strip().split(".", 1) for p in m.group(1).split(",")]
        if all(len(p) == 2 for p in parts):
            return parts[0][0], tuple(col for _table, col in parts)
    return None


def _by_name(name: str) -> tuple[str, tuple[str, ...]] | None:
    for table in db.metadata.tables.values():
        for constraint in (*table.constraints, *table.indexes):
            if constraint.name == name:
                return table.name, tuple(c.name for c in constraint.columns)
    return None


def conflict(table: str, columns: tuple[str, ...]) -> Conflict:
    """The ``Conflict`` a clash on this constraint is: a service's pre-check ("exists already?")
    raises this, and so does the flush that a concurrent write raced past it, in the same words."""
    clash = CONFLICTS.get((table, tuple(columns)), GENERIC)
    return Conflict(str(clash.message), field=clash.field or None)


def conflict_of(error: IntegrityError) -> Conflict:
    return conflict(*(constraint_of(error) or ("", ())))


@contextmanager
def flush_or_conflict() -> Iterator[None]:
    """Run the block's writes and flush them inside a SAVEPOINT: a violation undoes only them and
    is raised as ``Conflict(message, field)``; the session stays usable."""
    try:
        with db.session.begin_nested():
            yield
            db.session.flush()
    except IntegrityError as exc:
        raise conflict_of(exc) from None
