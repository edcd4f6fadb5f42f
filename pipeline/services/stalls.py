"""Time in stage, stalled firms and the 退库 suggestion (issue 18). ``today`` is always passed in.

Definitions (stated on the pages too):

* **Time in stage**: days from the firm's last stage move (the newest row of its stage history; a
  firm never moved counts from when it was entered) to ``today`` (Asia/Shanghai dates).
* **停滞 (stalled)**: a firm in a working stage (:data:`vocabulary.STALL_STAGES`) with no stage move,
  no milestone progress and no data update for more than N days (the setting
  ``reminders.stalled_days``, default 90). "Progress or update" is a row of the audit log written
  by a person for the firm's data, milestones, submissions or stage (:data:`ACTIVITY_ENTITIES`);
  jobs (nightly assessment, roadmap regeneration) leave no such row and so never "un-stall" a firm.
* **建议退库 (exit suggested)**: the firm's last two application outcomes (moves to 未通过 or 已认定
  in the stage history, since its last 退库) are both 未通过. The officer confirms with a reason; the
  move is an ordinary stage move, recorded in the stage history with that reason.
* **Re-entry**: a firm that left the pool (退库) may re-enter it from the next calendar year on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from sqlalchemy import and_, case, func, literal, select, true

from pipeline import permissions
from pipeline.extensions import db
from pipeline.i18n import gettext
from pipeline.models import AuditLog, Firm, StageChange
from pipeline.vocabulary import STAGES, STALL_STAGES

ACTIVITY_ENTITIES = (
    "firm",
    "fiscal_year",
    "ip_asset",
    "conversion",
    "incident",
    "rd_evidence",
    "milestone",
    "figure_submission",
)
DEFAULT_STALLED_DAYS = 90
OUTCOME_STAGES = ("certified", "failed")
EXIT_STAGE = "exited"
RE_ENTRY_STAGES = tuple(s for s in STAGES if s not in ("exited",))


def stalled_days() -> int:
    """N of the stalled rule: the ``reminders.stalled_days`` setting (the reminder settings page)."""
    from pipeline.reminders.settings import thresholds
    from pipeline.services import stamp

    return stamp.cached("stalled_days", (), lambda: thresholds(db.session).stalled_days)


def _utc_start(day: date) -> datetime:
    """00:00 of ``day`` in Asia/Shanghai as the naive UTC datetime the tables store."""
    return datetime.combine(day, time()) - timedelta(hours=8)


def _shanghai_date(moment: datetime | None) -> date | None:
    return None if moment is None else (moment + timedelta(hours=8)).date()


def _activity_since(cutoff: datetime):
    return (
        select(AuditLog.id)
        .where(
            AuditLog.firm_id == Firm.id,
            AuditLog.user_id.isnot(None),
            AuditLog.entity.in_(ACTIVITY_ENTITIES),
            AuditLog.at >= cutoff,
        )
        .correlate(Firm)
        .exists()
    )


def stalled_clause(today: date, days: int | None = None):
    """SQL on ``Firm``: the firm is stalled on ``today`` (N = ``days`` or the setting)."""
    days = stalled_days() if days is None else days
    cutoff = _utc_start(today - timedelta(days=days))
    return and_(
        Firm.stage.in_(STALL_STAGES),
        func.coalesce(Firm.stage_changed_at, Firm.created_at) < cutoff,
        ~_activity_since(cutoff),
    )


def _last_activity_col():
    return (
        select(func.max(AuditLog.at))
        .where(
            AuditLog.firm_id == Firm.id,
            AuditLog.user_id.isnot(None),
            AuditLog.entity.in_(ACTIVITY_ENTITIES),
        )
        .correlate(Firm)
        .scalar_subquery()
    )


@dataclass
class Stalled:
    firm_id: int
    name: str
    stage: str
    county_id: int
    officer_id: int | None
    last_activity: date  # the newest of the last stage move and the last person's update
    days: int  # days since then
    in_stage_days: int


def stalled_firms(where, today: date, days: int | None = None, limit: int = 200) -> tuple[int, list[Stalled]]:
    """``(count, rows)`` of the stalled firms in ``where`` (longest stalled first, at most ``limit``).

    The digest (issue 17) calls this with the recipient's scope: ``stalled_firms(scope_filter(user), today)``."""
    clause = and_(where, stalled_clause(today, days))
    total = db.session.scalar(select(func.count()).select_from(Firm).where(clause)) or 0
    moved = func.coalesce(Firm.stage_changed_at, Firm.created_at)
    rows = db.session.execute(
        select(Firm.id, Firm.name, Firm.stage, Firm.county_id, Firm.officer_id, moved, _last_activity_col())
        .where(clause)
        .order_by(moved, Firm.name, Firm.id)
        .limit(limit)
    ).all()
    out = []
    for fid, name, stage, cid, oid, moved_at, touched in rows:
        since = _shanghai_date(max(m for m in (moved_at, touched) if m is not None))
        out.append(
            Stalled(
                fid,
                name,
                stage,
                cid,
                oid,
                since,
                (today - since).days,
                (today - _shanghai_date(moved_at)).days,
            )
        )
    out.sort(key=lambda s: (-s.days, s.name, s.firm_id))
    return total, out


