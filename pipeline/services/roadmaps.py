"""Roadmaps (一企一策): plan firms with the pure planner and keep the plans and milestones.

Regeneration after a data change never loses work: milestones that are done, waived or added by
hand stay as they are; open generated milestones are matched to the new plan by code (and order),
moved or retitled in place, and the roadmap records what moved and why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import select

from pipeline.clock import to_shanghai
from pipeline.extensions import db
from pipeline.models import (
    ApplicationBatch,
    CalendarYear,
    County,
    Firm,
    Incident,
    LeadTime,
    Milestone,
    Roadmap,
    StageChange,
)
from pipeline.models.base import utcnow
from pipeline.roadmap import DEFAULT_LEAD_TIMES, Batch, PlanExtras, lead_times_version, make_calendar, plan
from pipeline.roadmap import what_if as plan_what_if
from pipeline.roadmap.calendar import TsmeWindow, default_calendar, default_tsme_window
from pipeline.services.audit import record
from pipeline.services.profiles import load_profiles
from pipeline.vocabulary import PLANNED_STAGES

KEEP_STATUSES = ("done", "waived")


def planner_calendar(today: date):
    """The planning calendar: the admin's batches when any lie ahead, else the default batches
    (Jiangsu practice); the 科小 windows and 年报 deadlines the admin entered per year, the
    defaults for the other years (``Calendar.tsme_window(year)``, ``Calendar.annual_report_due(year)``).
    Reminders read the 科小 and 年报 dates from here too."""
    rows = db.session.scalars(select(ApplicationBatch).order_by(ApplicationBatch.cutoff)).all()
    windows, reports = [], {}
    for y in db.session.scalars(select(CalendarYear)):
        dflt = default_tsme_window(y.year)
        if y.tsme_opens or y.tsme_closes or y.tsme_renewal_by:
            windows.append(
                TsmeWindow(
                    y.year,
                    y.tsme_opens or dflt.opens,
                    y.tsme_closes or dflt.closes,
                    y.tsme_renewal_by or dflt.renewal_by,
                )
            )
        if y.annual_report_due:
            reports[y.year] = y.annual_report_due
    if any(r.cutoff > today for r in rows):
        batches = [Batch(r.code, r.cutoff, r.year, r.opens_on) for r in rows]
    else:
        batches = default_calendar(today).batches
    return make_calendar(batches, windows, reports)


def planner_lead_times() -> dict:
    """Lead times: the defaults with the admin's edits (months and basis) applied."""
    from dataclasses import replace

    merged = dict(DEFAULT_LEAD_TIMES)
    for row in db.session.scalars(select(LeadTime)):
        base = merged.get(row.kind)
        if base is not None:
            merged[row.kind] = replace(base, months=row.months, basis=row.basis or base.basis)
    return merged


def _extras(firms: dict[int, Firm], today: date) -> dict[int, PlanExtras]:
    incidents: dict[int, date] = {}
    ids = list(firms)
    for start in range(0, len(ids), 10000):
        for fid, occurred in db.session.execute(
            select(Incident.firm_id, Incident.occurred_on).where(
                Incident.firm_id.in_(ids[start : start + 10000]),
                Incident.occurred_on >= today - timedelta(days=400),
            )
        ).all():
            if fid not in incidents or occurred > incidents[fid]:
                incidents[fid] = occurred
    fast = set(db.session.scalars(select(County.id).where(County.ip_fast_track.is_(True))))
    applied = _applied_years(firms, ids)
    return {
        fid: PlanExtras(
            tsme_registered=f.tsme_year is not None and f.tsme_year >= today.year - 1,
            hnte_cert_expiry=f.hnte_cert_expiry,
            incident_date=incidents.get(fid),
            fast_track=f.county_id in fast,
            applied_years=frozenset(applied.get(fid, ())),
        )
        for fid, f in firms.items()
    }


