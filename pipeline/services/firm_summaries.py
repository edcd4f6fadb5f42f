"""Firm summaries: the firm list and one firm's records as the JSON API gives them (issue 13).

The list is hot (issue 15): it reads the flat columns of ``SUMMARY_COLUMNS`` (no ORM entity, no
assessment JSON), in two queries per page (the count and the page) whatever the filters.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Row, func, or_, select

from pipeline.extensions import db
from pipeline.models import Assessment, County, Firm, Roadmap, User
from pipeline.services import assessments, roadmaps
from pipeline.services.scope import scope_filter

SUMMARY_COLUMNS = (
    Firm.id,
    Firm.name,
    Firm.credit_code,
    Firm.county_id,
    County.name.label("county"),
    Firm.stage,
    Firm.pool_level,
    Firm.tech_domain,
    Firm.hnte_cert_date,
    Firm.hnte_cert_expiry,
    Firm.tsme_year,
    Firm.town_id,
    Firm.chain_id,
    Assessment.verdict,
    Assessment.score_min,
    Assessment.score_max,
    Roadmap.target_batch,
)


class FirmFilters(NamedTuple):
    """The list's filters, already checked by the caller; None (or "") = not filtered."""

    county_id: int | None = None
    town_id: int | None = None
    chain_id: int | None = None
    stage: str | None = None
    verdict: str | None = None  # a verdict, or "unassessed" (no assessment row)
    q: str = ""  # part of the name or the credit code


class FirmPage(NamedTuple):
    rows: list[Row]  # rows of SUMMARY_COLUMNS, by firm id
    total: int  # firms matching, over every page


def _where(user: User, f: FirmFilters) -> list:
    where = [scope_filter(user)]
    if f.county_id is not None:
        where.append(Firm.county_id == f.county_id)
    if f.town_id is not None:  # issue 18: scope_filter above still limits it to what the user may see
        where.append(Firm.town_id == f.town_id)
    if f.chain_id is not None:
        where.append(Firm.chain_id == f.chain_id)
    if f.stage:
        where.append(Firm.stage == f.stage)
    if f.verdict == "unassessed":
        where.append(Assessment.id.is_(None))
    elif f.verdict:
        where.append(Assessment.verdict == f.verdict)
    if f.q:
        like = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(Firm.name.like(like, escape="\\"), Firm.credit_code.like(like, escape="\\")))
    return where


def firm_page(user: User, filters: FirmFilters, page: int, per_page: int) -> FirmPage:
    """One page of the firms the user may see, filtered, by id."""
    where = _where(user, filters)
    base = (
        select(*SUMMARY_COLUMNS)
        .join(County, County.id == Firm.county_id)
        .outerjoin(Assessment, Assessment.firm_id == Firm.id)
        .outerjoin(Roadmap, Roadmap.firm_id == Firm.id)
        .where(*where)
    )
    total = db.session.scalar(
        select(func.count()).select_from(
            select(Firm.id).outerjoin(Assessment, Assessment.firm_id == Firm.id).where(*where).subquery()
        )
    )
    rows = db.session.execute(base.order_by(Firm.id).limit(per_page).offset((page - 1) * per_page)).all()
    return FirmPage(rows, total)


class FirmRecords(NamedTuple):
    """A firm's cached assessment and its roadmap (either may be None)."""

    assessment: Assessment | None
    roadmap: Roadmap | None


class FirmDetail(NamedTuple):
    county: str | None  # the county's name
    assessment: Assessment | None
    roadmap: Roadmap | None


def firm_records(firm: Firm) -> FirmRecords:
    """``firm`` comes from the scoped loader (the user may see it)."""
    return FirmRecords(assessments.latest(firm.id), roadmaps.current(firm.id))


def firm_detail(firm: Firm) -> FirmDetail:
    """The records of :func:`firm_records` and the name of the firm's county."""
    records = firm_records(firm)
    county = db.session.get(County, firm.county_id)
    return FirmDetail(county.name if county else None, *records)
