"""Roadmaps (一企一策) with their milestones, and the planner's editable data: batches, lead times."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.extensions import db
from pipeline.models.base import Versioned, utcnow
from pipeline.vocabulary import MILESTONE_OWNERS, MILESTONE_STATUS_LABELS


class ApplicationBatch(db.Model):
    """An HNTE application batch of the provincial calendar, entered by the city admin."""

    __tablename__ = "application_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # e.g. "2027-1"
    year: Mapped[int] = mapped_column(Integer, index=True)
    opens_on: Mapped[date | None] = mapped_column(Date)
    cutoff: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class CalendarYear(db.Model):
    """The year's other planning dates, entered by the city admin (i14): the 科小 evaluation
    window and renewal date, and the HNTE 年报 deadline. A missing row or field means the default
    (科小 1 June – 31 August, renewal by 31 March; 年报 by 31 May)."""

    __tablename__ = "calendar_year"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    tsme_opens: Mapped[date | None] = mapped_column(Date)
    tsme_closes: Mapped[date | None] = mapped_column(Date)
    tsme_renewal_by: Mapped[date | None] = mapped_column(Date)
    annual_report_due: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class LeadTime(db.Model):
    """How long an IP kind takes from filing to grant, with the basis for the figure."""

    __tablename__ = "lead_time"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), unique=True)
    months: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str | None] = mapped_column(String(300))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Roadmap(db.Model):
    __tablename__ = "roadmap"

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), unique=True)
    target_batch: Mapped[str | None] = mapped_column(String(20), index=True)
    target_cutoff: Mapped[date | None] = mapped_column(Date)
    target_year: Mapped[int | None] = mapped_column(Integer, index=True)
    projected_min: Mapped[int | None] = mapped_column(Integer)
    projected_max: Mapped[int | None] = mapped_column(Integer)
    generated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    generated_for: Mapped[date] = mapped_column(Date)  # the `today` the plan was made for
    rules_version: Mapped[str] = mapped_column(String(40))
    calendar_version: Mapped[str] = mapped_column(String(40))
    plan: Mapped[dict] = mapped_column(JSON)  # the planner's full output
    changes: Mapped[list | None] = mapped_column(JSON)  # what moved at the last regeneration, and why
    # A fingerprint of the plan's inputs (per fiscal year, IP, other facts, calendar, date) and the
    # inputs that differ from the previous regeneration's: the "why" of the change list (issue 11).
    inputs: Mapped[dict | None] = mapped_column(JSON)
    changed_inputs: Mapped[list | None] = mapped_column(JSON)

    firm = relationship("Firm")
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="roadmap", cascade="all, delete-orphan", order_by="Milestone.due"
    )


class Milestone(Versioned, db.Model):
    __tablename__ = "milestone"
    # The inbox counts in every page's navigation (open milestones of the scope's firms by due date)
    # seek this index per firm instead of scanning every open milestone of the city (issue 15).
    __table_args__ = (
        Index("ix_milestone_firm_status_due", "firm_id", "status", "due", "progress_pending"),
        # issue 15: the inbox lists and counts (open milestones by due date; pending progress by time)
        Index("ix_milestone_pending_status_due", "progress_pending", "status", "due", "firm_id"),
        Index("ix_milestone_pending_updated", "progress_pending", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmap.id", ondelete="CASCADE"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    title_msg: Mapped[dict | None] = mapped_column(JSON)  # issue 17: the engine's message of the title
    addresses: Mapped[list] = mapped_column(JSON, default=list)
    basis: Mapped[str | None] = mapped_column(String(300))
    due: Mapped[date] = mapped_column(Date, index=True)
    owner: Mapped[str] = mapped_column(String(10), default="firm")
    status: Mapped[str] = mapped_column(String(10), default="todo", index=True)
    evidence_note: Mapped[str | None] = mapped_column(Text)
    progress_note: Mapped[str | None] = mapped_column(Text)  # what the firm reported
    progress_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    done_on: Mapped[date | None] = mapped_column(Date)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    manual: Mapped[bool] = mapped_column(Boolean, default=False)  # added by hand, never regenerated away
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # Closed at a regeneration because its subject changed: the milestone that replaced it (issue 11).
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("milestone.id", ondelete="SET NULL"))
    superseded_on: Mapped[date | None] = mapped_column(Date)

    roadmap = relationship("Roadmap", back_populates="milestones")
    done_by = relationship("User")
    superseded_by = relationship("Milestone", remote_side=[id], foreign_keys=[superseded_by_id])

    @property
    def status_label(self) -> str:
        return MILESTONE_STATUS_LABELS.get(self.status, self.status)

    @property
    def superseded(self) -> bool:
        return self.status == "superseded"

    @property
    def owner_label(self) -> str:
        return MILESTONE_OWNERS.get(self.owner, self.owner)
