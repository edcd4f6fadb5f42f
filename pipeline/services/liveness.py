"""Is the process that owns a running job, scan or lease still alive? (issue 12: crash recovery)

An owner is named ``host:pid`` (a lease adds ``:suffix``). On the same host a dead pid is known at
once; on any host an owner whose heartbeat is older than its TTL is taken as dead (hung or gone).
:class:`Heartbeat` renews a row's ``heartbeat_at`` from a daemon thread while the work runs.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from sqlalchemy import update

from pipeline.models.base import utcnow

log = logging.getLogger(__name__)


def owner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (killed, not yet reaped) is dead
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return True


def owner_alive(owner: str | None) -> bool | None:
    """False when ``owner`` ran on this host and its pid is gone; None when it cannot be told here."""
    if not owner:
        return None
    host, _, rest = owner.partition(":")
    pid = rest.split(":", 1)[0]
    if host != socket.gethostname() or not pid.isdigit():
        return None
    return _pid_alive(int(pid))


def owner_dead(owner: str | None, heartbeat_at: datetime | None, now: datetime, ttl: timedelta) -> bool:
    """The owner's process died (same host) or its heartbeat stopped more than ``ttl`` ago."""
    if owner_alive(owner) is False:
        return True
    return heartbeat_at is None or heartbeat_at < now - ttl


class Heartbeat:
    """``with Heartbeat(engine, Job.__table__, job_id):`` renews ``heartbeat_at`` every ``every`` seconds."""

    def __init__(self, engine, table, row_id: int, every: float = 15.0):
        self.engine, self.table, self.row_id, self.every = engine, table, row_id, every
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"heartbeat-{table.name}-{row_id}", daemon=True
        )

    def beat(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(self.table).where(self.table.c.id == self.row_id).values(heartbeat_at=utcnow())
            )

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.beat()
            except Exception:  # a busy database must not kill the work; the next beat tries again
                log.warning("heartbeat of %s %s failed", self.table.name, self.row_id, exc_info=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
