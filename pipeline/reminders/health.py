"""What the health page and the admin banner read: last scan, overdue scan, counts, the delivery log."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from pipeline.extensions import db
from pipeline.models import Delivery, DeliveryAttempt, Reminder, ScanRun, SchedulerLease, User
from pipeline.reminders.scheduler import LEASE_NAME, LEASE_TTL
from pipeline.services.paging import RowPage
from pipeline.vocabulary import CHANNELS, DELIVERY_STATUSES

SCAN_MAX_AGE = timedelta(hours=26)
SHANGHAI_OFFSET = timedelta(hours=8)


def last_scan() -> ScanRun | None:
    return db.session.scalars(
        select(ScanRun).order_by(ScanRun.started_at.desc(), ScanRun.id.desc()).limit(1)
    ).first()


def last_ok_scan_at() -> datetime | None:
    return db.session.scalar(select(func.max(ScanRun.finished_at)).where(ScanRun.status == "ok"))


def scan_overdue(now: datetime) -> bool:
    """True when no scan finished OK in the last 26 hours (one query; ``now`` is naive UTC)."""
    last = last_ok_scan_at()
    return last is None or now - last > SCAN_MAX_AGE


def scan_missed(now: datetime) -> bool:
    """For the admin banner (issue 17): a scan was expected and missed. Like ``scan_overdue``, except
    that when no scan ever succeeded it alarms only if a scheduler has run (a lease exists); a fresh
    install whose scheduler was never started shows no red banner, the reminder centre says so.

    The scan rows are read under the data stamp (issue 15: every admin page shows the banner; a scan
    that writes its row moves the stamp); the lease is not stamped, so it is read each time it matters."""
    from pipeline.services import stamp

    last_ok, scans = stamp.cached("scan_rows", (), _scan_rows)
    if last_ok is None:
        return scans > 0 or db.session.execute(_LEASE_EXISTS).first() is not None
    return now - last_ok > SCAN_MAX_AGE


# one statement object, reused: its SQL cache key is kept (the banner is on every admin page)
_LEASE_EXISTS = select(SchedulerLease.name).where(SchedulerLease.name == LEASE_NAME)


def _scan_rows() -> tuple[datetime | None, int]:
    return last_ok_scan_at(), db.session.scalar(select(func.count()).select_from(ScanRun)) or 0


def counts_by_channel() -> dict[str, dict[str, int]]:
    """``{channel: {status: n}}`` with every channel and status present (zeros included)."""
    out = {c: {s: 0 for s in DELIVERY_STATUSES} for c in CHANNELS}
    for channel, status, n in db.session.execute(
        select(Delivery.channel, Delivery.status, func.count()).group_by(Delivery.channel, Delivery.status)
    ):
        out.setdefault(channel, {s: 0 for s in DELIVERY_STATUSES})[status] = n
    return out


def lease() -> SchedulerLease | None:
    return db.session.get(SchedulerLease, LEASE_NAME)


def recent_scans(limit: int = 10) -> list[ScanRun]:
    return list(
        db.session.scalars(
            select(ScanRun).order_by(ScanRun.started_at.desc(), ScanRun.id.desc()).limit(limit)
        )
    )


def delivery_log(
    channel: str | None = None,
    status: str | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
):
    """A Select of (Delivery, Reminder, User) newest first, filtered; the view paginates it.

    Dates are Asia/Shanghai days (UTC+8, no DST) on the last attempt, or creation when never tried.
    """
    last_at = (
        select(func.max(DeliveryAttempt.at))
        .where(DeliveryAttempt.delivery_id == Delivery.id)
        .correlate(Delivery)
        .scalar_subquery()
    )
    when = func.coalesce(last_at, Reminder.created_at)
    q = (
        select(Delivery, Reminder, User, when.label("last_at"))
        .join(Reminder, Reminder.id == Delivery.reminder_id)
        .outerjoin(User, User.id == Reminder.user_id)
    )
    if channel in CHANNELS:
        q = q.where(Delivery.channel == channel)
    if status in DELIVERY_STATUSES:
        q = q.where(Delivery.status == status)
    if day_from:
        q = q.where(when >= datetime.combine(day_from, datetime.min.time()) - SHANGHAI_OFFSET)
    if day_to:
        q = q.where(
            when < datetime.combine(day_to + timedelta(days=1), datetime.min.time()) - SHANGHAI_OFFSET
        )
    return q.order_by(when.desc(), Delivery.id.desc())


DELIVERIES_PER_PAGE = 50


def delivery_page(
    channel: str | None, status: str | None, day_from: date | None, day_to: date | None, page: int
) -> RowPage:
    """One page of the delivery log (:func:`delivery_log`), the health page's table."""
    return RowPage(delivery_log(channel, status, day_from, day_to), page, DELIVERIES_PER_PAGE)


def attempts_for(delivery_ids: list[int]) -> dict[int, list[DeliveryAttempt]]:
    out: dict[int, list] = {i: [] for i in delivery_ids}
    if delivery_ids:
        for a in db.session.scalars(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.delivery_id.in_(delivery_ids))
            .order_by(DeliveryAttempt.at, DeliveryAttempt.id)
        ):
            out[a.delivery_id].append(a)
    return out


_HEARTBEAT = select(SchedulerLease.heartbeat_at).where(SchedulerLease.name == LEASE_NAME)


def scheduler_running(now: datetime) -> bool:
    """Issue 17: a scheduler process holds the lease and its heartbeat is fresh (jobs will be run)."""
    beat = db.session.connection().execute(_HEARTBEAT).scalar()  # one Core read (issue 15: reports page)
    return beat is not None and beat >= now - LEASE_TTL