def _applied_years(firms: dict[int, Firm], ids: list[int]) -> dict[int, set[int]]:
    """firm id → the years (Asia/Shanghai) in which it applied for HNTE: each move to 已申报; a move
    to 未通过 counts for its own year only when no move to 已申报 came in the 400 days before it (a
    result published early next year belongs to last year's application). The firm's current stage
    counts as a move at ``stage_changed_at`` (firms imported straight into a stage have no history)."""
    moves: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for start in range(0, len(ids), 10000):
        for fid, stage, at in db.session.execute(
            select(StageChange.firm_id, StageChange.to_stage, StageChange.at).where(
                StageChange.firm_id.in_(ids[start : start + 10000]),
                StageChange.to_stage.in_(("applied", "failed")),
            )
        ).all():
            moves[fid].append((at, stage))
    for fid, f in firms.items():
        if f.stage in ("applied", "failed") and f.stage_changed_at is not None:
            moves[fid].append((f.stage_changed_at, f.stage))
    out: dict[int, set[int]] = {}
    for fid, ms in moves.items():
        applied_at = [at for at, stage in ms if stage == "applied"]
        years = {to_shanghai(at).year for at in applied_at}
        for at, stage in ms:
            if stage == "failed" and not any(
                timedelta(0) <= at - a <= timedelta(days=400) for a in applied_at
            ):
                years.add(to_shanghai(at).year)
        out[fid] = years
    return out


def _profiles(firm_ids: list[int], today: date):
    # The planner reads the closed years and this year's expectations; it picks application dates.
    return load_profiles(today, firm_ids, years=(today.year - 4, today.year))


def plan_firms(firm_ids: Iterable[int], today: date):
    """firm id → (Firm, Plan) for the given firms, without saving anything."""
    ids = list(firm_ids)
    firms = {
        f.id: f
        for start in range(0, len(ids), 10000)
        for f in db.session.scalars(select(Firm).where(Firm.id.in_(ids[start : start + 10000])))
    }
    profiles = _profiles(ids, today)
    extras = _extras(firms, today)
    cal, lts = planner_calendar(today), planner_lead_times()
    return (
        {fid: (firms[fid], plan(p, today, cal, lts, extras=extras[fid])) for fid, p in profiles.items()},
        cal,
        lts,
    )


def regenerate(firm_ids: Iterable[int], today: date, user=None, commit: bool = True) -> dict:
    """Plan the firms and store their roadmaps, keeping every milestone's work. Returns counts."""
    planned, cal, lts = plan_firms(firm_ids, today)
    ids = list(planned)
    existing = {
        r.firm_id: r
        for start in range(0, len(ids), 10000)
        for r in db.session.scalars(select(Roadmap).where(Roadmap.firm_id.in_(ids[start : start + 10000])))
    }
    milestones: dict[int, list[Milestone]] = defaultdict(list)
    roadmap_ids = [r.id for r in existing.values()]
    for start in range(0, len(roadmap_ids), 10000):
        for m in db.session.scalars(
            select(Milestone).where(Milestone.roadmap_id.in_(roadmap_ids[start : start + 10000]))
        ):
            milestones[m.roadmap_id].append(m)
    version = f"{cal.version}/{lead_times_version(lts)}"
    stats = {"planned": 0, "created": 0, "updated": 0, "with_target": 0}
    audited: list[tuple[Roadmap, int, int]] = []
    for fid, (_firm, result) in planned.items():
        data = result.to_dict()
        roadmap = existing.get(fid)
        target = data["target"]
        projected = data.get("projected") or {}
        score = projected.get("score") or {}
        fields = dict(
            target_batch=target["batch"] if target else None,
            target_cutoff=date.fromisoformat(target["cutoff"]) if target else None,
            target_year=target["year"] if target else None,
            projected_min=score.get("min"),
            projected_max=score.get("max"),
            generated_at=utcnow(),
            generated_for=today,
            rules_version=projected.get("rules_version") or "hnte-2016/tsme-2017",
            calendar_version=version,
            plan=data,
        )
        if roadmap is None:
            roadmap = Roadmap(firm_id=fid, **fields)
            # Through the relationship: one flush at the end writes every firm's rows together.
            roadmap.milestones = [_new_milestone(None, fid, m) for m in data["milestones"]]
            db.session.add(roadmap)
            changes = [{"kind": "created", "text": _target_text(None, data)}]
            stats["created"] += 1
        else:
            previous_target = roadmap.target_batch
            for k, v in fields.items():
                setattr(roadmap, k, v)
            changes = _merge(roadmap, fid, milestones.get(roadmap.id, []), data["milestones"])
            if previous_target != roadmap.target_batch:
                changes.insert(
                    0,
                    {
                        "kind": "target",
                        "from": previous_target,
                        "to": roadmap.target_batch,
                        "text": _target_text(previous_target, data),
                    },
                )
            stats["updated"] += 1
        roadmap.changes = changes
        stats["planned"] += 1
        stats["with_target"] += target is not None
        if user is not None:
            audited.append((roadmap, fid, len(changes)))
    db.session.flush()
    for roadmap, fid, n in audited:
        record(
            user,
            "regenerate",
            "roadmap",
            roadmap.id,
            fid,
            None,
            {"target_batch": roadmap.target_batch, "changes": n},
        )
    if commit:
        db.session.commit()
    return stats


