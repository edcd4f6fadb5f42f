"""Roadmaps (一企一策): plan firms with the pure planner and keep the plans and milestones.

Regeneration after a data change never loses work: milestones that are done, waived or added by
hand stay as they are; an open generated milestone is the same milestone in the new plan only when
its code and its subject (the fiscal year it is about, or its rank: the first utility model to file)
agree, and is then moved or retitled in place; one whose subject changed is closed as superseded and
a new one is made (notes, status and reports stay on the milestone they were written on). The
roadmap records what was added, moved and superseded, and which input changed (issue 11).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import NamedTuple

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
from pipeline.vocabulary import MILESTONE_SUPERSEDED, PLANNED_STAGES, ROADMAP_INPUTS

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
    planned, cal, lts, _stamps = _plan_with_inputs(firm_ids, today)
    return planned, cal, lts


def _plan_with_inputs(firm_ids: Iterable[int], today: date):
    ids = list(firm_ids)
    firms = {
        f.id: f
        for start in range(0, len(ids), 10000)
        for f in db.session.scalars(select(Firm).where(Firm.id.in_(ids[start : start + 10000])))
    }
    profiles = _profiles(ids, today)
    extras = _extras(firms, today)
    cal, lts = planner_calendar(today), planner_lead_times()
    version = f"{cal.version}/{lead_times_version(lts)}"
    planned = {fid: (firms[fid], plan(p, today, cal, lts, extras=extras[fid])) for fid, p in profiles.items()}
    stamps = {fid: input_stamp(p, extras[fid], version, today) for fid, p in profiles.items()}
    return planned, cal, lts, stamps


def _digest(value) -> str:
    return hashlib.sha1(repr(value).encode()).hexdigest()[:12]


def input_stamp(profile, extras: PlanExtras, calendar_version: str, today: date) -> dict[str, str]:
    """A fingerprint of what a plan was made from, by input: ``year:2026`` (that year's figures),
    ``ip``, ``facts`` (domain, conversions, grades, management, standards, flags), ``extras``
    (certificate, incident, 科小 registration), ``calendar`` (batches and lead times), ``date``.
    Two regenerations' stamps differ exactly in the inputs that changed between them."""
    stamp = {f"year:{y}": _digest(fig) for y, fig in sorted(profile.years.items())}
    stamp["ip"] = _digest(tuple(sorted(map(repr, profile.ip))))
    stamp["facts"] = _digest(
        (
            profile.registered_on,
            profile.tech_domain,
            sorted(dict(profile.conversions).items()),
            sorted(dict(profile.grades).items()),
            sorted(profile.rd_management),
            profile.standards,
            profile.incident_within_year,
            profile.revoked_this_year,
            profile.tsme,
        )
    )
    stamp["extras"] = _digest(extras)
    stamp["calendar"] = calendar_version
    stamp["date"] = today.isoformat()
    return stamp


def changed_inputs(before: dict | None, after: dict) -> list[str] | None:
    """The inputs whose fingerprint differs (``None`` when the previous stamp is unknown)."""
    if not before:
        return None
    keys = sorted(set(before) | set(after), key=lambda k: (k.startswith("year:") is False, k))
    return [k for k in keys if before.get(k) != after.get(k)]


def input_labels(keys: Iterable[str] | None) -> list[str]:
    """The changed inputs as words in the UI language (``year:2026`` → 2026年度数据); years that only
    entered or left the window because the date moved are said once, as the date."""
    from pipeline.i18n import gettext

    out = []
    for k in keys or ():
        kind, _, year = k.partition(":")
        label = ROADMAP_INPUTS.get(kind)
        if label is None:
            continue
        out.append(gettext(label, year=year) if year else gettext(label))
    return out


def regenerate(firm_ids: Iterable[int], today: date, user=None) -> dict:
    """Plan the firms and store their roadmaps, keeping every milestone's work. Returns counts."""
    planned, cal, lts, stamps = _plan_with_inputs(firm_ids, today)
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
    audited: list[tuple[Roadmap, int, list[dict]]] = []
    flagged: list[tuple[Firm, Milestone]] = []
    for fid, (firm, result) in planned.items():
        data = result.to_dict(codes=True)
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
            roadmap = Roadmap(firm_id=fid, changed_inputs=None, **fields)
            # Through the relationship: one flush at the end writes every firm's rows together.
            roadmap.milestones = [_new_milestone(None, fid, m) for m in data["milestones"]]
            db.session.add(roadmap)
            changes = [{"kind": "created", "text": _target_text(None, data)}]
            stats["created"] += 1
        else:
            previous_target = roadmap.target_batch
            roadmap.changed_inputs = changed_inputs(roadmap.inputs, stamps[fid])
            for k, v in fields.items():
                setattr(roadmap, k, v)
            changes, superseded = _merge(
                roadmap, fid, milestones.get(roadmap.id, []), data["milestones"], today
            )
            flagged += [(firm, m) for m in superseded if m.progress_pending]
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
        roadmap.inputs = stamps[fid]
        roadmap.changes = changes
        stats["planned"] += 1
        stats["with_target"] += target is not None
        if user is not None:
            audited.append((roadmap, fid, changes))
    db.session.flush()
    for roadmap, fid, changes in audited:
        record(user, "regenerate", "roadmap", roadmap.id, fid, None, _audit_summary(roadmap, changes))
    for firm, m in flagged:
        _flag_superseded_report(firm, m)
    db.session.flush()
    return stats


def _audit_summary(roadmap: Roadmap, changes: list[dict]) -> dict:
    """What the firm's history shows for a regeneration: target, counts by kind, and why."""
    counts = Counter(c["kind"] for c in changes)
    out: dict = {"target_batch": roadmap.target_batch, "changes": len(changes)}
    for kind in ("added", "moved", "removed"):
        if counts[kind]:
            out[kind] = counts[kind]
    gone = [c["title"] for c in changes if c["kind"] == "superseded"]
    if gone:
        out["superseded"] = gone
    if roadmap.changed_inputs:
        out["why"] = roadmap.changed_inputs
    return out


def _flag_superseded_report(firm: Firm, m: Milestone) -> None:
    """A firm's report still waiting on a milestone that was just superseded: tell the officer, who
    decides whether it applies to the new milestone (the report stays where it was written)."""
    from pipeline.reminders.texts import loc, pair
    from pipeline.services.notify import notify_officers

    new = m.superseded_by
    notify_officers(
        firm,
        "milestone_superseded",
        m.id,
        *pair(
            "milestone_superseded",
            firm=firm.name,
            old=loc(m.title, m.title_msg),
            new=loc(new.title, new.title_msg) if new is not None else "—",
            note=m.progress_note or "",
        ),
        f"/firms/{firm.id}#ms-{m.id}",
    )


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
        title_msg=m.get("title_msg"),  # issue 17: English pages, reminders and the inbox render it
        addresses=list(m["addresses"]),
        basis=m.get("basis"),
        due=date.fromisoformat(m["due"]),
        owner=m["owner"],
        status="todo",
        manual=False,
    )


