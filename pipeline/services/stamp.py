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
import weakref
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
CACHE_BYTES = 64 * 2**20  # rendered fragments: a few hundred pages per process

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
    global _commits
    _commits += 1  # any commit in this process: a stamp remembered by a request is re-read
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


_READ = text(f"SELECT n FROM {TABLE} WHERE id = 1")  # one statement object: its cache key is kept
_commits = 0  # commits seen by this process's engines (see ``current``)
_MEMO = "i15_stamp"
# Where ``current`` may remember the stamp: a dict that lives exactly as long as one HTTP request
# (the web layer installs one returning the request's WSGI environ), else None (no memo).


def _no_store() -> dict | None:
    return None


request_store: Callable[[], dict | None] = _no_store


def current() -> int | None:
    """The stamp now (one primary-key read), or None when the row is missing.

    Within one HTTP request the value is read once and remembered in the request's WSGI environ
    until this process commits anything (so a request that writes reads the new stamp); a write
    committed by another process meanwhile is seen by the next request, exactly as if this request
    had read everything at its start. Outside a request (CLI, jobs) it is read every time."""
    store = request_store()
    if store is not None:
        memo = store.get(_MEMO)
        if memo is not None and memo[0] == _commits:
            return memo[1]
    seen = _commits
    n = db.session.execute(_READ).scalar()
    if store is not None:
        store[_MEMO] = (seen, n)
    return n


def column():
    """The stamp as a column (a scalar subquery) for the query a request runs first, the user load:
    the request then reads its stamp without a round trip of its own (issue 15: fixed cost)."""
    from sqlalchemy import select

    from pipeline.models.stamp import DataStamp

    return select(DataStamp.n).where(DataStamp.id == 1).scalar_subquery().label("stamp")


def commits() -> int:
    """The commits this process has seen: pass it, read before the query, to :func:`remember`."""
    return _commits


def remember(seen: int, n: int | None) -> None:
    """Keep a stamp read by another query (:func:`column`) as this request's, exactly as
    :func:`current` keeps the one it reads (``seen``: :func:`commits` before that query ran)."""
    store = request_store()
    if store is not None:
        store[_MEMO] = (seen, n)


_cache: OrderedDict = OrderedDict()  # (name, database, stamp, key) -> (value, size)
_bytes = 0  # the sizes of the cached values (text: its length; anything else counts 1 KiB)
_newest: dict[str, int] = {}  # database -> the newest stamp seen: older entries are dropped
_lock = threading.Lock()
_db_names: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _database() -> str:
    engine = db.engine
    name = _db_names.get(engine)
    if name is None:
        name = _db_names[engine] = engine.url.render_as_string(hide_password=True)
    return name


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes) else 1024


def cached(name: str, key: tuple, compute: Callable[[], Any]) -> Any:
    """``compute()``, reused in this process while the data stamp is unchanged (LRU, at most
    ``CACHE_SIZE`` entries and ``CACHE_BYTES`` of text).

    ``key`` must hold everything else the value depends on: the user or scope, today's date, the
    locale for rendered text. Entries of an older stamp can never be asked for again: they are
    dropped as soon as a newer stamp is seen."""
    stamp = current()
    if stamp is None:
        return compute()
    # The database too: two apps (or a test's databases) in one process never share entries.
    database = _database()
    k = (name, database, stamp, key)
    with _lock:
        hit = _cache.get(k)
        if hit is not None:
            _cache.move_to_end(k)
            return hit[0]
    value = compute()
    with _lock:
        if stamp > _newest.get(database, 0):
            _newest[database] = stamp
            _drop(lambda old: old[1] == database and old[2] != stamp)
        global _bytes
        if k not in _cache:
            size = _size(value)
            _cache[k] = (value, size)
            _bytes += size
        while _cache and (len(_cache) > CACHE_SIZE or _bytes > CACHE_BYTES):
            _bytes -= _cache.popitem(last=False)[1][1]
    return value


def _drop(stale: Callable[[tuple], bool]) -> None:
    """Remove the entries whose key ``stale`` accepts (with the lock held)."""
    global _bytes
    for old in [old for old in _cache if stale(old)]:
        _bytes -= _cache.pop(old)[1]


def clear() -> None:
    global _bytes
    with _lock:
        _cache.clear()
        _newest.clear()
        _bytes = 0