def _target_text(previous: str | None, data: dict) -> str:
    target = data["target"]
    blocked = data["earlier_batches"]
    why = "；".join(f"{b['batch']}：{b['why']}" for b in blocked[-2:]) if blocked else ""
    if target is None:
        return "在现有申报日历内尚无可通过的批次" + (f"（{why}）" if why else "")
    head = (
        f"目标批次：{target['batch']}（截止{target['cutoff']}）"
        if previous is None
        else f"目标批次由{previous or '无'}调整为{target['batch']}"
    )
    return head + (f"；更早批次不可行：{why}" if why else "")


def _new_milestone(roadmap: Roadmap | None, firm_id: int, m: dict) -> Milestone:
    return Milestone(
        roadmap_id=roadmap.id if roadmap is not None else None,
        firm_id=firm_id,
        code=m["code"],
        title=m["title"],
        addresses=list(m["addresses"]),
        basis=m.get("basis"),
        due=date.fromisoformat(m["due"]),
        owner=m["owner"],
        status="todo",
        manual=False,
    )


def _merge(roadmap: Roadmap, firm_id: int, current: list[Milestone], planned: list[dict]) -> list[dict]:
    """Fold a new plan into the stored milestones; returns the list of changes, each with a reason."""
    changes: list[dict] = []
    kept = [m for m in current if m.manual or m.status in KEEP_STATUSES]
    open_by_code: dict[str, list[Milestone]] = defaultdict(list)
    for m in sorted(
        (m for m in current if not m.manual and m.status not in KEEP_STATUSES), key=lambda m: m.due
    ):
        open_by_code[m.code].append(m)
    finished = {(m.code, m.title) for m in kept if m.status in KEEP_STATUSES}
    for p in planned:
        due = date.fromisoformat(p["due"])
        queue = open_by_code.get(p["code"])
        if queue:
            m = queue.pop(0)
            if m.due != due:
                changes.append(
                    {
                        "kind": "moved",
                        "code": m.code,
                        "title": p["title"],
                        "from": m.due.isoformat(),
                        "to": due.isoformat(),
                        "text": f"“{p['title']}”期限由{m.due}调整为{due}（{p['basis']}）",
                    }
                )
            if m.title != p["title"]:
                changes.append(
                    {
                        "kind": "retitled",
                        "code": m.code,
                        "title": p["title"],
                        "text": f"“{m.title}”调整为“{p['title']}”",
                    }
                )
            m.due, m.title, m.addresses, m.basis, m.owner = (
                due,
                p["title"],
                list(p["addresses"]),
                p.get("basis"),
                p["owner"],
            )
        elif (p["code"], p["title"]) in finished:
            continue  # already done (or waived): not asked again
        else:
            db.session.add(_new_milestone(roadmap, firm_id, p))
            changes.append(
                {
                    "kind": "added",
                    "code": p["code"],
                    "title": p["title"],
                    "to": p["due"],
                    "text": f"新增“{p['title']}”，期限{p['due']}",
                }
            )
    for queue in open_by_code.values():
        for m in queue:
            if m.status == "doing" or m.progress_note or m.evidence_note:
                # Work has started on it: keep it, and say the plan no longer needs it.
                changes.append(
                    {
                        "kind": "obsolete",
                        "code": m.code,
                        "title": m.title,
                        "text": f"“{m.title}”已不在新方案中，因已有进展予以保留",
                    }
                )
                continue
            changes.append(
                {
                    "kind": "removed",
                    "code": m.code,
                    "title": m.title,
                    "text": f"“{m.title}”按最新数据已无需办理，已移除",
                }
            )
            db.session.delete(m)
    return changes


def what_if(firm: Firm, changes: dict, today: date) -> dict:
    """The plan for ``firm`` with ``changes`` applied in memory (nothing is saved)."""
    profile = _profiles([firm.id], today).get(firm.id)
    if profile is None:
        raise ValueError("企业缺少成立日期，无法测算")
    extras = _extras({firm.id: firm}, today)[firm.id]
    return plan_what_if(
        profile, changes, today, planner_calendar(today), planner_lead_times(), extras=extras
    ).to_dict()


def current(firm_id: int) -> Roadmap | None:
    return db.session.scalars(select(Roadmap).where(Roadmap.firm_id == firm_id)).first()


def planned_firm_ids() -> list[int]:
    return list(db.session.scalars(select(Firm.id).where(Firm.stage.in_(PLANNED_STAGES))))
