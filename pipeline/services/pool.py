"""The pool read service (培育库): the filtered, sorted list (the page and the Excel export share it), the
kanban's column counts and pages, and what their rows show beside the firm (county names, the last
stage move). Every read is scoped to the user (``scope.scope_filter``) and reads plain columns, never
ORM entities with their JSON (issue 15); the views only parse the request and render.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import parse_qsl

from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from pipeline.extensions import db
from pipeline.models import Assessment, County, Firm, StageChange, User
from pipeline.services.scope import scope_filter, visible_firms
from pipeline.vocabulary import STAGES, VERDICTS

SORTS = {
    "name": (Firm.name,),
    "code": (Firm.credit_code,),
    "county": (Firm.county_id, Firm.name),
    "stage": (Firm.stage, Firm.name),
    "score": ("score",),
    "expiry": (Firm.hnte_cert_expiry,),
    "updated": (Firm.updated_at,),
}
EXPIRY_DAYS = 180


def pool_query(user: User, params, today: date, columns=None, order: bool = True):
    """``SELECT Firm, Assessment`` in the user's scope with the list's filters and sort applied.

    ``params`` is a mapping like ``request.args``: county, stage, domain (code prefix), verdict,
    level, expiring (certificate expires within 180 days), officer, q (name or credit code), sort, dir.
    ``columns`` replaces the selected entities (the list page reads only ``POOL_LIST_COLUMNS``, no
    assessment JSON); ``order=False`` leaves the sort off (for a count).
    """
    q = _pool_select(user, params, columns, order)
    q = _place_filters(q, params)
    q = _profile_filters(q, params)
    q = _certificate_filters(q, params, today)
    q = _issue18_filters(q, params, user, today)
    q = _search(q, params)
    return _pool_order(q, params) if order else q


def _pool_select(user: User, params, columns, order: bool):
    """The scoped SELECT: firms with their assessment, or just ``columns`` (joining the assessment
    only when the sort, the verdict filter or a column needs it)."""
    from sqlalchemy.orm import joinedload

    if columns is None:
        return (
            select(Firm, Assessment)
            .outerjoin(Assessment, Assessment.firm_id == Firm.id)
            .where(scope_filter(user))
            .options(joinedload(Firm.county), joinedload(Firm.officer))
        )
    q = select(*columns).select_from(Firm).where(scope_filter(user))
    if (
        order
        or params.get("verdict") in VERDICTS
        or any(getattr(c, "table", None) is Assessment.__table__ for c in columns)
    ):
        q = q.outerjoin(Assessment, Assessment.firm_id == Firm.id)
    return q


def _place_filters(q, params):
    """county, town (issue 18: a town/street/park; the scope still limits it), industry chain."""
    county = params.get("county", type=int) if hasattr(params, "getlist") else params.get("county")
    if county:
        q = q.where(Firm.county_id == int(county))
    town = _int_param(params, "town")
    if town:
        q = q.where(Firm.town_id == town)
    chain = _int_param(params, "chain")
    if chain:
        q = q.where(Firm.chain_id == chain)
    return q


def _profile_filters(q, params):
    """stage, tech domain (a code prefix), verdict, pool level (``none``: no level)."""
    if params.get("stage") in STAGES:
        q = q.where(Firm.stage == params.get("stage"))
    domain = (params.get("domain") or "").strip()
    if domain.isdigit():
        q = q.where(Firm.tech_domain.startswith(domain))
    if params.get("verdict") in VERDICTS:
        q = q.where(Assessment.verdict == params.get("verdict"))
    if params.get("level") == "none":
        q = q.where(Firm.pool_level.is_(None))
    elif params.get("level"):
        q = q.where(Firm.pool_level == params.get("level"))
    return q


def _certificate_filters(q, params, today: date):
    """compliance (issue 16: the stored compliance watch of active certificates) and expiring (within
    180 days, or already expired; issue 11)."""
    from datetime import timedelta

    if params.get("compliance") in ("at_risk", "ok", "incomplete"):
        from pipeline.models import ComplianceWatch
        from pipeline.services.compliance import active_clause

        q = q.where(
            active_clause(today),
            Firm.id.in_(
                select(ComplianceWatch.firm_id).where(ComplianceWatch.status == params.get("compliance"))
            ),
        )
    if params.get("expiring"):
        q = q.where(Firm.hnte_cert_expiry <= today + timedelta(days=EXPIRY_DAYS), Firm.stage != "exited")
    return q


def _search(q, params):
    """q: part of the name or of the credit code (LIKE wildcards typed by the user are dropped)."""
    from sqlalchemy import or_

    text = (params.get("q") or "").strip()
    if not text:
        return q
    like = f"%{text.replace('%', '').replace('_', '')}%"
    return q.where(or_(Firm.name.ilike(like), Firm.credit_code.ilike(like.upper())))


def _pool_order(q, params):
    """sort (one of ``SORTS``, default name) and dir; empty scores and expiries last; then the id."""
    key = params.get("sort") if params.get("sort") in SORTS else "name"
    cols = [Assessment.score_min if c == "score" else c for c in SORTS[key]]
    desc = params.get("dir") == "desc"
    order = [c.desc() if desc else c.asc() for c in cols]
    if key in ("score", "expiry"):
        order = [o.nulls_last() for o in order]
    return q.order_by(*order, Firm.id)


def _issue18_filters(q, params, user: User, today: date):
    """officer / leader = me, none, or a user id (the workload view links here); stalled=1; exit=1
    (退库 suggested). Issue 18."""
    if params.get("stalled"):
        from pipeline.services.stalls import stalled_clause

        q = q.where(stalled_clause(today))
    if params.get("exit"):
        from pipeline.services.stalls import exit_suggested_clause

        q = q.where(exit_suggested_clause(select(Firm.id).where(scope_filter(user))))
    for name, col in (("officer", Firm.officer_id), ("leader", Firm.leader_id)):
        value = params.get(name)
        if value == "me":
            q = q.where(col == user.id)
        elif value == "none":
            q = q.where(col.is_(None))
        elif _int_param(params, name):
            q = q.where(col == _int_param(params, name))
    return q


def _int_param(params, name: str) -> int | None:
    raw = params.get(name)
    try:
        value = int(raw) if raw not in (None, "") else None
    except (TypeError, ValueError):
        return None
    return value if value is not None and 0 < value < 2**31 else None


def pool_list_columns():
    """What the pool list shows, as plain columns: no ORM entities, no assessment JSON per row."""
    return (
        Firm.id,
        Firm.name,
        Firm.credit_code,
        Firm.county_id,
        Firm.stage,
        Firm.pool_level,
        Firm.tech_domain,
        Firm.hnte_cert_expiry,
        Firm.officer_id,
        Firm.leader_id,
        func.coalesce(Firm.stage_changed_at, Firm.created_at).label("stage_since"),
        Assessment.verdict,
        Assessment.score_min,
        Assessment.score_max,
    )


def pool_page(user: User, params, today: date, page: int, per_page: int):
    """``(rows, total, page, pages)`` of the pool list: a COUNT and one indexed page of plain rows."""
    count = pool_query(user, params, today, columns=(func.count(Firm.id),), order=False)
    total = db.session.scalar(count) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = db.session.execute(
        pool_query(user, params, today, columns=pool_list_columns())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return rows, total, page, pages


def county_names(counties: list[County], rows) -> dict[int, str]:
    """County names for a page of rows: those of ``counties`` (already read for the page's filter), plus
    any a row shows that they do not list, in one query (none when every row's county is known)."""
    names = {c.id: c.name for c in counties}
    missing = {r.county_id for r in rows} - names.keys()
    if missing:
        names.update(db.session.execute(select(County.id, County.name).where(County.id.in_(missing))).all())
    return names


def firms_in_scope(user: User, ids: list[int]) -> list[Firm] | None:
    """The firms of ``ids`` for a bulk action, or None when any of them is outside the user's scope."""
    firms = list(db.session.scalars(visible_firms(user).where(Firm.id.in_(ids))))
    return firms if len(firms) == len(set(ids)) else None


def matching_ids(user: User, filters: str, today: date) -> list[int]:
    """The ids of every firm in scope that the list's filters (its query string) match (issue 17)."""
    params = MultiDict([(k, v) for k, v in parse_qsl(filters) if k not in ("page", "sort", "dir")])
    return list(db.session.scalars(pool_query(user, params, today, columns=[Firm.id], order=False)))


# ---- the kanban ---------------------------------------------------------------------------------


def _kanban_where(user: User, county: int | None) -> list:
    return [scope_filter(user)] + ([Firm.county_id == county] if county else [])


def kanban_counts(user: User, county: int | None) -> dict[str, int]:
    """Firms per stage in the user's scope (one GROUP BY): the column headers."""
    q = select(Firm.stage, func.count()).where(*_kanban_where(user, county)).group_by(Firm.stage)
    return dict(db.session.execute(q).all())


@dataclass(frozen=True)
class KanbanPage:
    firms: list  # rows: id, name, county_id, tech_domain, stage, verdict, score_min, score_max
    total: int
    page: int
    pages: int
    county_names: dict[int, str]
    moves: dict[int, dict]  # firm id → the newest stage change: at, reason, by


def kanban_page(user: User, stage: str, county: int | None, page: int, limit: int) -> KanbanPage:
    """One page of one column: the newest moves first, with each card's county and last move."""
    where = _kanban_where(user, county) + [Firm.stage == stage]
    total = db.session.scalar(select(func.count()).select_from(Firm).where(*where)) or 0
    pages = max(1, -(-total // limit))
    page = min(max(page, 1), pages)
    firms = db.session.execute(
        select(
            Firm.id,
            Firm.name,
            Firm.county_id,
            Firm.tech_domain,
            Firm.stage,
            Assessment.verdict,
            Assessment.score_min,
            Assessment.score_max,
        )
        .outerjoin(Assessment, Assessment.firm_id == Firm.id)
        .where(*where)
        .order_by(Firm.stage_changed_at.desc().nulls_last(), Firm.name, Firm.id)
        .limit(limit)
        .offset((page - 1) * limit)
    ).all()
    return KanbanPage(firms, total, page, pages, county_names([], firms), last_moves([f.id for f in firms]))


def last_moves(firm_ids: list[int]) -> dict[int, dict]:
    """The newest stage change of each firm on a kanban page, with who made it (one query)."""
    if not firm_ids:
        return {}
    newest = (
        select(func.max(StageChange.id))
        .where(StageChange.firm_id.in_(firm_ids))
        .group_by(StageChange.firm_id)
    )
    rows = db.session.execute(
        select(StageChange.firm_id, StageChange.at, StageChange.reason, User.display_name)
        .outerjoin(User, User.id == StageChange.user_id)
        .where(StageChange.id.in_(newest))
    ).all()
    return {r.firm_id: {"at": r.at, "reason": r.reason, "by": r.display_name} for r in rows}