_SUBJECT_YEAR = re.compile(r"(\d{4})年度")


def milestone_subject(title: str | None) -> str:
    """What a generated milestone is about besides its code: the fiscal year its title names
    (“2026年度研发费用不低于…” → ``"2026"``), or ``""`` when it names none (then its rank among the
    milestones of its code is its subject: the first utility model to file, the second, …)."""
    found = _SUBJECT_YEAR.search(title or "")
    return found.group(1) if found else ""


class Identity(NamedTuple):
    code: str
    subject: str
    rank: int


def identities(items: Iterable[tuple[str, str]]) -> list[Identity]:
    """``(code, subject, rank)`` of each ``(code, title)`` in due order: two milestones are the same
    milestone exactly when these agree (rank counts milestones of the same code and subject)."""
    seen: Counter = Counter()
    out = []
    for code, title in items:
        key = (code, milestone_subject(title))
        out.append(Identity(*key, seen[key]))
        seen[key] += 1
    return out


def _merge(
    roadmap: Roadmap, firm_id: int, current: list[Milestone], planned: list[dict], today: date
) -> tuple[list[dict], list[Milestone]]:
    """Fold a new plan into the stored milestones. A planned milestone with the identity (code,
    subject, rank) of an open stored one is that milestone: moved or retitled in place, its notes,
    status and reports untouched. A stored open milestone whose code is planned again with another
    subject is closed as superseded by a new one (its notes and reports stay on it). Returns the
    changes (each with a reason) and the milestones superseded."""
    changes: list[dict] = []
    kept = [m for m in current if m.manual or m.status in KEEP_STATUSES or m.superseded]
    open_ms = sorted((m for m in current if m not in kept), key=lambda m: (m.due, m.id or 0))
    by_identity = dict(zip(identities((m.code, m.title) for m in open_ms), open_ms, strict=True))
    done = [m for m in kept if m.status in KEEP_STATUSES]
    finished = {(m.code, m.title) for m in done} | {
        (m.code, milestone_subject(m.title)) for m in done if milestone_subject(m.title)
    }
    fresh: list[dict] = []
    for key, p in zip(identities((p["code"], p["title"]) for p in planned), planned, strict=True):
        m = by_identity.pop(key, None)
        if m is not None:
            changes += _update(m, p)
        elif (p["code"], p["title"]) in finished or (key.subject and (key.code, key.subject) in finished):
            continue  # already done (or waived): not asked again
        else:
            fresh.append(p)
    leftover: dict[str, list[Milestone]] = defaultdict(list)
    for m in by_identity.values():
        leftover[m.code].append(m)
    superseded = []
    for p in fresh:
        new = _new_milestone(roadmap, firm_id, p)
        db.session.add(new)
        queue = leftover.get(p["code"])
        if not queue:
            changes.append(
                {
                    "kind": "added",
                    "code": p["code"],
                    "title": p["title"],
                    "to": p["due"],
                    "text": f"新增“{p['title']}”，期限{p['due']}",
                }
            )
            continue
        old = queue.pop(0)
        changes.append(
            {
                "kind": "superseded",
                "code": old.code,
                "title": old.title,
                "new_title": p["title"],
                "was": old.status,
                "from": old.due.isoformat(),
                "to": p["due"],
                "text": f"“{old.title}”已由“{p['title']}”（期限{p['due']}）取代",
            }
        )
        old.status, old.superseded_on, old.superseded_by = MILESTONE_SUPERSEDED, today, new
        superseded.append(old)
    for queue in leftover.values():
        for m in queue:
            changes.append(_drop(m))
    return changes, superseded


