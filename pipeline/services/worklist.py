"""The inbox: what needs the user today, over the firms they may see (scope in every query).

Item kinds (in the order the page shows them):

* ``submission``  – figures a firm submitted, pending the officer's review (action: accept / return);
* ``progress``    – progress a firm reported on a milestone, pending confirmation (action: confirm done / keep open);
* ``overdue``     – open milestones past their due date;
* ``due_soon``    – open milestones due within ``DUE_SOON_DAYS``;
* ``cert_risk``   – a valid HNTE certificate expiring within ``CERT_RISK_DAYS`` (or already expired while the
  firm still shows as certified): re-certification is late;
* ``cert_expiring`` – a certificate expiring within ``CERT_EXPIRING_DAYS``;
* ``returned``    – a firm's submission the officer returned, not yet resubmitted (the firm's own to-do;
  officers see it as "waiting for the firm");
* ``stalled``     – (issue 18, staff only) firms with no stage move, milestone progress or data update for
  more than N days (``services.stalls``; N is the ``reminders.stalled_days`` setting);
* ``exit_suggested`` – (issue 18, staff only) two failed applications in a row: 退库 is suggested.

Firm users get the same list for their own firm (their pending submissions show as "waiting for review").
The data come straight from the tables (figure submissions, milestones, firms), so the inbox needs no
scan to have run; it is a handful of scoped queries whatever the number of firms (each kind capped).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import func, select, union
from sqlalchemy.orm import aliased

from pipeline import permissions
from pipeline.extensions import db
from pipeline.models import FigureSubmission, Firm, Milestone, User
from pipeline.services.scope import scope_filter
from pipeline.vocabulary import MILESTONE_SUPERSEDED

DUE_SOON_DAYS = 14
CERT_RISK_DAYS = 90
CERT_EXPIRING_DAYS = 365
LIMIT = 200  # per kind on the page; counts are exact

KINDS = (
    "submission",
    "progress",
    "overdue",
    "due_soon",
    "cert_risk",
    "cert_expiring",
    "returned",
    "stalled",
    "exit_suggested",
)
# Critical kinds: the only ones a user may choose to be alerted about instantly (the rest go in a digest).
CRITICAL = ("overdue", "cert_risk")
OPEN = ("todo", "doing")


@dataclass
class Item:
    kind: str
    firm_id: int
    firm_name: str
    title: str
    due: date | None = None
    at: datetime | None = None
    subject_id: int | None = None  # submission id or milestone id
    detail: str | None = None  # the firm's progress note, the review note, ...
    year: int | None = None
    version: int | None = None  # the milestone's version, posted back by the inbox's confirm form (issue 11)


def _firms(user: User):
    return scope_filter(user)


def _submissions(user: User, firm_id, status: str, latest_only: bool = False):
    q = (
        select(
            FigureSubmission.id,
            FigureSubmission.firm_id,
            Firm.name,
            FigureSubmission.year,
            FigureSubmission.submitted_at,
            FigureSubmission.review_note,
            FigureSubmission.reviewed_at,
        )
        .join(Firm, Firm.id == FigureSubmission.firm_id)
        .where(_firms(user), FigureSubmission.status == status)
    )
    if latest_only:  # returned and not resubmitted since: the newest submission for that firm and year
        other = aliased(FigureSubmission)
        newest = (
            select(func.max(other.id))
            .where(other.firm_id == FigureSubmission.firm_id, other.year == FigureSubmission.year)
            .correlate(FigureSubmission)
            .scalar_subquery()
        )
        q = q.where(FigureSubmission.id == newest)
    if firm_id:
        q = q.where(Firm.id == firm_id)
    return q


def _milestones(user: User, firm_id, *conds):
    q = (
        select(
            Milestone.id,
            Milestone.firm_id,
            Firm.name,
            Milestone.title,
            Milestone.due,
            Milestone.progress_note,
            Milestone.updated_at,
            Milestone.version,
        )
        .join(Firm, Firm.id == Milestone.firm_id)
        .where(_firms(user), *conds)
    )
    if firm_id:
        q = q.where(Firm.id == firm_id)
    return q


def _certs(user: User, firm_id, today: date, lo: date | None, hi: date):
    q = select(Firm.id, Firm.name, Firm.hnte_cert_no, Firm.hnte_cert_expiry).where(
        _firms(user),
        Firm.hnte_cert_expiry.isnot(None),
        Firm.hnte_cert_expiry <= hi,
        Firm.stage.notin_(("exited",)),
    )
    if lo is not None:
        q = q.where(Firm.hnte_cert_expiry > lo)
    if firm_id:
        q = q.where(Firm.id == firm_id)
    return q


def _firm_flags(user: User, firm_id, clause):
    """Issue 18: firms in scope matching ``clause`` (stalled, 退库 suggested); staff only."""
    from sqlalchemy import false

    moved = func.coalesce(Firm.stage_changed_at, Firm.created_at)
    q = select(Firm.id, Firm.name, Firm.stage, moved).where(_firms(user), clause)
    if not permissions.can(user, "staff.pages"):
        q = q.where(false())
    if firm_id:
        q = q.where(Firm.id == firm_id)
    return q.order_by(moved, Firm.name)


def _queries(user: User, today: date, firm_id=None, kinds=None) -> dict:
    """``{kind: query}`` for ``kinds`` (all by default). Issue 15: each query is built only when it
    is asked for (the navigation's count needs four of the nine on every page)."""
    from pipeline.services.stalls import exit_suggested_clause, stalled_clause

    soon = today + timedelta(days=DUE_SOON_DAYS)
    risk = today + timedelta(days=CERT_RISK_DAYS)
    build = {
        "submission": lambda: _submissions(user, firm_id, "pending").order_by(FigureSubmission.submitted_at),
        # A report on a milestone since superseded is flagged to the officer by a notification at the
        # regeneration (issue 11); it cannot be confirmed any more, so it leaves this list.
        "progress": lambda: _milestones(
            user, firm_id, Milestone.progress_pending.is_(True), Milestone.status != MILESTONE_SUPERSEDED
        ).order_by(Milestone.updated_at),
        "overdue": lambda: _milestones(
            user,
            firm_id,
            Milestone.status.in_(OPEN),
            Milestone.due < today,
            Milestone.progress_pending.is_(False),
        ).order_by(Milestone.due),
        "due_soon": lambda: _milestones(
            user,
            firm_id,
            Milestone.status.in_(OPEN),
            Milestone.due >= today,
            Milestone.due <= soon,
            Milestone.progress_pending.is_(False),
        ).order_by(Milestone.due),
        "cert_risk": lambda: _certs(
            user, firm_id, today, today - timedelta(days=CERT_RISK_DAYS), risk
        ).order_by(Firm.hnte_cert_expiry),
        "cert_expiring": lambda: _certs(
            user, firm_id, today, risk, today + timedelta(days=CERT_EXPIRING_DAYS)
        ).order_by(Firm.hnte_cert_expiry),
        "returned": lambda: _submissions(user, firm_id, "rejected", latest_only=True).order_by(
            FigureSubmission.reviewed_at.desc()
        ),
        "stalled": lambda: _firm_flags(user, firm_id, stalled_clause(today)),
        "exit_suggested": lambda: _firm_flags(
            user, firm_id, exit_suggested_clause(select(Firm.id).where(_firms(user)))
        ),
    }
    return {k: f() for k, f in build.items() if kinds is None or k in kinds}


def _item(kind: str, row) -> Item:
    if kind in ("submission", "returned"):
        sid, fid, name, year, at, note, reviewed = row
        return Item(
            kind,
            fid,
            name,
            str(year),
            at=reviewed if kind == "returned" else at,
            subject_id=sid,
            detail=note,
            year=year,
        )
    if kind in ("progress", "overdue", "due_soon"):
        mid, fid, name, title, due, note, at, version = row
        return Item(
            kind,
            fid,
            name,
            title,
            due=due,
            at=at,
            subject_id=mid,
            detail=note if kind == "progress" else None,
            version=version,
        )
    if kind in ("stalled", "exit_suggested"):
        from pipeline.vocabulary import STAGES

        fid, name, stage, moved = row
        return Item(kind, fid, name, STAGES.get(stage, stage), at=moved)
    fid, name, cert_no, expiry = row
    return Item(kind, fid, name, cert_no or "", due=expiry)


def items(
    user: User, today: date, kind: str | None = None, firm_id: int | None = None, limit: int = LIMIT
) -> dict[str, list[Item]]:
    """``{kind: [Item]}`` for the kinds asked (all by default), each capped at ``limit``."""
    out = {}
    for k, q in _queries(user, today, firm_id, kinds=(kind,) if kind else None).items():
        out[k] = [_item(k, r) for r in db.session.execute(q.limit(limit))]
    return out


def counts(user: User, today: date, firm_id: int | None = None, kinds=None) -> dict[str, int]:
    """Exact counts per kind (only ``kinds`` when given: the navigation needs four of them)."""
    queries = _queries(user, today, firm_id, kinds)
    if not queries:
        return {}
    # every count in one statement: one round trip and one compiled query (issue 15: the navigation's
    # count runs on the first page after each write)
    one = select(
        *(
            select(func.count()).select_from(q.order_by(None).subquery()).scalar_subquery().label(k)
            for k, q in queries.items()
        )
    )
    row = db.session.execute(one).one()
    return {k: int(v or 0) for k, v in zip(queries, row, strict=True)}


def action_count(user: User, today: date) -> int:
    """The number in the navigation: what needs *this* user's action (not what waits on someone else)."""
    # Issue 15: this runs on every page, so only the counts it sums (not the whole inbox's).
    firm_user = permissions.can(user, "portal.use")
    kinds = (
        ("overdue", "due_soon", "returned", "cert_risk")
        if firm_user
        else ("submission", "progress", "overdue", "cert_risk")
    )
    c = counts(user, today, kinds=kinds)
    if firm_user:
        return c["overdue"] + c["due_soon"] + c["returned"] + c["cert_risk"]
    return c["submission"] + c["progress"] + c["overdue"] + c["cert_risk"]


def firm_choices(user: User, today: date) -> list[tuple[int, str]]:
    """Firms in scope with anything in the inbox, for the firm filter (names only, one query).

    Issue 15: only the firms that have an item (not every firm in scope: 2,000 options were half
    of a county officer's page)."""
    ids = []
    for k, q in _queries(user, today).items():
        sq = q.order_by(None).subquery()
        ids.append(
            select(
                sq.c.id if k in ("cert_risk", "cert_expiring", "stalled", "exit_suggested") else sq.c.firm_id
            )
        )
    having = union(*ids).subquery()
    rows = db.session.execute(
        select(Firm.id, Firm.name).where(Firm.id.in_(select(having.c[0]))).order_by(Firm.name).limit(2000)
    )
    return [(r.id, r.name) for r in rows]


# ------------------------------------------------------------------ the milestones a rendered page lists
# The ids below come from the user's own worklist (``items``, scoped above); these reads only complete
# what the page shows of them.


class MilestoneVersion(NamedTuple):
    id: int
    firm_id: int
    version: int


def milestone_versions(ids: list[int]) -> dict[int, MilestoneVersion]:
    """Each listed milestone's firm and current version (the confirm forms are built live on them);
    a milestone gone since the page was rendered is absent."""
    if not ids:
        return {}
    q = select(Milestone.id, Milestone.firm_id, Milestone.version).where(Milestone.id.in_(ids))
    return {m.id: MilestoneVersion(*m) for m in db.session.connection().execute(q)}


def milestone_titles(ids: list[int], lang: str) -> dict[int, str]:
    """Issue 17: milestone id → its title in ``lang``, rendered from the engine's message kept with the
    title (one query); Chinese, or a milestone without a message (added by hand, older rows), keeps
    its stored title and is absent here."""
    from pipeline.criteria.messages import render

    if lang == "zh" or not ids:
        return {}
    rows = db.session.execute(
        select(Milestone.id, Milestone.title_msg).where(
            Milestone.id.in_(ids), Milestone.title_msg.isnot(None)
        )
    ).all()
    return {mid: text for mid, m in rows if (text := render(m, lang)) is not None}
