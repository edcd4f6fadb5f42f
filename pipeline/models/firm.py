"""The firm aggregate: a firm and everything the criteria engine reads about it.

Child rows (fiscal years, IP, conversions, evidence, incidents, stage history, submissions) are
reached only through their firm, so scoping the firm scopes them.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pipeline.criteria.model import CLASS_I, RD_MANAGEMENT_POINTS
from pipeline.extensions import db
from pipeline.models.base import Money, Versioned, utcnow
from pipeline.vocabulary import IP_KINDS, POOL_LEVELS, RD_PIECE_LABELS, STAGES

# Staff counts are yearly averages of monthly averages: 96.5 or 96.58 people (issue 11).
Headcount = Numeric(10, 2, asdecimal=True)

NOTES_MAX_CHARS = 2000  # the firm's notes: the profile form and the Excel import use the same limit

# The IP classes and the 11 R&D-management pieces with their points are the core's (the assess
# contract); the models only add the labels from the vocabulary: key -> (label, points).
RD_PIECES = {key: (RD_PIECE_LABELS[key], points) for key, points in RD_MANAGEMENT_POINTS.items()}


def ip_class(kind: str) -> int:
    return 1 if kind in CLASS_I else 2


class Firm(Versioned, db.Model):
    __tablename__ = "firm"
    # The lists' sorts within a county (pool by name, kanban columns by last move) walk an index and
    # stop at the page instead of sorting every firm of the county (issue 15).
    __table_args__ = (
        Index("ix_firm_county_name", "county_id", "name", "id"),
        Index("ix_firm_county_stage_moved", "county_id", "stage", "stage_changed_at"),
        Index("ix_firm_stage_moved", "stage", "stage_changed_at"),
        Index("ix_firm_county_cert_expiry", "county_id", "hnte_cert_expiry"),  # issue 15: the inbox
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("county.id"), index=True)
    registered_on: Mapped[date | None] = mapped_column(Date)
    tech_domain: Mapped[str | None] = mapped_column(String(5), index=True)
    industry: Mapped[str | None] = mapped_column(String(20))
    stage: Mapped[str] = mapped_column(String(12), default="candidate", index=True)
    pool_level: Mapped[str | None] = mapped_column(String(10))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # issue 18: the firm's town/street/park, its industry chain and its 包联 leader (officer_id is the
    # responsible officer)
    town_id: Mapped[int | None] = mapped_column(ForeignKey("dept_node.id"), index=True)
    chain_id: Mapped[int | None] = mapped_column(ForeignKey("industry_chain.id"), index=True)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    contact_name: Mapped[str | None] = mapped_column(String(50))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    contact_email: Mapped[str | None] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(200))
    # HNTE certificate (current or last)
    hnte_cert_no: Mapped[str | None] = mapped_column(String(20))
    hnte_cert_date: Mapped[date | None] = mapped_column(Date)
    hnte_cert_expiry: Mapped[date | None] = mapped_column(Date, index=True)
    # Tech-SME (科技型中小企业) registration
    tsme_reg_no: Mapped[str | None] = mapped_column(String(40))
    tsme_year: Mapped[int | None] = mapped_column(Integer)
    # Engine inputs that are judgements or flags rather than figures
    grade_advancement: Mapped[str | None] = mapped_column(String(1))
    grade_core_support: Mapped[str | None] = mapped_column(String(1))
    standards: Mapped[bool] = mapped_column(Boolean, default=False)
    revoked_this_year: Mapped[bool] = mapped_column(Boolean, default=False)
    national_award_5y: Mapped[bool] = mapped_column(Boolean, default=False)
    provincial_rd_institution: Mapped[bool] = mapped_column(Boolean, default=False)
    led_standard_5y: Mapped[bool] = mapped_column(Boolean, default=False)
    restricted_industry: Mapped[bool] = mapped_column(Boolean, default=False)
    listed_dishonest: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)  # at most NOTES_MAX_CHARS (form and import)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    stage_changed_at: Mapped[datetime | None] = mapped_column(DateTime)

    county = relationship("County")
    officer = relationship("User", foreign_keys=[officer_id])
    leader = relationship("User", foreign_keys=[leader_id])
    town = relationship("DeptNode")
    chain = relationship("IndustryChain")
    years: Mapped[list[FiscalYear]] = relationship(
        back_populates="firm", cascade="all, delete-orphan", order_by="FiscalYear.year"
    )
    ip_assets: Mapped[list[IPAsset]] = relationship(
        back_populates="firm", cascade="all, delete-orphan", order_by="IPAsset.id"
    )
    conversions: Mapped[list[Conversion]] = relationship(
        back_populates="firm", cascade="all, delete-orphan", order_by="Conversion.year"
    )
    evidence: Mapped[list[RdEvidence]] = relationship(back_populates="firm", cascade="all, delete-orphan")
    incidents: Mapped[list[Incident]] = relationship(back_populates="firm", cascade="all, delete-orphan")
    stage_history: Mapped[list[StageChange]] = relationship(
        back_populates="firm", cascade="all, delete-orphan", order_by="StageChange.at"
    )

    @property
    def stage_label(self) -> str:
        return STAGES.get(self.stage, self.stage)

    @property
    def pool_level_label(self) -> str:
        return POOL_LEVELS.get(self.pool_level or "", "")


class StageChange(db.Model):
    __tablename__ = "stage_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(12))
    to_stage: Mapped[str] = mapped_column(String(12))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(String(500))

    firm = relationship("Firm", back_populates="stage_history")
    user = relationship("User")


class FiscalYear(Versioned, db.Model):
    """Figures of one fiscal year, 万元 and head counts, fields as in the assess contract.

    For the current, unfinished year the figures are the firm's expectations (``is_estimate``).
    """

    __tablename__ = "fiscal_year"
    __table_args__ = (UniqueConstraint("firm_id", "year", name="uq_fiscal_year_firm_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    sales: Mapped[Decimal | None] = mapped_column(Money)
    total_income: Mapped[Decimal | None] = mapped_column(Money)
    hightech_income: Mapped[Decimal | None] = mapped_column(Money)
    rd_total: Mapped[Decimal | None] = mapped_column(Money)
    rd_domestic: Mapped[Decimal | None] = mapped_column(Money)
    rd_deductible: Mapped[Decimal | None] = mapped_column(Money)
    net_assets: Mapped[Decimal | None] = mapped_column(Money)
    total_assets: Mapped[Decimal | None] = mapped_column(Money)
    total_cost: Mapped[Decimal | None] = mapped_column(Money)
    # Yearly averages of monthly averages (《工作指引》三（五）), so 96.5 people is a real value (issue 11).
    staff: Mapped[Decimal | None] = mapped_column(Headcount)
    tech_staff: Mapped[Decimal | None] = mapped_column(Headcount)
    tech_staff_tsme: Mapped[Decimal | None] = mapped_column(Headcount)
    is_estimate: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    firm = relationship("Firm", back_populates="years")

    FIELDS = (
        "sales",
        "total_income",
        "hightech_income",
        "rd_total",
        "rd_domestic",
        "rd_deductible",
        "net_assets",
        "total_assets",
        "total_cost",
        "staff",
        "tech_staff",
        "tech_staff_tsme",
    )


class IPAsset(db.Model):
    __tablename__ = "ip_asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))
    number: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(10), default="filed")
    filed_on: Mapped[date | None] = mapped_column(Date)
    granted_on: Mapped[date | None] = mapped_column(Date)
    acquired: Mapped[str] = mapped_column(String(12), default="own")
    core: Mapped[bool] = mapped_column(Boolean, default=True)
    related: Mapped[bool] = mapped_column(Boolean, default=True)
    # Which HNTE application used it (e.g. "2023-2"); a Class II item is usable only once.
    used_in_application: Mapped[str | None] = mapped_column(String(20))

    firm = relationship("Firm", back_populates="ip_assets")

    @property
    def ip_class(self) -> int:
        return ip_class(self.kind)

    @property
    def kind_label(self) -> str:
        return IP_KINDS.get(self.kind, self.kind)


class Conversion(db.Model):
    """A 科技成果转化 record."""

    __tablename__ = "conversion"

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    form: Mapped[str] = mapped_column(String(12), default="own")

    firm = relationship("Firm", back_populates="conversions")


class RdEvidence(db.Model):
    """One of the 11 R&D-management pieces, present with a date and a note."""

    __tablename__ = "rd_evidence"
    __table_args__ = (UniqueConstraint("firm_id", "piece", name="uq_rd_evidence_firm_piece"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), index=True)
    piece: Mapped[str] = mapped_column(String(24))
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    dated: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(500))

    firm = relationship("Firm", back_populates="evidence")


class Incident(db.Model):
    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(12))
    description: Mapped[str | None] = mapped_column(String(500))

    firm = relationship("Firm", back_populates="incidents")


class FigureSubmission(db.Model):
    """New figures a firm user submitted; the officer accepts or rejects them."""

    __tablename__ = "figure_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    review_note: Mapped[str | None] = mapped_column(String(500))
    # Only the fields the firm changed are in ``data``; the officer may accept some of them (issue 11).
    accepted_fields: Mapped[list | None] = mapped_column(JSON)

    firm = relationship("Firm")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])


class Assessment(db.Model):
    """The latest engine output for a firm, cached with the rules version that produced it."""

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firm.id", ondelete="CASCADE"), unique=True)
    rules_version: Mapped[str] = mapped_column(String(40))
    assessed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    application_date: Mapped[date] = mapped_column(Date)
    verdict: Mapped[str] = mapped_column(String(12), index=True)
    score_min: Mapped[int] = mapped_column(Integer)
    score_max: Mapped[int] = mapped_column(Integer)
    tsme_eligible: Mapped[bool | None] = mapped_column(Boolean)
    result: Mapped[dict] = mapped_column(JSON)

    firm = relationship("Firm")
