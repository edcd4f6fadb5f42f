"""What the firm page and the portal read beyond the loaded firm (issue 13: views parse, call one service, render).

The read-only content reads ``content_rows`` once per cached render; the live forms in its holes read
``live_state`` (one statement) on every request (Core rows through the
request's connection: no ORM entities, so a cached page costs a few small indexed queries).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import bindparam, cast, exists, literal_column, null, select, union_all
from sqlalchemy.orm import joinedload

from pipeline.extensions import db
from pipeline.models import (
    AnnualReport,
    Assessment,
    AuditLog,
    FigureSubmission,
    Firm,
    Milestone,
    RdEvidence,
    Roadmap,
)
from pipeline.services import assessments, roadmaps

HISTORY_LIMIT = 50


class Content(NamedTuple):
    assessment: Assessment | None
    explained: dict | None  # the engine output with its Chinese explanations and gaps
    roadmap: Roadmap | None
    history: list[AuditLog]


def explained(assessment: Assessment | None) -> dict | None:
    """The cached assessment with its explanations and gaps (computed for this one firm when missing)."""
    if assessment is None:
        return None
    return assessments.full_result(assessment.firm_id, cached=assessment) or assessment.result


def load_heading(firm_id: int) -> None:
    """The firm's county, officer, 包联 leader, town and chain in one joined read (the content's
    heading would otherwise load each lazily: issue 15, a firm page's first view)."""
    db.session.execute(
        select(Firm)
        .where(Firm.id == firm_id)
        .options(
            *(joinedload(rel) for rel in (Firm.county, Firm.officer, Firm.leader, Firm.town, Firm.chain))
        )
    ).first()


def content_rows(firm_id: int, *, history: bool = True) -> Content:
    """The rows the page's read-only content shows: assessment, roadmap and the last 50 changes."""
    load_heading(firm_id)
    assessment = assessments.latest(firm_id)
    return Content(
        assessment=assessment,
        explained=explained(assessment),
        roadmap=roadmaps.current(firm_id),
        history=_history(firm_id) if history else [],
    )


def _history(firm_id: int) -> list[AuditLog]:
    q = (
        select(AuditLog)
        .where(AuditLog.firm_id == firm_id)
        .order_by(AuditLog.at.desc(), AuditLog.id.desc())
        .limit(HISTORY_LIMIT)
    )
    return list(db.session.scalars(q))


# Built once (issue 15): a cached firm page runs these on every request, so they are not rebuilt each time.
_FIRM = bindparam("firm_id")
_HAS_EVIDENCE = (RdEvidence.firm_id == _FIRM, RdEvidence.present.is_(True))  # the evidence form's ticks
_PRESENT = select(RdEvidence.piece).where(*_HAS_EVIDENCE)


class MilestoneState(NamedTuple):
    id: int
    status: str
    version: int


class ReportState(NamedTuple):
    year: int
    submitted: bool
    submitted_on: date | None
    note: str | None
    updated_at: datetime | None


class Live(NamedTuple):
    """What the live forms of a cached firm page (or portal) are rendered from, read on every request."""

    ms: dict[int, MilestoneState]  # milestone id → id, status, version
    annual: dict[int, ReportState]  # year → the 年报 record
    present: frozenset[str]  # the R&D-management pieces with evidence (the evidence form's ticks)
    has_submissions: bool  # whether the firm ever submitted figures (usually not)


def _live_statement():
    """One UNION ALL for the four reads (issue 15: on PostgreSQL every statement is a round trip and a
    result description; four per cached page were most of its cost). The first branch carries the real
    column types, so every branch's values come back as the separate reads returned them."""
    ar, ms, ev, sub = AnnualReport, Milestone, RdEvidence, FigureSubmission

    def tag(kind: str):
        return literal_column(f"'{kind}'")

    def none(column):
        return cast(null(), column.type)

    no_flag, no_day, no_at = none(ar.submitted), none(ar.submitted_on), none(ar.updated_at)
    return union_all(
        select(
            tag("a"), ar.year, none(ms.version), ar.note, ar.submitted, ar.submitted_on, ar.updated_at
        ).where(ar.firm_id == _FIRM),
        select(tag("m"), ms.id, ms.version, ms.status, no_flag, no_day, no_at).where(ms.firm_id == _FIRM),
        select(tag("e"), none(ar.year), none(ms.version), ev.piece, no_flag, no_day, no_at).where(
            *_HAS_EVIDENCE
        ),
        select(tag("s"), none(ar.year), none(ms.version), none(ar.note), no_flag, no_day, no_at).where(
            exists().where(sub.firm_id == _FIRM)
        ),
    )


_LIVE = _live_statement()


def live_state(firm_id: int) -> Live:
    """The firm's milestones, 年报 records, evidence ticks and whether it has submissions: one statement."""
    ms, annual, present, any_sub = {}, {}, set(), False
    for kind, k, v, text, flag, day, at in db.session.connection().execute(_LIVE, {"firm_id": firm_id}):
        if kind == "m":
            ms[k] = MilestoneState(k, text, v)
        elif kind == "a":
            annual[k] = ReportState(k, flag, day, text, at)
        elif kind == "e":
            present.add(text)
        else:
            any_sub = True
    return Live(ms, annual, frozenset(present), any_sub)


def present_pieces(firm_id: int) -> frozenset[str]:
    """The R&D-management pieces the firm has evidence of (the evidence form's ticks)."""
    return frozenset(db.session.connection().execute(_PRESENT, {"firm_id": firm_id}).scalars())