def stalled_ids(ids, today: date, days: int | None = None) -> set[int]:
    """Which of these firm ids are stalled (the pool page flags its rows with it: one query)."""
    ids = [i for i in ids if i]
    if not ids:
        return set()
    return set(db.session.scalars(select(Firm.id).where(Firm.id.in_(ids), stalled_clause(today, days))))


# ------------------------------------------------------------------ time in stage


def stage_since(firm: Firm) -> date | None:
    """The day the firm reached its current stage: its newest stage-history row, else its entry."""
    at = db.session.scalar(
        select(func.max(StageChange.at)).where(
            StageChange.firm_id == firm.id, StageChange.to_stage == firm.stage
        )
    )
    return _shanghai_date(at or firm.stage_changed_at or firm.created_at)


def days_since(moment: datetime, today: date) -> int:
    """Whole days from a stored (UTC) moment to ``today`` in Asia/Shanghai."""
    return (today - _shanghai_date(moment)).days


def days_in_stage(firm: Firm, today: date) -> int | None:
    since = stage_since(firm)
    return None if since is None else (today - since).days


def _days(later, earlier):
    """Days between two datetime SQL expressions (SQLite and PostgreSQL)."""
    if db.engine.dialect.name == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


class _Stays(NamedTuple):
    firms: int
    avg_days: float


def stage_durations(where, today: date) -> list[dict]:
    """Average days per stage: over the stays that ended (from the stage history: each move ends a
    stay in its ``from_stage`` that began at the previous move, or at the firm's entry), and over
    the firms in the stage now (so far). Two queries, grouped in SQL."""
    prev = (
        func.lag(StageChange.at)
        .over(partition_by=StageChange.firm_id, order_by=(StageChange.at, StageChange.id))
        .label("prev")
    )
    stays = (
        select(
            StageChange.from_stage.label("stage"),
            StageChange.at.label("ended"),
            prev,
            Firm.created_at.label("entered"),
        )
        .join(Firm, Firm.id == StageChange.firm_id)
        .where(where, StageChange.from_stage.isnot(None))
        .subquery()
    )
    began = func.coalesce(stays.c.prev, stays.c.entered)
    done = {
        stage: _Stays(int(n), float(avg or 0))
        for stage, n, avg in db.session.execute(
            select(stays.c.stage, func.count(), func.avg(_days(stays.c.ended, began))).group_by(stays.c.stage)
        )
    }
    now = literal(_utc_start(today + timedelta(days=1)))  # through the end of today
    current = {
        stage: _Stays(int(n), float(avg or 0))
        for stage, n, avg in db.session.execute(
            select(
                Firm.stage,
                func.count(),
                func.avg(_days(now, func.coalesce(Firm.stage_changed_at, Firm.created_at))),
            )
            .where(where)
            .group_by(Firm.stage)
        )
    }
    return [
        {
            "stage": s,
            "label": STAGES[s],
            "left": done[s].firms if s in done else 0,
            "avg_days_left": round(done[s].avg_days) if s in done else None,
            "now": current[s].firms if s in current else 0,
            "avg_days_now": int(current[s].avg_days) if s in current else None,
        }
        for s in STAGES
    ]


# ------------------------------------------------------------------ 退库 suggestion and re-entry


