"""``flask reminders run``: the one scheduler process (APScheduler 3.x, Asia/Shanghai, jobs in code).

Exactly one process works. At start it takes the ``scheduler_lease`` row named ``reminders`` (free,
its holder's heartbeat is older than LEASE_TTL, or its holder ran on this host and its pid is gone)
and, on PostgreSQL, also a session advisory lock. A second process finds the lease held, says so and
waits as a standby, running nothing, and takes over within seconds when the holder dies (kill -9
included: issue 12); ``--no-wait`` makes it exit instead. The holder renews the heartbeat every
HEARTBEAT seconds and stops if it ever loses the lease. ``scripts/supervise.sh`` (used by ``make
run``) restarts a scheduler that died. Web workers never import this module.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, text, update

from pipeline import clock
from pipeline.extensions import db
from pipeline.models import SchedulerLease
from pipeline.models.base import utcnow
from pipeline.wiring import resolve

log = logging.getLogger("pipeline.reminders.scheduler")

LEASE_NAME = "reminders"
LEASE_TTL = timedelta(seconds=30)
HEARTBEAT = 5  # seconds
STANDBY_POLL = 1.0  # seconds between a standby's tries for the lease
ADVISORY_KEY = 0x5853_4758  # "XSGX": any constant shared by every scheduler process
SHANGHAI = ZoneInfo("Asia/Shanghai")
EPOCH = datetime(2000, 1, 1)
DELIVERY_CHANNELS = {"inapp": 20, "email": 60, "webhook": 60}  # channel → seconds between its runs


def new_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _insert(table):
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def acquire_lease(holder: str, now: datetime | None = None, force: bool = False) -> bool:
    """Take the lease if it is free or stale (or ``force``: we hold the PostgreSQL advisory lock)."""
    from pipeline.services.liveness import owner_alive

    now = now or utcnow()
    with db.engine.begin() as conn:
        conn.execute(
            _insert(SchedulerLease.__table__).on_conflict_do_nothing(index_elements=["name"]),
            {"name": LEASE_NAME, "holder": "", "heartbeat_at": EPOCH},
        )
    lease = current_lease()
    if lease and lease.holder and lease.holder != holder and owner_alive(lease.holder) is False:
        force = True  # its holder ran on this host and is gone (killed): no need to wait for the TTL
    with db.engine.begin() as conn:
        res = conn.execute(
            update(SchedulerLease)
            .where(
                SchedulerLease.name == LEASE_NAME,
                or_(
                    SchedulerLease.holder == holder,
                    SchedulerLease.heartbeat_at < now - LEASE_TTL,
                    text("1 = 1") if force else text("1 = 0"),
                ),
            )
            .values(holder=holder, heartbeat_at=now)
        )
        return res.rowcount == 1


def renew_lease(holder: str, now: datetime | None = None) -> bool:
    with db.engine.begin() as conn:
        res = conn.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == holder)
            .values(heartbeat_at=now or utcnow())
        )
        return res.rowcount == 1


def release_lease(holder: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == holder)
            .values(heartbeat_at=EPOCH)
        )


def current_lease():
    """The lease row (``holder``, ``heartbeat_at``), or None before the first scheduler ran."""
    with db.engine.connect() as conn:
        return conn.execute(
            select(SchedulerLease.holder, SchedulerLease.heartbeat_at).where(
                SchedulerLease.name == LEASE_NAME
            )
        ).first()


def _advisory_lock():
    """PostgreSQL only: a session-level advisory lock held on a dedicated connection for the process's life."""
    if db.engine.dialect.name != "postgresql":
        return None, True
    conn = db.engine.connect()
    ok = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar()
    conn.commit()  # issue 13, allowed: the lease (advisory lock) lives on its own connection
    if not ok:
        conn.close()
        return None, False
    return conn, True


def _wake_delivery(sched) -> None:
    """Run every channel's loop now (each in its own thread) instead of at its next interval."""
    now = clock.now_shanghai()
    for channel in DELIVERY_CHANNELS:
        job = sched.get_job(f"reminders-deliver-{channel}")
        if job is not None:
            job.modify(next_run_time=now)


# ------------------------------------------------------------------ the jobs, by name
# Each runs inside an app context; the job is the transaction boundary: it commits once when the
# function returns and rolls back when it raises.


def scan() -> None:
    from pipeline.reminders.scan import run_scan

    r = run_scan(clock.today())
    log.info(
        "scan %s: created %s reminders (%s deliveries) in %.1f s", r.today, r.created, r.deliveries, r.seconds
    )


