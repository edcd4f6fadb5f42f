"""What the firm page and the portal read beyond the loaded firm (issue 13: views parse, call one service, render).

The read-only content reads ``content_rows`` once per cached render; the live forms in its holes read
``live_rows`` / ``present_pieces`` / ``has_submissions`` on every request (Core rows through the
request's connection: no ORM entities, so a cached page costs a few small indexed queries).
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import bindparam, select
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
_LIVE = {
    "ms": select(Milestone.id, Milestone.status, Milestone.version).where(Milestone.firm_id == _FIRM),
    "annual": select(
        AnnualReport.year,
        AnnualReport.submitted,
        AnnualReport.submitted_on,
        AnnualReport.note,
        AnnualReport.updated_at,
    ).where(AnnualReport.firm_id == _FIRM),
}
_PRESENT = select(RdEvidence.piece).where(RdEvidence.firm_id == _FIRM, RdEvidence.present.is_(True))
_ANY_SUBMISSION = select(FigureSubmission.id).where(FigureSubmission.firm_id == _FIRM).limit(1)


def live_rows(firm_id: int, kind: str) -> dict:
    """One query per kind and request: milestone (``"ms"``: id → id, status, version) or 年报
    (``"annual"``: year → record)."""
    return {r[0]: r for r in db.session.connection().execute(_LIVE[kind], {"firm_id": firm_id})}


def present_pieces(firm_id: int) -> frozenset[str]:
    """The R&D-management pieces the firm has evidence of (the evidence form's ticks)."""
    return frozenset(db.session.connection().execute(_PRESENT, {"firm_id": firm_id}).scalars())


def has_submissions(firm_id: int) -> bool:
    """Whether the firm ever submitted figures (usually not: the section is then a cached empty one)."""
    return db.session.connection().execute(_ANY_SUBMISSION, {"firm_id": firm_id}).first() is not None