def _history(firm_id: int) -> list[StageChange]:
    return list(
        db.session.scalars(
            select(StageChange)
            .where(StageChange.firm_id == firm_id)
            .order_by(StageChange.at.desc(), StageChange.id.desc())
        )
    )


def exit_suggestion(firm: Firm) -> list[date] | None:
    """The days of the two failed applications in a row when 退库 is suggested, else None."""
    if firm.stage == EXIT_STAGE:
        return None
    outcomes = []
    for change in _history(firm.id):
        if change.to_stage == EXIT_STAGE:
            break  # only what happened since the firm last re-entered
        if change.to_stage in OUTCOME_STAGES:
            outcomes.append(change)
        if len(outcomes) == 2:
            break
    if len(outcomes) == 2 and all(c.to_stage == "failed" for c in outcomes):
        return [_shanghai_date(c.at) for c in reversed(outcomes)]
    return None


def exit_suggested_clause(ids=None):
    """SQL on ``Firm``: 退库 is suggested (the same rule as :func:`exit_suggestion`, in one query):
    among the firm's two newest moves to 未通过 / 已认定 / 退库, both are to 未通过. With ``ids``,
    only those firms' history is windowed (a page's rows or a scope's firms as a subquery,
    not the whole city's history)."""
    rn = (
        func.row_number()
        .over(partition_by=StageChange.firm_id, order_by=(StageChange.at.desc(), StageChange.id.desc()))
        .label("rn")
    )
    sub = (
        select(StageChange.firm_id.label("firm_id"), StageChange.to_stage.label("to_stage"), rn)
        .where(StageChange.to_stage.in_(OUTCOME_STAGES + (EXIT_STAGE,)))
        .where(StageChange.firm_id.in_(ids) if ids is not None else true())
        .subquery()
    )
    failed = func.sum(case((sub.c.to_stage == "failed", 1), else_=0))
    suggested = select(sub.c.firm_id).where(sub.c.rn <= 2).group_by(sub.c.firm_id).having(failed == 2)
    return and_(Firm.stage != EXIT_STAGE, Firm.id.in_(suggested))


def exit_suggested_ids(ids) -> set[int]:
    """Which of these firms have 退库 suggested (the pool flags its rows with it: one query)."""
    ids = [i for i in ids if i]
    if not ids:
        return set()
    return set(db.session.scalars(select(Firm.id).where(Firm.id.in_(ids), exit_suggested_clause(ids))))


def exited_on(firm: Firm) -> date | None:
    """The day of the firm's last 退库 (its newest move to 退库), when it is at 退库 now."""
    if firm.stage != EXIT_STAGE:
        return None
    at = db.session.scalar(
        select(func.max(StageChange.at)).where(
            StageChange.firm_id == firm.id, StageChange.to_stage == EXIT_STAGE
        )
    )
    return _shanghai_date(at or firm.stage_changed_at)


def re_entry_error(firm: Firm, to_stage: str, today: date) -> str | None:
    """Why the firm may not leave 退库 for ``to_stage`` on ``today`` (None: it may)."""
    if firm.stage != EXIT_STAGE or to_stage == EXIT_STAGE:
        return None
    left = exited_on(firm)
    if left is not None and left.year >= today.year:
        return gettext(
            "%(name)s left the pool on %(day)s; it can re-enter from %(year)s on.",
            name=firm.name,
            day=left.isoformat(),
            year=left.year + 1,
        )
    return None


def digest_items(user, today: date, limit: int = 200) -> list[tuple[str, str]]:
    """The digest's stalled section (issue 17's ``reminders/digest.py``): ``(firm name, why)`` for the
    user's stalled firms (their scope), longest silence first: Chinese, carrying its message code."""
    from pipeline.services.scope import scope_filter

    if not permissions.can(user, "dashboard.view"):
        return []
    _, rows = stalled_firms(scope_filter(user), today, limit=limit)
    from pipeline.reminders.texts import label, line

    return [  # issue 17: the why is a message (its code renders it in the reader's language)
        (
            s.name,
            line(
                "stall.why", stage=label(STAGES.get(s.stage, s.stage)), since_on=s.last_activity, days=s.days
            ),
        )
        for s in rows
    ]