def digest() -> None:
    from pipeline.reminders.digest import run_digests

    run_digests(clock.today())  # issue 17: daily digests every morning, weekly ones on Mondays


def compliance_refresh() -> None:  # issue 16: before the 06:30 scan, so its reminders read today's watch
    from pipeline.services.compliance import refresh

    refresh(clock.today())


def briefings() -> None:  # issue 16: scheduled briefing packs (each period once, from its first working day)
    from pipeline.services.briefings import send_due

    send_due(clock.today())


def recover() -> None:
    """Issue 12: every minute (and at start-up), queue again the report jobs whose process died, and
    scan again at once when today's scan was interrupted by a crash (then the delivery loops run)."""
    from pipeline.reminders.scan import mark_interrupted
    from pipeline.reports.jobs import requeue_stale

    requeue_stale()
    if clock.today() in mark_interrupted(utcnow()):
        log.warning("today's scan was interrupted: scanning again")
        scan()


def goal_snapshot() -> None:
    from pipeline.services.goals import take_snapshot

    take_snapshot(clock.today())


@dataclass(frozen=True)
class Job:
    """A scheduled job: its id, its function (``module:name``), its APScheduler trigger, and whether
    the delivery loops run right after it (it wrote new deliveries)."""

    id: str
    ref: str
    trigger: str
    when: dict
    wakes_delivery: bool = False


JOBS = (
    Job("reminders-scan", "pipeline.reminders.scheduler:scan", "cron", {"hour": 6, "minute": 30}, True),
    Job(
        "compliance-refresh",
        "pipeline.reminders.scheduler:compliance_refresh",
        "cron",
        {"hour": 6, "minute": 10},
    ),
    Job("briefing-delivery", "pipeline.reminders.scheduler:briefings", "cron", {"hour": 8, "minute": 30}),
    Job(
        "reminders-digest",
        "pipeline.reminders.scheduler:digest",
        "cron",
        {"hour": 8, "minute": 0},
        True,
    ),
    Job("report-jobs", "pipeline.reports.jobs:run_pending_jobs", "interval", {"seconds": 15}),
    Job("crash-recovery", "pipeline.reminders.scheduler:recover", "interval", {"seconds": 60}, True),
    Job("goal-snapshot", "pipeline.reminders.scheduler:goal_snapshot", "cron", {"hour": 1, "minute": 10}),
)


def _deliver_loop(app, channel: str):
    def deliver():
        from pipeline.reminders.deliver import deliver_channel

        if channel != "email" or app.config.get("MAIL_ENABLED", True):
            deliver_channel(channel)

    deliver.__name__ = f"deliver_{channel}"
    return deliver


def in_app(app, fn, then=None):
    """``fn`` as a job: inside an app context, committed once on return (then ``then()``), rolled
    back on an error."""

    def job():
        with app.app_context():
            try:
                result = fn()
                db.session.commit()  # the job's boundary
            except Exception:
                db.session.rollback()
                raise
            finally:
                db.session.remove()
        if then is not None:
            then()
        return result

    job.__name__ = getattr(fn, "__name__", "job")
    return job


def build_scheduler(app, holder: str, echo=print):
    """The BlockingScheduler with the lease heartbeat, one delivery loop per channel and every job of
    ``JOBS`` (MemoryJobStore: nothing is pickled). A job whose function cannot be found fails here, at
    start-up (:class:`pipeline.wiring.WiringError`)."""
    from apscheduler.jobstores.memory import MemoryJobStore
    from apscheduler.schedulers.blocking import BlockingScheduler

    sched = BlockingScheduler(
        timezone=SHANGHAI,
        jobstores={"default": MemoryJobStore()},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600},
    )

    def heartbeat():
        if not renew_lease(holder):
            echo("调度锁已被其他进程取得，本进程停止。")
            sched.shutdown(wait=False)

    def wake():
        _wake_delivery(sched)

    sched.add_job(
        in_app(app, heartbeat), "interval", seconds=HEARTBEAT, id="lease-heartbeat", name="lease-heartbeat"
    )
    for channel, seconds in DELIVERY_CHANNELS.items():  # one loop per channel: a hung SMTP delays only e-mail
        sched.add_job(
            in_app(app, _deliver_loop(app, channel)),
            "interval",
            seconds=seconds,
            next_run_time=clock.now_shanghai(),  # what is pending goes out at start-up
            id=f"reminders-deliver-{channel}",
            name=f"reminders-deliver-{channel}",
        )
    for job in JOBS:
        fn = in_app(app, resolve(job.ref), wake if job.wakes_delivery else None)
        sched.add_job(fn, job.trigger, id=job.id, name=job.id, **job.when)
    sched.get_job("crash-recovery").modify(next_run_time=clock.now_shanghai())  # at start-up: pick up now
    # Catch up at start-up: a scheduler that was down over 06:30 scans now rather than tomorrow.
    with app.app_context():
        from pipeline.reminders.health import scan_overdue

        if scan_overdue(utcnow() + timedelta(hours=2)):
            sched.add_job(
                in_app(app, scan, wake),
                "date",
                run_date=clock.now_shanghai(),
                id="catch-up-scan",
                name="catch-up-scan",
            )
    return sched


