"""After the certificate (issue 16): the stored compliance watch, 年报 records, briefing schedules."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.extensions import db
from pipeline.models.base import Money, utcnow


class ComplianceWatch(db.Model):
    """The latest compliance watch of one certified firm (``pipeline.compliance.watch``), stored so
    lists, the dashboard and the briefing count without recomputing. Rewritten whenever the firm's
    figures, incidents or 年报 records change, and by the yearly/daily refresh."""

    __tablename__ = "compliance_watch"

    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), primary_key=True)
    computed_on: Mapped[date] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(12), index=True)  # ok | at_risk | incomplete
    codes: Mapped[str] = mapped_column(String(200), default="")  # comma-separated reason codes
    summary: Mapped[str] = mapped_column(Text, default="")
    reasons: Mapped[list] = mapped_column(JSON, default=list)
    notes: Mapped[list] = mapped_column(JSON, default=list)
    rd_ratio: Mapped[Decimal | None] = mapped_column(Numeric(8, 4, asdecimal=True))
    rd_band: Mapped[int | None] = mapped_column(Integer)
    rd_shortfall: Mapped[Decimal | None] = mapped_column(Money)
    reports_missed: Mapped[int] = mapped_column(Integer, default=0)

    firm = relationship("Firm")


class AnnualReport(db.Model):
    """The HNTE 年报 of one firm for one year (filed in ``year`` about year − 1): submitted or not, when."""

    __tablename__ = "annual_report"
    __table_args__ = (UniqueConstraint("firm_id", "year", name="uq_annual_report_firm_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    submitted: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(300))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class BriefingSchedule(db.Model):
    """The admin's schedule of a city (``county_id`` None) or county briefing pack to named recipients."""

    __tablename__ = "briefing_schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int | None] = mapped_column(ForeignKey("county.id", ondelete="CASCADE"))
    cadence: Mapped[str] = mapped_column(String(20), default="monthly_workday1")
    recipients: Mapped[str] = mapped_column(Text)  # "name <email>" or "email", one per line
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    county = relationship("County")
    deliveries: Mapped[list[BriefingDelivery]] = relationship(
        back_populates="schedule", cascade="all, delete-orphan", order_by="BriefingDelivery.id.desc()"
    )


class BriefingDelivery(db.Model):
    """One sending of a scheduled pack: ``period`` (e.g. 2026-12) is unique per schedule, so the job
    sends each period once; a re-send is a new row with ``resend_of`` set."""

    __tablename__ = "briefing_delivery"
    __table_args__ = (UniqueConstraint("schedule_id", "period", name="uq_briefing_delivery_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        ForeignKey("briefing_schedule.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(40))
    data_date: Mapped[date] = mapped_column(Date)
    recipients: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent | failed
    error: Mapped[str | None] = mapped_column(Text)
    pdf_path: Mapped[str | None] = mapped_column(String(300))
    resend_of: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)

    schedule = relationship("BriefingSchedule", back_populates="deliveries")
