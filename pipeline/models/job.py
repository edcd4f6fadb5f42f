"""Background jobs (PDF batches) claimed by the scheduler process, and daily goal snapshots."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.extensions import db
from pipeline.models.base import utcnow
from pipeline.vocabulary import JOB_STATUSES  # noqa: F401


class Job(db.Model):
    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    county_id: Mapped[int | None] = mapped_column(ForeignKey("county.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))  # "host:pid" of the process running it
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)  # renewed while it runs (issue 12)
    result_path: Mapped[str | None] = mapped_column(String(500))
    error: Mapped[str | None] = mapped_column(Text)

    created_by = relationship("User")


class Snapshot(db.Model):
    """Goal figures of one day, per county (and city-wide with county_id NULL), for the trend."""

    __tablename__ = "snapshot"
    __table_args__ = (UniqueConstraint("day", "county_id", name="uq_snapshot_day_county"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("county.id"))
    active_hnte: Mapped[int] = mapped_column(Integer, default=0)
    tsme: Mapped[int] = mapped_column(Integer, default=0)
    pool: Mapped[int] = mapped_column(Integer, default=0)
    by_stage: Mapped[dict | None] = mapped_column(JSON)
    by_verdict: Mapped[dict | None] = mapped_column(JSON)