def _who(lease) -> str:
    if lease and lease.holder:
        return f"{lease.holder}，最近心跳 {lease.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC"
    return "另一进程"


def _take_lease(app, holder: str, wait: bool, deadline: float | None, stopping, echo):
    """Take the lease, waiting as a standby while another process holds it. Returns
    ``(True, pg_conn)`` once taken, ``(False, None)`` when not waiting, stopped or past ``deadline``."""
    said = False
    while True:
        with app.app_context():
            pg_conn, pg_ok = _advisory_lock()
            # Holding the advisory lock proves no other scheduler lives, so a stale lease may be taken over.
            if pg_ok and acquire_lease(holder, force=pg_conn is not None):
                return True, pg_conn
            if pg_conn is not None:
                pg_conn.close()
            if not said:
                lease = current_lease()
                if wait:
                    echo(
                        f"另一个提醒调度进程正在运行（{_who(lease)}），本进程待命，不执行任何任务，它停止后自动接管。"
                    )
                else:
                    echo(f"另一个提醒调度进程正在运行（{_who(lease)}），本进程不执行任何任务，退出。")
                said = True
            db.session.remove()
        if not wait or stopping() or (deadline is not None and time.monotonic() > deadline):
            return False, None
        time.sleep(STANDBY_POLL)


def _shutdown_soon(sched, patience: float = 10.0) -> None:
    """Shut ``sched`` down from a thread of its own; a stop that arrives while the scheduler is still
    starting waits (up to ``patience`` s) until it runs, so it is never lost."""
    from apscheduler.schedulers import SchedulerNotRunningError
    from apscheduler.schedulers.base import STATE_STOPPED

    give_up = time.monotonic() + patience
    while time.monotonic() < give_up:
        if sched.state != STATE_STOPPED:
            try:
                sched.shutdown(wait=False)
            except SchedulerNotRunningError:
                pass
            return
        time.sleep(0.05)


def run(app, echo=print, max_seconds: float | None = None, wait: bool = True) -> int:
    """Run until stopped. Returns 0. While another process holds the lease this one waits (or, with
    ``wait=False``, returns at once having done nothing)."""
    holder = new_holder()
    deadline = time.monotonic() + max_seconds if max_seconds else None
    stop_requested = []

    def stop_waiting(signum, frame):
        stop_requested.append(signum)

    signal.signal(signal.SIGTERM, stop_waiting)
    signal.signal(signal.SIGINT, stop_waiting)
    taken, pg_conn = _take_lease(app, holder, wait, deadline, lambda: bool(stop_requested), echo)
    if not taken:
        return 0
    echo(f"已取得调度锁（{holder}），提醒调度进程开始运行（时区 Asia/Shanghai）。")
    sched = build_scheduler(app, holder, echo)
    for job in sched.get_jobs():
        echo(f"  任务 {job.id}: {job.trigger}")

    def stop(signum, frame):
        # A signal handler runs in the main thread at any point, possibly inside the scheduler's own
        # locked sections: shutting down from it can hang (seen: "收到停止信号" and no exit). The handler
        # only asks; another thread shuts the scheduler down through its locks as any caller does.
        threading.Thread(target=_shutdown_soon, args=(sched,), name="scheduler-stop", daemon=True).start()
        echo("收到停止信号，正在退出……")

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if deadline is not None:
        sched.add_job(
            lambda: sched.shutdown(wait=False),
            "date",
            run_date=clock.now_shanghai() + timedelta(seconds=max(deadline - time.monotonic(), 0.1)),
            id="stop-after",
            name="stop-after",
        )
    try:
        if not stop_requested:
            sched.start()
    finally:
        with app.app_context():
            release_lease(holder)
            if pg_conn is not None:
                pg_conn.close()
        echo("提醒调度进程已退出，调度锁已释放。")
    return 0
