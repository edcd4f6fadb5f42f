"""The data stamp: one number that changes with every committed write, and a cache keyed by it (issue 15).

Every transaction that inserts, updates or deletes rows bumps ``data_stamp.n`` in the same
transaction, just before its COMMIT (an engine event, so ORM flushes, Core statements, driver
``executemany`` and bulk jobs alike). A figure computed after reading the stamp is therefore valid for
as long as the stamp is unchanged: ``cached(name, key, compute)`` reuses it, per process, until any
write anywhere commits. Nothing can be stale — the next request after a write reads a new stamp.

Writes to the tables in ``UNSTAMPED`` do not bump the stamp (they happen on every login, API call,
scheduler heartbeat or job progress tick and would defeat the cache): never cache anything that reads
them. The stamp is read before the figures it guards (the figures can only be newer than the stamp,
never older); a missing row (an emptied table) means "no caching" until the next write recreates it.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, text

from pipeline.extensions import db

TABLE = "data_stamp"
UNSTAMPED = frozenset(
    {TABLE, "alembic_version", "login_attempt", "remember_token", "scheduler_lease", "job", "api_token"}
)
CACHE_SIZE = 4096

_WRITE = re.compile(
    r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM|MERGE\s+INTO)"
    r"\s+\"?(\w+)\"?",
    re.IGNORECASE,
)
_ALWAYS = re.compile(r"^\s*TRUNCATE\b|^\s*WITH\b.*\b(?:INSERT|UPDATE|DELETE)\b", re.IGNORECASE | re.DOTALL)
_KEY = "i15_stamp"  # in the DBAPI connection's info: "write" (bump at commit) or "skip" (a migration)


def _classify(statement: str) -> str | None:
    m = _WRITE.match(statement)
    if m:
        table = m.group(1).lower()
        if table == "alembic_version":
            return "skip"  # a migration's transaction: the stamp table may not exist yet
        return None if table in UNSTAMPED else "write"
    return "write" if _ALWAYS.match(statement) else None


def _on_execute(conn, cursor, statement, parameters, context, executemany) -> None:
    kind = _classify(statement)
    if kind and conn.info.get(_KEY) != "skip":
        conn.info[_KEY] = kind


def _on_commit(conn) -> None:
    if conn.info.pop(_KEY, None) != "write":
        return
    # The raw driver cursor, inside the transaction that is about to commit (the last statement
    # before COMMIT, so the row lock is held only for the commit itself). The stamp moves to the
    # clock (in microseconds) or one past its value, whichever is larger: a fresh database (the
    # migration seeds n = 1), a re-created row or a restored backup never repeats a number that a
    # cache in this process may still hold for other data.
    now = time.time_ns() // 1000
    cur = conn.connection.dbapi_connection.cursor()
    try:
        cur.execute(
            f"INSERT INTO {TABLE} (id, n) VALUES (1, {now}) ON CONFLICT (id) DO UPDATE SET "
            f"n = CASE WHEN {TABLE}.n + 1 > {now} THEN {TABLE}.n + 1 ELSE {now} END"
        )
    finally:
        cur.close()


def _on_rollback(conn) -> None:
    conn.info.pop(_KEY, None)


def install(app) -> None:
    """Listen on the app's engine (called once from ``create_app``)."""
    with app.app_context():
        engine = db.engine
    if not event.contains(engine, "before_cursor_execute", _on_execute):
        event.listen(engine, "before_cursor_execute", _on_execute)
        event.listen(engine, "commit", _on_commit)
        event.listen(engine, "rollback", _on_rollback)


def current() -> int | None:
    """The stamp now (one primary-key read), or None when the row is missing."""
    return db.session.execute(text(f"SELECT n FROM {TABLE} WHERE id = 1")).scalar()


_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()


def cached(name: str, key: tuple, compute: Callable[[], Any]) -> Any:
    """``compute()``, reused in this process while the data stamp is unchanged (LRU, ``CACHE_SIZE``).

    ``key`` must hold everything else the value depends on: the user or scope, today's date, the
    locale for rendered text."""
    stamp = current()
    if stamp is None:
        return compute()
    # The database too: two apps (or a test's databases) in one process never share entries.
    k = (name, db.engine.url.render_as_string(hide_password=True), stamp, key)
    with _lock:
        if k in _cache:
            _cache.move_to_end(k)
            return _cache[k]
    value = compute()
    with _lock:
        _cache[k] = value
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _cache.clear()