def _update(m: Milestone, p: dict) -> list[dict]:
    """The same milestone in the new plan: new date and wording; its work stays as it is."""
    changes = []
    due = date.fromisoformat(p["due"])
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
                "old_title": m.title,
                "text": f"“{m.title}”调整为“{p['title']}”",
            }
        )
    m.title_msg = p.get("title_msg")
    m.due, m.title, m.addresses, m.basis, m.owner = (
        due,
        p["title"],
        list(p["addresses"]),
        p.get("basis"),
        p["owner"],
    )
    return changes


def _drop(m: Milestone) -> dict:
    """A stored open milestone the new plan no longer has at all."""
    if m.status == "doing" or m.progress_note or m.evidence_note:
        # Work has started on it: keep it, and say the plan no longer needs it.
        return {
            "kind": "obsolete",
            "code": m.code,
            "title": m.title,
            "text": f"“{m.title}”已不在新方案中，因已有进展予以保留",
        }
    db.session.delete(m)
    return {
        "kind": "removed",
        "code": m.code,
        "title": m.title,
        "text": f"“{m.title}”按最新数据已无需办理，已移除",
    }


def what_if(firm: Firm, changes: dict, today: date) -> dict:
    """The plan for ``firm`` with ``changes`` applied in memory (nothing is saved)."""
    profile = _profiles([firm.id], today).get(firm.id)
    if profile is None:
        raise ValueError("企业缺少成立日期，无法测算")
    extras = _extras({firm.id: firm}, today)[firm.id]
    return plan_what_if(
        profile, changes, today, planner_calendar(today), planner_lead_times(), extras=extras
    ).to_dict(codes=True)


def current(firm_id: int) -> Roadmap | None:
    return db.session.scalars(select(Roadmap).where(Roadmap.firm_id == firm_id)).first()


def milestones_of(roadmap: Roadmap) -> list[Milestone]:
    """The roadmap's milestones (superseded ones too), by due date."""
    return list(
        db.session.scalars(
            select(Milestone)
            .where(Milestone.roadmap_id == roadmap.id, Milestone.firm_id == roadmap.firm_id)
            .order_by(Milestone.due, Milestone.id)
        )
    )


def planned_firm_ids() -> list[int]:
    return list(db.session.scalars(select(Firm.id).where(Firm.stage.in_(PLANNED_STAGES))))
