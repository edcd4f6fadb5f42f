"""The one loader that turns database rows into criteria-engine profiles.

A fixed number of queries whatever the number of firms (one per child table), read with Core into
plain tuples, so ``assess-all`` over 20,000 firms costs about what reading the rows costs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import NamedTuple

from sqlalchemy import case, func, select

from pipeline.criteria import IPItem, Profile, TsmeFlags, YearFigures
from pipeline.extensions import db
from pipeline.models import ApplicationBatch, Conversion, Firm, FiscalYear, Incident, IPAsset, RdEvidence
from pipeline.vocabulary import RD_PIECE_LABELS

_FIRM_COLS = (
    Firm.id,
    Firm.registered_on,
    Firm.tech_domain,
    Firm.grade_advancement,
    Firm.grade_core_support,
    Firm.standards,
    Firm.revoked_this_year,
    Firm.hnte_cert_expiry,
    Firm.national_award_5y,
    Firm.provincial_rd_institution,
    Firm.led_standard_5y,
    Firm.restricted_industry,
    Firm.listed_dishonest,
)
_YEAR_COLS = (
    FiscalYear.firm_id,
    FiscalYear.year,
    FiscalYear.sales,
    FiscalYear.total_income,
    FiscalYear.hightech_income,
    FiscalYear.rd_total,
    FiscalYear.rd_domestic,
    FiscalYear.net_assets,
    FiscalYear.total_assets,
    FiscalYear.total_cost,
    FiscalYear.staff,
    FiscalYear.tech_staff,
    FiscalYear.rd_deductible,
    FiscalYear.tech_staff_tsme,
)


PIECES = tuple(RD_PIECE_LABELS)


@cache
def _pieces_of(bits: int) -> frozenset:
    return frozenset(key for bit, key in enumerate(PIECES) if bits & (1 << bit))


def next_application_date(today: date) -> date:
    """The cutoff of the next application batch on or after ``today`` (the admin's calendar).

    Without a calendar row ahead, the planner's default calendar decides.
    """
    cutoff = db.session.scalar(
        select(func.min(ApplicationBatch.cutoff)).where(ApplicationBatch.cutoff >= today)
    )
    if cutoff is not None:
        return cutoff
    from pipeline.roadmap.calendar import default_calendar

    return min(b.cutoff for b in default_calendar(today).batches if b.cutoff >= today)


class Share(NamedTuple):
    """Every ``n``-th firm by id, starting at ``i``: how parallel workers split the firms without
    sending each other long id lists (``firm_id % n = i`` works on every child table)."""

    i: int
    n: int


def _where_ids(column, firm_ids):
    if firm_ids is None:
        return True
    if isinstance(firm_ids, Share):
        return column % firm_ids.n == firm_ids.i
    return column.in_(firm_ids)


def load_profiles(
    application_date: date, firm_ids: Iterable[int] | None = None, years: tuple[int, int] | None = None
) -> dict[int, Profile]:
    """``firm id → Profile`` for the given firms (all when None), as of ``application_date``.

    ``years`` (first, last) picks the fiscal years loaded; by default the application's window
    Y−3..Y−1. The planner asks for the closed years and the current year's expected figures.

    Firms without a registration date cannot be assessed and are left out.
    """
    if isinstance(firm_ids, Share):
        return _load_chunk(application_date, firm_ids, years)
    ids = None if firm_ids is None else list(firm_ids)
    if ids is not None and not ids:
        return {}
    result: dict[int, Profile] = {}
    for start in range(0, len(ids), 10000) if ids is not None else [None]:
        chunk = None if start is None else ids[start : start + 10000]
        result.update(_load_chunk(application_date, chunk, years))
    return result


def headcount(value):
    """A stored staff count as the engine reads it (as the contract parser does): whole people as
    an int (60), a monthly average as an exact Decimal without trailing zeros (96.5), issue 11."""
    if value is None:
        return None
    d = Decimal(value)
    return int(d) if d == d.to_integral_value() else d.normalize()


def _load_chunk(application_date: date, ids, year_range=None) -> dict[int, Profile]:
    s = db.session.connection()  # Core rows, not ORM loading: a third of the cost
    years: dict[int, dict[int, YearFigures]] = defaultdict(dict)
    y_app = application_date.year
    first_year, last_year = year_range or (y_app - 3, y_app - 1)
    for fid, year, sales, income, ht, rd, rd_dom, na, ta, cost, staff, tech, rd_ded, tech_tsme in s.execute(
        select(*_YEAR_COLS).where(
            _where_ids(FiscalYear.firm_id, ids), FiscalYear.year >= first_year, FiscalYear.year <= last_year
        )
    ).all():
        years[fid][year] = YearFigures(
            sales=sales,
            total_income=income,
            hightech_income=ht,
            rd_total=rd,
            rd_domestic=rd_dom,
            net_assets=na,
            total_assets=ta,
            total_cost=cost,
            staff=headcount(staff),
            tech_staff=headcount(tech),
            rd_deductible=rd_ded,
            tech_staff_tsme=headcount(tech_tsme),
        )
    # IP: identical items are grouped in SQL and share one (frozen) IPItem object.
    ips: dict[int, list[IPItem]] = defaultdict(list)
    used = IPAsset.used_in_application.isnot(None)
    item_cache: dict[tuple, IPItem] = {}
    # a pending item's filing date lets the planner count its likely grant (i14)
    pending_on = case((IPAsset.status == "filed", IPAsset.filed_on), else_=None)
    for fid, kind, status, acquired, core, is_used, related, filed_on, n in s.execute(
        select(
            IPAsset.firm_id,
            IPAsset.kind,
            IPAsset.status,
            IPAsset.acquired,
            IPAsset.core,
            used,
            IPAsset.related,
            pending_on,
            func.count(),
        )
        .where(_where_ids(IPAsset.firm_id, ids))
        .group_by(
            IPAsset.firm_id,
            IPAsset.kind,
            IPAsset.status,
            IPAsset.acquired,
            IPAsset.core,
            used,
            IPAsset.related,
            pending_on,
        )
    ).all():
        core, is_used, related = bool(core), bool(is_used), bool(related)
        key = (kind, status, acquired, core, is_used, related, filed_on)
        item = item_cache.get(key)
        if item is None:
            item = item_cache[key] = IPItem(
                kind=kind,
                status=status,
                acquired=acquired,
                core=core,
                used_in_hnte=is_used,
                related=related,
                filed_on=filed_on,
            )
        ips[fid].extend([item] * n)
    conversions: dict[int, dict[int, int]] = defaultdict(dict)
    for fid, year, n in s.execute(
        select(Conversion.firm_id, Conversion.year, func.count())
        .where(_where_ids(Conversion.firm_id, ids))
        .group_by(Conversion.firm_id, Conversion.year)
    ).all():
        conversions[fid][year] = n
    # R&D-management evidence as one bitmask per firm: 20k rows instead of 160k.
    mask = func.sum(case(*[(RdEvidence.piece == key, 1 << bit) for bit, key in enumerate(PIECES)], else_=0))
    pieces: dict[int, frozenset] = {}
    for fid, bits in s.execute(
        select(RdEvidence.firm_id, mask)
        .where(_where_ids(RdEvidence.firm_id, ids), RdEvidence.present.is_(True))
        .group_by(RdEvidence.firm_id)
    ).all():
        pieces[fid] = _pieces_of(int(bits or 0))
    window_start = application_date - timedelta(days=365)
    incident_recent: set[int] = set()
    incident_tsme: set[int] = set()
    for fid, occurred in s.execute(
        select(Incident.firm_id, Incident.occurred_on).where(
            _where_ids(Incident.firm_id, ids), Incident.occurred_on >= date(y_app - 1, 1, 1)
        )
    ).all():
        if window_start <= occurred <= application_date:
            incident_recent.add(fid)
        incident_tsme.add(fid)
    profiles: dict[int, Profile] = {}
    empty: frozenset = frozenset()
    for (
        fid,
        registered,
        domain,
        g_adv,
        g_core,
        standards,
        revoked,
        cert_expiry,
        award,
        institution,
        led_standard,
        restricted,
        dishonest,
    ) in s.execute(select(*_FIRM_COLS).where(_where_ids(Firm.id, ids))).all():
        if registered is None:
            continue
        grades = {}
        if g_adv:
            grades["tech_advancement"] = g_adv
        if g_core:
            grades["core_support"] = g_core
        profiles[fid] = Profile(
            application_date=application_date,
            registered_on=registered,
            tech_domain=domain,
            years=years.get(fid, {}),
            ip=tuple(ips.get(fid, ())),
            conversions=conversions.get(fid, {}),
            grades=grades,
            rd_management=pieces.get(fid, empty),
            standards=bool(standards),
            incident_within_year=fid in incident_recent,
            revoked_this_year=bool(revoked),
            tsme=TsmeFlags(
                hnte_valid=cert_expiry is not None and cert_expiry >= application_date,
                national_award_5y=bool(award),
                provincial_rd_institution=bool(institution),
                led_standard_5y=bool(led_standard),
                restricted_industry=bool(restricted),
                listed_dishonest=bool(dishonest),
                incident_prev_or_this_year=fid in incident_tsme,
            ),
        )
    return profiles
