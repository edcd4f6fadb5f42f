"""The reminder outbox: reminders are rows with a unique dedupe key before anything is sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.extensions import db
from pipeline.models.base import utcnow
from pipeline.vocabulary import CHANNELS, DELIVERY_STATUSES  # noqa: F401


class Reminder(db.Model):
    """One reminder for one recipient. ``dedupe_key`` = rule|subject|period|recipient."""

    __tablename__ = "reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    rule: Mapped[str] = mapped_column(String(40), index=True)
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(40))
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), index=True)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("county.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    # issue 17: the text's message code + language-neutral params (``pipeline.reminders.texts``): pages
    # and e-mails render it in the reader's language; NULL on older rows (their stored text is shown)
    msg_code: Mapped[str | None] = mapped_column(String(60))
    msg_params: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("scan_run.id"))

    deliveries: Mapped[list[Delivery]] = relationship(back_populates="reminder", cascade="all, delete-orphan")


class Delivery(db.Model):
    """A reminder on one channel; retried with back-off until sent or given up."""

    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("reminder_id", "channel", name="uq_delivery_reminder_channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminder.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10), index=True)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)  # in-app: when the user read it

    reminder = relationship("Reminder", back_populates="deliveries")
    log: Mapped[list[DeliveryAttempt]] = relationship(back_populates="delivery", cascade="all, delete-orphan")


class DeliveryAttempt(db.Model):
    __tablename__ = "delivery_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("delivery.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    channel: Mapped[str] = mapped_column(String(10))
    result: Mapped[str] = mapped_column(String(10))  # ok | error
    error: Mapped[str | None] = mapped_column(Text)

    delivery = relationship("Delivery", back_populates="log")


class ScanRun(db.Model):
    __tablename__ = "scan_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    today: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="running")  # running | ok | error
    created: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    owner: Mapped[str | None] = mapped_column(String(100))  # "host:pid" of the scanning process (issue 12)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime)  # renewed while it runs


class SchedulerLease(db.Model):
    """Who runs the scheduler: one row per named lease, renewed by its holder's heartbeat."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime)


class Setting(db.Model):
    """Small admin-editable settings (reminder thresholds, benefits text, ...) as JSON values."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[dict | list | int | str | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
